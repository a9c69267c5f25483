"""The code location: the order assets wired to their resources, job, schedules and sensors."""

import datetime as dt
import warnings
from collections.abc import Callable

from dagster import (
    AssetSelection,
    BetaWarning,
    Definitions,
    EnvVar,
    PreviewWarning,
    define_asset_job,
    in_process_executor,
    with_source_code_references,
)

from gomag_assets.assets import IMPORTED, IMPORTED_TODAY, RAW, VALIDATED, build_order_assets
from gomag_assets.assets.common import ASSET_GROUP
from gomag_assets.automation.alerts import build_alert_sensors
from gomag_assets.automation.freshness import build_freshness_alert_sensor
from gomag_assets.automation.schedules import build_schedules
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
    (aware "now"; default the system clock) decides "today" for the freshness asset, the
    schedules and the late-updates sensor.

    Runs execute in process: the stages are one step against one SQLite writer, so a process
    per step would cost start-up time and buy nothing.
    """
    _require_partitions_match(settings)
    with warnings.catch_warnings():
        # Beta and preview APIs opted into knowingly: single-run backfills, code references,
        # partitioned asset checks.
        warnings.simplefilter("ignore", BetaWarning)
        warnings.simplefilter("ignore", PreviewWarning)
        assets = with_source_code_references(
            build_order_assets(order_partitions, settings, clock=clock)
        )
    gomag_orders_job = define_asset_job(
        "gomag_orders_job",
        selection=AssetSelection.groups(ASSET_GROUP) - AssetSelection.assets(IMPORTED_TODAY),
        description="Fetch, validate and import the GoMag orders of the selected days.",
    )
    return Definitions(
        assets=assets,
        jobs=[gomag_orders_job],
        schedules=build_schedules(gomag_orders_job, settings, clock=clock),
        sensors=[
            build_late_updates_sensor(gomag_orders_job, settings, clock=clock),
            *build_alert_sensors(gomag_orders_job, [RAW, VALIDATED, IMPORTED], settings),
            build_freshness_alert_sensor(IMPORTED_TODAY, settings),
        ],
        resources=build_resources(settings),
        executor=in_process_executor,
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
