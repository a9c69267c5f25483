"""The append-only history of MALFORMED orders, one line per order per run, for people to grep.

Each record is ``time<TAB>run id<TAB>order id<TAB>order number<TAB>reason``. Backslashes, tabs and
line breaks inside a value are written as ``\\\\``, ``\\t``, ``\\n``, ``\\r`` so a record is
always exactly one line. The file is only ever opened for appending.
"""

import os
from collections.abc import Iterable
from dataclasses import dataclass

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass(frozen=True, slots=True)
class MalformedRecord:
    """One MALFORMED order as the errors log remembers it."""

    logged_at: str
    run_id: str
    order_id: str
    order_number: str | None
    reason: str | None

    def to_line(self) -> str:
        """The record as one tab-separated line, values escaped, ending in a newline."""
        values = (self.logged_at, self.run_id, self.order_id, self.order_number, self.reason)
        return "\t".join(_escape(value) for value in values) + "\n"


def append_records(path: str, records: Iterable[MalformedRecord]) -> None:
    """Append ``records`` with one ``write`` and make them durable before returning."""
    text = "".join(record.to_line() for record in records)
    if not text:
        return
    # backslashreplace: a lone surrogate in a reason must not cost the whole log line.
    with open(path, "a", encoding="utf-8", errors="backslashreplace") as log:
        log.write(text)
        log.flush()
        os.fsync(log.fileno())


def _escape(value: object) -> str:
    return "" if value is None else str(value).translate(_ESCAPES)
