"""End-to-end in process: the job over a 30-day range as one run, next to the stages run alone.
How the same backfill fares through the CLI, and its peak memory, is ``cli_backfill_stage``.

The demo shop serves from this process (its orders built before any timing); every
measurement runs in a child process of its own (``backfill_worker``), so each has its own peak
resident memory (``VmHWM``) and none inherits another's heap.
"""

import datetime as dt
import json
import pstats
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.report import StageReport, at_most, markdown_table, ratio
from gomag_assets.demo import DemoShop, DemoShopConfig
from gomag_assets.wording import counted

FIRST_DAY = dt.date(2025, 9, 1)
REPOSITORY = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BackfillSizes:
    days: int = 30
    orders_per_day: int = 3_000
    rounds: int = 3
    """Runs of each measurement; the fastest counts for time, the largest for memory."""


QUICK = BackfillSizes(days=2, orders_per_day=100, rounds=1)


def run(sizes: BackfillSizes, workdir: Path, *, profile: bool = False) -> StageReport:
    shop = DemoShop(DemoShopConfig(orders_per_day=sizes.orders_per_day))
    days = [FIRST_DAY + dt.timedelta(days=n) for n in range(sizes.days)]
    volumes = [len(shop.listing(day, day)) for day in days]  # builds the orders, untimed
    directory = Path(tempfile.mkdtemp(prefix="backfill_", dir=workdir))
    runs: dict[str, list[dict[str, Any]]] = {"stages": [], "job": []}
    with shop.serving():
        worker = _Worker(shop, directory)
        for _ in range(sizes.rounds):
            runs["stages"].append(worker.run("stages", sizes.days))
            runs["job"].append(worker.run("job", sizes.days))
        if profile:
            worker.profile(sizes.days)
    stages = min(runs["stages"], key=lambda measured: measured["wall"])
    job = min(runs["job"], key=lambda measured: measured["wall"])
    peak = max(measured["peak_kib"] for measured in runs["job"])
    if job["orders"] != stages["orders"] or job["orders"] != sum(volumes):
        raise AssertionError(f"the job accounted for {job['orders']} orders of {sum(volumes)}")
    return _report(sizes, volumes, stages, job, runs, peak)


def _report(
    sizes: BackfillSizes,
    volumes: list[int],
    stages: dict[str, Any],
    job: dict[str, Any],
    runs: dict[str, list[dict[str, Any]]],
    peak: int,
) -> StageReport:
    orders = sum(volumes)
    report = StageReport()
    report.comparisons += [
        at_most(
            f"end-to-end, {sizes.days}-day single-run backfill, "
            f"{sizes.orders_per_day:,} orders/day",
            f"{job['wall']:.1f} s",
            f"fetch + validate + import alone on the same days: {stages['wall']:.1f} s",
            job["wall"] / stages["wall"],
            2,
            ratio(job["cpu"] / stages["cpu"]),
        ),
    ]
    report.figures += [
        (
            f"end-to-end, {sizes.days}-day backfill",
            f"{orders / job['wall']:,.0f} orders/s, {stages['items'] / job['wall']:,.0f} items/s, "
            f"peak RSS {peak / 1024:,.0f} MiB",
        ),
        (
            "Python + Dagster + the definitions, before the run starts",
            f"RSS {job['rss_before_kib'] / 1024:,.0f} MiB",
        ),
    ]
    stage_rows = [
        (name, f"{stages[name]:.2f} s", f"{orders / stages[name]:,.0f}", adds)
        for name, adds in _STAGES
    ]
    stage_rows.append(
        (
            "total",
            f"{stages['wall']:.2f} s",
            f"{orders / stages['wall']:,.0f}",
            "the job is one step (`gomag_orders`, all three stages): "
            f"{sum(job['steps'].values()):.2f} s; whole run {job['wall']:.2f} s",
        )
    )
    runs_rows = [
        (
            what,
            f"{largest:,}",
            ", ".join(f"{measured['wall']:.1f} s" for measured in measured_runs),
            ", ".join(f"{measured['peak_kib'] / 1024:,.0f} MiB" for measured in measured_runs),
            ", ".join(
                f"{(measured['peak_kib'] - measured['rss_before_kib']) / 1024:,.0f} MiB"
                for measured in measured_runs
            ),
        )
        for what, largest, measured_runs in (
            (f"stages alone, {counted(sizes.days, 'day')}", max(volumes), runs["stages"]),
            (f"job, {counted(sizes.days, 'day')}", max(volumes), runs["job"]),
        )
    ]
    report.details.append(
        "### End-to-end and memory\n\n"
        f"The demo shop at {sizes.orders_per_day:,} orders a day (weekends quieter): "
        f"{orders:,} orders over {FIRST_DAY}..{FIRST_DAY + dt.timedelta(days=sizes.days - 1)}, "
        f"{min(volumes):,} to {max(volumes):,} a day, {stages['pages']:,} pages, "
        f"{stages['items']:,} valid item lines. Client unpaced (`requests_per_second=0`); every "
        "run in a child process of its own, against a new database; the demo shop serves from "
        "the parent.\n\n"
        + markdown_table(
            (
                "stage alone",
                "wall",
                "orders/s",
                "what the job does besides the stage",
            ),
            stage_rows,
        )
        + "\n\n"
        + markdown_table(
            (
                "run",
                "largest day (orders)",
                "wall per run",
                "peak RSS per run",
                "peak RSS above the RSS at start",
            ),
            runs_rows,
        )
    )
    return report


_STAGES = (
    ("fetch", "lands each day's payloads in `raw_orders`"),
    ("validate", "reads the payloads back; stores the validation frames; the day's checks"),
    (
        "import",
        "reads the validated orders back; run records; status counts, money and checks per day",
    ),
)


class _Worker:
    """Starts ``backfill_worker`` children against the shop, each with a new database."""

    def __init__(self, shop: DemoShop, directory: Path) -> None:
        self._shop = shop
        self._directory = directory
        self._runs = 0

    def run(self, what: str, days: int, *extra: str) -> dict[str, Any]:
        self._runs += 1
        database = self._directory / f"{what}-{days}-{self._runs}.sqlite"
        log = database.with_suffix(".log")
        with open(log, "w") as stderr:
            finished = subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "benchmarks.backfill_worker",
                    what,
                    "--url",
                    self._shop.base_url,
                    "--key",
                    self._shop.api_key,
                    "--first",
                    FIRST_DAY.isoformat(),
                    "--days",
                    str(days),
                    "--db",
                    str(database),
                    *extra,
                ],
                cwd=REPOSITORY,
                stdout=subprocess.PIPE,
                stderr=stderr,
                text=True,
            )
        if finished.returncode != 0:
            tail = "\n".join(log.read_text().splitlines()[-30:])
            raise RuntimeError(f"backfill_worker {what} failed:\n{tail}")
        return json.loads(finished.stdout.strip().splitlines()[-1])

    def profile(self, days: int) -> None:
        """cProfile of the job over ``days``, top 30 by own time, printed."""
        path = self._directory / "job.pstats"
        self.run("job", days, "--profile", str(path))
        print(f"\ncProfile of the {days}-day job (top 30 by own time):")
        pstats.Stats(str(path)).sort_stats("tottime").print_stats(30)
