"""The freshness alert: tells an operator when today's orders stop arriving.

Dagster's freshness daemon judges ``imported_orders_today`` by its freshness policy; this sensor
only reads the state the daemon recorded and alerts once each time it turns FAIL.
"""

from dagster import (
    AssetKey,
    DefaultSensorStatus,
    SensorDefinition,
    SensorEvaluationContext,
    SensorResult,
    sensor,
)

from gomag_assets.assets.common import DEFAULT_SCOPE, ShopScope
from gomag_assets.automation.alerts import Alert, deliver
from gomag_assets.settings import Settings
from gomag_assets.wording import counted

FAIL = "FAIL"


def build_freshness_alert_sensor(
    today_key: AssetKey, settings: Settings, scope: ShopScope = DEFAULT_SCOPE
) -> SensorDefinition:
    """Alert when the daemon records ``today_key`` as FAIL: today was not imported in balance
    within GOMAG_FRESHNESS_LAG minutes (the alert names the shop ``scope`` names)."""
    lag = counted(settings.freshness_lag_minutes, "minute")

    @sensor(
        name=scope.named("gomag_freshness_alert"),
        minimum_interval_seconds=60,
        default_status=DefaultSensorStatus.RUNNING,
        description=(
            f"Alerts once when {today_key.to_user_string()} turns stale: today's orders were "
            f"not imported within {lag} (GOMAG_FRESHNESS_LAG). "
            "Turn on gomag_intraday_refresh, or this will alert every day."
        ),
    )
    def freshness_alert(context: SensorEvaluationContext) -> SensorResult:
        record = context.instance.get_freshness_state_records([today_key]).get(today_key)
        if record is None:
            return SensorResult(skip_reason="the freshness daemon has not judged today yet")
        state = record.freshness_state.value
        since = record.updated_at.isoformat(timespec="seconds")
        seen = f"{state} since {since}"
        if state != FAIL or context.cursor == seen:
            return SensorResult(skip_reason=f"{today_key.to_user_string()} is {seen}", cursor=seen)
        alert = Alert(
            title=(
                f"today's orders were not imported within {lag} "
                f"({today_key.to_user_string()} stale since {since})"
            ),
            reasons=[
                f"is {scope.named('gomag_intraday_refresh')} running, and are its runs succeeding?"
            ],
            shop=scope.shop if scope.prefixed else None,
        )
        deliver(alert, settings.alerts_file, context.log)
        return SensorResult(skip_reason=f"alerted: {seen}", cursor=seen)

    return freshness_alert
