"""What durability costs, counted instead of timed: flushes per 1,000 orders imported.

A flush's price is the disk's (0.15 ms on one SSD, 10 ms on a spinning disk); how many flushes a
writer makes per order is the code's. Three writers are counted in the same run: the tiered
store at its production settings, the bare bulk ceiling at the same settings, and the naive loop
(one durable commit per order). The ceiling writes the same days as the store, each in one
transaction on its own connection, as each day-run does: a day the store has written survives a
crash, so it must be made durable before the next starts, and the ceiling is held to the same.
The ceiling writing every day in one transaction is counted too, as information: it flushes once
for all the days, a cost no writer that makes each day durable can match. SQLite's flushes are
the ``fsync``/``fdatasync`` calls of a child process under ``strace``; PostgreSQL's are the
server's WAL flushes (``benchmarks.postgres_durability``).
"""

import math
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks import writers
from benchmarks.report import Comparison, markdown_table, ratio
from gomag_assets.resources.order_store import sqlite

STORE_BOUND = 1.5
"""The tiered store may flush at most this many times as often per order as the ceiling."""
NAIVE_BOUND = 100
"""... and must flush at least this many times less often than the naive loop."""
REPOSITORY = Path(__file__).resolve().parent.parent
_FLUSH_CALL = re.compile(r"\b(?:fsync|fdatasync)\(\d+<([^>]*)>")


@dataclass(frozen=True)
class Flushes:
    """What one writer flushed while importing ``orders`` orders, and where."""

    writer: str
    settings: str
    orders: int
    where: Counter[str]

    @property
    def count(self) -> int:
        return sum(self.where.values())

    @property
    def per_order(self) -> float:
        return self.count / self.orders

    @property
    def per_thousand(self) -> float:
        return 1000 * self.per_order

    @property
    def per_thousand_text(self) -> str:
        return (
            f"{self.per_thousand:,.0f}" if self.per_thousand >= 100 else f"{self.per_thousand:.3g}"
        )


@dataclass(frozen=True)
class Durability:
    """The three writers' flushes, counted in one run."""

    store: Flushes
    ceiling: Flushes
    naive: Flushes
    unit: str
    """What a flush is here, in words for the tables."""
    explaining: tuple[Flushes, ...] = ()
    """Writers counted to explain the others' counts, not targets."""


_STORE_VS_CEILING = "flushes per 1,000 orders (tiered store)"
_NAIVE_VS_STORE = "flushes per 1,000 orders, naive loop vs the tiered store"


def targets(prefix: str, counted: Durability | None) -> list[Comparison]:
    """The two targets: the store's flushes per order next to the ceiling's, and the naive
    loop's next to the store's. Uncounted, both rows say so and do not hold."""
    if counted is None:
        return [
            Comparison(f"{prefix}: {what}", "not counted", "—", math.nan, "—", target, False)
            for what, target in (
                (_STORE_VS_CEILING, f"≤ {STORE_BOUND}×"),
                (_NAIVE_VS_STORE, f"≥ {NAIVE_BOUND}×"),
            )
        ]
    store, ceiling, naive = counted.store, counted.ceiling, counted.naive
    store_vs_ceiling = _times(store.per_order, ceiling.per_order)
    naive_vs_store = _times(naive.per_order, store.per_order)
    return [
        Comparison(
            f"{prefix}: {_STORE_VS_CEILING}",
            f"{store.per_thousand_text} {counted.unit}",
            f"{ceiling.writer}, same settings: {ceiling.per_thousand_text}",
            store_vs_ceiling,
            ratio(store_vs_ceiling),
            f"≤ {STORE_BOUND}×",
            store_vs_ceiling <= STORE_BOUND,
        ),
        Comparison(
            f"{prefix}: {_NAIVE_VS_STORE}",
            f"{naive.per_thousand_text} {counted.unit} ({naive.writer})",
            f"the tiered store: {store.per_thousand_text}",
            naive_vs_store,
            f"{naive_vs_store:,.0f}×",
            f"≥ {NAIVE_BOUND}×",
            naive_vs_store >= NAIVE_BOUND,
        ),
    ]


def table(counted: Durability) -> str:
    """The three writers' counts, where each flush went, and the settings they ran at."""
    rows = [
        (
            flushes.writer,
            flushes.settings,
            f"{flushes.orders:,}",
            f"{flushes.count:,}",
            flushes.per_thousand_text,
            ", ".join(f"{target} {count:,}" for target, count in flushes.where.most_common()),
        )
        for flushes in (counted.store, counted.ceiling, counted.naive, *counted.explaining)
    ]
    header = ("writer", "settings", "orders", counted.unit, "per 1,000 orders", "where")
    return markdown_table(header, rows)


def _times(value: float, against: float) -> float:
    if against == 0:
        return 1.0 if value == 0 else math.inf
    return value / against


def count_sqlite(
    fresh: Callable[[str, str], Path], orders: int, naive_orders: int, day_size: int
) -> Durability | None:
    """The store (days of ``day_size``) and the ceiling writing ``orders`` orders, and the
    naive loop writing ``naive_orders``, each into a new file in a child process under
    ``strace``; None when ``strace`` cannot run here."""
    if shutil.which("strace") is None:
        return None
    store_file, ceiling_file = fresh("flushes-b", "WAL"), fresh("flushes-a-days", "WAL")
    settings = _same_settings(store_file, ceiling_file)
    try:
        return Durability(
            store=Flushes(
                f"(b) `save_orders_batch`, days of {day_size:,}",
                f"the store's own: {settings}",
                orders,
                _flush_calls(store_file, "store", orders, day_size),
            ),
            ceiling=Flushes(
                f"(a-days) bare `executemany`, a transaction and connection per day of "
                f"{day_size:,}",
                f"the same as the store's, checked: {settings}",
                orders,
                _flush_calls(ceiling_file, "ceiling-days", orders, day_size),
            ),
            naive=Flushes(
                "(d) a durable commit per order",
                "rollback journal, `synchronous=FULL` (SQLite's defaults)",
                naive_orders,
                _flush_calls(fresh("flushes-d", "DELETE"), "naive", naive_orders, day_size),
            ),
            unit="`fsync`/`fdatasync` calls",
            explaining=(
                Flushes(
                    "(a) as (a-days), every day in one transaction",
                    "as (a-days)",
                    orders,
                    _flush_calls(fresh("flushes-a-all", "WAL"), "ceiling", orders, day_size),
                ),
            ),
        )
    except (OSError, subprocess.CalledProcessError):
        return None


def _same_settings(store_file: Path, ceiling_file: Path) -> str:
    """The journal settings of the store's connection, after checking the ceiling's match."""
    store_conn = sqlite.connect(str(store_file), 30_000, "bench")
    ceiling_conn = writers.ceiling_connection(ceiling_file)
    try:
        store, ceiling = (writers.journal_settings(conn) for conn in (store_conn, ceiling_conn))
    finally:
        store_conn.close()
        ceiling_conn.close()
    if store != ceiling:
        raise AssertionError(f"the ceiling runs at {ceiling}, the store at {store}")
    synchronous = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}[store["synchronous"]]
    return (
        f"`journal_mode={store['journal_mode']}`, `synchronous={synchronous}`, "
        f"`wal_autocheckpoint={store['wal_autocheckpoint']}` pages, "
        f"`journal_size_limit={store['journal_size_limit']}`"
    )


def _flush_calls(database: Path, writer: str, orders: int, day_size: int) -> Counter[str]:
    """The ``fsync``/``fdatasync`` calls of ``commit_probe`` writing ``orders`` orders into
    ``database``, by the file each one flushed."""
    trace = database.with_suffix(".strace")
    probe = [sys.executable, "-m", "benchmarks.commit_probe", writer, str(orders), str(database)]
    subprocess.run(
        ["strace", "--seccomp-bpf", "-f", "-y", "-e", "trace=fsync,fdatasync", "-o", str(trace)]
        + [*probe, str(day_size)],
        cwd=REPOSITORY,
        check=True,
        capture_output=True,
    )
    found = _FLUSH_CALL.findall(trace.read_text())
    return Counter(_target(Path(path), database) for path in found)


def _target(flushed: Path, database: Path) -> str:
    if flushed.name.endswith("-wal"):
        return "WAL"
    if flushed.name.endswith("-journal"):
        return "rollback journal"
    if os.path.realpath(flushed) == os.path.realpath(database):
        return "database file"
    if flushed.is_dir():
        return "directory"
    return flushed.name
