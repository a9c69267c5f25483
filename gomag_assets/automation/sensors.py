"""Late-updates sensor: GoMag orders edited after their day re-run that day."""

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dagster import (
    DefaultSensorStatus,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from gomag_assets.assets.common import DEFAULT_SCOPE, ShopScope
from gomag_assets.resources.gomag_api import GoMagApi, RawOrder
from gomag_assets.resources.gomag_api.personal_data import as_landed
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import Settings

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

TICK_API_LIMITS = {"max_attempts": 2, "timeout_seconds": 10.0, "backoff_max_seconds": 2.0}
"""Caps on the sensor's own GoMag reads: a failing page costs at most 2 x 10 s + 2 s, so a
struggling API fails the tick well inside Dagster's 60 s sensor timeout; the next tick retries."""


@dataclass
class LateUpdateCursor:
    """Where the late-updates sensor stands, kept as JSON in the sensor cursor."""

    since: str | None = None
    """Orders updated on or after this shop-local date are read; None: the whole lookback."""
    requested: dict[str, str] = field(default_factory=dict)
    """Day -> watermark of the runs already requested for changes not yet landed."""

    @classmethod
    def parse(cls, text: str | None) -> "LateUpdateCursor":
        if not text:
            return cls()
        state = json.loads(text)
        return cls(state.get("since"), dict(state.get("requested") or {}))

    def dump(self) -> str:
        return json.dumps({"since": self.since, "requested": self.requested}, sort_keys=True)


def changed_days(
    fetched: list[RawOrder], order_store: OrderStore, first: dt.date, last: dt.date
) -> dict[str, str]:
    """Map each imported day in ``first..last`` whose orders differ from its landing to a
    watermark of the difference.

    Comparing with the landed text makes the sensor correct whether or not the shop honours the
    ``updated`` filter: an ignored filter only costs a larger read. Days never imported are left
    to the schedules and backfills. GoMag's payloads carry no modification time, so the
    watermark is a digest of the changed payloads: a day changed again gets a new run key,
    while an unchanged difference keeps its key.
    """
    changes: dict[str, list[RawOrder]] = defaultdict(list)
    landings: dict[str, dict[str, str] | None] = {}
    for order in fetched:
        payload = _json_object(order.payload)
        day = _order_day(order.order_id, payload, order_store)
        if day is None or not first.isoformat() <= day <= last.isoformat():
            continue
        if day not in landings:
            landings[day] = _landing(order_store, day)
        landed = landings[day]
        if landed is not None and landed.get(order.order_id) != order.payload:
            changes[day].append(order)
    return {day: _watermark(orders) for day, orders in changes.items()}


def build_late_updates_sensor(
    job: "UnresolvedAssetJobDefinition",
    settings: Settings,
    *,
    clock: Callable[[], dt.datetime] | None = None,
    scope: ShopScope = DEFAULT_SCOPE,
) -> SensorDefinition:
    """Poll the shop's GoMag for orders edited since the cursor and request one run per
    affected day.

    ``clock`` (aware "now"; default the system clock) decides the shop's today.
    """
    timezone = ZoneInfo(settings.timezone)
    now = clock or (lambda: dt.datetime.now(dt.UTC))

    @sensor(
        name=scope.named("gomag_late_updates"),
        required_resource_keys={scope.api_key, scope.store_key},
        job=job,
        minimum_interval_seconds=settings.late_update_interval_seconds,
        default_status=DefaultSensorStatus.STOPPED,
        description=(
            "GoMag orders change after they are placed (cancellations, edited items). Every "
            f"{settings.late_update_interval_seconds} s this reads the orders of the last "
            f"{settings.late_update_lookback_days} days updated since its last tick and re-runs "
            "each imported day whose orders differ from what was landed, at most "
            f"{settings.late_update_max_runs} days per tick (the rest on the next ticks). The "
            "run key carries the change watermark, so a day edited again runs again."
        ),
    )
    def late_updates(context: SensorEvaluationContext) -> SensorResult:
        gomag_api: GoMagApi = getattr(context.resources, scope.api_key)
        order_store: OrderStore = getattr(context.resources, scope.store_key)
        today = now().astimezone(timezone).date()
        first = max(
            today - dt.timedelta(days=settings.late_update_lookback_days), settings.start_date
        )
        state = LateUpdateCursor.parse(context.cursor)
        since = dt.date.fromisoformat(state.since) if state.since else first
        with _tick_api(gomag_api) as api:
            fetched = as_landed(
                api.fetch_orders(first, today, updated_since=since, log=context.log).orders,
                keep_personal_data=order_store.store_pii,
            )
        watermarks = changed_days(fetched, order_store, first, today)
        pending = {
            day: mark for day, mark in watermarks.items() if state.requested.get(day) != mark
        }
        batch = sorted(pending)[: settings.late_update_max_runs]
        # Requested days whose difference is gone have landed; forget them.
        requested = {day: mark for day, mark in state.requested.items() if day in watermarks}
        requested |= {day: pending[day] for day in batch}
        # Move past today's edits only once every changed day has had its run requested.
        next_since = today.isoformat() if len(batch) == len(pending) else state.since
        cursor = LateUpdateCursor(next_since, requested).dump()
        if not batch:
            return SensorResult(
                skip_reason=(
                    f"no new changes among {len(fetched)} orders read (updated since {since})"
                ),
                cursor=cursor,
            )
        left = len(pending) - len(batch)
        context.log.info(
            f"{len(pending)} changed days, requesting {', '.join(batch)}"
            + (f"; {left} left for the next tick" if left else "")
        )
        return SensorResult(
            run_requests=[
                RunRequest(
                    run_key=f"late-update-{day}-{pending[day]}",
                    job_name=job.name,
                    partition_key=day,
                    tags={"gomag/late_update_watermark": pending[day], **scope.day_tags(day)},
                )
                for day in batch
            ],
            cursor=cursor,
        )

    return late_updates


def _tick_api(gomag_api: GoMagApi) -> GoMagApi:
    """A copy of ``gomag_api`` whose retries and timeouts fit in one sensor tick."""
    fields = {name: getattr(gomag_api, name) for name in type(gomag_api).model_fields}
    for name, cap in TICK_API_LIMITS.items():
        fields[name] = min(fields[name], cap)
    return type(gomag_api)(**fields)


def _landing(order_store: OrderStore, day: str) -> dict[str, str] | None:
    """Order id -> landed payload of ``day``; None when the day was never imported."""
    landed = dict(order_store.read_raw_orders(day))
    if not landed and order_store.last_successful_import(day) is None:
        return None
    return landed


def _json_object(payload: str) -> dict:
    try:
        value = json.loads(payload)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _order_day(order_id: str, payload: dict, order_store: OrderStore) -> str | None:
    """The order's shop-local day from its ``date``, else the day the store filed it under."""
    try:
        return dt.date.fromisoformat(str(payload["date"])[:10]).isoformat()
    except (KeyError, ValueError):
        pass
    try:
        return order_store.get_order(order_id)["partition_date"]
    except LookupError:
        return None  # undated and never stored: its day's next run reports it MALFORMED


def _watermark(changes: list[RawOrder]) -> str:
    """A digest of a day's changed payloads, in order id order."""
    digest = hashlib.sha256()
    for order in sorted(changes, key=lambda order: order.order_id):
        digest.update(f"{order.order_id}\0{order.payload}\0".encode())
    return digest.hexdigest()[:16]
