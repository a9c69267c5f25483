"""The three order stages as one multi-asset: one op walks the run's days and reports each day of
each selected asset, and each day's checks, on that day's own partition.

A range run is one run (single-run backfill policy) and one step: the stages share one SQLite
writer, so separate steps would buy only process start-ups. Each stage's work stays in its own
module and returns the day's figures; this module only wires them to Dagster.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

from dagster import (
    AssetCheckKey,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetSpec,
    BackfillPolicy,
    DailyPartitionsDefinition,
    Failure,
    FreshnessPolicy,
    multi_asset,
)

from gomag_assets.assets import imported_orders, raw_orders, validated_orders
from gomag_assets.assets.common import ASSET_GROUP, ORDER_STORE_POOL, OWNERS
from gomag_assets.assets.validated_orders import ORDER_COLUMN_SCHEMA, ValidationConfig
from gomag_assets.automation import checks
from gomag_assets.metadata import file_link
from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import Settings

RAW = AssetKey("raw_orders")
VALIDATED = AssetKey("validated_orders")
IMPORTED = AssetKey("imported_orders")
IMPORTED_TODAY = AssetKey("imported_orders_today")
CHECKED_ASSET = {
    checks.MALFORMED_SHARE: VALIDATED,
    checks.COLUMN_SCHEMA: VALIDATED,
    checks.CONSERVATION: IMPORTED,
    checks.TOTALS_RECONCILE: IMPORTED,
}


def build_order_assets(
    partitions_def: DailyPartitionsDefinition,
    settings: Settings,
    *,
    clock: Callable[[], dt.datetime] | None = None,
) -> list:
    """The order-sync multi-asset and ``imported_orders_today``, the asset whose freshness
    policy says whether today's orders were imported within GOMAG_FRESHNESS_LAG minutes.

    ``clock`` (aware "now"; default the system clock) decides which day is today.
    """
    shop_zone = ZoneInfo(partitions_def.timezone)
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    stage = {"partitions_def": partitions_def, "group_name": ASSET_GROUP, "owners": OWNERS}

    @multi_asset(
        name="gomag_orders",
        description="Fetches, validates and imports the GoMag orders of each selected day.",
        specs=[
            AssetSpec(
                RAW,
                description=raw_orders.DESCRIPTION,
                kinds={"httpx", "sqlite"},
                skippable=True,
                **stage,
            ),
            AssetSpec(
                VALIDATED,
                deps=[RAW],
                description=validated_orders.DESCRIPTION,
                kinds={"pandera", "sqlite"},
                metadata={"dagster/column_schema": ORDER_COLUMN_SCHEMA},
                skippable=True,
                **stage,
            ),
            AssetSpec(
                IMPORTED,
                deps=[VALIDATED],
                description=imported_orders.DESCRIPTION,
                kinds={"sqlite"},
                skippable=True,
                **stage,
            ),
        ],
        check_specs=[
            AssetCheckSpec(
                name,
                asset=asset,
                description=checks.DESCRIPTIONS[name],
                blocking=name in checks.BLOCKING,
                partitions_def=partitions_def,
            )
            for name, asset in CHECKED_ASSET.items()
        ],
        can_subset=True,
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.single_run(),
        pool=ORDER_STORE_POOL,
    )
    def gomag_orders(
        context: AssetExecutionContext,
        config: ValidationConfig,
        gomag_api: GoMagApi,
        order_store: OrderStore,
    ) -> Iterator:
        days, selected, run_id = (
            list(context.partition_keys),
            context.selected_asset_keys,
            context.run.run_id,
        )
        links = {
            "database": file_link(order_store.db_path),
            "errors_log": file_link(order_store.errors_log_path),
            "alerts_log": file_link(settings.alerts_file),
        }
        refused: dict[str, str] = {}

        def checking(asset: AssetKey, name: str) -> bool:
            return AssetCheckKey(asset, name) in context.selected_asset_check_keys

        if IMPORTED in selected:
            order_store.begin_sync_run(run_id, days[0], days[-1])
        try:
            for position, day in enumerate(days, start=1):
                words = []
                if RAW in selected:
                    landed = raw_orders.land_day(day, gomag_api, order_store, run_id, context.log)
                    words.append(landed.summary())
                    yield AssetMaterialization(
                        RAW, partition=day, metadata={**landed.metadata(), **links}
                    )
                if VALIDATED in selected:
                    judged = validated_orders.validate_day(
                        day, config, order_store, run_id, partitions_def.timezone
                    )
                    words.append(judged.summary())
                    yield AssetMaterialization(
                        VALIDATED, partition=day, metadata={**judged.metadata(), **links}
                    )
                    if checking(VALIDATED, checks.MALFORMED_SHARE):
                        yield checks.malformed_share(VALIDATED, judged, config.malformed_warn_share)
                    if checking(VALIDATED, checks.COLUMN_SCHEMA):
                        yield checks.column_schema(VALIDATED, judged)
                if IMPORTED in selected and VALIDATED in selected and judged.feed_changed:
                    refused[day] = "every order is MALFORMED, so the day was not imported"
                    words.append("import skipped: every order is MALFORMED")
                elif IMPORTED in selected:
                    imported = imported_orders.import_day(day, order_store, run_id)
                    words.append(imported.summary())
                    yield AssetMaterialization(
                        IMPORTED, partition=day, metadata={**imported.metadata(), **links}
                    )
                    if checking(IMPORTED, checks.CONSERVATION):
                        yield checks.conservation(IMPORTED, imported)
                    if checking(IMPORTED, checks.TOTALS_RECONCILE):
                        yield checks.totals_reconcile(IMPORTED, imported)
                    if not imported.balanced:
                        refused[day] = "orders lost or counted twice"
                    elif day == now().astimezone(shop_zone).date().isoformat():
                        yield AssetMaterialization(
                            IMPORTED_TODAY, metadata={"partition": day, "run_id": run_id}
                        )
                context.log.info(f"{day} ({position}/{len(days)}): " + "; ".join(words))
        except BaseException:
            if IMPORTED in selected:
                order_store.finish_sync_run(run_id, "FAILED")
            raise
        if IMPORTED in selected:
            # A refused or unbalanced day is not a successful import of the run's window.
            order_store.finish_sync_run(run_id, "UNBALANCED" if refused else "SUCCESS")
        if refused:
            raise Failure(description="; ".join(f"{day}: {why}" for day, why in refused.items()))

    today = AssetSpec(
        IMPORTED_TODAY,
        deps=[IMPORTED],
        group_name=ASSET_GROUP,
        owners=OWNERS,
        description=(
            "Reported each time today's partition of imported_orders is imported in balance. "
            f"Its freshness policy fails when that was more than {settings.freshness_lag_minutes} "
            "minutes ago (GOMAG_FRESHNESS_LAG); imports of past days do not count."
        ),
        freshness_policy=FreshnessPolicy.time_window(
            fail_window=dt.timedelta(minutes=settings.freshness_lag_minutes)
        ),
    )
    return [gomag_orders, today]
