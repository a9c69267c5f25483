"""What the store tells about the orders it holds: orders per status, what each run decided,
one order whole with its history, a day's figures, and the orders whose totals do not add up.
Reads only; the caller owns the connection.

Money is summed as exact ``Decimal``: totals are decimal text, never floats.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal
from typing import Any

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store.columns import (
    ADDRESS_COLUMNS,
    DISCOUNT_COLUMNS,
    FLAGS,
    ITEM_COLUMNS,
    OPTIONAL_FLAGS,
    ORDER_DETAILS,
    as_flag,
)
from gomag_assets.resources.order_store.dialect import StoreConnection

NOT_SET = "(not set)"
"""How a day summary labels orders whose sales channel or payment GoMag did not send."""

_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""Sums of decimal text to the last digit, however long the text."""

_NOT_STANDING = (
    OrderStatus.CANCELLED,
    OrderStatus.MALFORMED,
    OrderStatus.DELETED_IN_ROA,
    OrderStatus.ERROR,
)
"""Orders a day's summary leaves out: not (or no longer) orders the shop is paid for."""


@dataclass(frozen=True)
class DaySummary:
    """A day's orders as they stand, without the cancelled, MALFORMED, deleted and ERROR ones."""

    partition_date: str
    orders: int
    revenue: Decimal
    """Σ ``total``."""
    discounts: Decimal
    """Σ ``discount_total`` (orders from before schema 2 count 0)."""
    delivery: Decimal
    """Σ ``delivery_total`` (an order without delivery counts 0)."""
    by_sales_channel: dict[str, int]
    """Orders per ``sales_channel``; :data:`NOT_SET` when GoMag sent none."""
    by_payment: dict[str, int]
    """Orders per ``payment_name``; :data:`NOT_SET` when GoMag sent none."""


@dataclass(frozen=True)
class UnreconciledOrder:
    """An order whose total is not items − discounts + delivery (``totals_match`` False)."""

    order_id: str
    status: str
    total: Decimal
    computed_total: Decimal
    """``items_total`` − ``discount_total`` + ``delivery_total`` (delivery 0 when absent)."""
    difference: Decimal
    """``total`` − ``computed_total``."""


_ORDER_FIELDS = (
    "order_id",
    "order_number",
    "order_date",
    "status",
    "error_message",
    "partition_date",
    "gomag_status",
    "currency",
    "total",
    "payload_sha256",
    "first_run_id",
    "last_run_id",
    "updated_at",
    *ORDER_DETAILS,
)
_GET_ORDER = f"SELECT {', '.join(_ORDER_FIELDS)} FROM orders WHERE shop = ? AND order_id = ?"
_GET_LINES = {
    key: f"SELECT {', '.join(columns[1:])} FROM {table} "
    f"WHERE shop = ? AND order_id = ? ORDER BY {order_by}"
    for key, table, columns, order_by in (
        ("items", "order_items", ITEM_COLUMNS, "line_no"),
        ("discounts", "order_discounts", DISCOUNT_COLUMNS, "line_no"),
        ("addresses", "order_addresses", ADDRESS_COLUMNS, "kind"),  # billing first
    )
}
_DAY_ORDERS = f"""
    SELECT total, discount_total, delivery_total, sales_channel, payment_name FROM orders
    WHERE shop = ? AND partition_date = ? AND status NOT IN ({", ".join("?" * len(_NOT_STANDING))})
"""
_RUN_STATUS_COUNTS = """
    SELECT status, count(*) FROM sync_run_orders
    WHERE shop = ? AND run_id = ? AND (CAST(? AS TEXT) IS NULL OR partition_date = ?)
    GROUP BY status
"""
_ORDER_STATUS_COUNTS = """
    SELECT status, count(*) FROM orders
    WHERE shop = ? AND (CAST(? AS TEXT) IS NULL OR partition_date = ?) GROUP BY status
"""
_RUN_ORDERS = """
    SELECT r.order_id, o.order_number, r.partition_date, r.status, r.error_message, r.decided_at
    FROM sync_run_orders AS r LEFT JOIN orders AS o USING (shop, order_id)
    WHERE r.shop = ? AND r.run_id = ? AND (CAST(? AS TEXT) IS NULL OR r.partition_date = ?)
    ORDER BY r.decided_at, r.order_id
"""
_ORDER_HISTORY = """
    SELECT r.run_id, s.window_start, s.window_end, s.started_at, s.outcome,
           r.partition_date, r.status, r.error_message, r.decided_at
    FROM sync_run_orders AS r LEFT JOIN sync_runs AS s USING (shop, run_id)
    WHERE r.shop = ? AND r.order_id = ?
    ORDER BY r.decided_at, r.run_id
"""
_UNRECONCILED = """
    SELECT order_id, status, total, items_total, discount_total, delivery_total FROM orders
    WHERE shop = ? AND partition_date = ? AND totals_match = 0 ORDER BY order_id
"""


def no_orders() -> dict[str, int]:
    """Every status with 0 orders: counts list every status, present or not."""
    return {status.value: 0 for status in OrderStatus}


def status_counts(
    conn: StoreConnection,
    shop: str,
    run_id: str | None = None,
    partition_date: str | None = None,
) -> dict[str, int]:
    """The shop's orders per status: as run ``run_id`` decided them, else as they stand; of one
    partition when ``partition_date`` is given."""
    if run_id is None:
        rows = conn.execute(_ORDER_STATUS_COUNTS, (shop, partition_date, partition_date))
    else:
        rows = conn.execute(_RUN_STATUS_COUNTS, (shop, run_id, partition_date, partition_date))
    return no_orders() | dict(rows.fetchall())


def run_orders(
    conn: StoreConnection, shop: str, run_id: str, partition_date: str | None
) -> list[dict[str, Any]]:
    """What a run decided for each order (by decision time, then order id)."""
    return _dicts(conn.execute(_RUN_ORDERS, (shop, run_id, partition_date, partition_date)))


def order_history(conn: StoreConnection, shop: str, order_id: str) -> list[dict[str, Any]]:
    """The order's status in every run that saw it, oldest first, with each run's window."""
    return _dicts(conn.execute(_ORDER_HISTORY, (shop, order_id)))


def stored_order(conn: StoreConnection, shop: str, order_id: str) -> dict[str, Any] | None:
    """The order's row with its ``items``, ``discounts`` and ``addresses``; None if unknown."""
    found = _dicts(conn.execute(_GET_ORDER, (shop, order_id)))
    if not found:
        return None
    order = found[0]
    for key, select in _GET_LINES.items():
        order[key] = _dicts(conn.execute(select, (shop, order_id)))
    return order


def day_summary(conn: StoreConnection, shop: str, partition_date: str) -> DaySummary:
    """The day's revenue, discounts and delivery, and its orders per sales channel and payment."""
    rows = conn.execute(_DAY_ORDERS, (shop, partition_date, *_NOT_STANDING)).fetchall()
    return DaySummary(
        partition_date,
        len(rows),
        revenue=_sum(row[0] for row in rows),
        discounts=_sum(row[1] for row in rows),
        delivery=_sum(row[2] for row in rows),
        by_sales_channel=_count(row[3] for row in rows),
        by_payment=_count(row[4] for row in rows),
    )


def unreconciled_orders(
    conn: StoreConnection, shop: str, partition_date: str
) -> list[UnreconciledOrder]:
    """The day's orders, whatever their status, whose totals validation found not to add up."""
    found = []
    for order_id, status, total, items, discounts, delivery in conn.execute(
        _UNRECONCILED, (shop, partition_date)
    ):
        net = _EXACT.subtract(_decimal(items), _decimal(discounts))
        computed = _EXACT.add(net, _decimal(delivery))
        stated = _decimal(total)
        found.append(
            UnreconciledOrder(order_id, status, stated, computed, _EXACT.subtract(stated, computed))
        )
    return found


def _decimal(text: str | None) -> Decimal:
    return Decimal(0) if text is None else Decimal(text)


def _sum(texts: Iterable[str | None]) -> Decimal:
    total = Decimal(0)
    for text in texts:
        total = _EXACT.add(total, _decimal(text))
    return total


def _count(labels: Iterable[str | None]) -> dict[str, int]:
    return dict(Counter(NOT_SET if label is None else label for label in labels).most_common())


def _dicts(cursor: Any) -> list[dict[str, Any]]:
    """Rows as dicts; flags as bool (or None)."""
    names = [column[0] for column in cursor.description]
    return [
        {
            name: as_flag(value) if name in FLAGS or name in OPTIONAL_FLAGS else value
            for name, value in zip(names, row, strict=True)
        }
        for row in cursor
    ]
