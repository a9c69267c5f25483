"""Day-runs in parallel on PostgreSQL: 1, 2, 4 processes, each saving a different day into the
same database at the same time; orders/s of all together against one alone.

Where the CPU went is counted beside it: the writers' own (each process's ``process_time``), the
server's (its processes, :class:`cpu_use.ServerCpu`) and the machine's as a whole, which on a
shared machine includes other people's work.
"""

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.cpu_use import ServerCpu, machine_ticks
from benchmarks.report import markdown_table, ratio
from gomag_assets.resources.order_store import OrderStore

REPOSITORY = Path(__file__).resolve().parent.parent
_IDS_PER_DAY = 1_000_000


@dataclass(frozen=True)
class DayRuns:
    """``runs`` day-runs started at once, from the first start to the last end."""

    runs: int
    orders: int
    wall: float
    writers_cpu: float
    server_cpu: float
    machine_busy: float
    """Share of all cores' time the machine spent busy (on anything) while the runs ran."""

    @property
    def rate(self) -> float:
        return self.orders / self.wall

    @property
    def cores_used(self) -> float:
        """Cores' worth of CPU the writers and the server used together."""
        return (self.writers_cpu + self.server_cpu) / self.wall


def best_day_runs(
    counts: tuple[int, ...],
    day_size: int,
    rounds: int,
    fresh_database: Callable[[], str],
    server_cpu: ServerCpu,
) -> list[DayRuns]:
    """For each number of day-runs in ``counts``, the fastest of ``rounds`` tries, each into a
    new database; counts interleaved, as ``timing.best_of`` does."""
    best: dict[int, DayRuns] = {}
    for _ in range(rounds):
        for runs in counts:
            measured = _day_runs_at_once(fresh_database(), runs, day_size, server_cpu)
            if runs not in best or measured.wall < best[runs].wall:
                best[runs] = measured
    return [best[runs] for runs in counts]


def details(day_size: int, rounds: int, measured: list[DayRuns], server_seen: bool) -> str:
    alone = measured[0]
    table = markdown_table(
        (
            "day-runs at once",
            "orders",
            "wall, first start to last end",
            "orders/s all together",
            "vs one alone",
            "writers' CPU",
            "server's CPU",
            "cores used by writers + server",
            "machine busy (anything)",
        ),
        [
            (
                together.runs,
                f"{together.orders:,}",
                f"{together.wall:,.2f} s",
                f"{together.rate:,.0f}",
                ratio(together.rate / alone.rate),
                f"{together.writers_cpu:,.2f} s",
                f"{together.server_cpu:,.2f} s" if server_seen else "not visible",
                f"{together.cores_used:.2f}" if server_seen else "—",
                f"{together.machine_busy:.0%}",
            )
            for together in measured
        ],
    )
    return (
        "### Day-runs in parallel on PostgreSQL\n\n"
        f"Each day-run is a process of its own that saves a different day of {day_size:,} "
        "orders with `save_orders_batch` into the same database; all start together once every "
        f"process is ready; best of {rounds} rounds, each into a new database, every order "
        "counted back out of the store. The writers and the PostgreSQL server share this "
        f"machine's {os.cpu_count()} cores (and share them with other work: the last column "
        "is the whole machine), so the throughput can only grow until those cores are busy.\n\n"
        + table
    )


def _day_runs_at_once(url: str, runs: int, day_size: int, server_cpu: ServerCpu) -> DayRuns:
    """Start ``runs`` worker processes, let them all go at once, and count what they stored."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "benchmarks.postgres_worker", url, f"day-{number}"]
            + [str(day_size), str((number + 1) * _IDS_PER_DAY)],
            cwd=REPOSITORY,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for number in range(runs)
    ]
    try:
        for worker in workers:
            if worker.stdout.readline().strip() != "ready":
                raise RuntimeError(f"a day-run worker exited early ({worker.wait()})")
        ticks_before, server_before = machine_ticks(), server_cpu.seconds()
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        finished = [json.loads(worker.communicate()[0]) for worker in workers]
        ticks_after, server_after = machine_ticks(), server_cpu.seconds()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    for measured in finished:
        if measured["statuses"] != {"IMPORTED": day_size}:
            raise AssertionError(f"a day-run reported {measured['statuses']}")
    stored = sum(OrderStore(db_url=url).status_counts().values())
    if stored != runs * day_size:
        raise AssertionError(f"{runs} day-runs of {day_size} orders stored {stored} orders")
    return DayRuns(
        runs=runs,
        orders=stored,
        wall=max(m["ended"] for m in finished) - min(m["started"] for m in finished),
        writers_cpu=sum(m["cpu"] for m in finished),
        server_cpu=server_after - server_before,
        machine_busy=(ticks_after[0] - ticks_before[0]) / (ticks_after[1] - ticks_before[1]),
    )
