"""The order store's tables in PostgreSQL: the same names, columns and constraints as SQLite's
(:mod:`schema`), in PostgreSQL's types, and how a database gets from its version to ours.

A database's version is the one row of ``store_schema``. A new database is created at version 2
(the first with the whole order) in one step; every later step is added to both dialects under
the same number (``MIGRATIONS[n]`` brings version ``n`` to ``n + 1``): step 3, the shop column,
is :mod:`shop_step`.

Types: text is ``TEXT``; money is decimal ``TEXT`` as in SQLite (exact to the last digit, and
read back exactly as written); flags are ``SMALLINT`` 0/1 with the same checks; line numbers and
positions ``BIGINT``; raw payloads ``BYTEA`` (see ``PostgresDialect.payload_value``).
"""

from collections.abc import Callable
from functools import partial
from typing import Any

from gomag_assets.resources.order_store.columns import (
    ADDRESS_COLUMNS,
    FLAGS,
    ITEM_COLUMNS,
    OPTIONAL_FLAGS,
    ORDER_COLUMNS,
)
from gomag_assets.resources.order_store.dialect import transaction
from gomag_assets.resources.order_store.schema import (
    ROW_SCHEMA,
    SCHEMA_VERSION,
    SYNC_RUN_ORDERS,
    SYNC_RUNS,
)
from gomag_assets.resources.order_store.shop_step import postgres_statements

_FIRST_VERSION = 2
"""The version a new PostgreSQL store is created at."""

_MIGRATION_LOCK = 7_406_421_500_112
"""The advisory lock two processes creating or upgrading the store at once take turns on."""

_STATUSES = "'IMPORTED', 'SKIPPED', 'ERROR', 'CANCELLED', 'DELETED_IN_ROA', 'MALFORMED'"


def _column(name: str, required: tuple[str, ...] = ()) -> str:
    if name in required:
        return f"{name} TEXT NOT NULL"
    if name in FLAGS:
        return f"{name} SMALLINT NOT NULL CHECK ({name} IN (0, 1))"
    if name in OPTIONAL_FLAGS:
        return f"{name} SMALLINT CHECK ({name} IN (0, 1))"
    if name == "line_no":
        return f"{name} BIGINT NOT NULL CHECK ({name} >= 0)"
    return f"{name} TEXT"


def _columns(names: tuple[str, ...], required: tuple[str, ...] = ()) -> str:
    return ",\n        ".join(_column(name, required) for name in names)


_ORDER_FIELDS = tuple(
    name for name in ORDER_COLUMNS[1:] if name not in ("verdict", "error_message", *FLAGS)
)
_ADDRESS_FIELDS = ADDRESS_COLUMNS[2:]

_TABLES = (
    """
    CREATE TABLE raw_orders (
        partition_date TEXT NOT NULL,
        order_id TEXT NOT NULL,
        landing_no BIGINT NOT NULL,
        payload BYTEA NOT NULL,
        fetched_at TEXT NOT NULL,
        run_id TEXT NOT NULL,
        PRIMARY KEY (partition_date, order_id)
    )
    """,
    f"""
    CREATE TABLE validated_orders (
        partition_date TEXT NOT NULL,
        order_id TEXT NOT NULL,
        position BIGINT NOT NULL,
        {_columns(ORDER_COLUMNS[1:-2])},
        verdict TEXT NOT NULL CHECK (verdict IN ('VALID', 'MALFORMED')),
        error_message TEXT,
        run_id TEXT NOT NULL,
        PRIMARY KEY (partition_date, order_id)
    )
    """,
    f"""
    CREATE TABLE validated_items (
        partition_date TEXT NOT NULL,
        order_id TEXT NOT NULL,
        {_columns(ITEM_COLUMNS[1:])},
        PRIMARY KEY (partition_date, order_id, line_no),
        FOREIGN KEY (partition_date, order_id)
            REFERENCES validated_orders (partition_date, order_id)
    )
    """,
    """
    CREATE TABLE validated_discounts (
        partition_date TEXT NOT NULL,
        order_id TEXT NOT NULL,
        line_no BIGINT NOT NULL,
        name TEXT, voucher TEXT, value TEXT,
        PRIMARY KEY (partition_date, order_id, line_no),
        FOREIGN KEY (partition_date, order_id)
            REFERENCES validated_orders (partition_date, order_id)
    )
    """,
    f"""
    CREATE TABLE validated_addresses (
        partition_date TEXT NOT NULL,
        order_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('billing', 'shipping')),
        {_columns(_ADDRESS_FIELDS)},
        PRIMARY KEY (partition_date, order_id, kind),
        FOREIGN KEY (partition_date, order_id)
            REFERENCES validated_orders (partition_date, order_id)
    )
    """,
    # A row that claims to be imported must say which order and which payload it holds.
    f"""
    CREATE TABLE orders (
        order_id TEXT PRIMARY KEY,
        status TEXT NOT NULL CHECK (status IN ({_STATUSES})),
        error_message TEXT,
        partition_date TEXT,
        {_columns(_ORDER_FIELDS)},
        first_run_id TEXT NOT NULL,
        last_run_id TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        {ROW_SCHEMA} INTEGER,
        CHECK (status NOT IN ('IMPORTED', 'SKIPPED', 'CANCELLED')
               OR (order_number IS NOT NULL AND payload_sha256 IS NOT NULL))
    )
    """,
    # Deferred: a group writes its items before its order rows (see rows.write_rows).
    f"""
    CREATE TABLE order_items (
        order_id TEXT NOT NULL REFERENCES orders (order_id) DEFERRABLE INITIALLY DEFERRED,
        {_columns(ITEM_COLUMNS[1:], required=("name", "quantity", "price"))},
        PRIMARY KEY (order_id, line_no)
    )
    """,
    """
    CREATE TABLE order_discounts (
        order_id TEXT NOT NULL REFERENCES orders (order_id) DEFERRABLE INITIALLY DEFERRED,
        line_no BIGINT NOT NULL CHECK (line_no >= 0),
        name TEXT,
        voucher TEXT,
        value TEXT NOT NULL,
        PRIMARY KEY (order_id, line_no)
    )
    """,
    f"""
    CREATE TABLE order_addresses (
        order_id TEXT NOT NULL REFERENCES orders (order_id) DEFERRABLE INITIALLY DEFERRED,
        kind TEXT NOT NULL CHECK (kind IN ('billing', 'shipping')),
        {_columns(_ADDRESS_FIELDS)},
        PRIMARY KEY (order_id, kind)
    )
    """,
    SYNC_RUNS,
    SYNC_RUN_ORDERS,
    "CREATE INDEX sync_run_orders_by_order ON sync_run_orders (order_id)",
    "CREATE INDEX sync_run_orders_by_day ON sync_run_orders (run_id, partition_date, status)",
    "CREATE INDEX orders_by_partition ON orders (partition_date)",
)

MIGRATIONS: dict[int, Callable[[str], list[str]]] = {2: postgres_statements}
"""``MIGRATIONS[n](shop)``: the statements that bring a database from version ``n`` to
``n + 1``, rows already there taking ``shop``."""

_CREATE_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS store_schema (version INTEGER NOT NULL)"
_HAS_VERSION_TABLE = "SELECT to_regclass('store_schema') IS NOT NULL"
_READ_VERSION = "SELECT coalesce(max(version), 0) FROM store_schema"


def migration_from(version: int, shop: str) -> list[str]:
    """The statements that bring a database at ``version`` to ``SCHEMA_VERSION``, rows already
    there taking ``shop``."""
    steps = list(_TABLES) if version == 0 else []
    start = _FIRST_VERSION if version == 0 else version
    for step in range(start, SCHEMA_VERSION):
        steps += MIGRATIONS[step](shop)
    return steps


def ensure_schema(conn: Any, begin: Callable[[Any, str | None], None], shop: str) -> None:
    """Create the tables of a new database, or bring an older one to ``SCHEMA_VERSION`` (its
    rows taking ``shop``), in one transaction that concurrent creators take turns on."""
    if _version(conn) >= SCHEMA_VERSION:
        return
    with transaction(conn, partial(begin, conn, None)):
        conn.execute("SELECT pg_advisory_xact_lock(?)", (_MIGRATION_LOCK,))
        conn.execute(_CREATE_VERSION_TABLE)
        version = _version(conn)  # read again under the lock: another process may be done
        if version < SCHEMA_VERSION:
            for statement in migration_from(version, shop):
                conn.execute(statement)
            conn.execute("DELETE FROM store_schema")
            conn.execute("INSERT INTO store_schema (version) VALUES (?)", (SCHEMA_VERSION,))


def _version(conn: Any) -> int:
    (exists,) = conn.execute(_HAS_VERSION_TABLE).fetchone()
    return conn.execute(_READ_VERSION).fetchone()[0] if exists else 0
