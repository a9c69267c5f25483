"""The errors log's torn-line cut: a record a crash left without its newline is dropped before
the next append, however long it is, and no whole record is ever lost with it."""

import pytest

from gomag_assets.resources.order_store.errors_log import MalformedRecord, append_records

BLOCK = 4096
"""The size of the blocks the cut reads backwards from the end of the file."""


def _record(number: int, reason: str = "date: missing") -> MalformedRecord:
    order_id = str(100_000 + number)
    return MalformedRecord(
        "2026-10-01T15:00:00.000+00:00", "run-1", order_id, f"GM-{order_id}", reason, "default"
    )


def _whole_lines(count: int) -> bytes:
    """``count`` complete records, their reasons long enough to fill several blocks."""
    lines = (_record(n, "billing.city: 'Iași' " + "ș" * 3000).to_line() for n in range(count))
    return "".join(lines).encode("utf-8")


def _torn(size: int) -> bytes:
    """The first ``size`` bytes of a record whose line is longer: a record a crash cut short."""
    line = _record(99, "x" * (size + 100)).to_line().encode("utf-8")
    return line[:size]


@pytest.mark.parametrize("whole_records", [0, 1, 3])
@pytest.mark.parametrize(
    "torn_bytes",
    [1, 100, BLOCK - 1, BLOCK, BLOCK + 1, 3 * BLOCK - 1, 3 * BLOCK + 7],
    ids=lambda size: f"torn{size}",
)
def test_a_torn_last_line_is_cut_before_the_next_append(tmp_path, whole_records, torn_bytes):
    """Guards the cut in ``errors_log.py``: a torn line of any length, its newline found at a
    block's first byte, in a later block or nowhere, is dropped whole and nothing before it."""
    log = tmp_path / "sync_errors_history.log"
    whole = _whole_lines(whole_records)
    log.write_bytes(whole + _torn(torn_bytes))
    appended = [_record(7, "items[0].quantity: 'două' is not a number"), _record(8)]

    append_records(str(log), appended)

    assert log.read_bytes() == whole + "".join(r.to_line() for r in appended).encode("utf-8")


@pytest.mark.parametrize("whole_records", [0, 2])
def test_a_log_ending_in_a_newline_is_only_appended_to(tmp_path, whole_records):
    log = tmp_path / "sync_errors_history.log"
    whole = _whole_lines(whole_records)
    log.write_bytes(whole)

    append_records(str(log), [_record(7)])
    append_records(str(log), [])

    assert log.read_bytes() == whole + _record(7).to_line().encode("utf-8")
