"""``dagster-webserver`` and ``dagster-daemon`` as real processes, driven over GraphQL on loopback.

A test hands :class:`DagsterProcesses` an environment (``DAGSTER_HOME`` and the code location's
settings) and a workspace file, starts the webserver and the daemon, and talks to them the way
an operator's script would. Every process is started in its own process group, so that
stopping it also stops the code servers and runs it started.
"""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOCATION = "gomag_assets"
CLOCKED_LOCATION = Path(__file__).with_name("clocked_location.py")
WEBSERVER_ATTEMPTS = 3
STARTUP_TIMEOUT = 60.0

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
    ... on PartitionBackfill { status error { message } }
    ... on Error { message }
  }
}
"""

LOCATIONS = """
{ workspaceOrError { ... on Workspace { locationEntries {
    name loadStatus
    locationOrLoadError { __typename ... on PythonError { message } }
} } } }
"""


def clocked_workspace() -> str:
    """A workspace that loads the project's code location with its clock at ``GOMAG_TEST_NOW``."""
    return f"""
load_from:
  - python_file:
      relative_path: {CLOCKED_LOCATION}
      location_name: {LOCATION}
      working_directory: {REPO}
"""


def _free_port() -> int:
    """A port free right now; another process may take it before the webserver binds it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(processes: list[subprocess.Popen], timeout: float = 20.0) -> None:
    """SIGTERM every process's group at once, then SIGKILL whatever is left after ``timeout``.

    All at once: the webserver and the daemon each take seconds to shut down, and waiting for
    one before telling the other doubles that."""
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for process in processes:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@dataclass
class DagsterProcesses:
    """A webserver and a daemon sharing the ``DAGSTER_HOME`` named in ``env``."""

    env: dict[str, str]
    logs: Path
    workspace: Path
    url: str = ""
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str, *command: str) -> None:
        """Run ``command`` in the repository with ``env``, logging to ``logs/<name>.log``."""
        with (self.logs / f"{name}.log").open("wb") as log:
            self.processes[name] = subprocess.Popen(
                command,
                cwd=REPO,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def start_daemon(self) -> None:
        self.start("daemon", str(BIN / "dagster-daemon"), "run", "-w", str(self.workspace))

    def start_webserver(self) -> None:
        """Start ``dagster-webserver``, wait until it serves the loaded code location; sets ``url``.

        The webserver cannot bind port 0 (it reads 0 as "the default, 3000"), so it is handed a
        port that was free a moment ago; should another process take it first, the webserver
        exits and is started again on another port. A port is believed only once the
        webserver's own log says uvicorn listens on it.
        """
        for _ in range(WEBSERVER_ATTEMPTS):
            port = _free_port()
            self.start(
                "webserver",
                *(str(BIN / "dagster-webserver"), "-w", str(self.workspace)),
                *("-h", "127.0.0.1", "-p", str(port), "--uvicorn-log-level", "info"),
            )
            if self.wait_for("the webserver", partial(self._bound, port)) == "ours":
                self.url = f"http://127.0.0.1:{port}"
                self.wait_for("the code location to load", self._location_loaded)
                return
        pytest.fail(f"another process took the webserver's port {WEBSERVER_ATTEMPTS} times")

    def _bound(self, port: int) -> str | None:
        """ "ours" once the webserver listens on ``port``, "taken" if it found the port taken
        and exited; None while it is still starting."""
        log = (self.logs / "webserver.log").read_text(errors="replace")
        if f"Uvicorn running on http://127.0.0.1:{port} " in log:
            return "ours"
        if self.processes["webserver"].poll() is None:
            return None
        if "address already in use" in log:
            return "taken"
        pytest.fail(f"the webserver exited\n{self.log_tail()}")

    def _location_loaded(self) -> bool:
        for entry in self.graphql(LOCATIONS)["workspaceOrError"]["locationEntries"]:
            if entry["name"] == LOCATION and entry["loadStatus"] == "LOADED":
                loaded = entry["locationOrLoadError"]
                assert loaded["__typename"] == "RepositoryLocation", loaded
                return True
        return False

    def stop(self) -> None:
        _stop(list(self.processes.values()))

    def log_tail(self, lines: int = 40) -> str:
        return "\n".join(
            f"--- {name} ---\n"
            + "\n".join(
                (self.logs / f"{name}.log").read_text(errors="replace").splitlines()[-lines:]
            )
            for name in self.processes
        )

    def graphql(self, query: str, **variables: Any) -> dict[str, Any]:
        response = httpx.post(
            f"{self.url}/graphql", json={"query": query, "variables": variables}, timeout=60.0
        )
        assert response.status_code == 200, f"{response.status_code}: {response.text[:2000]}"
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]

    def wait_for(
        self, what: str, probe: Callable[[], Any], timeout: float = STARTUP_TIMEOUT
    ) -> Any:
        """Call ``probe`` every half second until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = probe()
            if result:
                return result
            time.sleep(0.5)
        pytest.fail(f"timed out after {timeout:.0f}s waiting for {what}\n{self.log_tail()}")

    def launch_asset_backfill(self, assets: Sequence[str], partitions: Sequence[str]) -> str:
        """Backfill ``assets`` over ``partitions``; the backfill's id."""
        launched = self.graphql(
            LAUNCH_BACKFILL,
            params={
                "assetSelection": [{"path": [asset]} for asset in assets],
                "partitionNames": list(partitions),
                "title": f"{partitions[0]}..{partitions[-1]}",
            },
        )["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        return launched["backfillId"]

    def finished_backfill_status(self, backfill_id: str) -> str | None:
        """The backfill's final status, or None while it is still going."""
        backfill = self.graphql(BACKFILL, id=backfill_id)["partitionBackfillOrError"]
        assert backfill["__typename"] == "PartitionBackfill", backfill
        if backfill["status"] in ("REQUESTED", "CANCELING", "FAILING"):
            return None
        return backfill["status"]
