"""Seconds per run: a one-day run through the CLI next to a no-op three-asset run through the
same CLI, and what the 15-minute intraday schedule costs a day.

Both are real ``dagster asset materialize`` processes against a temporary ``DAGSTER_HOME`` (the
project's instance settings), interleaved round by round; each project run gets a new database,
so every round imports the same day from scratch. CPU seconds are the child's user + system time.
"""

import datetime as dt
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.report import StageReport, at_most, ratio
from gomag_assets.demo import DemoShop, DemoShopConfig

DAY = dt.date(2025, 9, 4)
REPOSITORY = Path(__file__).resolve().parent.parent
DAGSTER = Path(sys.executable).parent / "dagster"
RUNS_PER_DAY = 96
"""The intraday schedule's default cron, every 15 minutes."""


@dataclass(frozen=True)
class CliSizes:
    orders_per_day: int = 100
    rounds: int = 3


QUICK = CliSizes(orders_per_day=20, rounds=1)


@dataclass(frozen=True)
class Measured:
    wall: float
    cpu: float


def run(sizes: CliSizes, workdir: Path) -> StageReport:
    shop = DemoShop(DemoShopConfig(orders_per_day=sizes.orders_per_day))
    orders = len(shop.listing(DAY, DAY))  # builds the day's orders, untimed
    env = instance_environment(workdir / "cli_home")
    noop, project = [], []
    with shop.serving():
        env |= {"GOMAG_API_URL": shop.base_url, "GOMAG_API_KEY": shop.api_key}
        for round_ in range(sizes.rounds):
            noop.append(
                _materialize(env, "-f", str(REPOSITORY / "benchmarks" / "noop_location.py"))
            )
            database = {"GOMAG_DB_PATH": str(workdir / f"cli-{round_}.sqlite")}
            project.append(_materialize(env | database, "-m", "gomag_assets"))
    best_noop = Measured(min(m.wall for m in noop), min(m.cpu for m in noop))
    best = Measured(min(m.wall for m in project), min(m.cpu for m in project))
    report = StageReport()
    report.comparisons.append(
        at_most(
            f"one day ({orders} orders) through the CLI (`dagster asset materialize`)",
            f"{best.wall:.1f} s",
            f"no-op three-asset run through the same CLI: {best_noop.wall:.1f} s",
            best.wall / best_noop.wall,
            1.6,
            ratio(best.cpu / best_noop.cpu),
        )
    )
    daily_cpu = RUNS_PER_DAY * best.cpu
    report.figures += [
        (
            "one CLI run of one day, in process",
            f"{best.wall:.1f} s wall, {best.cpu:.1f} CPU-s "
            f"(runs: {', '.join(f'{m.wall:.1f} s' for m in project)})",
        ),
        (
            f"the intraday schedule, {RUNS_PER_DAY} runs a day",
            f"{daily_cpu:,.0f} CPU-s a day ({daily_cpu / 86_400:.1%} of one core), "
            f"of which {RUNS_PER_DAY * best_noop.cpu:,.0f} CPU-s is Dagster's own per-run cost",
        ),
    ]
    return report


def instance_environment(home: Path) -> dict[str, str]:
    """This environment without any ``GOMAG_``/``DAGSTER_`` setting, and ``DAGSTER_HOME`` a new
    directory ``home`` holding the project's instance settings (deploy/local/dagster.yaml)."""
    home.mkdir()
    shutil.copy(REPOSITORY / "deploy" / "local" / "dagster.yaml", home / "dagster.yaml")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOMAG_", "DAGSTER_"))}
    return env | {"DAGSTER_HOME": str(home)}


def _materialize(env: dict[str, str], *target: str) -> Measured:
    """One CLI run of every asset of ``target`` for ``DAY``; fails loudly if the run fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    finished = subprocess.run(
        [DAGSTER, "asset", "materialize", *target, "--select", "*", "--partition", DAY.isoformat()],
        cwd=REPOSITORY,
        env=env,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if finished.returncode != 0:
        raise RuntimeError(
            f"dagster asset materialize {' '.join(target)} failed:\n" + finished.stderr[-3000:]
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(wall, cpu)
