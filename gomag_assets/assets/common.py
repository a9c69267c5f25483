"""What the three order-sync assets share: group, owners, the store pool, the daily loop."""

from collections.abc import Iterator

from dagster import AssetExecutionContext, BackfillPolicy

ASSET_GROUP = "gomag_orders"
OWNERS = ["team:order-sync"]
SINGLE_RUN = BackfillPolicy.single_run()
ORDER_STORE_POOL = "gomag_order_store"
"""Every asset writes the order store. SQLite takes one writer at a time: the instance limits
this pool to 1 (dagster.yaml), so steps of concurrent runs take turns instead of failing. The
limit of 1 is SQLite's only: on PostgreSQL (``GOMAG_DB_URL``) runs of different days write at
once, and the same day is fenced by the partition's tag concurrency and the store's advisory
lock per day; that instance sets its own, higher limit."""


def days_of_run(context: AssetExecutionContext) -> Iterator[str]:
    """Yield each partition key of the run in date order, logging progress per day.

    A range backfill is one run (single-run policy); walking it one day at a time keeps memory
    bounded by one day's orders whatever the range length.
    """
    keys = list(context.partition_keys)
    for position, key in enumerate(keys, start=1):
        context.log.info(f"day {position}/{len(keys)}: {key}")
        yield key
