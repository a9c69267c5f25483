"""Schedules: refresh today's orders often, finalize yesterday's after midnight; off by default."""

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dagster import (
    DefaultScheduleStatus,
    RunRequest,
    ScheduleDefinition,
    ScheduleEvaluationContext,
    schedule,
)
from dagster._check import CheckError

from gomag_assets.assets.common import DEFAULT_SCOPE, ShopScope
from gomag_assets.settings import Settings

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )


def _shop_day(
    context: ScheduleEvaluationContext,
    timezone: str,
    days_back: int,
    now: Callable[[], dt.datetime],
) -> str:
    """The shop-local date of the tick, ``days_back`` days earlier, as a partition key.

    A tick without a time (a manual test evaluation) counts as ``now()``; a naive time is read
    as shop-local wall time, as Dagster reads it when checking the partition key.
    """
    shop = ZoneInfo(timezone)
    try:
        tick = context.scheduled_execution_time
    except CheckError:
        tick = now()
    tick = tick.replace(tzinfo=shop) if tick.tzinfo is None else tick.astimezone(shop)
    return (tick.date() - dt.timedelta(days=days_back)).isoformat()


def build_schedules(
    job: "UnresolvedAssetJobDefinition",
    settings: Settings,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    scope: ShopScope = DEFAULT_SCOPE,
    running: bool = False,
) -> list[ScheduleDefinition]:
    """The intraday refresh of today's partition and the nightly finalization of yesterday's,
    of the shop ``scope`` names; stopped until turned on, unless ``running``.

    ``clock`` (aware "now"; default the system clock) stands in for a tick without a time.
    """
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    status = DefaultScheduleStatus.RUNNING if running else DefaultScheduleStatus.STOPPED

    @schedule(
        name=scope.named("gomag_intraday_refresh"),
        cron_schedule=settings.intraday_cron,
        job=job,
        execution_timezone=settings.timezone,
        default_status=status,
        description=(
            "Re-imports today's still-open partition so new GoMag orders reach the store "
            f"within minutes ({settings.intraday_cron}). Each tick is a fresh run; unchanged "
            "orders come back ALREADY_IMPORTED."
        ),
    )
    def intraday(context: ScheduleEvaluationContext) -> RunRequest:
        day = _shop_day(context, settings.timezone, 0, now)
        return RunRequest(partition_key=day, tags=scope.day_tags(day))

    @schedule(
        name=scope.named("gomag_nightly_finalize"),
        cron_schedule=settings.nightly_cron,
        job=job,
        execution_timezone=settings.timezone,
        default_status=status,
        description=(
            "After midnight, re-imports yesterday's partition once more to pick up late edits "
            f"and cancellations made before the day closed ({settings.nightly_cron})."
        ),
    )
    def nightly(context: ScheduleEvaluationContext) -> RunRequest:
        day = _shop_day(context, settings.timezone, 1, now)
        return RunRequest(run_key=f"nightly-{day}", partition_key=day, tags=scope.day_tags(day))

    return [intraday, nightly]
