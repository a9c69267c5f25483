"""Take the README's screenshots of the Dagster UI with headless Chromium.

Imports three demo days (the test suite's 2026-10-01..03) from the bundled demo shop into a
throwaway store and Dagster instance as one range run, serves them with ``dagster-webserver`` on
loopback, and saves one PNG per page into ``docs/screenshots/``: the lineage, and one day's
partition page of ``imported_orders`` and of ``validated_orders``. ``--two-shops`` takes the
lineage of a deployment with a shops file of two demo shops instead (``two-shops.png``). Needs
Chromium (``apt-get install chromium``); CI does not run this, the PNGs are committed.

    .venv/bin/python scripts/screenshots.py [--chromium chromium] [--out docs/screenshots]
        [--two-shops]
"""

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from dagster import DagsterInstance

from gomag_assets.definitions import build_definitions
from gomag_assets.demo import DemoShop
from gomag_assets.settings import load_settings

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
DAYS = ("2026-10-01", "2026-10-03")
PAGES = {
    "asset-graph.png": "/asset-groups",
    "partition.png": "/assets/imported_orders?view=partitions&partition=2026-10-02",
    "materialization.png": "/assets/validated_orders?view=partitions&partition=2026-10-02",
}
"""Screenshot file -> UI path."""
TWO_SHOPS_PAGES = {"two-shops.png": "/asset-groups"}
TWO_SHOPS = """
[[shops]]
name = "vending_ro"
api_url = "{vending}"
api_shop = "https://www.vending.ro"
api_key_env = "GOMAG_KEY_VENDING_RO"
timezone = "Europe/Bucharest"

[[shops]]
name = "bakery_md"
api_url = "{bakery}"
api_shop = "https://bakery.md"
api_key_env = "GOMAG_KEY_BAKERY_MD"
timezone = "Europe/Chisinau"
"""
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1600,1000",
)
MAX_BYTES = 400_000


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--chromium", default="chromium", help="the Chromium executable")
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    parser.add_argument(
        "--budget", type=int, default=20000, help="virtual time (ms) a page gets to render"
    )
    parser.add_argument("--two-shops", action="store_true", help="the lineage of two shops")
    return parser.parse_args(argv)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _import_demo_days(home: Path) -> None:
    """Run the job over ``DAYS`` as ``make demo`` does, recorded in the instance at ``home``."""
    job = build_definitions(load_settings()).resolve_job_def("gomag_orders_job")
    with DagsterInstance.from_config(str(home)) as instance:
        result = job.execute_in_process(
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": DAYS[0],
                "dagster/asset_partition_range_end": DAYS[1],
            },
        )
    if not result.success:
        raise SystemExit("the demo import failed; see the log above")


@contextlib.contextmanager
def _webserver(env: dict[str, str], log: Path) -> Iterator[str]:
    """``dagster-webserver`` on a free loopback port, yielding its URL once the code location
    has loaded; its process group is stopped on exit."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(BIN / "dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1"]
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*command, "-p", str(port)],
            cwd=REPO,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_loaded(url, process, log)
        yield url
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=20)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _wait_until_loaded(url: str, process: subprocess.Popen, log: Path) -> None:
    query = "{ workspaceOrError { ... on Workspace { locationEntries { loadStatus } } } }"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"dagster-webserver exited; see {log}")
        with contextlib.suppress(httpx.TransportError, KeyError, TypeError):
            data = httpx.post(f"{url}/graphql", json={"query": query}, timeout=5).json()
            entries = data["data"]["workspaceOrError"]["locationEntries"]
            if entries and all(entry["loadStatus"] == "LOADED" for entry in entries):
                return
        time.sleep(0.5)
    raise SystemExit(f"dagster-webserver did not load the code location in 90 s; see {log}")


def _screenshot(chromium: str, url: str, out: Path, budget_ms: int, profile: Path) -> None:
    subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            f"--screenshot={out}",
            url,
        ],
        check=True,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=120,
    )
    size = out.stat().st_size
    print(f"{out.relative_to(REPO) if out.is_relative_to(REPO) else out}: {size // 1024} KB")
    if size > MAX_BYTES:
        print(f"  warning: above {MAX_BYTES // 1000} KB", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    if shutil.which(args.chromium) is None:
        print(f"no {args.chromium!r} on PATH; install Chromium or pass --chromium", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory(prefix="gomag-screenshots-") as tmp,
        DemoShop().serving() as shop,
        DemoShop().serving() as other,
    ):
        work = Path(tmp)
        home = work / "dagster_home"
        home.mkdir()
        shutil.copy(REPO / "deploy" / "local" / "dagster.yaml", home / "dagster.yaml")
        os.environ.update(
            DAGSTER_HOME=str(home),
            GOMAG_API_URL=shop.base_url,
            GOMAG_API_KEY=shop.api_key,
            GOMAG_API_SHOP=shop.config.api_shop,
            GOMAG_DB_PATH=str(work / "data" / "demo.sqlite"),
        )
        pages = PAGES
        if args.two_shops:
            shops_file = work / "shops.toml"
            shops_file.write_text(TWO_SHOPS.format(vending=shop.base_url, bakery=other.base_url))
            os.environ.update(
                GOMAG_SHOPS_FILE=str(shops_file),
                GOMAG_KEY_VENDING_RO=shop.api_key,
                GOMAG_KEY_BAKERY_MD=other.api_key,
            )
            pages = TWO_SHOPS_PAGES
        else:
            _import_demo_days(home)
        with _webserver(dict(os.environ), work / "webserver.log") as url:
            # The UI greets a loopback visitor with a newsletter dialog until this is set.
            httpx.post(
                f"{url}/graphql", json={"query": "mutation { setNuxSeen }"}, timeout=10
            ).raise_for_status()
            for name, path in pages.items():
                _screenshot(
                    args.chromium, url + path, args.out / name, args.budget, work / "chromium"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
