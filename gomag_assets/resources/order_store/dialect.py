"""What the tier engine needs of a database: the one seam between the store and SQLite or
PostgreSQL.

Statements are written once, with ``?`` placeholders, in the SQL both databases speak
(``INSERT ... ON CONFLICT``, savepoints); each dialect supplies connections that take them, the
start of a write transaction, its bulk write, and which of its errors belong to one order's
values and which to the connection.
"""

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol

from gomag_assets.resources.order_store.lossless_text import TextCodec


class StoreConnection(Protocol):
    """The part of a DB-API connection the store uses (``sqlite3.Connection`` is one)."""

    @property
    def in_transaction(self) -> bool: ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any: ...

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> Any: ...

    def close(self) -> None: ...


class RowsFailed(Exception):
    """A bulk write failed on a row's values; ``row`` is its index when the database can tell."""

    def __init__(self, row: int | None, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.row = row
        self.cause = cause


class Dialect(Protocol):
    """One database the order store can live in."""

    location: str
    """Where the store is, fit to show: a file path, or a URL without its password."""
    errors: tuple[type[BaseException], ...]
    """Every error the driver raises."""
    connection_errors: tuple[type[BaseException], ...]
    """Errors of the connection or the server, not of any one order: reconnect and retry."""
    text: TextCodec
    """How validation's text is kept exactly, whatever it holds."""
    orders_per_transaction: int | None
    """How many orders a write transaction takes when the store is not told (None: a whole
    batch): a commit's price differs between the databases."""

    def connect(self) -> StoreConnection:
        """A connection in autocommit mode to a store whose tables are up to date."""
        ...

    def begin_write(self, conn: StoreConnection, partition_date: str | None) -> None:
        """Start a write transaction; one of ``partition_date`` waits for any other of that day."""
        ...

    def prepare_bulk(self, conn: StoreConnection, inserts: Sequence["Insert"]) -> None:
        """Ready a connection for the bulk writes of ``inserts`` in the transaction about to
        begin; called outside any transaction, before each."""
        ...

    def write_many(
        self, conn: StoreConnection, statement: "Insert | str", rows: Sequence[Sequence[Any]]
    ) -> None:
        """Run ``statement`` for every row, in bulk; :class:`RowsFailed` when a row's values
        fail."""
        ...

    def refuses_writes(self, error: BaseException) -> bool:
        """True when the store refuses every write (full, read-only, no access)."""
        ...

    def unavailable(self, error: BaseException) -> Exception:
        """The clear ``StoreUnavailable`` for ``error``, naming the store and what to do."""
        ...

    def payload_value(self, payload: str) -> Any:
        """The value to bind for a raw payload so that it reads back verbatim."""
        ...


@dataclass(frozen=True)
class Insert:
    """An ``INSERT`` of bound rows into ``table``'s ``columns``, with what to do on a
    conflict: a dialect may write the rows its own faster way (PostgreSQL: ``COPY``)."""

    table: str
    columns: tuple[str, ...]
    on_conflict: str = ""
    """``ON CONFLICT ...``, or empty."""

    @property
    def sql(self) -> str:
        return " ".join(
            filter(None, [insert_statement(self.table, self.columns), self.on_conflict])
        )

    def __str__(self) -> str:
        return self.sql


def upsert(table: str, columns: tuple[str, ...], key: tuple[str, ...], kept: tuple[str, ...] = ()):
    """An :class:`Insert` that updates every column but ``key`` and ``kept`` on a conflict."""
    updated = [f"{column} = excluded.{column}" for column in columns if column not in key + kept]
    conflict = f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {', '.join(updated)}"
    return Insert(table, columns, conflict)


@contextmanager
def transaction(conn: StoreConnection, begin: Callable[[], object]) -> Iterator[StoreConnection]:
    """Run the block as one transaction opened by ``begin``: all of it is committed, or none."""
    begin()
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def utc_now() -> str:
    """The store's timestamp: ISO 8601 UTC to the millisecond, so rows sort by time as text."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def insert_statement(table: str, columns: Sequence[str]) -> str:
    """``INSERT INTO table (columns) VALUES (?, ...)``: names from the store's own constants,
    values always bound."""
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def placeholders(count: int) -> str:
    """``?, ?, ...``: one bound value per item of an ``IN (...)`` list."""
    return ", ".join("?" * count)
