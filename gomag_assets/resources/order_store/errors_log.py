"""The append-only history of MALFORMED orders, one line per order per run, for people to grep.

Each record is ``time<TAB>run id<TAB>order id<TAB>order number<TAB>reason<TAB>shop``.
Backslashes, tabs and line breaks inside a value are written as ``\\\\``, ``\\t``, ``\\n``,
``\\r`` so a record is always exactly one line. The file only grows, with one exception: a
last line without its newline is a record cut off by a crash (or a full disk) while it was
written, and is dropped before the next append, so every line is a whole record; the rerun of
the crashed run logs it again.
"""

import fcntl
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

_TAIL_BLOCK = 4096
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass(frozen=True, slots=True)
class MalformedRecord:
    """One MALFORMED order as the errors log remembers it."""

    logged_at: str
    run_id: str
    order_id: str
    order_number: str | None
    reason: str | None
    shop: str
    """Last, so the columns before it stay where they were before there were shops."""

    def to_line(self) -> str:
        """The record as one tab-separated line, values escaped, ending in a newline."""
        values = (
            self.logged_at,
            self.run_id,
            self.order_id,
            self.order_number,
            self.reason,
            self.shop,
        )
        return "\t".join(_escape(value) for value in values) + "\n"


def append_records(path: str, records: Iterable[MalformedRecord]) -> None:
    """Append ``records`` with one ``write`` and make them durable before returning.

    Appenders take turns (``flock``): two runs on different days may finish at once.
    """
    text = "".join(record.to_line() for record in records)
    if not text:
        return
    # backslashreplace: a lone surrogate in a reason must not cost the whole log line.
    data = text.encode("utf-8", "backslashreplace")
    Path(path).parent.mkdir(parents=True, exist_ok=True)  # a PostgreSQL store makes no folder
    with open(path, "a+b") as log:
        fcntl.flock(log, fcntl.LOCK_EX)
        _drop_torn_line(log)
        log.write(data)
        log.flush()
        os.fsync(log.fileno())


def _drop_torn_line(log: BinaryIO) -> None:
    """Cut the file back to its last newline when a crash left a record without one."""
    end = log.seek(0, os.SEEK_END)
    if end == 0:
        return
    log.seek(end - 1)
    if log.read(1) == b"\n":
        return
    start = end
    while start > 0:
        start = max(0, start - _TAIL_BLOCK)
        log.seek(start)
        newline = log.read(end - start).rfind(b"\n")
        if newline >= 0:
            log.truncate(start + newline + 1)
            return
        end = start
    log.truncate(0)


def _escape(value: object) -> str:
    return "" if value is None else str(value).translate(_ESCAPES)
