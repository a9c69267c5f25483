"""Two imports at once: a schedule and a sensor on the same day, or two days side by side.

SQLite takes one writer at a time; ``BEGIN IMMEDIATE`` and ``busy_timeout`` make the second
wait. Whatever the interleaving, each order ends up once in ``orders`` with exactly its items,
each run gives every order of its batch one status, and neither run fails with
``database is locked``.
"""

import datetime as dt
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from dagster import DagsterInstance, materialize
from pipeline import ASSETS
from store_fixtures import PARTITION, SignalsOpening, row_count
from support.days import NEXT_DAY

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store import OrderStore
from reliability.concurrent_saves import (
    MALFORMED,
    ORDERS,
    batch_of,
    malformed_of,
    save_side_by_side,
)
from reliability.store_checks import (
    CHILD_TABLES,
    account,
    assert_file_is_sound,
    imported_more_than_once,
    read_log,
)

GUARANTEE = "concurrency"
TRIALS = 8
POSTGRES_TRIALS = 4
"""Fewer on PostgreSQL: each trial also creates a database."""


def overlapped(pairs: list[tuple[dict, dict]]) -> int:
    """How many trials the two processes were writing the store at the same time."""
    return sum(
        1 for a, b in pairs if max(a["started"], b["started"]) < min(a["finished"], b["finished"])
    )


def locked_failures(results: list[dict]) -> int:
    """Saves that failed because the other process held the database."""
    return sum(1 for result in results if "locked" in result.get("error", ""))


def databases(backend: str, request: pytest.FixtureRequest, trials: int) -> list[str]:
    """One fresh PostgreSQL database per trial on that backend; none (SQLite files) else."""
    if backend != "postgres":
        return []
    server = request.getfixturevalue("postgres_server")
    return [server.fresh_database() for _ in range(trials)]


def stores(results: list[dict]) -> list[OrderStore]:
    """The store each trial wrote, as the processes reported it."""
    return [OrderStore(db_path=result["db_path"], db_url=result["db_url"]) for result in results]


def where(store: OrderStore) -> OrderStore | str:
    """What the checks read: the SQLite file itself, or the PostgreSQL store."""
    return store if store.db_url else store.db_path


def assert_sound(store: OrderStore) -> None:
    """SQLite's own integrity checks; on PostgreSQL, ``account`` finds dangling rows."""
    if not store.db_url:
        assert_file_is_sound(store.db_path)


@pytest.mark.slow
@pytest.mark.both_backends
def test_two_processes_saving_the_same_partition_at_once_import_each_order_once(
    tmp_path, backend, request, figures
):
    batch = batch_of(0)
    trials = TRIALS if backend == "sqlite" else POSTGRES_TRIALS
    first, second = save_side_by_side(
        str(tmp_path),
        ["--run-id", "run-a"],
        ["--run-id", "run-b"],
        trials=trials,
        db_urls=databases(backend, request, trials),
    )
    pairs = list(zip(first, second, strict=True))
    files = [where(store) for store in stores(first)]
    settled = [account(db_path, batch, malformed_of(0)) for db_path in files]
    logs = [read_log(store.errors_log_path) for store in stores(first)]
    figures.add(
        GUARANTEE + ("" if backend == "sqlite" else " (postgres)"),
        same_day_process_pairs=len(pairs),
        pairs_overlapping=overlapped(pairs),
        orders_tried=sum(result.get("statuses", 0) for result in first + second),
        orders_lost=sum(len(batch) - trial.whole for trial in settled),
        half_written=sum(len(trial.broken) for trial in settled),
        imported_twice=sum(imported_more_than_once(db_path) for db_path in files),
        locked_failures=locked_failures(first + second),
        torn_log_lines=sum(log.torn for log in logs),
    )

    for trial, ((a, b), db_path, log) in enumerate(zip(pairs, files, logs, strict=True)):
        assert "error" not in a and "error" not in b, (trial, a, b)
        for result in (a, b):
            assert result["statuses"] == sum(result["counts"].values()) == len(batch)
            assert result["counts"][OrderStatus.MALFORMED] == MALFORMED
        imported = a["counts"][OrderStatus.IMPORTED] + b["counts"][OrderStatus.IMPORTED]
        seen = a["counts"][OrderStatus.ALREADY_IMPORTED] + b["counts"][OrderStatus.ALREADY_IMPORTED]
        assert imported == seen == ORDERS, "each order imported by exactly one of the two runs"
        assert_sound(stores(first)[trial])
        assert settled[trial].broken == [] and settled[trial].whole == len(batch)
        assert imported_more_than_once(db_path) == 0
        for run_id in ("run-a", "run-b"):
            assert row_count(db_path, "sync_run_orders", "run_id = ?", run_id) == len(batch)
        assert log.torn == 0
        assert sorted(record[1] for record in log.records) == ["run-a"] * 2 + ["run-b"] * 2
    assert overlapped(pairs) >= trials // 2, "the two processes mostly took turns"


@pytest.mark.slow
@pytest.mark.both_backends
def test_two_processes_saving_different_partitions_at_once_lose_nothing(
    tmp_path, backend, request, figures
):
    both = [*batch_of(0), *batch_of(1000)]
    first, second = save_side_by_side(
        str(tmp_path),
        ["--run-id", "day-1", "--partition", PARTITION, "--first", "0"],
        ["--run-id", "day-2", "--partition", NEXT_DAY.isoformat(), "--first", "1000"],
        trials=4,
        db_urls=databases(backend, request, 4),
    )
    pairs = list(zip(first, second, strict=True))
    files = [where(store) for store in stores(first)]
    settled = [account(db_path, both, malformed_of(0) | malformed_of(1000)) for db_path in files]
    figures.add(
        GUARANTEE + ("" if backend == "sqlite" else " (postgres)"),
        two_day_process_pairs=len(pairs),
        pairs_overlapping=overlapped(pairs),
        orders_tried=sum(result.get("statuses", 0) for result in first + second),
        orders_lost=sum(len(both) - trial.whole for trial in settled),
        half_written=sum(len(trial.broken) for trial in settled),
        locked_failures=locked_failures(first + second),
    )

    for trial, ((a, b), db_path) in enumerate(zip(pairs, files, strict=True)):
        assert "error" not in a and "error" not in b, (trial, a, b)
        for result in (a, b):
            assert result["counts"][OrderStatus.IMPORTED] == ORDERS
            assert result["counts"][OrderStatus.MALFORMED] == MALFORMED
        assert_sound(stores(first)[trial])
        assert settled[trial].broken == [] and settled[trial].whole == len(both)
        day_2 = row_count(db_path, "orders", "partition_date = ?", NEXT_DAY.isoformat())
        assert day_2 == len(batch_of(0))
        assert len(read_log(stores(first)[trial].errors_log_path).records) == 2 * MALFORMED
    assert overlapped(pairs) >= 2, "the two processes mostly took turns"


def test_a_new_store_opened_while_another_connection_writes_it_waits_instead_of_failing(
    db_path, figures
):
    """Two processes creating a new store at once: one switches the fresh file to WAL while the
    other writes it. SQLite answers that switch with SQLITE_BUSY at once, without waiting."""
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE first_writer (x)")
    store = SignalsOpening(db_path=db_path, busy_timeout_ms=5000)
    committer = threading.Thread(target=_commit_once_opening, args=(store, other))
    committer.start()
    batch = batch_of(0)

    outcome = store.save_orders_batch(batch, run_id="run-1", partition_date=PARTITION)

    committer.join()
    other.close()
    settled = account(db_path, batch, malformed_of(0))
    figures.add(
        GUARANTEE,
        fresh_store_collisions=1,
        orders_tried=len(batch),
        orders_lost=len(batch) - settled.whole,
    )
    assert outcome.counts[OrderStatus.IMPORTED] == ORDERS
    assert settled.whole == len(batch)


def _commit_once_opening(store: SignalsOpening, other: sqlite3.Connection) -> None:
    """Hold the new file until the store has started opening it, and a little longer."""
    assert store.opening.wait(timeout=60)
    time.sleep(0.3)
    other.execute("COMMIT")


def _materialize(shop_api, store: OrderStore, day: str, start: threading.Barrier):
    """One run of the three assets, with an instance made and disposed of in this thread,
    begun when the other thread is ready too; and the moments it started and ended."""
    with DagsterInstance.ephemeral() as instance:
        start.wait(timeout=60)
        started = time.monotonic()
        result = materialize(
            ASSETS,
            partition_key=day,
            resources={"gomag_api": shop_api, "order_store": store},
            instance=instance,
            raise_on_error=False,
        )
        return result, (started, time.monotonic())


def _side_by_side(demo_shop, api_factory, store: OrderStore, days: list[str]) -> list:
    """Materialize ``days`` in two threads at once; fails unless the two runs overlapped."""
    apis = [api_factory(demo_shop) for _ in days]
    start = threading.Barrier(len(days))
    with ThreadPoolExecutor(len(days)) as pool:
        finished = list(pool.map(lambda a, d: _materialize(a, store, d, start), apis, days))
    (_, (start_a, end_a)), (_, (start_b, end_b)) = finished
    assert start_b < end_a and start_a < end_b, "the two runs did not overlap"
    return [result for result, _ in finished]


def _imported_account(store: OrderStore, day: str) -> tuple[int, dict[str, int], dict[str, int]]:
    """Orders of the day, child rows stored per table, and the rows validation kept for them
    (all must agree)."""
    with sqlite3.connect(store.db_path) as conn:
        (orders,) = conn.execute(
            "SELECT count(*) FROM orders WHERE partition_date = ?", (day,)
        ).fetchone()
        stored, validated = {}, {}
        for key, (table, _) in CHILD_TABLES.items():
            (stored[key],) = conn.execute(
                f"SELECT count(*) FROM {table} JOIN orders USING (order_id) "
                "WHERE partition_date = ?",
                (day,),
            ).fetchone()
            (validated[key],) = conn.execute(
                f"SELECT count(*) FROM validated_{key} WHERE partition_date = ?", (day,)
            ).fetchone()
    return orders, stored, validated


def test_two_dagster_runs_of_the_same_day_at_once_import_each_order_once(
    demo_shop, api_factory, store, figures
):
    day = PARTITION
    served = len(demo_shop.orders_for_day(dt.date.fromisoformat(day)))
    runs = _side_by_side(demo_shop, api_factory, store, [day, day])
    landed = store.count_raw_orders(day)
    orders, stored, validated = _imported_account(store, day)
    figures.add(
        GUARANTEE,
        dagster_run_pairs=1,
        orders_tried=2 * served,
        orders_lost=served - orders,
        imported_twice=imported_more_than_once(store.db_path),
    )

    assert all(run.success for run in runs), [run.all_events[-1] for run in runs]
    assert orders == landed == served
    assert stored == validated and stored["items"] > 0
    imported_by_both = 0
    for run in runs:
        counts = store.status_counts(run_id=run.run_id, partition_date=day)
        assert sum(counts.values()) == landed
        imported_by_both += counts[OrderStatus.IMPORTED]
        checks = {c.check_name: c.passed for c in run.get_asset_check_evaluations()}
        assert checks["conservation"]
    assert imported_by_both == store.status_counts(partition_date=day)[OrderStatus.IMPORTED]
    assert imported_more_than_once(store.db_path) == 0


def test_two_dagster_runs_of_different_days_at_once_lose_nothing(
    demo_shop, api_factory, store, figures
):
    days = [PARTITION, NEXT_DAY.isoformat()]
    served = {day: len(demo_shop.orders_for_day(dt.date.fromisoformat(day))) for day in days}
    runs = _side_by_side(demo_shop, api_factory, store, days)
    accounts = {day: _imported_account(store, day) for day in days}
    figures.add(
        GUARANTEE,
        dagster_run_pairs=1,
        orders_tried=sum(served.values()),
        orders_lost=sum(served[day] - accounts[day][0] for day in days),
    )

    assert all(run.success for run in runs)
    for day, run in zip(days, runs, strict=True):
        landed = store.count_raw_orders(day)
        orders, stored, validated = accounts[day]
        assert orders == landed == served[day]
        assert stored == validated and stored["items"] > 0
        assert sum(store.status_counts(run_id=run.run_id, partition_date=day).values()) == landed
