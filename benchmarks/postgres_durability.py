"""PostgreSQL's flushes per 1,000 orders: the server's WAL flushes while each writer runs.

The count is the difference of the server's cluster-wide WAL flush counter before and after
one writer, with nothing else writing to that server (the stage's own, its other writers
finished): the writer's own backend flushes at each commit, and the WAL writer and the
checkpointer flush on its behalf; all three are counted, and shown apart. Autovacuum's flushes
are not: it cleans up after whichever writer put the same rows there, on its own schedule, so
it falls into one writer's window and not another's (one run saw 245 in the store's window and
none in the ceiling's). PostgreSQL 18 keeps
the counter in ``pg_stat_io`` (``object = 'wal'``, ``fsyncs``: calls of ``issue_xlog_fsync``);
up to 17 it was ``pg_stat_wal.wal_sync``.

Statistics reach the shared counters when a process reports them: a backend when it exits, the
background processes about once a second. So each reading waits until no backend is connected
to the writer's database and the counter has stood still for longer than that second.
"""

import time
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlsplit

import psycopg

from benchmarks import writers
from benchmarks.durability import Durability, Flushes

_FLUSHES_SINCE_18 = """
    SELECT backend_type, coalesce(sum(fsyncs), 0)::bigint FROM pg_stat_io
    WHERE object = 'wal' GROUP BY backend_type
"""
_FLUSHES_UP_TO_17 = "SELECT 'all processes', wal_sync FROM pg_stat_wal"
_STILL_SECONDS = 1.5
"""Longer than the interval at which a background process reports its statistics (1 s)."""
_SETTLE_SECONDS = 60
ROUNDS = 3
"""Rounds per writer, interleaved: the WAL writer flushes written WAL every 200 ms
(``wal_writer_delay``) whatever the commits, so its share grows with a writer's wall time, and
so with the machine's load; the round with the fewest flushes is the writer's own count."""


def count(
    server_url: str,
    fresh_database: Callable[[], str],
    orders: Sequence[dict[str, Any]],
    naive_orders: int,
    day_size: int,
    save_days: Callable[[str, Sequence[dict[str, Any]]], Any],
    rounds: int = ROUNDS,
) -> Durability:
    """The tiered store (``save_days``, days of ``day_size``) and the bare ``COPY`` ceiling
    writing ``orders`` (a transaction per day; all days in one, as information), and the naive
    loop the first ``naive_orders`` of them, each into its own new database; each writer's
    round with the fewest flushes out of ``rounds`` interleaved ones."""
    counter = _WalFlushes(server_url)
    settings = counter.settings()
    writes: dict[str, Callable[[str], Any]] = {
        "store": lambda url: save_days(url, orders),
        "ceiling": lambda url: writers.bare_postgres_days(url, orders, day_size),
        "naive": lambda url: writers.naive_postgres_loop(url, orders[:naive_orders]),
        "one transaction": lambda url: writers.bare_postgres(url, orders, copy=True),
    }
    names = [name for _ in range(rounds) for name in writes]
    flushes = counter.each([(fresh_database(), writes[name]) for name in names])
    counted: dict[str, list[Counter[str]]] = {name: [] for name in writes}
    for name, flushed in zip(names, flushes, strict=True):
        counted[name].append(flushed)
    fewest = {name: min(counts, key=lambda c: sum(c.values())) for name, counts in counted.items()}
    return Durability(
        store=Flushes(
            "(b) `save_orders_batch`, days as in the timed runs",
            f"the server's, as production runs it: {settings}",
            len(orders),
            fewest["store"],
        ),
        ceiling=Flushes(
            f"(a-copy-days) bare `COPY`, a transaction per day of {day_size:,}",
            f"the same: {settings}",
            len(orders),
            fewest["ceiling"],
        ),
        naive=Flushes(
            "(d) a committed transaction per order",
            "`synchronous_commit=on` (set by the loop)",
            naive_orders,
            fewest["naive"],
        ),
        unit=f"WAL flushes ({counter.source})",
        explaining=(
            Flushes(
                "(a-copy) as (a-copy-days), every day in one transaction",
                "as (a-copy-days)",
                len(orders),
                fewest["one transaction"],
            ),
        ),
    )


class _WalFlushes:
    """The server's WAL flush counter, by process type, read where this version keeps it."""

    def __init__(self, server_url: str) -> None:
        self._url = server_url
        with psycopg.connect(server_url) as conn:
            version = int(conn.execute("SHOW server_version_num").fetchone()[0])
        self._query = _FLUSHES_SINCE_18 if version >= 180_000 else _FLUSHES_UP_TO_17
        self.source = (
            "`pg_stat_io`, `object = 'wal'`, `fsyncs`"
            if version >= 180_000
            else "`pg_stat_wal.wal_sync`"
        )

    def settings(self) -> str:
        names = ("synchronous_commit", "fsync", "wal_sync_method", "commit_delay")
        with psycopg.connect(self._url) as conn:
            shown = [f"`{name}={conn.execute(f'SHOW {name}').fetchone()[0]}`" for name in names]
        return ", ".join(shown)

    def each(self, writes: Sequence[tuple[str, Callable[[str], Any]]]) -> list[Counter[str]]:
        """The WAL flushes, by process type, of each ``write(database_url)`` in turn (each
        database made beforehand): the counter, settled after one write, is where the next
        one's count starts."""
        counts = []
        before = self._settled(writes[0][0])
        for database_url, write in writes:
            write(database_url)
            after = self._settled(database_url)
            flushed = after.copy()
            flushed.subtract(before)
            counts.append(
                Counter(
                    {
                        kind: n
                        for kind, n in flushed.items()
                        if n > 0 and not kind.startswith("autovacuum")
                    }
                )
            )
            before = after
        return counts

    def _settled(self, database_url: str) -> Counter[str]:
        database = urlsplit(database_url).path.lstrip("/")
        deadline = time.monotonic() + _SETTLE_SECONDS
        with psycopg.connect(self._url, autocommit=True) as conn:
            last = None
            while time.monotonic() < deadline:
                connected = conn.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (database,)
                ).fetchone()[0]
                now = Counter(dict(conn.execute(self._query).fetchall()))
                if connected == 0 and now == last:
                    return now
                last = now
                time.sleep(_STILL_SECONDS)
        raise TimeoutError(f"the WAL flush counter did not settle in {_SETTLE_SECONDS} s")
