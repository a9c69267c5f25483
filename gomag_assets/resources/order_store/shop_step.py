"""Schema step 3, the same on both dialects: a ``shop`` column first in every table's key, so one
store holds many shops and an order is ``(shop, order_id)``.

A store of an earlier version held one shop: its rows take the name of the shop the store is
opened for (``default`` when no shops file names one). Keys and foreign keys cannot be altered
in SQLite, so there every table is rebuilt under its new key and its rows copied; PostgreSQL
alters its tables in place. Both run in the migration's one transaction.
"""

import re
from collections.abc import Callable
from typing import Any

SHOP_NAME = re.compile(r"[A-Za-z0-9_]+")
"""A shop's name: it becomes an asset key prefix, a group name, and a literal in this step."""

DEFAULT_SHOP = "default"
"""The shop of a deployment without a shops file, and of rows stored before there were shops."""

KEYS = {
    "raw_orders": ("partition_date", "order_id"),
    "validated_orders": ("partition_date", "order_id"),
    "validated_items": ("partition_date", "order_id", "line_no"),
    "validated_discounts": ("partition_date", "order_id", "line_no"),
    "validated_addresses": ("partition_date", "order_id", "kind"),
    "orders": ("order_id",),
    "order_items": ("order_id", "line_no"),
    "order_discounts": ("order_id", "line_no"),
    "order_addresses": ("order_id", "kind"),
    "sync_runs": ("run_id",),
    "sync_run_orders": ("run_id", "order_id"),
}
"""Every table, parents before children, and its key before this step (``shop`` goes first)."""

_FOREIGN_KEYS = {
    "validated_items": ("validated_orders", ("partition_date", "order_id"), ""),
    "validated_discounts": ("validated_orders", ("partition_date", "order_id"), ""),
    "validated_addresses": ("validated_orders", ("partition_date", "order_id"), ""),
    "order_items": ("orders", ("order_id",), " DEFERRABLE INITIALLY DEFERRED"),
    "order_discounts": ("orders", ("order_id",), " DEFERRABLE INITIALLY DEFERRED"),
    "order_addresses": ("orders", ("order_id",), " DEFERRABLE INITIALLY DEFERRED"),
    "sync_run_orders": ("orders", ("order_id",), ""),
}
"""Child table: (parent, columns, deferral) of its one foreign key before this step."""

_INDEXES = {
    "sync_run_orders_by_order": "sync_run_orders (shop, order_id)",
    # Per-day status counts of a run (the conservation check) stay O(day), not O(run so far).
    "sync_run_orders_by_day": "sync_run_orders (shop, run_id, partition_date, status)",
    "orders_by_partition": "orders (shop, partition_date)",
}


def require_shop_name(shop: str) -> str:
    """``shop``, if it is made of letters, digits and underscores only; else ``ValueError``."""
    if not SHOP_NAME.fullmatch(shop):
        raise ValueError(f"shop name {shop!r}: only letters, digits and underscores")
    return shop


def shop_literal(shop: str) -> str:
    """``shop`` as an SQL string literal, for the DDL that cannot bind it."""
    return f"'{require_shop_name(shop)}'"


def _key(columns: tuple[str, ...]) -> str:
    return ", ".join(("shop", *columns))


def _foreign_key(table: str) -> str:
    parent, columns, deferral = _FOREIGN_KEYS[table]
    return f"FOREIGN KEY ({_key(columns)}) REFERENCES {parent} ({_key(columns)}){deferral}"


def _create_indexes() -> list[str]:
    return [f"CREATE INDEX {name} ON {target}" for name, target in _INDEXES.items()]


def postgres_statements(shop: str) -> list[str]:
    """PostgreSQL's step: add the column (its rows take ``shop``), then re-key every table and
    re-point every foreign key at the new keys."""
    literal = shop_literal(shop)
    steps = [f"DROP INDEX {name}" for name in _INDEXES]
    steps += [
        f"ALTER TABLE {table} DROP CONSTRAINT {_pg_fk_name(table)}" for table in _FOREIGN_KEYS
    ]
    for table, key in KEYS.items():
        steps += [
            f"ALTER TABLE {table} ADD COLUMN shop TEXT NOT NULL DEFAULT {literal}",
            f"ALTER TABLE {table} ALTER COLUMN shop DROP DEFAULT",
            f"ALTER TABLE {table} DROP CONSTRAINT {table}_pkey",
            f"ALTER TABLE {table} ADD PRIMARY KEY ({_key(key)})",
        ]
    steps += [f"ALTER TABLE {table} ADD {_foreign_key(table)}" for table in _FOREIGN_KEYS]
    return steps + _create_indexes()


def _pg_fk_name(table: str) -> str:
    """PostgreSQL's own name for the foreign key the version-2 tables declared."""
    return f"{table}_{'_'.join(_FOREIGN_KEYS[table][1])}_fkey"


def rebuild_sqlite(conn: Any, shop: str, execute: Callable[[str, tuple], Any]) -> None:
    """SQLite's step: each table is created again from its own definition with ``shop`` in its
    key and foreign key, its rows copied under ``shop``, and the old table dropped. The caller
    runs it with foreign keys off, in one transaction."""
    require_shop_name(shop)
    for table in KEYS:
        (definition,) = conn.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        columns = [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]
        execute(_with_shop(table, definition), ())
        listed = ", ".join(columns)
        execute(
            f"INSERT INTO {table}_shops (shop, {listed}) SELECT ?, {listed} FROM {table}", (shop,)
        )
    for table in reversed(KEYS):
        execute(f"DROP TABLE {table}", ())
    for table in KEYS:
        execute(f"ALTER TABLE {table}_shops RENAME TO {table}", ())
    for statement in _create_indexes():
        execute(statement, ())


def _with_shop(table: str, definition: str) -> str:
    """``definition`` of ``table`` as ``{table}_shops``: ``shop`` first, first in the key, and
    in the foreign key."""
    text = definition.replace(f"CREATE TABLE {table} (", f"CREATE TABLE {table}_shops (", 1)
    text = text.replace("(", "(\n        shop TEXT NOT NULL,", 1)
    constraints = []
    single_key = re.compile(r"(\w+) TEXT PRIMARY KEY")
    if single_key.search(text):
        text = single_key.sub(r"\1 TEXT NOT NULL", text)
        constraints.append(f"PRIMARY KEY ({_key(KEYS[table])})")
    else:
        text = text.replace("PRIMARY KEY (", "PRIMARY KEY (shop, ", 1)
    if table in _FOREIGN_KEYS:
        text = re.sub(r"FOREIGN KEY \([^)]*\)\s*REFERENCES \w+ \([^)]*\)", "", text)
        text = re.sub(r" REFERENCES orders \(order_id\)( DEFERRABLE INITIALLY DEFERRED)?", "", text)
        constraints.append(_foreign_key(table))
    end = text.rindex(")")
    body = re.sub(r",\s*,", ",", text[:end].rstrip().rstrip(","))
    return body + "".join(f",\n        {c}" for c in constraints) + "\n    " + text[end:]
