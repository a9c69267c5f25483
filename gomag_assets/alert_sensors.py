"""Alert sensors: a failed order-sync run, or a day with new MALFORMED orders, tells an operator.

Each alert goes to the run's event log, the alerts file and the webhook (``alerts.deliver``).
"""

import datetime as dt
import json
import time
from typing import TYPE_CHECKING

from dagster import (
    AssetKey,
    AssetRecordsFilter,
    DagsterEvent,
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    run_failure_sensor,
    sensor,
)

from gomag_assets.alerts import Alert, deliver
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import Settings

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

MALFORMED_FIRST_LOOKBACK = dt.timedelta(days=1)
"""How far back the MALFORMED alert reads when it has no cursor yet, so switching it on over a
long history alerts about recent materializations rather than every day ever imported."""
VALIDATED_ORDERS = AssetKey("validated_orders")
REMEMBERED_DAYS = dt.timedelta(days=62)
"""How far behind the newest day the MALFORMED alert remembers a day's MALFORMED ids, so its
cursor stays small; a re-run of an older day alerts again for the MALFORMED orders it has."""


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
        reasons = [
            f"{event.step_key}: {_step_error(event)}" for event in context.get_step_failure_events()
        ]
        alert = Alert(
            title=f"run {run.run_id} of {run.job_name} failed: {context.failure_event.message}",
            partition=window or None,
            reasons=reasons,
        )
        deliver(alert, settings.alerts_file, context.log)
        context.instance.report_engine_event(alert.text(), dagster_run=run)

    @sensor(
        name="gomag_malformed_alert",
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description=(
            "Alerts when a validated_orders materialization leaves a day with MALFORMED orders "
            "it did not have before, listing their ids and reasons to escalate to GoMag."
        ),
    )
    def malformed_alert(context: SensorEvaluationContext, order_store: OrderStore) -> SensorResult:
        state = json.loads(context.cursor) if context.cursor else {"events": None, "seen": {}}
        seen: dict[str, list[str]] = state["seen"]
        records_filter = VALIDATED_ORDERS
        if state["events"] is None:
            start = time.time() - MALFORMED_FIRST_LOOKBACK.total_seconds()
            records_filter = AssetRecordsFilter(VALIDATED_ORDERS, after_timestamp=start)
        result = context.instance.fetch_materializations(
            records_filter, limit=100, cursor=state["events"], ascending=True
        )
        alerted = []
        for record in result.records:
            day = record.partition_key
            if day is None:
                continue
            malformed = order_store.malformed_orders(day)
            known = set(seen.get(day, ()))
            new = [m for m in malformed if m["order_id"] not in known]
            if new:
                alert = Alert(
                    title=(
                        f"{len(new)} new MALFORMED orders on {day} ({len(malformed)} in all); "
                        "escalate to GoMag"
                    ),
                    partition=day,
                    orders=[(m["order_id"], m["error_message"]) for m in new],
                )
                deliver(alert, settings.alerts_file, context.log)
                run = context.instance.get_run_by_id(record.run_id)
                if run is not None:
                    context.instance.report_engine_event(alert.text(), dagster_run=run)
                alerted.append(day)
            seen[day] = sorted(known | {m["order_id"] for m in malformed})
        return SensorResult(
            skip_reason=(
                f"alerted for {', '.join(alerted)}"
                if alerted
                else "no day has new MALFORMED orders"
            ),
            # No records: keep the old cursor, as a fresh one would point at the start of time.
            cursor=json.dumps(
                {
                    "events": result.cursor if result.records else state["events"],
                    "seen": _recent(seen),
                },
                sort_keys=True,
            ),
        )

    return [run_failure_alert, malformed_alert]


def _step_error(event: DagsterEvent) -> str:
    """The first line of the failed step's own exception, past Dagster's wrapper around it."""
    error = event.step_failure_data.error if event.step_failure_data else None
    while error is not None and error.cls_name.startswith("Dagster") and error.cause:
        error = error.cause
    lines = error.message.strip().splitlines() if error is not None else []
    return lines[0] if lines else event.message or "failed"


def _recent(seen: dict[str, list[str]]) -> dict[str, list[str]]:
    """The days of ``seen`` within ``REMEMBERED_DAYS`` of the newest one it holds."""
    if not seen:
        return seen
    cutoff = (dt.date.fromisoformat(max(seen)) - REMEMBERED_DAYS).isoformat()
    return {day: ids for day, ids in seen.items() if day >= cutoff}
