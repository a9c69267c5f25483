"""``imported_orders``: validated orders written to the SQLite order store in three tiers."""

from collections import Counter
from decimal import Decimal

from dagster import AssetCheckSpec, AssetExecutionContext, MaterializeResult, MetadataValue, asset

from gomag_assets.assets.common import (
    ASSET_GROUP,
    ORDER_STORE_POOL,
    OWNERS,
    SINGLE_RUN,
    days_of_run,
)
from gomag_assets.assets.validated_orders import validated_orders
from gomag_assets.automation.checks import (
    DayAccount,
    conservation_result,
    totals_reconcile_result,
)
from gomag_assets.constants import OrderStatus
from gomag_assets.metadata import markdown_table, table
from gomag_assets.partitions import order_partitions
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.resources.order_store.reports import DaySummary, UnreconciledOrder


@asset(
    deps=[validated_orders],
    partitions_def=order_partitions,
    backfill_policy=SINGLE_RUN,
    group_name=ASSET_GROUP,
    owners=OWNERS,
    kinds={"sqlite"},
    pool=ORDER_STORE_POOL,
    check_specs=[
        AssetCheckSpec(
            "conservation",
            asset="imported_orders",
            blocking=True,
            description=(
                "Every order landed raw for a day has exactly one status in this run: "
                "IMPORTED + ALREADY_IMPORTED + CANCELLED + SKIPPED + MALFORMED + "
                "DELETED_IN_ROA + ERROR = landed."
            ),
        ),
        AssetCheckSpec(
            "totals_reconcile",
            asset="imported_orders",
            description=(
                "Warns, listing them per day, about orders whose total is not "
                "Σ price × quantity − discounts + delivery (imported as sent, totals_match = 0)."
            ),
        ),
    ],
)
def imported_orders(context: AssetExecutionContext, order_store: OrderStore) -> MaterializeResult:
    """Each day's verdicts saved to ``orders``/``order_items``, recorded in ``sync_runs``.

    Safe to re-run: unchanged orders come back ALREADY_IMPORTED and nothing is written twice.
    """
    keys = list(context.partition_keys)
    order_store.begin_sync_run(context.run.run_id, keys[0], keys[-1])
    days: list[DayAccount] = []
    summaries: list[DaySummary] = []
    unreconciled: list[tuple[str, list[UnreconciledOrder]]] = []
    try:
        for key in days_of_run(context):
            outcome = order_store.save_orders_batch(
                order_store.read_validated_orders(key),
                run_id=context.run.run_id,
                partition_date=key,
            )
            statuses = order_store.status_counts(run_id=context.run.run_id, partition_date=key)
            days.append(DayAccount(key, order_store.count_raw_orders(key), statuses))
            summaries.append(order_store.day_summary(key))
            unreconciled.append((key, order_store.unreconciled_orders(key)))
            context.log.info(
                f"{key}: "
                + ", ".join(f"{n} {s}" for s, n in sorted(outcome.counts.items()))
                + (f" ({outcome.reconnects} reconnects)" if outcome.reconnects else "")
            )
    except BaseException:
        order_store.finish_sync_run(context.run.run_id, "FAILED")
        raise
    conservation = conservation_result(days)
    # An unbalanced run is not a successful import: the freshness check must not count it.
    order_store.finish_sync_run(
        context.run.run_id, "SUCCESS" if conservation.passed else "UNBALANCED"
    )
    totals = Counter()
    for day in days:
        totals.update(day.statuses)
    return MaterializeResult(
        metadata={
            "dagster/row_count": sum(totals.values()),
            **{status.value.lower(): totals.get(status.value, 0) for status in OrderStatus},
            "statuses_per_day": markdown_table(
                ("day", *(s.value for s in OrderStatus)),
                [(d.day, *(d.statuses.get(s.value, 0) for s in OrderStatus)) for d in days],
            ),
            **money_metadata(summaries),
            "database": MetadataValue.path(order_store.location),
        },
        check_results=[conservation, totals_reconcile_result(unreconciled)],
    )


def money_metadata(summaries: list[DaySummary]) -> dict[str, object]:
    """Each day's revenue, discounts and delivery, and its orders per sales channel and per
    payment method: what the shop took, as the store now holds it (cancelled, MALFORMED,
    deleted and ERROR orders left out)."""
    return {
        "revenue": float(sum((day.revenue for day in summaries), Decimal(0))),
        "money_per_day": table(
            (
                ("day", "string"),
                ("orders", "int"),
                ("revenue", "float"),
                ("discounts", "float"),
                ("delivery", "float"),
            ),
            [
                (
                    d.partition_date,
                    d.orders,
                    float(d.revenue),
                    float(d.discounts),
                    float(d.delivery),
                )
                for d in summaries
            ],
        ),
        "orders_per_sales_channel": table(
            (("day", "string"), ("sales channel", "string"), ("orders", "int")),
            [
                (d.partition_date, *pair)
                for d in summaries
                for pair in sorted(d.by_sales_channel.items())
            ],
        ),
        "orders_per_payment": table(
            (("day", "string"), ("payment", "string"), ("orders", "int")),
            [(d.partition_date, *pair) for d in summaries for pair in sorted(d.by_payment.items())],
        ),
    }
