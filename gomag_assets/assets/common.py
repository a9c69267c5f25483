"""What the three order-sync assets share: partitions, group, owners, and the day-by-day loop."""

from collections.abc import Iterator

from dagster import AssetExecutionContext, BackfillPolicy

from gomag_assets.partitions import order_partitions

ASSET_GROUP = "gomag_orders"
OWNERS = ["team:order-sync"]
SINGLE_RUN = BackfillPolicy.single_run()


def days_of_run(context: AssetExecutionContext) -> Iterator[str]:
    """Yield each partition key of the run in date order, logging progress per day.

    A range backfill is one run (single-run policy); walking it one day at a time keeps memory
    bounded by one day's orders whatever the range length.
    """
    keys = list(context.partition_keys)
    for position, key in enumerate(keys, start=1):
        context.log.info(f"day {position}/{len(keys)}: {key}")
        yield key


__all__ = ["ASSET_GROUP", "OWNERS", "SINGLE_RUN", "days_of_run", "order_partitions"]
