"""What the store tells about a day: its revenue and mix (``day_summary``), and the orders whose
totals do not add up (``unreconciled_orders``), to the last digit."""

from decimal import Decimal

import pytest
from store_fixtures import (
    BOTH_BACKENDS,
    PARTITION,
    FaultyStore,
    make_discount,
    make_malformed,
    make_order,
    rows_mention,
)

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store import OrderStore, UnreconciledOrder
from gomag_assets.resources.order_store.reports import NOT_SET

HUGE = "9" * 40 + ".99"
"""More digits than a float or Decimal's default 28-digit context can add exactly."""

pytestmark = BOTH_BACKENDS


@pytest.fixture
def store(faulty_store: FaultyStore) -> FaultyStore:
    """Every store in this file can have faults injected."""
    return faulty_store


def _day(store: OrderStore) -> list[dict]:
    """A day of every status: three standing orders, one SKIPPED, and four that do not count."""
    orders = [
        make_order(0, total="0.10", discount_total="0.10", delivery_total="0.10"),
        make_order(1, total="0.20", discount_total="0.20", delivery_total=None),
        make_order(2, total=HUGE, discount_total="0", sales_channel=None, payment_name=None),
        make_order(3, total="5.00", nothing_to_import=True, payment_name="Card online"),
        make_order(4, total="1000.00", is_cancelled=True),
        make_malformed(5),
        make_order(6, total="2000.00"),
        make_order(7, total="3000.00"),
    ]
    store.faults.append(rows_mention("100007", "INSERT INTO order_items"))  # lost twice: ERROR
    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)
    store.faults.clear()
    store.mark_deleted_in_roa("100006", "ștearsă în ROA")
    store.save_orders_batch([make_order(8, total="77.00")], run_id="run-1", partition_date="other")
    assert outcome.statuses["100007"] is OrderStatus.ERROR
    return orders


def test_a_day_summary_adds_up_the_standing_orders_exactly(store):
    _day(store)

    summary = store.day_summary(PARTITION)

    assert summary.orders == 4
    assert str(summary.revenue) == "1" + "0" * 39 + "5.29"
    assert summary.discounts == Decimal("10.30")
    assert summary.delivery == Decimal("30.10")
    assert summary.by_sales_channel == {"Magazin online": 3, NOT_SET: 1}
    assert summary.by_payment == {"Ramburs": 2, "Card online": 1, NOT_SET: 1}


def test_a_day_without_orders_sums_to_zero(store):
    summary = store.day_summary("2026-12-25")

    assert (summary.orders, summary.revenue, summary.by_payment) == (0, Decimal(0), {})


def test_unreconciled_orders_list_each_difference_exactly(store):
    orders = [
        make_order(0),
        make_order(
            1, totals_match=False, total="100.00", items_total="90.05", discount_total="5.10"
        ),
        make_order(
            2,
            totals_match=False,
            total=HUGE,
            items_total="0.01",
            discount_total="0.00",
            delivery_total=None,
        ),
        make_order(3, totals_match=False, is_cancelled=True, total="1.00", items_total="2.00"),
        make_malformed(4),
    ]
    store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)
    store.save_orders_batch(
        [make_order(9, totals_match=False)], run_id="run-1", partition_date="other"
    )

    found = store.unreconciled_orders(PARTITION)

    assert found == [
        UnreconciledOrder(
            "100001", "IMPORTED", Decimal("100.00"), Decimal("99.95"), Decimal("0.05")
        ),
        UnreconciledOrder(
            "100002", "IMPORTED", Decimal(HUGE), Decimal("0.01"), Decimal("9" * 40 + ".98")
        ),
        UnreconciledOrder(
            "100003", "CANCELLED", Decimal("1.00"), Decimal("7.00"), Decimal("-6.00")
        ),
    ]
    assert [type(order.total) for order in found] == [Decimal] * 3


def test_discounts_of_a_summary_come_from_the_stored_discount_total(store):
    order = make_order(0, discounts=[make_discount(0, value="12.34"), make_discount(1)])
    store.save_orders_batch([order], run_id="run-1", partition_date=PARTITION)

    assert store.day_summary(PARTITION).discounts == Decimal("22.34")
