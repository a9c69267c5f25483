"""PostgreSQL, the order store's server dialect (psycopg 3): connections, the day lock, the bulk
write, and which errors are an order's and which the server's.

Runs of different days write at the same time; every write transaction of a day first takes that
day's transaction-scoped advisory lock, so two runs of one day take turns and the second sees
what the first committed (its orders are then ALREADY_IMPORTED, never imported twice).
Connections are in autocommit mode and the store issues ``BEGIN``/``COMMIT`` itself, as on
SQLite. Flags are written 0/1 and money stays decimal text, so both dialects hand back the same
values.
"""

import hashlib
import logging
import re
import time
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors as pg_errors
from psycopg.adapt import Dumper
from psycopg.pq import TransactionStatus

from gomag_assets.resources.order_store.dialect import Insert, RowsFailed
from gomag_assets.resources.order_store.lossless_text import POSTGRES_TEXT
from gomag_assets.resources.order_store.postgres_schema import ensure_schema
from gomag_assets.resources.order_store.sqlite import StoreUnavailable


class _QuietAfterFailure(logging.Filter):
    """Drops psycopg's "error ignored terminating ..." warnings: the error it met while ending a
    ``COPY`` or a pipeline that an earlier error had stopped. The store has that earlier error
    and decides the order's fate by it; the warning's text may quote the failing row (a
    shopper's personal data) and would reach the run's stderr and its compute logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("error ignored terminating")


logging.getLogger("psycopg").addFilter(_QuietAfterFailure())

_NOTHING_DURABLE = "SET LOCAL synchronous_commit = off"
"""For the transaction that makes a connection's staging tables: temporary tables vanish with
the session anyway, so its commit need not wait for a WAL flush."""
_PER_ROW_ERRORS = (
    psycopg.DataError,  # numeric out of range, NUL in text, invalid input for a type
    psycopg.IntegrityError,  # check, not-null, foreign key
    psycopg.ProgrammingError,  # a value of a type the column cannot take, or none psycopg knows
    ValueError,  # a lone surrogate: no UTF-8 form
    TypeError,
    OverflowError,
)

_CLIENT_ERRORS = (ValueError, TypeError, OverflowError, psycopg.DataError, psycopg.ProgrammingError)
"""What psycopg raises before a row reaches the server (a lone surrogate, an unknown type)."""

_COPY_LINE = re.compile(r"^COPY \S+, line (\d+)")

_REFUSALS = {
    "25006": "the server is read-only (a standby, or default_transaction_read_only)",
    "53100": "the server's disk is full; free space and run again",
    "53200": "the server is out of memory; run again later",
    "42501": "permission denied; grant the store's user rights on its tables",
    "28000": "the server refused the login; check the user and pg_hba.conf",
    "28P01": "password authentication failed; check the password",
    "3D000": "the database does not exist; create it first",
    "53300": "the server has no free connection slot; run again later",
}
"""PostgreSQL's answers about the store as a whole, not any one order, and what to do."""

_UNREACHABLE = "the server cannot be reached; start it (or check the URL) and run again"
_LOGIN_REFUSALS = {
    "does not exist": "3D000",
    "password authentication failed": "28P01",
    "no pg_hba.conf entry": "28000",
    "too many clients": "53300",
    "remaining connection slots are reserved": "53300",
}
"""How a refused login reads (psycopg gives a failed connection no SQLSTATE, only the server's
``FATAL:`` text) -> its SQLSTATE: the server answered, so waiting for it would not help."""
COPY_FROM_ROWS = 16
"""Fewer rows go by ``executemany``. ``COPY`` + ``INSERT ... SELECT`` writes item rows 1.8x as
fast as pipelined ``executemany`` at 15,000 rows, costs one round trip more, and a failing
``COPY`` names its row: the parts a group is retried in after a poison order (``RETRY_PART``
orders) then set the next poison order apart at once instead of halving down to it. Measured
on a day of 3,000 orders with 30 poison ones: 217 savepoints and 90 rollbacks from 64 rows, 170
and 63 from 16. The rows of one order alone stay on ``executemany``: nothing to name there."""
_RETRY_CONNECT_SECONDS = 0.2

_UNMEASURED_ORDERS = """
    SELECT NOT EXISTS (SELECT 1 FROM pg_stats
                       WHERE schemaname = current_schema() AND tablename = 'orders'
                         AND attname = 'shop')
"""
"""Whether ``orders`` has no statistics yet. Without them (a new store, before autovacuum comes
by) the planner may take ``orders_by_partition`` for the foreign-key checks of every child and
run row (``shop = $1``, then a filter on the order id: a read of all the shop's orders per
check) instead of the primary key, and keep that plan for the connection's life: an import
slowed with every order already in the store."""
_MEASURE_ORDERS = "ANALYZE (SKIP_LOCKED) orders"
"""Counts the open transaction's own rows. ``SKIP_LOCKED``: its lock lasts until that
transaction ends, and another day's run measuring at the same time must not wait for it."""


class _FlagDumper(Dumper):
    """Python bools as 0/1, as SQLite keeps them: the flag columns are SMALLINT."""

    oid = psycopg.adapters.types["int2"].oid

    def dump(self, obj: bool) -> bytes:
        return b"1" if obj else b"0"


class PostgresConnection:
    """A psycopg connection that takes the store's ``?`` statements, with ``in_transaction``
    like ``sqlite3``'s, and a ``COMMIT`` that fails when the server rolled back instead."""

    def __init__(self, conn: psycopg.Connection) -> None:
        self._conn = conn
        self._staged: set[str] = set()
        """Tables whose staging table this connection made outside any transaction."""
        self._orders_measured = False
        """Whether ``orders`` had statistics before this connection's transaction began."""

    @property
    def in_transaction(self) -> bool:
        status = self._conn.info.transaction_status
        return status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor:
        cursor = self._conn.execute(_format_style(sql), params)
        if sql == "COMMIT" and cursor.statusmessage != "COMMIT":
            # A failed transaction answers COMMIT with ROLLBACK, without an error.
            raise pg_errors.InFailedSqlTransaction("COMMIT was answered ROLLBACK")
        return cursor

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> psycopg.Cursor:
        cursor = self._conn.cursor()
        cursor.executemany(_format_style(sql), rows)
        return cursor

    def stage(self, inserts: Sequence[Insert]) -> None:
        """Make the staging tables of ``inserts`` that need one (an upsert) now, outside any
        transaction: made inside one, a table goes with every rollback to a savepoint taken
        before it, and is made again."""
        missing = [
            insert.table
            for insert in inserts
            if insert.on_conflict and insert.table not in self._staged
        ]
        if missing:
            with self._conn.transaction():
                self._conn.execute(_NOTHING_DURABLE)
                for table in missing:
                    self._conn.execute(_create_staging(table))
            self._staged.update(missing)

    def note_measured(self) -> None:
        """Remember whether ``orders`` has statistics; asked before each transaction until it
        has (statistics gathered in a transaction that was rolled back are gone)."""
        if not self._orders_measured:
            self._orders_measured = not self._unmeasured()

    def _measure_orders(self) -> None:
        """``ANALYZE orders`` within the open transaction when it has no statistics, once it
        has rows: the cached plans of the checks that follow are then made again with them."""
        if self._unmeasured():
            self._conn.execute(_MEASURE_ORDERS)

    def _unmeasured(self) -> bool:
        return self._conn.execute(_UNMEASURED_ORDERS).fetchone()[0]

    def copy_in(self, insert: Insert, rows: Sequence[Sequence[Any]]) -> None:
        """``insert`` for every row by ``COPY``: straight into its table when it says nothing
        about conflicts; an upsert into a temporary table shaped like the target, then one
        ``INSERT ... SELECT`` with the insert's conflict clause.

        A staging table made by :meth:`stage` is emptied by that statement itself: a
        ``TRUNCATE`` gives a table made in an earlier transaction, and its indexes, new files
        (milliseconds each, on every part a group is retried in). Any other is made here if
        missing and truncated first: made in the open transaction (a single bulk write's), it
        is truncated in place, cheaper than deleting its rows. (Deleted rows stay in a staging
        table until the transaction ends, and each move reads them again: a day's transaction
        stages only its orders and run rows, not their lines.)
        """
        if not insert.on_conflict:
            self._copy_rows(insert.table, insert.columns, rows)
            return
        staged = f"staged_{insert.table}"
        if insert.table not in self._staged:
            self._conn.execute(_create_staging(insert.table))
            self._conn.execute(f"TRUNCATE {staged}")
        self._copy_rows(staged, insert.columns, rows)
        self._conn.execute(_move(insert, staged, emptied=insert.table in self._staged))
        if insert.table == "orders" and not self._orders_measured:
            self._measure_orders()

    def _copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """``COPY`` ``rows`` into ``table``; a failing row is named by its line (the server's
        error) or its index (a value psycopg cannot send)."""
        with self._conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for index, row in enumerate(rows):
                try:
                    copy.write_row(row)
                except _CLIENT_ERRORS as error:
                    if getattr(error, "sqlstate", None):  # the server's: it names its line
                        raise
                    raise RowsFailed(index, error) from error

    def close(self) -> None:
        self._conn.close()

    def backend_pid(self) -> int:
        return self._conn.info.backend_pid


def _create_staging(table: str) -> str:
    """A temporary table shaped like ``table``. With its CHECKs and unique indexes, a row that
    breaks one fails in the ``COPY``, which names its line: the group is then split around that
    row's order, not halved."""
    return (
        f"CREATE TEMP TABLE IF NOT EXISTS staged_{table}"
        f" (LIKE {table} INCLUDING CONSTRAINTS INCLUDING INDEXES)"
    )


def _move(insert: Insert, staged: str, *, emptied: bool) -> str:
    """The ``INSERT ... SELECT`` of the staged rows into ``insert``'s table; ``emptied``: the
    staging table is emptied by the same statement."""
    columns = ", ".join(insert.columns)
    moved = f"INSERT INTO {insert.table} ({columns}) SELECT {columns} FROM "
    if emptied:
        moved = f"WITH moved AS (DELETE FROM {staged} RETURNING {columns}) {moved}moved"
    else:
        moved += staged
    return f"{moved} {insert.on_conflict}"


@lru_cache(maxsize=256)
def _format_style(sql: str) -> str:
    """The store's ``?`` placeholders as psycopg's ``%s`` (the store's SQL has no ``?`` or
    ``%`` of its own)."""
    return sql.replace("%", "%%").replace("?", "%s")


def day_lock_key(shop: str, partition_date: str) -> int:
    """The advisory lock of a shop's day: a signed 64-bit number from their names, the same in
    every process."""
    digest = hashlib.sha256(f"gomag_assets day {shop}/{partition_date}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def shown_url(url: str) -> str:
    """``url`` without its password, fit for logs and metadata."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port is not None:
        host += f":{parts.port}"
    netloc = f"{parts.username}@{host}" if parts.username else host
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresDialect:
    """The order store in a PostgreSQL database: many writers, one per day at a time."""

    errors = (psycopg.Error,)
    connection_errors = (psycopg.Error,)
    """Per-row errors are caught inside :meth:`write_many`; any other is the server's."""
    text = POSTGRES_TEXT
    orders_per_transaction = None
    """A whole batch (a day) in one transaction: every commit waits for a WAL flush
    (``synchronous_commit = on``), so a day costs one; a lost connection retries the day's
    orders that were not committed, as it would a chunk's."""

    def __init__(self, url: str, connect_timeout_ms: int, shop: str, upgraded_shop: str) -> None:
        self._url = url
        self._shop = shop
        """Whose days the advisory locks of this dialect's writes are."""
        self._upgraded_shop = upgraded_shop
        """The shop the rows of a database from before there were shops take when upgraded."""
        self.location = shown_url(url)
        self._connect_timeout_ms = connect_timeout_ms

    def connect(self) -> PostgresConnection:
        """A connection to a store whose tables are up to date; a server that is down or
        starting is waited for up to ``connect_timeout_ms``."""
        deadline = time.monotonic() + self._connect_timeout_ms / 1000
        while True:
            try:
                conn = psycopg.connect(self._url, autocommit=True, connect_timeout=5)
                break
            except psycopg.OperationalError as error:
                if self.refuses_writes(error) or time.monotonic() >= deadline:
                    raise self.unavailable(error) from error
                time.sleep(_RETRY_CONNECT_SECONDS)
        conn.adapters.register_dumper(bool, _FlagDumper)
        store_conn = PostgresConnection(conn)
        try:
            ensure_schema(store_conn, self.begin_write, self._upgraded_shop)
        except BaseException:
            conn.close()
            raise
        return store_conn

    def begin_write(self, conn: PostgresConnection, partition_date: str | None) -> None:
        conn.execute("BEGIN")
        if partition_date is not None:
            conn.execute(
                "SELECT pg_advisory_xact_lock(?)", (day_lock_key(self._shop, partition_date),)
            )

    def prepare_bulk(self, conn: PostgresConnection, inserts: Sequence[Insert]) -> None:
        """The staging tables of ``inserts``' ``COPY``, made once per connection; whether
        ``orders`` has statistics (see :data:`_UNMEASURED_ORDERS`)."""
        conn.stage(inserts)
        conn.note_measured()

    def write_many(
        self, conn: PostgresConnection, statement: Insert | str, rows: Sequence[Sequence[Any]]
    ) -> None:
        """``COPY`` for inserts of many rows, else ``executemany`` (pipelined by psycopg); a
        failing ``COPY`` names the row (its line), a failing ``executemany`` does not, unless
        it had one row."""
        try:
            if isinstance(statement, Insert) and len(rows) >= COPY_FROM_ROWS:
                conn.copy_in(statement, rows)
            else:
                conn.executemany(str(statement), rows)
        except _PER_ROW_ERRORS as error:
            if self.refuses_writes(error):
                raise
            named = 0 if len(rows) == 1 else _copy_line(error)
            raise RowsFailed(named, error) from error

    def refuses_writes(self, error: BaseException) -> bool:
        return _sqlstate(error) in _REFUSALS

    def unavailable(self, error: BaseException) -> StoreUnavailable:
        sqlstate = _sqlstate(error)
        advice = _REFUSALS.get(sqlstate, _UNREACHABLE)
        said = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        refused = StoreUnavailable(
            f"order store {self.location} is unavailable: {said}"
            + (f" ({sqlstate})" if sqlstate else "")
            + f": {advice}"
        )
        refused.sqlite_errorcode = None
        refused.sqlite_errorname = None
        refused.sqlstate = sqlstate
        return refused

    def payload_value(self, payload: str) -> bytes:
        """Payloads are BYTEA: any text, NULs and lone surrogates included, reads back as it
        was (``lossless_text.from_sqlite`` decodes it)."""
        return payload.encode("utf-8", "surrogatepass")


def _copy_line(error: BaseException) -> int | None:
    """The index of the row a failed ``COPY`` names ("COPY t, line N"); None for other writes."""
    diag = getattr(error, "diag", None)
    found = _COPY_LINE.match(diag.context or "") if diag is not None else None
    return int(found.group(1)) - 1 if found else None


def _sqlstate(error: BaseException) -> str | None:
    """The error's SQLSTATE; for a login the server refused, the one its ``FATAL:`` text names."""
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate is None and isinstance(error, psycopg.OperationalError) and "FATAL:" in str(error):
        fatal = str(error).split("FATAL:", 1)[1]
        sqlstate = next((code for text, code in _LOGIN_REFUSALS.items() if text in fatal), None)
    return sqlstate
