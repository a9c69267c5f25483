"""End to end with real processes: the demo shop, ``dagster-webserver`` and ``dagster-daemon``.

The test drives Dagster the way an operator's script would, over GraphQL on loopback: it
launches a backfill, lets the daemon run it, reads the order store it wrote, and asks the
late-updates sensor and the nightly schedule what they would request.
"""

import datetime as dt
import os
import re
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from dagster import DagsterInstance
from support.dagster_processes import (
    BIN,
    CLOCKED_LOCATION,
    LAUNCH_BACKFILL,
    LOCATION,
    REPO,
    STARTUP_TIMEOUT,
    DagsterProcesses,
    clocked_workspace,
)
from support.days import SHOP_TIMEZONE
from test_assets import RANGE, _expected_statuses

from gomag_assets.assets.validated_orders import ValidationConfig
from gomag_assets.automation.sensors import LateUpdateCursor
from gomag_assets.constants import OrderStatus
from gomag_assets.demo import DemoShop, DemoShopConfig

pytestmark = pytest.mark.slow

INSTANCE_CONFIG = REPO / "deploy" / "local" / "dagster.yaml"
REPOSITORY = {"repositoryLocationName": LOCATION, "repositoryName": "__repository__"}
JOB = "gomag_orders_job"
PARTITIONS = [day.isoformat() for day in RANGE]
NOW = dt.datetime.combine(RANGE[-1] + dt.timedelta(days=2), dt.time(12), SHOP_TIMEZONE)
"""The deployment's clock and the shop's: two days after the backfilled days, at noon."""
BACKFILL_TIMEOUT = 150.0

RUN_QUEUE = """
# Added by tests/test_end_to_end.py: dequeue every second instead of every five.
run_queue:
  dequeue_interval_seconds: 1
"""

BACKFILL = """
query ($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    __typename
    ... on PartitionBackfill {
      status
      runs(limit: 10) { runId status tags { key value } }
      error { message }
    }
    ... on Error { message }
  }
}
"""

JOB_CHECKS = """
query ($job: PipelineSelector!) {
  assetNodes(pipeline: $job) {
    assetChecksOrError { ... on AssetChecks { checks { name assetKey { path } jobNames } } }
  }
}
"""

CHECK_EXECUTIONS = """
query ($assetKey: AssetKeyInput!, $checkName: String!) {
  assetCheckExecutions(assetKey: $assetKey, checkName: $checkName, limit: 20) {
    runId
    partition
    status
    evaluation { success severity description }
  }
}
"""

TICK_EVALUATION = """
  __typename
  ... on DryRunInstigationTick {
    evaluationResult {
      runRequests { runKey tags { key value } }
      skipReason
      cursor
      error { message stack cause { message stack } }
    }
  }
  ... on Error { message }
"""

SENSOR_DRY_RUN = f"""
mutation ($selector: SensorSelector!, $cursor: String) {{
  sensorDryRun(selectorData: $selector, cursor: $cursor) {{ {TICK_EVALUATION} }}
}}
"""

LAUNCH_RUN = """
mutation ($params: ExecutionParams!) {
  launchPipelineExecution(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}
"""

RUN = """
query ($id: ID!) { runOrError(runId: $id) { __typename ... on Run { status jobName } } }
"""

SENSOR_TICKS = """
query ($selector: SensorSelector!) {
  sensorOrError(sensorSelector: $selector) {
    __typename
    ... on Sensor { sensorState { ticks(limit: 1) { status } } }
  }
}
"""

ASSET_CHECKS = """
query ($keys: [AssetKeyInput!]) {
  assetNodes(assetKeys: $keys) {
    assetKey { path }
    assetChecksOrError { ... on AssetChecks { checks { name jobNames } } }
  }
}
"""

SCHEDULE_DRY_RUN = f"""
mutation ($selector: ScheduleSelector!, $timestamp: Float) {{
  scheduleDryRun(selectorData: $selector, timestamp: $timestamp) {{ {TICK_EVALUATION} }}
}}
"""


@dataclass
class Deployment:
    """The state the tests inspect: a demo shop, Dagster after the backfill, what to expect."""

    shop: DemoShop
    dagster: DagsterProcesses
    db_path: Path
    backfill_id: str
    backfill: dict[str, Any]
    expected: dict[dt.date, dict[str, str]]
    """Day -> order id -> status, derived from the shop as it stood during the backfill."""


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """A demo shop, ``dagster-webserver`` and ``dagster-daemon``, after a backfill of ``RANGE``
    launched over GraphQL has finished; every process started is stopped afterwards."""
    tmp_path = tmp_path_factory.mktemp("end_to_end")
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(INSTANCE_CONFIG.read_text() + RUN_QUEUE)
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(clocked_workspace())
    # Create the instance's SQLite storages up front: a webserver and a daemon starting
    # together on an empty DAGSTER_HOME race to create the same tables, and one of them dies.
    DagsterInstance.from_config(str(home)).dispose()
    db_path = tmp_path / "store" / "gomag.sqlite"
    db_path.parent.mkdir()
    shop_now = NOW.replace(tzinfo=None)  # the shop keeps naive local time
    with DemoShop(DemoShopConfig(clock=lambda: shop_now)).serving() as shop:
        env = {
            **os.environ,
            "DAGSTER_HOME": str(home),
            "GOMAG_API_URL": shop.base_url,
            "GOMAG_API_KEY": shop.api_key,
            "GOMAG_API_SHOP": shop.config.api_shop,
            "GOMAG_DB_PATH": str(db_path),
            "GOMAG_TIMEZONE": SHOP_TIMEZONE.key,
            "GOMAG_TEST_NOW": NOW.isoformat(),
            # Alerts are looked for every 5 s (the daemon's shortest loop), not every 30 s.
            "GOMAG_ALERT_INTERVAL": "5",
        }
        dagster = DagsterProcesses(env, tmp_path, workspace)
        try:
            dagster.start_webserver()
            backfill_id = _launch_backfill(dagster, RANGE)
            # Started after the launch, the daemon's first backfill pass (every 30 s) takes it.
            dagster.start_daemon()
            backfill = dagster.wait_for(
                f"backfill {backfill_id} to finish",
                lambda: _finished_backfill(dagster, backfill_id),
                BACKFILL_TIMEOUT,
            )
            expected = {day: _expected_statuses(shop, day) for day in RANGE}
            yield Deployment(shop, dagster, db_path, backfill_id, backfill, expected)
        finally:
            dagster.stop()


def _store_statuses(db_path: Path, day: dt.date) -> dict[str, str]:
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT order_id, status FROM orders WHERE partition_date = ?", (day.isoformat(),)
        )
        return dict(rows.fetchall())


def _run_requests(result: dict[str, Any]) -> tuple[list[dict[str, Any]], str | None]:
    """A dry-run tick's run requests (tags as a dict) and the cursor it would leave."""
    assert result["__typename"] == "DryRunInstigationTick", result
    evaluation = result["evaluationResult"]
    error = evaluation["error"]
    assert error is None, "".join([error["message"], *error["stack"], str(error["cause"])])
    requests = [
        {**request, "tags": {tag["key"]: tag["value"] for tag in request["tags"]}}
        for request in evaluation["runRequests"] or []
    ]
    return requests, evaluation["cursor"]


def _launch_backfill(services: DagsterProcesses, days: list[dt.date]) -> str:
    launched = services.graphql(
        LAUNCH_BACKFILL,
        params={
            "selector": {
                "partitionSetName": f"{JOB}_partition_set",
                "repositorySelector": REPOSITORY,
            },
            "partitionNames": [day.isoformat() for day in days],
            "title": "end-to-end test",
        },
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    return launched["backfillId"]


def _finished_backfill(services: DagsterProcesses, backfill_id: str) -> dict[str, Any] | None:
    backfill = services.graphql(BACKFILL, id=backfill_id)["partitionBackfillOrError"]
    assert backfill["__typename"] == "PartitionBackfill", backfill
    if backfill["status"] in ("REQUESTED", "CANCELING", "FAILING"):
        return None
    return backfill


def _check_executions(
    services: DagsterProcesses, run_id: str
) -> dict[str, dict[str, dict[str, Any]]]:
    """Each asset check of the job -> day -> its one execution in ``run_id``."""
    job = {**REPOSITORY, "pipelineName": JOB}
    nodes = services.graphql(JOB_CHECKS, job=job)["assetNodes"]
    checks = [c for node in nodes for c in node["assetChecksOrError"].get("checks", [])]
    executions = {}
    for check in (c for c in checks if JOB in c["jobNames"]):
        history = services.graphql(
            CHECK_EXECUTIONS, assetKey={"path": check["assetKey"]["path"]}, checkName=check["name"]
        )["assetCheckExecutions"]
        in_run = [execution for execution in history if execution["runId"] == run_id]
        name = f"{'/'.join(check['assetKey']['path'])}/{check['name']}"
        # One evaluated row per day of the range: no range-wide row, no Skipped day.
        assert sorted(e["partition"] for e in in_run) == [d.isoformat() for d in RANGE], in_run
        assert all(e["evaluation"] and e["status"] in ("SUCCEEDED", "FAILED") for e in in_run)
        executions[name] = {e["partition"]: e for e in in_run}
    return executions


def _run_id(deployment: Deployment) -> str:
    return deployment.backfill["runs"][0]["runId"]


def _malformed_share_passes(shop: DemoShop, day: dt.date, warn_share: float) -> bool:
    """What ``validated_orders/malformed_share`` must conclude of ``day``, derived from the shop."""
    total, malformed = len(shop.orders_for_day(day)), len(shop.malformed_ids(day))
    return not malformed or (malformed < total and malformed / total <= warn_share)


def test_a_three_day_backfill_over_graphql_is_one_successful_run(deployment: Deployment):
    backfill = deployment.backfill
    assert backfill["status"] == "COMPLETED_SUCCESS", backfill
    assert len(backfill["runs"]) == 1, "a single-run backfill policy makes the range one run"
    run = backfill["runs"][0]
    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    assert run["status"] == "SUCCESS"
    assert tags["dagster/backfill"] == deployment.backfill_id
    assert tags["dagster/asset_partition_range_start"] == RANGE[0].isoformat()
    assert tags["dagster/asset_partition_range_end"] == RANGE[-1].isoformat()


def test_the_backfill_stores_exactly_the_shops_orders_with_their_statuses(
    deployment: Deployment,
):
    for day in RANGE:
        assert _store_statuses(deployment.db_path, day) == deployment.expected[day], day
    assert any(OrderStatus.MALFORMED in day.values() for day in deployment.expected.values())
    with sqlite3.connect(deployment.db_path) as conn:
        sync_runs = conn.execute("SELECT run_id, window_start, window_end, outcome FROM sync_runs")
        assert sync_runs.fetchall() == [
            (_run_id(deployment), RANGE[0].isoformat(), RANGE[-1].isoformat(), "SUCCESS")
        ]


def test_the_backfill_run_judges_every_day_with_every_check_of_the_job(deployment: Deployment):
    checks = _check_executions(deployment.dagster, _run_id(deployment))
    assert set(checks) == {
        "validated_orders/malformed_share",
        "validated_orders/column_schema",
        "imported_orders/conservation",
        "imported_orders/totals_reconcile",
    }
    warn_share = ValidationConfig().malformed_warn_share
    for name, days in checks.items():
        for day in RANGE:
            execution = days[day.isoformat()]
            expected = (
                _malformed_share_passes(deployment.shop, day, warn_share)
                if name == "validated_orders/malformed_share"
                else True
            )
            assert execution["evaluation"]["success"] is expected, (name, execution)


def test_a_cancellation_in_the_shop_makes_the_late_updates_sensor_request_its_day_once(
    deployment: Deployment,
):
    late_day = RANGE[1]
    statuses = deployment.expected[late_day]
    order_id = next(i for i, status in statuses.items() if status == OrderStatus.IMPORTED)
    cancelled = deployment.shop.cancel_order(order_id)

    # A sensor that last ticked on the day of the edit reads what changed since then: only
    # the day of the cancelled order differs from what was landed.
    sensor = {**REPOSITORY, "sensorName": "gomag_late_updates"}
    edited_on = deployment.shop.modified_at(cancelled["id"]).date()
    cursor = LateUpdateCursor(since=edited_on.isoformat()).dump()
    tick = deployment.dagster.graphql(SENSOR_DRY_RUN, selector=sensor, cursor=cursor)
    requests, cursor = _run_requests(tick["sensorDryRun"])
    assert [r["tags"]["dagster/partition"] for r in requests] == [late_day.isoformat()]
    assert requests[0]["runKey"].startswith(f"late-update-{late_day.isoformat()}-")

    # The next tick, resuming from the cursor that one left, does not ask again.
    tick = deployment.dagster.graphql(SENSOR_DRY_RUN, selector=sensor, cursor=cursor)
    assert _run_requests(tick["sensorDryRun"])[0] == []


def test_the_nightly_schedule_tick_finalizes_the_day_before(deployment: Deployment):
    schedule = {**REPOSITORY, "scheduleName": "gomag_nightly_finalize"}
    noon = dt.datetime.combine(RANGE[-1], dt.time(12), SHOP_TIMEZONE)
    tick = deployment.dagster.graphql(
        SCHEDULE_DRY_RUN, selector=schedule, timestamp=noon.timestamp()
    )
    # The first tick after noon is 00:30 the next night, which re-imports this day.
    requests, _ = _run_requests(tick["scheduleDryRun"])
    assert [(r["runKey"], r["tags"]["dagster/partition"]) for r in requests] == [
        (f"nightly-{RANGE[-1].isoformat()}", RANGE[-1].isoformat())
    ]


ORDER_ASSETS = [{"path": [name]} for name in ("raw_orders", "validated_orders", "imported_orders")]


def _ui_check_selection(services: DagsterProcesses) -> list[dict[str, Any]]:
    """The checks the UI's Materialize sends with an asset-job run: every check of the selected
    assets that belongs to the asset job."""
    nodes = services.graphql(ASSET_CHECKS, keys=ORDER_ASSETS)["assetNodes"]
    return [
        {"name": check["name"], "assetKey": {"path": node["assetKey"]["path"]}}
        for node in nodes
        for check in node["assetChecksOrError"]["checks"]
        if "__ASSET_JOB" in check["jobNames"]
    ]


def _failed_run(services: DagsterProcesses, run_id: str) -> dict[str, Any] | None:
    run = services.graphql(RUN, id=run_id)["runOrError"]
    assert run["__typename"] == "Run", run
    if run["status"] in ("SUCCESS", "CANCELED"):
        pytest.fail(f"run {run_id} ended {run['status']}, not FAILURE")
    return run if run["status"] == "FAILURE" else None


def _failed_backfill_run(services: DagsterProcesses, backfill_id: str) -> dict[str, Any] | None:
    """The backfill's one run once it has failed."""
    backfill = services.graphql(BACKFILL, id=backfill_id)["partitionBackfillOrError"]
    assert backfill["__typename"] == "PartitionBackfill", backfill
    if not backfill["runs"]:
        return None
    (run,) = backfill["runs"]
    return run if _failed_run(services, run["runId"]) else None


def _alerts(deployment: Deployment) -> str:
    path = deployment.db_path.parent / "alerts.log"
    return path.read_text() if path.exists() else ""


def _failing_cli_run(deployment: Deployment) -> str:
    """A ``dagster asset materialize`` run on the deployment's instance, which fails when GoMag
    refuses the key; its run id, read off the CLI's own log."""
    done = subprocess.run(
        [BIN / "dagster", "asset", "materialize", "-f", str(CLOCKED_LOCATION)]
        + ["--select", "raw_orders", "--partition", PARTITIONS[0]],
        cwd=REPO,
        env=deployment.dagster.env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode != 0, done.stderr[-3000:]
    return re.search(r" - __ASSET_JOB - ([0-9a-f-]{36}) - ", done.stderr).group(1)


def test_failing_runs_from_the_ui_a_backfill_and_the_cli_each_alert(deployment: Deployment):
    """Runs as the UI and the CLI launch them: asset-job runs, not gomag_orders_job, and a CLI
    run belongs to no code location. Last in the module: the failed runs leave their sync runs
    in the store."""
    dagster, shop = deployment.dagster, deployment.shop
    sensor = {**REPOSITORY, "sensorName": "gomag_run_failure_alert"}
    # The sensor's first tick only sets its cursor; a failure before it would not be heard.
    dagster.wait_for(
        "the run-failure sensor's first tick",
        lambda: dagster.graphql(SENSOR_TICKS, selector=sensor)["sensorOrError"]["sensorState"][
            "ticks"
        ],
        STARTUP_TIMEOUT,
    )

    # GoMag refuses the key once for each of the three runs: each run's first fetch fails. The
    # backfill goes first: the daemon takes it on its next pass (every 30 s), while the UI's run
    # and the CLI's run fail.
    shop.faults.queue("auth_error", "auth_error", "auth_error")
    backfill = dagster.graphql(
        LAUNCH_BACKFILL,
        params={
            "assetSelection": ORDER_ASSETS,
            "partitionNames": PARTITIONS[1:],
            "title": "failing",
        },
    )["launchPartitionBackfill"]
    assert backfill["__typename"] == "LaunchBackfillSuccess", backfill

    launched = dagster.graphql(
        LAUNCH_RUN,
        params={
            "mode": "default",
            "runConfigData": "{}",
            "selector": {
                **REPOSITORY,
                "pipelineName": "__ASSET_JOB",
                "assetSelection": ORDER_ASSETS,
                "assetCheckSelection": _ui_check_selection(dagster),
            },
            "executionMetadata": {"tags": [{"key": "dagster/partition", "value": PARTITIONS[0]}]},
        },
    )["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    asset_run = launched["run"]["runId"]
    assert (
        dagster.wait_for(
            "the asset-job run to fail", partial(_failed_run, dagster, asset_run), BACKFILL_TIMEOUT
        )["jobName"]
        == "__ASSET_JOB"
    )
    cli_run = _failing_cli_run(deployment)
    # Its run failing is what alerts; the backfill itself ends only at the daemon's next pass.
    backfill_run = dagster.wait_for(
        "the failing backfill's run to fail",
        lambda: _failed_backfill_run(dagster, backfill["backfillId"]),
        BACKFILL_TIMEOUT,
    )
    assert not shop.faults.pending(), "a run fetched more than once before failing"

    failed_runs = (asset_run, backfill_run["runId"], cli_run)
    alerts = dagster.wait_for(
        "the three alerts",
        lambda: (text := _alerts(deployment)) and all(run in text for run in failed_runs) and text,
        BACKFILL_TIMEOUT,
    )
    for run in (asset_run, cli_run):
        assert f"run {run} of __ASSET_JOB failed" in alerts
    assert f"partition: {PARTITIONS[0]}" in alerts
    assert f"partition: {PARTITIONS[1]}..{PARTITIONS[-1]}" in alerts
    assert alerts.count("Missing Api User") == 3
    assert shop.api_key not in alerts
