"""``imported_orders``: validated orders written to the SQLite order store in three tiers."""

from collections import Counter

from dagster import AssetCheckSpec, AssetExecutionContext, MaterializeResult, MetadataValue, asset

from gomag_assets.assets.common import (
    ASSET_GROUP,
    ORDER_STORE_POOL,
    OWNERS,
    SINGLE_RUN,
    days_of_run,
)
from gomag_assets.assets.validated_orders import validated_orders
from gomag_assets.automation.checks import DayAccount, conservation_result
from gomag_assets.constants import OrderStatus
from gomag_assets.metadata import markdown_table
from gomag_assets.partitions import order_partitions
from gomag_assets.resources.order_store import OrderStore


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
        )
    ],
)
def imported_orders(context: AssetExecutionContext, order_store: OrderStore) -> MaterializeResult:
    """Each day's verdicts saved to ``orders``/``order_items``, recorded in ``sync_runs``.

    Safe to re-run: unchanged orders come back ALREADY_IMPORTED and nothing is written twice.
    """
    keys = list(context.partition_keys)
    order_store.begin_sync_run(context.run.run_id, keys[0], keys[-1])
    days: list[DayAccount] = []
    try:
        for key in days_of_run(context):
            outcome = order_store.save_orders_batch(
                order_store.read_validated_orders(key),
                run_id=context.run.run_id,
                partition_date=key,
            )
            statuses = order_store.status_counts(run_id=context.run.run_id, partition_date=key)
            days.append(DayAccount(key, order_store.count_raw_orders(key), statuses))
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
            "database": MetadataValue.path(order_store.db_path),
        },
        check_results=[conservation],
    )
