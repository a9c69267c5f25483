"""Ways of writing the same validated orders into the order store's schema.

* ``bare_executemany``: SQLite's ceiling. The whole orders' rows (orders, items, discounts,
  addresses) and nothing else (no decisions against stored orders, no run records, no
  savepoints), one ``executemany`` per table in one transaction, on the store's own journal
  settings (WAL, ``synchronous=NORMAL``).
* ``tiered_store``: ``OrderStore.save_orders_batch``, one call per day, as the asset runs it.
* ``naive_durable_loop``: the baseline, as a naive writer does it: one connection with
  SQLite's defaults (rollback journal, ``synchronous=FULL``), then per order one INSERT of
  the order, one per line (item, discount, address), and a COMMIT, so every order is made
  durable on its own.
* ``bare_postgres``: PostgreSQL's ceiling, on the dialect's own connection: the same rows in one
  transaction (``bare_postgres_days``: one per day) by either of its bulk paths, ``COPY`` (lines
  straight into their tables, orders into a temporary table + ``INSERT ... SELECT ... ON
  CONFLICT``), or ``executemany`` (which psycopg pipelines).
* ``naive_postgres_loop``: PostgreSQL's baseline, the naive loop's statements with a committed
  transaction per order (``synchronous_commit = on``: each commit waits for its WAL flush).
"""

import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from gomag_assets.resources.order_store import OrderStore
from gomag_assets.resources.order_store.columns import (
    ADDRESS_COLUMNS,
    DISCOUNT_COLUMNS,
    ITEM_COLUMNS,
    ORDER_DETAILS,
    ORDER_HEADER,
)
from gomag_assets.resources.order_store.dialect import Insert
from gomag_assets.resources.order_store.postgres import PostgresDialect
from gomag_assets.resources.order_store.shop_step import DEFAULT_SHOP

_ORDER_ROW = Insert(
    "orders",
    ("shop", "order_id", *ORDER_HEADER, *ORDER_DETAILS, "status", "partition_date")
    + ("first_run_id", "last_run_id", "updated_at"),
)
_LINE_TABLES = {
    "items": ("order_items", ITEM_COLUMNS[1:]),
    "discounts": ("order_discounts", DISCOUNT_COLUMNS[1:]),
    "addresses": ("order_addresses", ADDRESS_COLUMNS[1:]),
}
"""An order's lines by their key in the order dict: the table and the columns after order_id
(every row also carries its shop and order id first, as the store writes them)."""
_INSERT_LINE = {
    key: Insert(table, ("shop", "order_id", *columns))
    for key, (table, columns) in _LINE_TABLES.items()
}
_ON_CONFLICT = "ON CONFLICT DO NOTHING"
"""PostgreSQL's bare insert of orders, like the store's upsert, says what a conflict does (none
occurs here); their lines are plain inserts, as the store's."""
_CONNECT_TIMEOUT_MS = 30_000
_ORDER_CONSTANTS = ("IMPORTED", "2026-10-01", "bench", "bench", "2026-10-01T00:00:00")


def empty_store(path: Path, *, journal_mode: str = "WAL") -> Path:
    """A new database file holding the store's schema and nothing else."""
    OrderStore(db_path=str(path)).status_counts()
    if journal_mode != "WAL":
        conn = sqlite3.connect(path)
        conn.execute(f"PRAGMA journal_mode = {journal_mode}")  # PRAGMA takes no parameters
        conn.close()
    return path


def bare_executemany(path: Path, orders: Sequence[dict[str, Any]]) -> None:
    """The ceiling: the same order and line rows, one transaction, no bookkeeping."""
    conn = ceiling_connection(path)
    conn.execute("BEGIN IMMEDIATE")
    for insert, rows in _table_rows(orders):
        conn.executemany(insert.sql, rows)
    conn.execute("COMMIT")
    conn.close()


def ceiling_connection(path: Path) -> sqlite3.Connection:
    """The ceiling's connection: the journal settings of the store's own (WAL, from the file the
    store made; ``synchronous = NORMAL``; SQLite's default checkpointing), and nothing else."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    return conn


def journal_settings(conn: sqlite3.Connection) -> dict[str, Any]:
    """What decides when a connection flushes: its journal, sync level and checkpointing."""
    names = ("journal_mode", "synchronous", "wal_autocheckpoint", "journal_size_limit")
    return {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in names}


def bare_postgres(url: str, orders: Sequence[dict[str, Any]], *, copy: bool) -> None:
    """PostgreSQL's ceiling: the same order and line rows, one transaction, no bookkeeping, by
    ``COPY`` (``copy=True``) or pipelined ``executemany``."""
    conn = PostgresDialect(url, _CONNECT_TIMEOUT_MS, DEFAULT_SHOP, DEFAULT_SHOP).connect()
    conn.execute("BEGIN")
    for insert, rows in _table_rows(orders):
        if insert is _ORDER_ROW:
            insert = replace(insert, on_conflict=_ON_CONFLICT)
        if copy:
            conn.copy_in(insert, rows)
        else:
            conn.executemany(insert.sql, rows)
    conn.execute("COMMIT")
    conn.close()


def bare_postgres_days(url: str, orders: Sequence[dict[str, Any]], day_size: int) -> None:
    """PostgreSQL's ceiling written as the store writes: a ``COPY`` transaction per day."""
    for day in days_of(orders, day_size):
        bare_postgres(url, day, copy=True)


def tiered_store(path: Path, days: Sequence[Sequence[dict[str, Any]]]) -> Counter[str]:
    """``save_orders_batch`` day by day into the store at ``path``; the statuses it reported."""
    return save_days(OrderStore(db_path=str(path)), days)


def save_days(store: OrderStore, days: Sequence[Sequence[dict[str, Any]]]) -> Counter[str]:
    """``save_orders_batch`` day by day into ``store``, as the asset runs it; the statuses."""
    totals: Counter[str] = Counter()
    for day_no, day in enumerate(days):
        outcome = store.save_orders_batch(day, run_id="bench", partition_date=f"day-{day_no}")
        totals.update(outcome.counts)
    return +totals


def naive_durable_loop(
    path: Path, orders: Sequence[dict[str, Any]], *, synchronous: str = "FULL"
) -> None:
    """The baseline: a durable commit per order. ``synchronous="OFF"`` is not a baseline but
    the same loop without its flushes, to show what the flushes cost."""
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA synchronous = {synchronous}")  # PRAGMA takes no parameters
    (journal_mode,) = conn.execute("PRAGMA journal_mode").fetchone()
    if journal_mode != "delete":
        raise RuntimeError(f"the naive loop must use the rollback journal, not {journal_mode}")
    for order in orders:
        for statement, row in _statements(order):
            conn.execute(statement, row)
        conn.commit()
    conn.close()


def naive_postgres_loop(url: str, orders: Sequence[dict[str, Any]]) -> None:
    """PostgreSQL's baseline: the naive loop's statements, one committed transaction per order,
    each commit waiting for its WAL to be flushed (``synchronous_commit = on``)."""
    conn = PostgresDialect(url, _CONNECT_TIMEOUT_MS, DEFAULT_SHOP, DEFAULT_SHOP).connect()
    conn.execute("SET synchronous_commit = on")
    for order in orders:
        conn.execute("BEGIN")
        for statement, row in _statements(order):
            conn.execute(f"{statement} {_ON_CONFLICT}", row)
        conn.execute("COMMIT")
    conn.close()


def days_of(orders: Sequence[dict[str, Any]], size: int) -> list[Sequence[dict[str, Any]]]:
    return [orders[start : start + size] for start in range(0, len(orders), size)]


def _table_rows(orders: Sequence[dict[str, Any]]) -> list[tuple[Insert, list[tuple[Any, ...]]]]:
    """Each table's insert with its rows for ``orders``, orders first."""
    return [(_ORDER_ROW, [_order_row(order) for order in orders])] + [
        (insert, [row for order in orders for row in _line_rows(order, key)])
        for key, insert in _INSERT_LINE.items()
    ]


def _statements(order: dict[str, Any]) -> list[tuple[str, tuple[Any, ...]]]:
    """The naive loop's INSERTs for one order: the order's row, then one per line."""
    lines = [
        (insert.sql, row) for key, insert in _INSERT_LINE.items() for row in _line_rows(order, key)
    ]
    return [(_ORDER_ROW.sql, _order_row(order)), *lines]


def _order_row(order: dict[str, Any]) -> tuple[Any, ...]:
    values = [order[key] for key in (*ORDER_HEADER, *ORDER_DETAILS)]
    return (DEFAULT_SHOP, order["order_id"], *values, *_ORDER_CONSTANTS)


def _line_rows(order: dict[str, Any], key: str) -> list[tuple[Any, ...]]:
    columns = _LINE_TABLES[key][1]
    return [
        (DEFAULT_SHOP, order["order_id"], *[line[column] for column in columns])
        for line in order[key]
    ]
