"""Tables of the order store: what each holds, and the schema version a file is at."""

SCHEMA_VERSION = 1
SET_SCHEMA_VERSION = "PRAGMA user_version = 1"  # PRAGMA takes no parameters

TABLES = (
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
    # Deferred: a group writes its items before its order rows (see order_rows.write_rows).
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
    """
    CREATE TABLE sync_runs (
        run_id TEXT PRIMARY KEY,
        window_start TEXT,
        window_end TEXT,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        outcome TEXT,
        counts_json TEXT
    )
    """,
    """
    CREATE TABLE sync_run_orders (
        run_id TEXT NOT NULL,
        order_id TEXT NOT NULL REFERENCES orders (order_id),
        partition_date TEXT NOT NULL,
        status TEXT NOT NULL,
        error_message TEXT,
        decided_at TEXT NOT NULL,
        PRIMARY KEY (run_id, order_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX sync_run_orders_by_order ON sync_run_orders (order_id)",
    # Per-day status counts of a run (the conservation check) stay O(day), not O(run so far).
    "CREATE INDEX sync_run_orders_by_day ON sync_run_orders (run_id, partition_date, status)",
    "CREATE INDEX orders_by_partition ON orders (partition_date)",
)
