"""The three order stages as one multi-asset: one op walks the run's days and reports each day of
each selected asset, and each day's checks, on that day's own partition.

A range run is one run (single-run backfill policy) and one step: the stages share one SQLite
writer, so separate steps would buy only process start-ups. Each stage's work stays in its own
module and returns the day's figures; `sync.OrderSync` walks the days; this module declares.
"""

import datetime as dt
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

from dagster import (
    AssetCheckSpec,
    AssetExecutionContext,
    AssetsDefinition,
    AssetSpec,
    BackfillPolicy,
    DailyPartitionsDefinition,
    FreshnessPolicy,
    multi_asset,
)

from gomag_assets.assets import imported_orders, raw_orders, validated_orders
from gomag_assets.assets.common import (
    DEFAULT_SCOPE,
    ORDER_STORE_POOL,
    OWNERS,
    SHOP_TAG,
    ShopScope,
)
from gomag_assets.assets.sync import OrderKeys, OrderSync
from gomag_assets.assets.validated_orders import (
    ORDER_COLUMN_SCHEMA,
    ValidationConfig,
    shop_validation_config,
)
from gomag_assets.automation import checks
from gomag_assets.metadata import file_link, store_link
from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import Settings
from gomag_assets.wording import counted

CHECKED_STAGE = {
    checks.MALFORMED_SHARE: "validated",
    checks.COLUMN_SCHEMA: "validated",
    checks.CONSERVATION: "imported",
    checks.TOTALS_RECONCILE: "imported",
}
"""Each check and the field of ``OrderKeys`` naming the asset it checks."""


def build_order_assets(
    partitions_def: DailyPartitionsDefinition,
    settings: Settings,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    scope: ShopScope = DEFAULT_SCOPE,
) -> list[AssetsDefinition | AssetSpec]:
    """The order-sync multi-asset and ``imported_orders_today``, the asset whose freshness
    policy says whether today's orders were imported within GOMAG_FRESHNESS_LAG minutes: of the
    shop ``scope`` names, which ``settings`` configure, through its own resources.

    ``clock`` (aware "now"; default the system clock) decides which day is today.
    """
    shop_zone = ZoneInfo(partitions_def.timezone)
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    keys = OrderKeys.of(scope)
    store_kind = "postgres" if settings.db_on_postgres else "sqlite"
    stage = {"partitions_def": partitions_def, "group_name": scope.group, "owners": OWNERS}
    shop_tags = scope.tags if scope.prefixed else {}
    config_class = ValidationConfig
    if scope.prefixed:
        statuses = (settings.cancelled_statuses, settings.cancelled_status_ids)
        config_class = shop_validation_config(scope.shop, *statuses)

    @multi_asset(
        name=scope.named("gomag_orders"),
        description="Fetches, validates and imports the GoMag orders of each selected day.",
        specs=[
            AssetSpec(
                keys.raw,
                description=raw_orders.DESCRIPTION,
                kinds={"httpx", store_kind},
                tags=shop_tags,
                skippable=True,
                **stage,
            ),
            AssetSpec(
                keys.validated,
                deps=[keys.raw],
                description=validated_orders.DESCRIPTION,
                kinds={"pandera", store_kind},
                metadata={"dagster/column_schema": ORDER_COLUMN_SCHEMA},
                tags=shop_tags,
                skippable=True,
                **stage,
            ),
            AssetSpec(
                keys.imported,
                deps=[keys.validated],
                description=imported_orders.DESCRIPTION,
                kinds={store_kind},
                tags=shop_tags,
                skippable=True,
                **stage,
            ),
        ],
        check_specs=[
            AssetCheckSpec(
                name,
                asset=getattr(keys, stage),
                description=checks.DESCRIPTIONS[name],
                blocking=name in checks.BLOCKING,
                partitions_def=partitions_def,
            )
            for name, stage in CHECKED_STAGE.items()
        ],
        can_subset=True,
        partitions_def=partitions_def,
        backfill_policy=BackfillPolicy.single_run(),
        pool=ORDER_STORE_POOL,
        op_tags=scope.tags,
        required_resource_keys={scope.api_key, scope.store_key},
    )
    def gomag_orders(context: AssetExecutionContext, config: config_class) -> Iterator:
        name_the_shop(context, scope.shop)
        gomag_api: GoMagApi = getattr(context.resources, scope.api_key)
        order_store: OrderStore = getattr(context.resources, scope.store_key)
        yield from OrderSync(
            context,
            config,
            gomag_api,
            order_store,
            timezone=partitions_def.timezone,
            today=now().astimezone(shop_zone).date().isoformat(),
            links={
                "database": store_link(order_store),
                "errors_log": file_link(order_store.errors_log_path),
                "alerts_log": file_link(settings.alerts_file),
            },
            keys=keys,
        ).run()

    today = AssetSpec(
        keys.today,
        deps=[keys.imported],
        group_name=scope.group,
        tags=shop_tags,
        owners=OWNERS,
        description=(
            "Reported each time today's partition of imported_orders is imported in balance. "
            f"Its freshness policy fails when that was more than "
            f"{counted(settings.freshness_lag_minutes, 'minute')} ago (GOMAG_FRESHNESS_LAG); "
            "imports of past days do not count."
        ),
        freshness_policy=FreshnessPolicy.time_window(
            fail_window=dt.timedelta(minutes=settings.freshness_lag_minutes)
        ),
    )
    return [gomag_orders, today]


def name_the_shop(context: AssetExecutionContext, shop: str) -> None:
    """Tag the run with the shop it syncs. Runs of a shop's job carry the tag from the start;
    runs launched from the asset graph or as a UI backfill run Dagster's own asset job, which
    has no such tag, so the op adds it (a run over several shops names each, comma-separated)."""
    named = context.instance.get_run_by_id(context.run.run_id).tags.get(SHOP_TAG)
    shops = named.split(",") if named else []
    if shop not in shops:
        context.instance.add_run_tags(context.run.run_id, {SHOP_TAG: ",".join([*shops, shop])})
