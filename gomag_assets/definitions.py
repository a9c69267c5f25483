"""The code location: the three assets wired to their resources, job, schedules and sensors."""

import datetime as dt
import warnings
from collections.abc import Callable

from dagster import (
    AssetSelection,
    BetaWarning,
    Definitions,
    EnvVar,
    build_column_schema_change_checks,
    define_asset_job,
    with_source_code_references,
)

from gomag_assets.assets import imported_orders, raw_orders, validated_orders
from gomag_assets.assets.common import ASSET_GROUP
from gomag_assets.automation.alerts import build_alert_sensors
from gomag_assets.automation.checks import build_freshness_check
from gomag_assets.automation.schedules import build_freshness_schedule, build_schedules
from gomag_assets.automation.sensors import build_late_updates_sensor
from gomag_assets.partitions import order_partitions
from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import GoMagSettingError, Settings, load_settings


def build_resources(settings: Settings) -> dict[str, object]:
    """The GoMag API and the order store as the environment configures them."""
    return {
        "gomag_api": GoMagApi(
            api_url=settings.api_url,
            api_key=EnvVar("GOMAG_API_KEY"),
            api_shop=settings.api_shop,
        ),
        "order_store": OrderStore(
            db_path=str(settings.db_path),
            # The URL may hold a password: the resource reads it from the environment itself.
            db_url=EnvVar("GOMAG_DB_URL") if settings.db_on_postgres else "",
            errors_log=str(settings.errors_log),
            store_pii=settings.store_pii,
        ),
    }


def build_definitions(
    settings: Settings, *, clock: Callable[[], dt.datetime] | None = None
) -> Definitions:
    """Everything the UI shows, configured by ``settings``.

    The assets' partitions are fixed when the package is imported; settings that disagree with
    them would make schedules and sensors ask for days the assets do not have. ``clock``
    (aware "now"; default the system clock) decides "today" for the freshness check, the
    schedules and the late-updates sensor.
    """
    _require_partitions_match(settings)
    today_is_fresh = build_freshness_check(settings, clock=clock)
    gomag_orders_job = define_asset_job(
        "gomag_orders_job",
        selection=AssetSelection.groups(ASSET_GROUP) - AssetSelection.checks(today_is_fresh),
        description="Fetch, validate and import the GoMag orders of the selected days.",
    )
    freshness_job = define_asset_job(
        "gomag_freshness_job",
        selection=AssetSelection.checks(today_is_fresh),
        description="Checks that today's orders were imported recently.",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)  # beta APIs opted into knowingly
        assets = with_source_code_references([raw_orders, validated_orders, imported_orders])
        schema_checks = build_column_schema_change_checks(assets=[validated_orders])
    return Definitions(
        assets=assets,
        asset_checks=[today_is_fresh, *schema_checks],
        jobs=[gomag_orders_job, freshness_job],
        schedules=[
            *build_schedules(gomag_orders_job, settings, clock=clock),
            build_freshness_schedule(freshness_job, settings),
        ],
        sensors=[
            build_late_updates_sensor(gomag_orders_job, settings, clock=clock),
            *build_alert_sensors(gomag_orders_job, settings),
        ],
        resources=build_resources(settings),
    )


def _require_partitions_match(settings: Settings) -> None:
    built = (order_partitions.timezone, order_partitions.start.date())
    if built != (settings.timezone, settings.start_date):
        raise GoMagSettingError(
            f"GOMAG_TIMEZONE/GOMAG_START_DATE changed after import: the assets use "
            f"{built[0]} from {built[1]}, the settings say {settings.timezone} from "
            f"{settings.start_date}; set them before starting Dagster"
        )


defs = build_definitions(load_settings())
