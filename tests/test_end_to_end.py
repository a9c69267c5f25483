"""End to end with real processes: the demo shop, ``dagster-webserver`` and ``dagster-daemon``.

The test drives Dagster the way an operator's script would, over GraphQL on loopback: it
launches a backfill, lets the daemon run it, reads the order store it wrote, and asks the
late-updates sensor and the nightly schedule what they would request.
"""

import datetime as dt
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from test_assets import RANGE, _expected_statuses

from gomag_assets.constants import OrderStatus
from gomag_assets.demo import DemoShop
from gomag_assets.sensors import LateUpdateCursor

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LOCATION = "gomag_assets"
REPOSITORY = {"repositoryLocationName": LOCATION, "repositoryName": "__repository__"}
JOB = "gomag_orders_job"
SHOP_TIMEZONE = ZoneInfo("Europe/Bucharest")

STARTUP_TIMEOUT = 60.0
BACKFILL_TIMEOUT = 150.0

RUN_QUEUE = """
# Added by tests/test_end_to_end.py: dequeue every second instead of every five.
run_queue:
  dequeue_interval_seconds: 1
"""

LAUNCH_BACKFILL = """
mutation ($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}
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
      runRequests { runKey jobName tags { key value } }
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

SCHEDULE_DRY_RUN = f"""
mutation ($selector: ScheduleSelector!, $timestamp: Float) {{
  scheduleDryRun(selectorData: $selector, timestamp: $timestamp) {{ {TICK_EVALUATION} }}
}}
"""


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen, timeout: float = 20.0) -> None:
    """SIGTERM the process group (webserver or daemon plus its code servers and runs), then
    SIGKILL whatever is left of it after ``timeout``."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        pass
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


@dataclass
class Dagster:
    """A webserver and a daemon sharing one temporary ``DAGSTER_HOME``."""

    url: str
    home: Path
    db_path: Path
    logs: dict[str, Path]

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(
            f"--- {name} ---\n" + "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
            for name, path in self.logs.items()
        )

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=60.0
        )
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_for(self, what: str, probe: Callable[[], Any], timeout: float) -> Any:
        """Call ``probe`` every half second until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = probe()
            if result:
                return result
            time.sleep(0.5)
        pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{self.log_tail()}")


@pytest.fixture
def dagster(tmp_path: Path, demo_shop: DemoShop) -> Iterator[Dagster]:
    """``dagster-webserver`` and ``dagster-daemon`` aimed at ``demo_shop``; stopped afterwards."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text((REPO / "dagster.yaml").read_text() + RUN_QUEUE)
    db_path = tmp_path / "store" / "gomag.sqlite"
    db_path.parent.mkdir()
    first_day = min(RANGE)
    lookback = (dt.datetime.now(SHOP_TIMEZONE).date() - first_day).days + 2
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "GOMAG_API_URL": demo_shop.base_url,
        "GOMAG_API_KEY": demo_shop.api_key,
        "GOMAG_API_SHOP": demo_shop.config.api_shop,
        "GOMAG_DB_PATH": str(db_path),
        "GOMAG_TIMEZONE": "Europe/Bucharest",
        # The sensor reads back from today; reach the test's fixed days whatever today is.
        "GOMAG_LATE_UPDATE_DAYS": str(lookback),
    }
    port = _free_port()
    commands = {
        "webserver": [
            str(BIN / "dagster-webserver"),
            *("-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)),
        ],
        "daemon": [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
    }
    logs = {name: tmp_path / f"{name}.log" for name in commands}
    processes: list[subprocess.Popen] = []
    try:
        for name, command in commands.items():
            with logs[name].open("wb") as log:
                processes.append(
                    subprocess.Popen(
                        command,
                        cwd=REPO,
                        env=env,
                        stdin=subprocess.DEVNULL,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        services = Dagster(f"http://127.0.0.1:{port}", home, db_path, logs)
        services.wait_for("the webserver", lambda: _answers(services.url), STARTUP_TIMEOUT)
        services.wait_for(
            "the code location to load", lambda: _location_loaded(services), STARTUP_TIMEOUT
        )
        yield services
    finally:
        for process in processes:
            _stop(process)


def _answers(url: str) -> bool:
    try:
        return httpx.get(f"{url}/server_info", timeout=2.0).status_code == 200
    except httpx.TransportError:
        return False


def _location_loaded(services: Dagster) -> bool:
    data = services.graphql(
        """{ workspaceOrError { ... on Workspace { locationEntries {
               name loadStatus
               locationOrLoadError { __typename ... on PythonError { message } }
        } } } }"""
    )
    for entry in data["workspaceOrError"]["locationEntries"]:
        if entry["name"] == LOCATION and entry["loadStatus"] == "LOADED":
            loaded = entry["locationOrLoadError"]
            assert loaded["__typename"] == "RepositoryLocation", loaded
            return True
    return False


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


def _launch_backfill(services: Dagster, days: list[dt.date]) -> str:
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


def _finished_backfill(services: Dagster, backfill_id: str) -> dict[str, Any] | None:
    backfill = services.graphql(BACKFILL, id=backfill_id)["partitionBackfillOrError"]
    assert backfill["__typename"] == "PartitionBackfill", backfill
    if backfill["status"] in ("REQUESTED", "CANCELING", "FAILING"):
        return None
    return backfill


def _check_executions(services: Dagster, run_id: str) -> dict[str, dict[str, Any]]:
    """Each asset check of the job -> its one evaluated execution in ``run_id``."""
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
        evaluated = [execution for execution in in_run if execution["evaluation"]]
        assert len(evaluated) == 1, f"{name}: {in_run} in run {run_id}"
        # A range run also plans one execution per day; the range's one verdict leaves them
        # SKIPPED. Anything else (EXECUTION_FAILED) would mean the check itself broke.
        assert all(e["status"] == "SKIPPED" for e in in_run if not e["evaluation"]), in_run
        executions[name] = evaluated[0]
    return executions


def _malformed_share_passes(shop: DemoShop, days: list[dt.date], warn_share: float) -> bool:
    """What ``validated_orders/malformed_share`` must conclude, derived from the shop."""
    for day in days:
        total, malformed = len(shop.orders_for_day(day)), len(shop.malformed_ids(day))
        if malformed and (malformed == total or malformed / total > warn_share):
            return False
    return True


def test_backfill_over_graphql_is_one_run_that_imports_every_order(
    dagster: Dagster, demo_shop: DemoShop
):
    backfill_id = _launch_backfill(dagster, RANGE)
    backfill = dagster.wait_for(
        f"backfill {backfill_id} to finish",
        lambda: _finished_backfill(dagster, backfill_id),
        BACKFILL_TIMEOUT,
    )

    assert backfill["status"] == "COMPLETED_SUCCESS", backfill
    assert len(backfill["runs"]) == 1, "a single-run backfill policy makes the range one run"
    run = backfill["runs"][0]
    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    assert run["status"] == "SUCCESS"
    assert tags["dagster/backfill"] == backfill_id
    assert tags["dagster/asset_partition_range_start"] == RANGE[0].isoformat()
    assert tags["dagster/asset_partition_range_end"] == RANGE[-1].isoformat()

    for day in RANGE:
        assert _store_statuses(dagster.db_path, day) == _expected_statuses(demo_shop, day), day
    with sqlite3.connect(dagster.db_path) as conn:
        sync_runs = conn.execute("SELECT run_id, window_start, window_end, outcome FROM sync_runs")
        assert sync_runs.fetchall() == [
            (run["runId"], RANGE[0].isoformat(), RANGE[-1].isoformat(), "SUCCESS")
        ]

    checks = _check_executions(dagster, run["runId"])
    assert {"imported_orders/conservation", "validated_orders/malformed_share"} <= set(checks)
    share_passes = _malformed_share_passes(demo_shop, RANGE, warn_share=0.05)
    for name, execution in checks.items():
        expected = share_passes if name == "validated_orders/malformed_share" else True
        assert execution["evaluation"]["success"] is expected, (name, execution)

    # An operator cancels an imported order in the shop after the import.
    late_day = RANGE[1]
    expected = _expected_statuses(demo_shop, late_day)
    order_id = next(i for i, status in expected.items() if status == OrderStatus.IMPORTED)
    cancelled = demo_shop.cancel_order(order_id)

    # A sensor that last ticked on the day of the edit reads what changed since then: only
    # the day of the cancelled order differs from what was landed.
    sensor = {**REPOSITORY, "sensorName": "gomag_late_updates"}
    cursor = LateUpdateCursor(since=cancelled["updated"][:10]).dump()
    tick = dagster.graphql(SENSOR_DRY_RUN, selector=sensor, cursor=cursor)
    requests, cursor = _run_requests(tick["sensorDryRun"])
    assert [(r["jobName"], r["tags"]["dagster/partition"]) for r in requests] == [
        (JOB, late_day.isoformat())
    ]
    assert requests[0]["runKey"].startswith(f"late-update-{late_day.isoformat()}-")
    # The next tick, resuming from that cursor, does not ask for the same change again.
    tick = dagster.graphql(SENSOR_DRY_RUN, selector=sensor, cursor=cursor)
    assert _run_requests(tick["sensorDryRun"])[0] == []

    # The nightly tick after a day's close finalizes that day.
    schedule = {**REPOSITORY, "scheduleName": "gomag_nightly_finalize"}
    noon = dt.datetime.combine(RANGE[-1], dt.time(12), SHOP_TIMEZONE)
    tick = dagster.graphql(SCHEDULE_DRY_RUN, selector=schedule, timestamp=noon.timestamp())
    requests, _ = _run_requests(tick["scheduleDryRun"])
    assert [(r["runKey"], r["tags"]["dagster/partition"]) for r in requests] == [
        (f"nightly-{RANGE[-1].isoformat()}", RANGE[-1].isoformat())
    ]
