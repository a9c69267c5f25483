"""SQLite, the order store's embedded dialect: connections, transactions, and refusals.

Connections run in autocommit mode (``isolation_level=None``): the store issues ``BEGIN IMMEDIATE``
and ``COMMIT`` itself, so a write transaction takes the write lock up front instead of failing
half-way through with ``database is locked``. When SQLite says the file itself cannot be used
(locked past ``busy_timeout``, read-only, full, damaged), the store raises
:class:`StoreUnavailable`, which names the file and what to do.
"""

import sqlite3
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

from gomag_assets.resources.order_store.dialect import Insert, RowsFailed, transaction
from gomag_assets.resources.order_store.lossless_text import SQLITE_TEXT, to_sqlite
from gomag_assets.resources.order_store.schema import SCHEMA_VERSION, migration_from
from gomag_assets.resources.order_store.shop_step import rebuild_sqlite

_WAL_RETRY_SECONDS = 0.01


class StoreUnavailable(sqlite3.OperationalError):
    """The store's file cannot be used at all: locked by another writer past ``busy_timeout``,
    read-only, full, damaged, or not an SQLite database.

    No order is at fault and none is half-written (a transaction commits whole or leaves no
    trace). The message names the file and what to do; then run the same window again.
    ``sqlite_errorcode``/``sqlite_errorname`` are SQLite's, as on any ``sqlite3.Error``.
    """


_SAME_DAMAGE = "the file is damaged; restore it from a backup, or move it aside to start anew"
_REFUSALS = {
    sqlite3.SQLITE_BUSY: (
        "another process held its write lock longer than busy_timeout_ms={busy_timeout_ms}; "
        "run again once it is done"
    ),
    sqlite3.SQLITE_READONLY: "the file (or its folder, for -wal and -shm) is read-only",
    sqlite3.SQLITE_FULL: "the disk is full; free space and run again",
    sqlite3.SQLITE_CORRUPT: _SAME_DAMAGE,
    sqlite3.SQLITE_NOTADB: (
        "it is not an SQLite database; restore it from a backup, or move it aside to start anew"
    ),
    sqlite3.SQLITE_CANTOPEN: "the file cannot be opened; check the path and its permissions",
    sqlite3.SQLITE_PERM: "permission denied; check the file's permissions",
}
"""SQLite's answers that are about the file, not about any one order, and what to do."""


def refuses_writes(error: BaseException) -> bool:
    """True when ``error`` (or the SQLite error behind it) says the file refuses any write, so
    retrying order by order would fail, or wait, the same way for each."""
    return _primary_code(error) in _REFUSALS


def unavailable(db_path: str, busy_timeout_ms: int, error: BaseException) -> StoreUnavailable:
    """The clear error for ``error``: which file, what SQLite said, and what to do."""
    cause = _sqlite_error(error)
    name = getattr(cause, "sqlite_errorname", None)
    advice = _REFUSALS.get(_primary_code(error), "nothing was half-written; run again")
    said = f"{cause or error}" + (f" ({name})" if name else "")
    refused = StoreUnavailable(
        f"order store {db_path} is unavailable: {said}: "
        + advice.format(busy_timeout_ms=busy_timeout_ms)
    )
    refused.sqlite_errorcode = getattr(cause, "sqlite_errorcode", None)
    refused.sqlite_errorname = name
    return refused


def _sqlite_error(error: BaseException | None) -> sqlite3.Error | None:
    while error is not None and not isinstance(error, sqlite3.Error):
        error = error.__cause__
    return error


def _primary_code(error: BaseException) -> int | None:
    code = getattr(_sqlite_error(error), "sqlite_errorcode", None)
    return None if code is None else code & 0xFF  # extended codes carry the primary one


_PER_ROW_ERRORS = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    sqlite3.DataError,
    ValueError,
    TypeError,
    OverflowError,
)
"""What a row's values make SQLite raise; anything else from SQLite is the file's doing."""


class SqliteDialect:
    """The order store in one SQLite file: one writer at a time, who waits up to
    ``busy_timeout_ms`` for the write lock (so runs of one day, or of any two days, take turns)."""

    errors = (sqlite3.Error,)
    connection_errors = (sqlite3.Error,)
    text = SQLITE_TEXT
    orders_per_transaction = 500
    """In WAL mode with ``synchronous=NORMAL`` a commit flushes nothing, so smaller transactions
    cost no flush; they hold the file's write lock, and grow its WAL, a chunk at a time."""

    def __init__(self, db_path: str, busy_timeout_ms: int, upgraded_shop: str) -> None:
        self.location = db_path
        self._busy_timeout_ms = busy_timeout_ms
        self._upgraded_shop = upgraded_shop
        """The shop the rows of a file from before there were shops take when it is upgraded."""

    def connect(self) -> sqlite3.Connection:
        return connect(self.location, self._busy_timeout_ms, self._upgraded_shop)

    def begin_write(self, conn: sqlite3.Connection, partition_date: str | None) -> None:
        conn.execute("BEGIN IMMEDIATE")  # the file's write lock serializes every writer

    def prepare_bulk(self, conn: sqlite3.Connection, inserts: Sequence[Insert]) -> None:
        """Nothing to ready: SQLite's bulk write is ``executemany`` alone."""

    def write_many(
        self, conn: sqlite3.Connection, statement: Insert | str, rows: Sequence[Sequence[Any]]
    ) -> None:
        """``executemany``; rows before a failing one each changed exactly one row, so the
        change counter's growth is the index of the failing row."""
        before = conn.total_changes
        try:
            conn.executemany(str(statement), rows)
        except _PER_ROW_ERRORS as error:
            failed = conn.total_changes - before
            raise RowsFailed(failed if failed < len(rows) else None, error) from error

    def refuses_writes(self, error: BaseException) -> bool:
        return refuses_writes(error)

    def unavailable(self, error: BaseException) -> "StoreUnavailable":
        return unavailable(self.location, self._busy_timeout_ms, error)

    def payload_value(self, payload: str) -> str | bytes | None:
        return to_sqlite(payload)


def connect(db_path: str, busy_timeout_ms: int, shop: str) -> sqlite3.Connection:
    """Open the store at ``db_path``, creating the file and its tables on first use and bringing
    a file of an older schema up to date (a single-shop file's rows take ``shop``).

    Raises :class:`StoreUnavailable`, naming the file, when SQLite cannot use it.
    """
    Path(db_path).parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(db_path, timeout=busy_timeout_ms / 1000, isolation_level=None)
    except sqlite3.Error as error:
        raise unavailable(db_path, busy_timeout_ms, error) from error
    try:
        _use_wal(conn, busy_timeout_ms)
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        # Each group of orders is written under a savepoint; its journal (what a rollback to it
        # restores) stays in memory instead of a temporary file. It is never needed after a crash.
        conn.execute("PRAGMA temp_store = MEMORY")
        _ensure_schema(conn, shop)
    except sqlite3.Error as error:
        conn.close()
        raise unavailable(db_path, busy_timeout_ms, error) from error
    return conn


def _use_wal(conn: sqlite3.Connection, busy_timeout_ms: int) -> None:
    """Switch to WAL, waiting up to ``busy_timeout_ms`` for other connections like any write.

    While another connection writes a file still in rollback mode (a second process creating
    the store at the same moment), SQLite answers the switch with SQLITE_BUSY at once, without
    calling its busy handler, so the wait is done here.
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as error:
            if _primary_code(error) != sqlite3.SQLITE_BUSY or time.monotonic() >= deadline:
                raise
            time.sleep(_WAL_RETRY_SECONDS)


def _ensure_schema(conn: sqlite3.Connection, shop: str) -> None:
    """Create the tables of a new file, or bring an older file to ``SCHEMA_VERSION`` (its rows
    taking ``shop``), in one transaction: a crash leaves the file at its old version, whole."""
    if _schema_version(conn) >= SCHEMA_VERSION:
        return
    conn.execute("PRAGMA foreign_keys = OFF")  # the shop step drops tables others refer to
    try:
        with transaction(conn, partial(conn.execute, "BEGIN IMMEDIATE")):
            # Read again under the write lock: another process may have got there first.
            version = _schema_version(conn)
            if version >= SCHEMA_VERSION:
                return
            for statement in migration_from(version):
                conn.execute(statement)
            rebuild_sqlite(conn, shop, conn.execute)
            if conn.execute("PRAGMA foreign_key_check").fetchone() is not None:
                raise sqlite3.IntegrityError("a row lost its parent while adding the shop")
            conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION:d}")  # takes no parameters
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _schema_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]
