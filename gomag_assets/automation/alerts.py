"""Operator alerts: a failed order-sync run, or a day with new MALFORMED orders, tells an operator.

Each alert is one clear text, written to the run log and the alerts file, and POSTed if asked.
The webhook URL is a secret (it usually embeds a token), and so is the API key: the URL is read
from the environment at delivery time, and every alert text is scrubbed of both before it is
logged, written or sent. A failed POST is reported by its kind only, never with the URL.
"""

import datetime as dt
import json
import logging
import os
import time
import urllib.parse
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
from dagster import (
    AssetKey,
    AssetRecordsFilter,
    DagsterEvent,
    DagsterEventType,
    DagsterInstance,
    DagsterRun,
    DefaultSensorStatus,
    RunFailureSensorContext,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    run_failure_sensor,
    sensor,
)

from gomag_assets.assets.common import DEFAULT_SCOPE, ShopScope
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import Settings
from gomag_assets.wording import counted

if TYPE_CHECKING:
    from dagster._core.definitions.unresolved_asset_job_definition import (
        UnresolvedAssetJobDefinition,
    )

WEBHOOK_ENV = "GOMAG_ALERT_WEBHOOK"
API_KEY_ENV = "GOMAG_API_KEY"
REDACTED = "***"


@dataclass(frozen=True)
class Alert:
    """What went wrong, on which partition, why, and for which orders."""

    title: str
    partition: str | None = None
    reasons: Sequence[str] = ()
    """Plain-words causes, e.g. the error of each failed step."""
    orders: Sequence[tuple[str, str]] = ()
    """(order id, reason) pairs the operator should escalate."""
    shop: str | None = None
    """The shop of a deployment with a shops file."""

    def text(self) -> str:
        """The alert as one block of text, with any secret replaced by ``***``."""
        lines = [f"[gomag-assets] {self.title}"]
        if self.shop:
            lines.append(f"shop: {self.shop}")
        if self.partition:
            lines.append(f"partition: {self.partition}")
        lines += [f"  reason: {reason}" for reason in self.reasons]
        lines += [f"  order {order_id}: {reason}" for order_id, reason in self.orders]
        return redact("\n".join(lines))


def redact(text: str) -> str:
    """``text`` without the API key, the webhook URL or the URL's path (where tokens live)."""
    for secret in _secrets():
        text = text.replace(secret, REDACTED)
    return text


def deliver(alert: Alert, alerts_file: Path, log: logging.Logger, *, timeout: float = 10.0) -> bool:
    """Log the alert, append it to ``alerts_file`` and POST it to the webhook when one is set.

    Returns whether the webhook accepted it (False also when none is configured). A failed POST
    is logged without the URL and never raises: the file copy is the durable record.
    """
    text = alert.text()
    log.warning(text)
    alerts_file.parent.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with alerts_file.open("a", encoding="utf-8", errors="backslashreplace") as out:
        out.write(f"--- {stamp}\n{text}\n")
    url = os.environ.get(WEBHOOK_ENV, "").strip()
    if not url:
        return False
    failure = _post(url, {"text": text}, timeout)
    if failure is not None:
        log.error(f"alert webhook ({WEBHOOK_ENV}) POST failed: {failure}")
        return False
    return True


def _post(url: str, document: dict[str, str], timeout: float) -> str | None:
    """POST ``document`` as JSON; None on a 2xx answer, else why not, in words without the URL.

    Goes through the transport rather than ``httpx.Client``, whose INFO log line names the full
    request URL, token included.
    """
    try:
        request = httpx.Request(
            "POST",
            url,
            json=document,
            extensions={"timeout": httpx.Timeout(timeout).as_dict()},
        )
        with httpx.HTTPTransport() as transport:
            response = transport.handle_request(request)
            try:
                response.read()
            finally:
                response.close()
    except Exception as exc:  # noqa: BLE001 - best effort; the alert is already in the file
        return type(exc).__name__
    if not response.is_success:
        return f"HTTP {response.status_code}"
    return None


def _secrets() -> list[str]:
    """The strings to scrub, longest first so a URL goes before its parts: the API key, the
    webhook URL, its path and query, and its last path segment (where services put the token).
    """
    secrets = [os.environ.get(API_KEY_ENV, "").strip()]
    url = os.environ.get(WEBHOOK_ENV, "").strip()
    if url:
        parts = urllib.parse.urlsplit(url)
        token = parts.path.rstrip("/").rsplit("/", 1)[-1]
        secrets += [url, parts.path + (f"?{parts.query}" if parts.query else ""), parts.query]
        secrets.append(token if len(token) >= 8 else "")
    return sorted({s for s in secrets if len(s) > 1}, key=len, reverse=True)


MALFORMED_FIRST_LOOKBACK = dt.timedelta(days=1)
"""How far back the MALFORMED alert reads when it has no cursor yet, so switching it on over a
long history alerts about recent materializations rather than every day ever imported."""
REMEMBERED_DAYS = dt.timedelta(days=62)
"""How far behind the newest day the MALFORMED alert remembers a day's MALFORMED ids, so its
cursor stays small; a re-run of an older day alerts again for the MALFORMED orders it has."""


def build_alert_sensors(
    job: "UnresolvedAssetJobDefinition",
    asset_keys: Collection[AssetKey],
    settings: Settings,
    scope: ShopScope = DEFAULT_SCOPE,
) -> list[SensorDefinition]:
    """Alert when a run of ``job`` or of any of ``asset_keys`` fails, and when a day's MALFORMED
    orders grow; of the shop ``scope`` names, and naming it."""
    shop = scope.shop if scope.prefixed else None
    validated_orders = scope.key("validated_orders")

    @run_failure_sensor(
        name=scope.named("gomag_run_failure_alert"),
        # Runs launched from the UI are asset-job runs, and CLI runs have no code location of
        # their own: only watching every location hears them all. The body keeps ours.
        monitor_all_code_locations=True,
        minimum_interval_seconds=settings.alert_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description=(
            "Writes an alert (log, alerts file, webhook) when a run that materializes the order "
            "assets fails, however it was launched: schedule, sensor, UI, backfill or CLI."
        ),
    )
    def run_failure_alert(context: RunFailureSensorContext) -> None:
        run = context.dagster_run
        if not _touches(context.instance, run, job.name, asset_keys):
            return  # not ours; returning a SkipReason would end the tick before later runs
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
            shop=shop,
        )
        deliver(alert, settings.alerts_file, context.log)
        context.instance.report_engine_event(alert.text(), dagster_run=run)

    @sensor(
        name=scope.named("gomag_malformed_alert"),
        required_resource_keys={scope.store_key},
        minimum_interval_seconds=settings.alert_interval_seconds,
        default_status=DefaultSensorStatus.RUNNING,
        description=(
            "Alerts when a validated_orders materialization leaves a day with MALFORMED orders "
            "it did not have before, listing their ids and reasons to escalate to GoMag."
        ),
    )
    def malformed_alert(context: SensorEvaluationContext) -> SensorResult:
        order_store: OrderStore = getattr(context.resources, scope.store_key)
        state = json.loads(context.cursor) if context.cursor else {"events": None, "seen": {}}
        seen: dict[str, list[str]] = state["seen"]
        records_filter = validated_orders
        if state["events"] is None:
            start = time.time() - MALFORMED_FIRST_LOOKBACK.total_seconds()
            records_filter = AssetRecordsFilter(validated_orders, after_timestamp=start)
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
                        f"{counted(len(new), 'new MALFORMED order')} on {day} "
                        f"({len(malformed)} in all); escalate to GoMag"
                    ),
                    partition=day,
                    orders=[(m["order_id"], m["error_message"]) for m in new],
                    shop=shop,
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


def _touches(
    instance: DagsterInstance, run: DagsterRun, job_name: str, asset_keys: Collection[AssetKey]
) -> bool:
    """Whether ``run`` is ours: a run of our job, or one that planned to materialize any of our
    assets (UI and CLI runs are asset-job runs, and not every run records its selection)."""
    if run.job_name == job_name:
        return True
    planned = instance.get_records_for_run(
        run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION_PLANNED
    ).records
    return any(record.event_log_entry.dagster_event.asset_key in asset_keys for record in planned)


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
