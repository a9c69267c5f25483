"""``raw_orders``: each day's payloads exactly as fetched, in landing order. The caller owns the
connection (and, for a landing, the transaction)."""

from collections.abc import Sequence

from gomag_assets.resources.order_store.dialect import Dialect, StoreConnection
from gomag_assets.resources.order_store.lossless_text import from_sqlite

_DELETE_DAY = "DELETE FROM raw_orders WHERE shop = ? AND partition_date = ?"
_LAND = """
    INSERT INTO raw_orders (
        shop, partition_date, order_id, landing_no, payload, fetched_at, run_id)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (shop, partition_date, order_id) DO UPDATE SET payload = excluded.payload
"""
_READ_DAY = """
    SELECT order_id, payload FROM raw_orders WHERE shop = ? AND partition_date = ?
    ORDER BY landing_no
"""
_COUNT_DAY = "SELECT count(*) FROM raw_orders WHERE shop = ? AND partition_date = ?"


def replace_day(
    conn: StoreConnection,
    dialect: Dialect,
    shop: str,
    partition_date: str,
    run_id: str,
    landed: Sequence[tuple[str, str]],
    fetched_at: str,
) -> int:
    """Replace the shop's day's landing with ``(order_id, payload)`` pairs; how many it holds
    now (an id given twice keeps its first place and its last payload)."""
    rows = [
        (
            shop,
            partition_date,
            order_id,
            landing_no,
            dialect.payload_value(payload),
            fetched_at,
            run_id,
        )
        for landing_no, (order_id, payload) in enumerate(landed)
    ]
    conn.execute(_DELETE_DAY, (shop, partition_date))
    conn.executemany(_LAND, rows)
    return count_day(conn, shop, partition_date)


def read_day(conn: StoreConnection, shop: str, partition_date: str) -> list[tuple[str, str]]:
    """``(order_id, payload)`` of the day in landing order, payloads as given."""
    rows = conn.execute(_READ_DAY, (shop, partition_date)).fetchall()
    return [(order_id, from_sqlite(payload)) for order_id, payload in rows]


def count_day(conn: StoreConnection, shop: str, partition_date: str) -> int:
    return conn.execute(_COUNT_DAY, (shop, partition_date)).fetchone()[0]
