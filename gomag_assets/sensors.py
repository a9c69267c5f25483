"""Sensors: late GoMag edits re-run their day; failures and new MALFORMED orders alert."""

import datetime as dt
import json
from collections import defaultdict
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    RunFailureSensorContext,
    RunRequest,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    SkipReason,
    run_failure_sensor,
    sensor,
)

from gomag_assets.alerts import Alert, deliver
from gomag_assets.resources.gomag_api import GoMagApi, RawOrder
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import Settings

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )


def changed_days(fetched: list[RawOrder], order_store: OrderStore) -> dict[str, str]:
    """Map each order day with an order whose payload differs from its landing to a watermark.

    Comparing against the landed text makes the sensor correct whether or not the shop honours
    the ``updated`` filter: an ignored filter only costs a larger read. The watermark is the
    newest ``updated`` stamp among that day's changes, so a day changed again gets a new run key.
    """
    changes: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    for order in fetched:
        try:
            payload = json.loads(order.payload)
            day = dt.date.fromisoformat(str(payload["date"])[:10]).isoformat()
        except (ValueError, TypeError, KeyError):
            continue  # no usable order date: validation reports it when its day is read
        changes[day].append((order.order_id, order.payload, str(payload.get("updated") or "")))
    watermarks = {}
    for day, orders in changes.items():
        landed = dict(order_store.read_raw_orders(day))
        stamps = [updated for order_id, text, updated in orders if landed.get(order_id) != text]
        if stamps:
            watermarks[day] = max(stamps) or "unknown"
    return watermarks


def build_late_updates_sensor(
    job: "UnresolvedAssetJobDefinition", settings: Settings
) -> SensorDefinition:
    """Poll GoMag for orders edited since the cursor and request one run per affected day."""

    @sensor(
        name="gomag_late_updates",
        job=job,
        minimum_interval_seconds=settings.late_update_interval_seconds,
        default_status=DefaultSensorStatus.STOPPED,
        description=(
            "GoMag orders change after they are placed (cancellations, edited items). Every "
            "few minutes this reads orders updated since the last tick over the last "
            f"{settings.late_update_lookback_days} days and re-runs each day whose orders "
            "differ from what was landed, at most "
            f"{settings.late_update_max_runs} days per tick."
        ),
    )
    def late_updates(
        context: SensorEvaluationContext, gomag_api: GoMagApi, order_store: OrderStore
    ) -> SensorResult | SkipReason:
        today = dt.datetime.now(ZoneInfo(settings.timezone)).date()
        since = dt.date.fromisoformat(context.cursor) if context.cursor else None
        first = today - dt.timedelta(days=settings.late_update_lookback_days)
        fetched = gomag_api.fetch_orders(
            first, today, updated_since=since or first, log=context.log
        )
        watermarks = changed_days(fetched.orders, order_store)
        days = sorted(watermarks)[: settings.late_update_max_runs]
        # Advance the cursor only once every changed day has had its run requested.
        cursor = today.isoformat() if len(days) == len(watermarks) else context.cursor
        if not days:
            return SkipReason(f"no changed orders among {len(fetched.orders)} read since {since}")
        return SensorResult(
            run_requests=[
                RunRequest(run_key=f"late-update-{day}-{watermarks[day]}", partition_key=day)
                for day in days
            ],
            cursor=cursor,
        )

    return late_updates


def build_alert_sensors(
    job: "UnresolvedAssetJobDefinition", settings: Settings
) -> list[SensorDefinition]:
    """Alert when a run of ``job`` fails and when a day's MALFORMED orders grow."""

    @run_failure_sensor(
        name="gomag_run_failure_alert",
        monitored_jobs=[job],
        default_status=DefaultSensorStatus.RUNNING,
        description="Writes an alert (log, alerts file, webhook) when an order-sync run fails.",
    )
    def run_failure_alert(context: RunFailureSensorContext) -> None:
        run = context.dagster_run
        window = run.tags.get("dagster/partition") or "..".join(
            filter(
                None,
                (
                    run.tags.get("dagster/asset_partition_range_start"),
                    run.tags.get("dagster/asset_partition_range_end"),
                ),
            )
        )
        alert = Alert(
            title=f"run {run.run_id} of {run.job_name} failed: {context.failure_event.message}",
            partition=window or None,
        )
        deliver(alert, settings.alerts_file, context.log)
        context.instance.report_engine_event(alert.text(), dagster_run=run)

    @sensor(
        name="gomag_malformed_alert",
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description=(
            "Alerts when a validated_orders materialization leaves a day with more MALFORMED "
            "orders than before, listing the order ids and reasons to escalate to GoMag."
        ),
    )
    def malformed_alert(context: SensorEvaluationContext, order_store: OrderStore) -> SkipReason:
        state = json.loads(context.cursor) if context.cursor else {"events": None, "counts": {}}
        result = context.instance.fetch_materializations(
            AssetKey("validated_orders"), limit=100, cursor=state["events"], ascending=True
        )
        alerted = []
        for record in result.records:
            day = record.partition_key
            if day is None:
                continue
            malformed = order_store.malformed_orders(day)
            if len(malformed) > state["counts"].get(day, 0):
                alert = Alert(
                    title=f"{len(malformed)} MALFORMED orders on {day} "
                    f"(was {state['counts'].get(day, 0)})",
                    partition=day,
                    orders=[(m["order_id"], m["error_message"]) for m in malformed],
                )
                deliver(alert, settings.alerts_file, context.log)
                run = context.instance.get_run_by_id(record.run_id)
                if run is not None:
                    context.instance.report_engine_event(alert.text(), dagster_run=run)
                alerted.append(day)
            state["counts"][day] = len(malformed)
        context.update_cursor(json.dumps({"events": result.cursor, "counts": state["counts"]}))
        return SkipReason(
            f"alerted for {', '.join(alerted)}" if alerted else "no day's MALFORMED orders grew"
        )

    return [run_failure_alert, malformed_alert]
