"""The CLI benchmark's baseline: three chained daily assets that do nothing, run in process.

What a one-day run costs through ``dagster asset materialize`` before any order is touched:
starting Python, importing Dagster, loading definitions, opening the instance, the run's events.
"""

from dagster import (
    BackfillPolicy,
    DailyPartitionsDefinition,
    Definitions,
    asset,
    in_process_executor,
)

DAYS = DailyPartitionsDefinition(start_date="2024-01-01")
SHAPE = {"partitions_def": DAYS, "backfill_policy": BackfillPolicy.single_run()}


@asset(**SHAPE)
def first() -> None:
    """Nothing."""


@asset(deps=[first], **SHAPE)
def second() -> None:
    """Nothing."""


@asset(deps=[second], **SHAPE)
def third() -> None:
    """Nothing."""


defs = Definitions(assets=[first, second, third], executor=in_process_executor)
