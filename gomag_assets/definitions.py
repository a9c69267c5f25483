"""The code location: each shop's order assets wired to their resources, job, schedules and
sensors."""

import datetime as dt
import warnings
from collections.abc import Callable, Sequence

from dagster import (
    AssetSelection,
    BetaWarning,
    DailyPartitionsDefinition,
    Definitions,
    EnvVar,
    PreviewWarning,
    define_asset_job,
    in_process_executor,
    with_source_code_references,
)

from gomag_assets.assets import OrderKeys, build_order_assets
from gomag_assets.assets.common import DEFAULT_SCOPE, ShopScope
from gomag_assets.automation.alerts import build_alert_sensors
from gomag_assets.automation.freshness import build_freshness_alert_sensor
from gomag_assets.automation.schedules import build_schedules
from gomag_assets.automation.sensors import build_late_updates_sensor
from gomag_assets.partitions import daily_order_partitions, order_partitions
from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import GoMagSettingError, Settings, load_settings
from gomag_assets.shops import DEFAULT_API_KEY_ENV, Shop, load_shops, shop_settings


def build_resources(
    settings: Settings,
    scope: ShopScope = DEFAULT_SCOPE,
    api_key_env: str = DEFAULT_API_KEY_ENV,
    upgraded_shop: str = "",
) -> dict[str, object]:
    """The shop's GoMag API (its key read from ``api_key_env`` through ``EnvVar``) and the
    order store bound to the shop, under the shop's resource keys. ``upgraded_shop`` is the
    shop a store from before there were shops belongs to (empty: this one)."""
    return {
        scope.api_key: GoMagApi(
            api_url=settings.api_url,
            api_key=EnvVar(api_key_env),
            api_shop=settings.api_shop,
        ),
        scope.store_key: OrderStore(
            shop=scope.shop,
            upgraded_shop=upgraded_shop,
            db_path=str(settings.db_path),
            # The URL may hold a password: the resource reads it from the environment itself.
            db_url=EnvVar("GOMAG_DB_URL") if settings.db_on_postgres else "",
            errors_log=str(settings.errors_log),
            store_pii=settings.store_pii,
        ),
    }


def build_definitions(
    settings: Settings,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    shops: Sequence[Shop] = (),
) -> Definitions:
    """Everything the UI shows, configured by ``settings``: for each of ``shops`` (the shops
    file) its own assets, job, schedules and sensors under its name, all in one order store (a
    store from before there were shops is the first shop's); without shops, the one shop
    ``default`` under the names it had before there were shops.

    Without shops, the assets' partitions are fixed when the package is imported; settings that
    disagree with them would make schedules and sensors ask for days the assets do not have.
    ``clock`` (aware "now"; default the system clock) decides "today" for the freshness asset,
    the schedules and the late-updates sensor.

    Runs execute in process: the stages are one step against one store writer, so a process
    per step would cost start-up time and buy nothing.
    """
    if shops:
        parts = [
            _shop_definitions(
                shop_settings(shop, settings),
                ShopScope(shop.name, prefixed=True),
                clock=clock,
                schedules_on=shop.schedules_on,
                api_key_env=shop.api_key_env,
                upgraded_shop=shops[0].name,
            )
            for shop in shops
        ]
    else:
        _require_partitions_match(settings)
        parts = [
            _shop_definitions(settings, DEFAULT_SCOPE, clock=clock, partitions=order_partitions)
        ]
    return Definitions.merge(*parts, Definitions(executor=in_process_executor))


def _shop_definitions(
    settings: Settings,
    scope: ShopScope,
    *,
    clock: Callable[[], dt.datetime] | None,
    partitions: DailyPartitionsDefinition | None = None,
    schedules_on: bool = False,
    api_key_env: str = DEFAULT_API_KEY_ENV,
    upgraded_shop: str = "",
) -> Definitions:
    """One shop's assets, job, schedules, sensors and resources."""
    keys = OrderKeys.of(scope)
    with warnings.catch_warnings():
        # Beta and preview APIs opted into knowingly: single-run backfills, code references,
        # partitioned asset checks.
        warnings.simplefilter("ignore", BetaWarning)
        warnings.simplefilter("ignore", PreviewWarning)
        assets = with_source_code_references(
            build_order_assets(
                partitions or daily_order_partitions(settings), settings, clock=clock, scope=scope
            )
        )
    job = define_asset_job(
        scope.named("gomag_orders_job"),
        selection=AssetSelection.groups(scope.group) - AssetSelection.assets(keys.today),
        description="Fetch, validate and import the GoMag orders of the selected days.",
        tags=scope.tags,
    )
    return Definitions(
        assets=assets,
        jobs=[job],
        schedules=build_schedules(job, settings, clock=clock, scope=scope, running=schedules_on),
        sensors=[
            build_late_updates_sensor(job, settings, clock=clock, scope=scope),
            *build_alert_sensors(job, [keys.raw, keys.validated, keys.imported], settings, scope),
            build_freshness_alert_sensor(keys.today, settings, scope),
        ],
        resources=build_resources(settings, scope, api_key_env, upgraded_shop),
    )


def _require_partitions_match(settings: Settings) -> None:
    built = (order_partitions.timezone, order_partitions.start.date())
    if built != (settings.timezone, settings.start_date):
        raise GoMagSettingError(
            f"GOMAG_TIMEZONE/GOMAG_START_DATE changed after import: the assets use "
            f"{built[0]} from {built[1]}, the settings say {settings.timezone} from "
            f"{settings.start_date}; set them before starting Dagster"
        )


_SETTINGS = load_settings()
defs = build_definitions(_SETTINGS, shops=load_shops(_SETTINGS))
