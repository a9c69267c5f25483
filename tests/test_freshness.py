"""Freshness in Dagster's own terms: ``imported_orders_today`` carries a freshness policy, Dagster's
freshness daemon judges it, and ``gomag_freshness_alert`` tells an operator when it fails.

The daemon's own evaluation runs here, one iteration at a time, against the code location
loaded in process (the end-to-end test's clocked location, "today" fixed at noon of ``DAY``):
waiting for the daemon's 30-second loop would only add time. The lag is one minute, the
shortest GOMAG_FRESHNESS_LAG allows. Dagster stamps events and judges freshness by its own clock
(``dagster._time``), which its ``freeze_time`` sets: the imports and the judgements run at
chosen instants a minute apart instead of waiting the minute out.
"""

import datetime as dt
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path

import pytest
from dagster import AssetKey, DagsterInstance, build_sensor_context, instance_for_test
from dagster._core.remote_origin import InProcessCodeLocationOrigin
from dagster._core.test_utils import freeze_time
from dagster._core.types.loadable_target_origin import LoadableTargetOrigin
from dagster._core.workspace.context import WorkspaceProcessContext
from dagster._core.workspace.load_target import InProcessWorkspaceLoadTarget
from dagster._daemon.freshness import FreshnessDaemon
from support.days import DAY, SHOP_TIMEZONE

from gomag_assets.definitions import build_definitions
from gomag_assets.settings import load_settings

pytestmark = pytest.mark.slow  # Dagster runs and the freshness daemon, in process

TODAY = AssetKey("imported_orders_today")
NOON = dt.datetime.combine(DAY, dt.time(12), SHOP_TIMEZONE)
LOCATION = Path(__file__).parent / "support" / "clocked_location.py"


def _judge(workspace: WorkspaceProcessContext, instance: DagsterInstance) -> str:
    """One iteration of Dagster's freshness daemon; the state it recorded for today's asset."""
    list(FreshnessDaemon().run_iteration(workspace))
    return instance.get_freshness_state_records([TODAY])[TODAY].freshness_state.value


def _import(definitions, instance: DagsterInstance, first: dt.date, last: dt.date) -> None:
    result = definitions.resolve_job_def("gomag_orders_job").execute_in_process(
        instance=instance,
        tags={
            "dagster/asset_partition_range_start": first.isoformat(),
            "dagster/asset_partition_range_end": last.isoformat(),
        },
    )
    assert result.success


def test_a_stale_today_is_flagged_and_alerted_and_a_past_day_backfill_does_not_hide_it(
    demo_shop, tmp_path, monkeypatch
):
    env = {
        "GOMAG_API_URL": demo_shop.base_url,
        "GOMAG_API_KEY": demo_shop.api_key,
        "GOMAG_API_SHOP": demo_shop.config.api_shop,
        "GOMAG_DB_PATH": str(tmp_path / "gomag.sqlite"),
        "GOMAG_FRESHNESS_LAG": "1",
        "GOMAG_TEST_NOW": NOON.isoformat(),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    definitions = build_definitions(settings, clock=lambda: NOON)
    alert_sensor = definitions.resolve_sensor_def("gomag_freshness_alert")
    origin = InProcessCodeLocationOrigin(
        LoadableTargetOrigin(
            executable_path=sys.executable,
            python_file=str(LOCATION),
            working_directory=str(Path(__file__).parents[1]),
        ),
        location_name="gomag_assets",
    )

    def alert_tick(cursor: str | None) -> str | None:
        with build_sensor_context(instance=instance, cursor=cursor) as context:
            return alert_sensor.evaluate_tick(context).cursor

    imported_at = time.time()

    def seconds_after_import(seconds: float) -> AbstractContextManager:
        """Dagster's clock ``seconds`` after today's import."""
        return freeze_time(imported_at + seconds)

    with (
        instance_for_test() as instance,
        WorkspaceProcessContext(instance, InProcessWorkspaceLoadTarget(origin)) as workspace,
    ):
        with seconds_after_import(-10):
            _import(definitions, instance, DAY - dt.timedelta(days=2), DAY - dt.timedelta(days=1))
            before_today = _judge(workspace, instance)
            cursor = alert_tick(None)
        with seconds_after_import(0):
            _import(definitions, instance, DAY, DAY)
        with seconds_after_import(1):
            fresh = _judge(workspace, instance)
            cursor = alert_tick(cursor)
        assert not settings.alerts_file.exists(), "no alert while today is fresh"

        with seconds_after_import(62):  # the lag, and a margin
            stale = _judge(workspace, instance)
        with seconds_after_import(63):  # a past day's import must not make today fresh
            _import(definitions, instance, DAY - dt.timedelta(days=1), DAY - dt.timedelta(days=1))
        with seconds_after_import(64):
            still_stale = _judge(workspace, instance)
            cursor = alert_tick(cursor)
            alert_tick(cursor)  # the same FAIL again: no second alert

    assert before_today == "UNKNOWN", "past days alone say nothing about today"
    assert fresh == "PASS"
    assert stale == still_stale == "FAIL", "a past-day import does not make today fresh"
    alerts = settings.alerts_file.read_text()
    assert alerts.count("today's orders were not imported within 1 minute ") == 1, alerts
