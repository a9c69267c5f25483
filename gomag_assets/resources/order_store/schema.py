"""Tables of the order store: what each holds, and how a file gets from its version to ours.

A file's version is ``PRAGMA user_version``. ``MIGRATIONS[n]`` brings a file from version ``n``
to ``n + 1``; a new file walks every step from 0, so a new store and an upgraded one have the
same tables. Steps 1 and 2 only add (``ALTER TABLE ... ADD COLUMN``, ``CREATE TABLE``): every
column they add is NULL in the rows already there. Step 3 (:mod:`shop_step`) rebuilds every
table with a ``shop`` key column; no row is lost.
"""

from gomag_assets.resources.order_store.columns import (
    ITEM_DETAILS,
    OPTIONAL_FLAGS,
    ORDER_DETAILS,
)

SYNC_RUNS = """
    CREATE TABLE sync_runs (
        run_id TEXT PRIMARY KEY,
        window_start TEXT,
        window_end TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT,
        counts_json TEXT
    )
    """
SYNC_RUN_ORDERS = """
    CREATE TABLE sync_run_orders (
        run_id TEXT NOT NULL,
        order_id TEXT NOT NULL REFERENCES orders (order_id),
        partition_date TEXT NOT NULL,
        status TEXT NOT NULL,
        error_message TEXT,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (run_id, order_id)
    )"""
"""The run tables, the same in both dialects (SQLite adds ``WITHOUT ROWID``)."""

_VERSION_1 = (
    # Payloads are TEXT exactly as fetched; a payload holding a lone surrogate (valid JSON text,
    # not encodable as UTF-8) is stored as a BLOB of its "surrogatepass" bytes instead.
    """
    CREATE TABLE raw_orders (
        partition_date TEXT NOT NULL,
        order_id TEXT NOT NULL,
        landing_no INTEGER NOT NULL,
        payload NOT NULL,
        fetched_at TEXT NOT NULL,
        run_id TEXT NOT NULL,
        PRIMARY KEY (partition_date, order_id)
    )
    """,
    """
    CREATE TABLE validated_orders (
        partition_date TEXT NOT NULL,
        order_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        order_number, order_date, gomag_status, currency, total,
        is_cancelled INTEGER NOT NULL,
        nothing_to_import INTEGER NOT NULL,
        payload_sha256,
        verdict TEXT NOT NULL CHECK (verdict IN ('VALID', 'MALFORMED')),
        error_message,
        run_id TEXT NOT NULL,
        PRIMARY KEY (partition_date, order_id)
    )
    """,
    """
    CREATE TABLE validated_items (
        partition_date TEXT NOT NULL,
        order_id TEXT NOT NULL,
        line_no INTEGER NOT NULL,
        sku, name, quantity, price, vat,
        is_service INTEGER NOT NULL,
        PRIMARY KEY (partition_date, order_id, line_no),
        FOREIGN KEY (partition_date, order_id)
            REFERENCES validated_orders (partition_date, order_id)
    )
    """,
    # A row that claims to be imported must say which order and which payload it holds.
    """
    CREATE TABLE orders (
        order_id TEXT PRIMARY KEY,
        order_number TEXT,
        order_date TEXT,
        status TEXT NOT NULL CHECK (status IN (
            'IMPORTED', 'SKIPPED', 'ERROR', 'CANCELLED', 'DELETED_IN_ROA', 'MALFORMED')),
        error_message TEXT,
        partition_date TEXT,
        gomag_status TEXT,
        currency TEXT,
        total TEXT,
        payload_sha256 TEXT,
        first_run_id TEXT NOT NULL,
        last_run_id TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        CHECK (status NOT IN ('IMPORTED', 'SKIPPED', 'CANCELLED')
               OR (order_number IS NOT NULL AND payload_sha256 IS NOT NULL))
    )
    """,
    # Deferred: a group writes its items before its order rows (see rows.write_rows).
    """
    CREATE TABLE order_items (
        order_id TEXT NOT NULL REFERENCES orders (order_id) DEFERRABLE INITIALLY DEFERRED,
        line_no INTEGER NOT NULL CHECK (line_no >= 0),
        sku TEXT,
        name TEXT NOT NULL,
        quantity TEXT NOT NULL,
        price TEXT NOT NULL,
        vat TEXT,
        is_service INTEGER NOT NULL CHECK (is_service IN (0, 1)),
        PRIMARY KEY (order_id, line_no)
    ) WITHOUT ROWID
    """,
    SYNC_RUNS,
    SYNC_RUN_ORDERS + " WITHOUT ROWID",
    "CREATE INDEX sync_run_orders_by_order ON sync_run_orders (order_id)",
    # Per-day status counts of a run (the conservation check) stay O(day), not O(run so far).
    "CREATE INDEX sync_run_orders_by_day ON sync_run_orders (run_id, partition_date, status)",
    "CREATE INDEX orders_by_partition ON orders (partition_date)",
)

ROW_SCHEMA = "row_schema"
"""Column of ``orders``: the schema version whose shape wrote the row; NULL in rows written by
version 1, which hold the order's header and items only."""


def _added(table: str, columns: tuple[str, ...], text_type: str) -> list[str]:
    """``ADD COLUMN`` statements; flags are 0/1 (or NULL), other columns ``text_type``."""
    return [
        f"ALTER TABLE {table} ADD COLUMN {column} "
        + (f"INTEGER CHECK ({column} IN (0, 1))" if column in OPTIONAL_FLAGS else text_type)
        for column in columns
    ]


# Version 2: the whole GoMag order. Order tables hold TEXT; validation tables declare no type,
# so a lone surrogate kept as a BLOB (lossless_text) stays one.
_VERSION_2 = (
    *_added("orders", ORDER_DETAILS, "TEXT"),
    f"ALTER TABLE orders ADD COLUMN {ROW_SCHEMA} INTEGER",
    *_added("order_items", ITEM_DETAILS, "TEXT"),
    """
    CREATE TABLE order_discounts (
        order_id TEXT NOT NULL REFERENCES orders (order_id) DEFERRABLE INITIALLY DEFERRED,
        line_no INTEGER NOT NULL CHECK (line_no >= 0),
        name TEXT,
        voucher TEXT,
        value TEXT NOT NULL,
        PRIMARY KEY (order_id, line_no)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE order_addresses (
        order_id TEXT NOT NULL REFERENCES orders (order_id) DEFERRABLE INITIALLY DEFERRED,
        kind TEXT NOT NULL CHECK (kind IN ('billing', 'shipping')),
        firstname TEXT, lastname TEXT, company TEXT, phone TEXT, email TEXT, address TEXT,
        city TEXT, region TEXT, country TEXT, zipcode TEXT,
        company_name TEXT, company_code TEXT, registration_no TEXT, bank TEXT, iban TEXT,
        PRIMARY KEY (order_id, kind)
    ) WITHOUT ROWID
    """,
    *_added("validated_orders", ORDER_DETAILS, ""),
    *_added("validated_items", ITEM_DETAILS, ""),
    """
    CREATE TABLE validated_discounts (
        partition_date TEXT NOT NULL,
        order_id TEXT NOT NULL,
        line_no INTEGER NOT NULL,
        name, voucher, value,
        PRIMARY KEY (partition_date, order_id, line_no),
        FOREIGN KEY (partition_date, order_id)
            REFERENCES validated_orders (partition_date, order_id)
    )
    """,
    """
    CREATE TABLE validated_addresses (
        partition_date TEXT NOT NULL,
        order_id TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('billing', 'shipping')),
        firstname, lastname, company, phone, email, address, city, region, country, zipcode,
        company_name, company_code, registration_no, bank, iban,
        PRIMARY KEY (partition_date, order_id, kind),
        FOREIGN KEY (partition_date, order_id)
            REFERENCES validated_orders (partition_date, order_id)
    )
    """,
)

MIGRATIONS = (_VERSION_1, _VERSION_2)
"""``MIGRATIONS[n]``: the statements that bring a file from version ``n`` to ``n + 1``; the
step to version 3 (the shop column) is :mod:`shop_step`, which rebuilds the tables."""

ROW_SHAPE_VERSION = len(MIGRATIONS)
"""The schema version whose order shape rows are written in (``row_schema``): version 3 added
the shop, not a field of the order, so rows of version 2 are current."""

SCHEMA_VERSION = 3


def migration_from(version: int) -> list[str]:
    """The statements that bring a file at ``version`` to version 2, before the shop step."""
    return [statement for step in MIGRATIONS[version:] for statement in step]
