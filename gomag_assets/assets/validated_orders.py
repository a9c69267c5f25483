"""``validated_orders``: landed payloads judged by the pandera schemas, valid or MALFORMED."""

from dagster import (
    AssetCheckSpec,
    AssetExecutionContext,
    Config,
    MaterializeResult,
    MetadataValue,
    asset,
)
from pydantic import Field

from gomag_assets.assets.common import (
    ASSET_GROUP,
    ORDER_STORE_POOL,
    OWNERS,
    SINGLE_RUN,
    days_of_run,
)
from gomag_assets.assets.raw_orders import raw_orders
from gomag_assets.automation.checks import DayCounts, malformed_share_result
from gomag_assets.metadata import frame_column_schema, markdown_table
from gomag_assets.partitions import order_partitions
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import load_settings
from gomag_assets.validation import validate_orders
from gomag_assets.validation.schemas import ORDER_DAGSTER_TYPE

ORDER_COLUMN_SCHEMA = ORDER_DAGSTER_TYPE.metadata["schema"].value
_SETTINGS = load_settings()


class ValidationConfig(Config):
    cancelled_statuses: list[str] = Field(
        default=list(_SETTINGS.cancelled_statuses),
        description=(
            "GoMag status names that mean the order was cancelled (GOMAG_CANCELLED_STATUSES)."
        ),
    )
    cancelled_status_ids: list[str] = Field(
        default=list(_SETTINGS.cancelled_status_ids),
        description=(
            "The shop's status ids that mean the order was cancelled "
            "(GOMAG_CANCELLED_STATUS_IDS; see the README for how to find them)."
        ),
    )
    malformed_warn_share: float = Field(
        default=0.05, description="Warn when a day's MALFORMED share is above this (0..1)."
    )


@asset(
    deps=[raw_orders],
    partitions_def=order_partitions,
    backfill_policy=SINGLE_RUN,
    group_name=ASSET_GROUP,
    owners=OWNERS,
    pool=ORDER_STORE_POOL,
    kinds={"pandera", "sqlite"},
    metadata={"dagster/column_schema": ORDER_COLUMN_SCHEMA},
    check_specs=[
        AssetCheckSpec(
            "malformed_share",
            asset="validated_orders",
            blocking=True,
            description=(
                "Warns when a day's MALFORMED share passes the threshold; fails, blocking the "
                "import, when every order of a non-empty day is MALFORMED (a feed change)."
            ),
        )
    ],
)
def validated_orders(
    context: AssetExecutionContext, config: ValidationConfig, order_store: OrderStore
) -> MaterializeResult:
    """Each landed order normalized into order and item rows and checked by the schemas.

    An order that fails any rule is kept as MALFORMED with every failure in plain words; it
    never blocks the rest of its day. Re-materializing a day replaces that day's verdicts.
    """
    days: list[DayCounts] = []
    malformed_rows: list[tuple[str, str, str, str]] = []
    column_schema = ORDER_COLUMN_SCHEMA
    for key in days_of_run(context):
        result = validate_orders(
            order_store.read_raw_orders(key),
            cancelled_statuses=config.cancelled_statuses,
            cancelled_status_ids=config.cancelled_status_ids,
            timezone=order_partitions.timezone,
        )
        order_store.replace_validation(
            key, context.run.run_id, result.orders, result.items, result.discounts, result.addresses
        )
        column_schema = frame_column_schema(result.orders)
        days.append(DayCounts(key, result.valid_count, result.malformed_count))
        malformed_rows += [
            (key, row.order_id, row.order_number, row.error_message)
            for row in result.malformed.itertuples(index=False)
        ]
        context.log.info(f"{key}: {result.valid_count} valid, {result.malformed_count} MALFORMED")
    valid = sum(day.valid for day in days)
    malformed = sum(day.malformed for day in days)
    return MaterializeResult(
        metadata={
            "dagster/row_count": valid + malformed,
            "dagster/column_schema": column_schema,
            "valid_orders": valid,
            "malformed_orders": malformed,
            "malformed": markdown_table(("day", "order id", "number", "reason"), malformed_rows),
            "database": MetadataValue.path(order_store.location),
        },
        check_results=[malformed_share_result(days, config.malformed_warn_share)],
    )
