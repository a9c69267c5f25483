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

from dagster import DagsterInstance, materialize
from store_fixtures import PARTITION, make_malformed, make_orders, row_count

from gomag_assets.assets import imported_orders, raw_orders, validated_orders
from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store import OrderStore
from reliability.crash_driver import run_driver
from reliability.store_checks import account, assert_file_is_sound, log_records

GUARANTEE = "concurrency"
TRIALS = 8
ORDERS = 200
MALFORMED = 2
NEXT_DAY = "2026-10-02"
DAG_ASSETS = [raw_orders, validated_orders, imported_orders]


def batch_of(first: int) -> list[dict]:
    """What ``crash_driver save --first FIRST`` writes."""
    orders = make_orders(ORDERS, start=first)
    return orders + [make_malformed(first + ORDERS + n) for n in range(MALFORMED)]


def malformed_of(first: int) -> set[str]:
    return {str(100_000 + first + ORDERS + n) for n in range(MALFORMED)}


def run_side_by_side(db_dir: str, *runs: list[str], trials: int = TRIALS) -> list[list[dict]]:
    """Start one driver process per run; all of them start trial k at the same instant."""
    start_at = f"{time.time() + 4.0:.3f}"  # after both interpreters have imported the store
    common = ["save", db_dir, "--start-at", start_at, "--trials", str(trials)]
    common += ["--count", str(ORDERS), "--malformed", str(MALFORMED), "--interval", "0.4"]
    with ThreadPoolExecutor(len(runs)) as pool:
        return list(pool.map(lambda args: run_driver(*common, *args), runs))


def overlapped(pairs: list[tuple[dict, dict]]) -> int:
    """How many trials the two processes were writing the store at the same time."""
    return sum(
        1 for a, b in pairs if max(a["started"], b["started"]) < min(a["finished"], b["finished"])
    )


def test_two_processes_saving_the_same_partition_at_once_import_each_order_once(tmp_path, figures):
    batch = batch_of(0)
    first, second = run_side_by_side(str(tmp_path), ["--run-id", "run-a"], ["--run-id", "run-b"])

    for trial, (a, b) in enumerate(zip(first, second, strict=True)):
        assert "error" not in a and "error" not in b, (trial, a, b)
        for result in (a, b):
            assert result["statuses"] == sum(result["counts"].values()) == len(batch)
            assert result["counts"][OrderStatus.MALFORMED] == MALFORMED
        imported = a["counts"][OrderStatus.IMPORTED] + b["counts"][OrderStatus.IMPORTED]
        seen = a["counts"][OrderStatus.ALREADY_IMPORTED] + b["counts"][OrderStatus.ALREADY_IMPORTED]
        assert imported == seen == ORDERS, "each order imported by exactly one of the two runs"
        db_path = a["db_path"]
        assert_file_is_sound(db_path)
        settled = account(db_path, batch, malformed_of(0))
        assert settled.broken == [] and settled.whole == len(batch)
        for run_id in ("run-a", "run-b"):
            assert row_count(db_path, "sync_run_orders", "run_id = ?", run_id) == len(batch)
        log = log_records(OrderStore(db_path=db_path).errors_log_path)
        assert sorted(record[1] for record in log) == ["run-a"] * 2 + ["run-b"] * 2
    overlapping = overlapped(list(zip(first, second, strict=True)))
    assert overlapping >= TRIALS // 2, "the two processes mostly took turns instead of colliding"
    figures.add(
        GUARANTEE,
        same_day_process_pairs=TRIALS,
        pairs_overlapping=overlapping,
        orders_tried=2 * TRIALS * len(batch),
        orders_lost=0,
        imported_twice=0,
        locked_failures=0,
    )


def test_two_processes_saving_different_partitions_at_once_lose_nothing(tmp_path, figures):
    batches = {PARTITION: batch_of(0), NEXT_DAY: batch_of(1000)}
    first, second = run_side_by_side(
        str(tmp_path),
        ["--run-id", "day-1", "--partition", PARTITION, "--first", "0"],
        ["--run-id", "day-2", "--partition", NEXT_DAY, "--first", "1000"],
        trials=4,
    )

    for trial, (a, b) in enumerate(zip(first, second, strict=True)):
        assert "error" not in a and "error" not in b, (trial, a, b)
        for result in (a, b):
            assert result["counts"][OrderStatus.IMPORTED] == ORDERS
            assert result["counts"][OrderStatus.MALFORMED] == MALFORMED
        db_path = a["db_path"]
        assert_file_is_sound(db_path)
        both = [*batches[PARTITION], *batches[NEXT_DAY]]
        settled = account(db_path, both, malformed_of(0) | malformed_of(1000))
        assert settled.broken == [] and settled.whole == len(both)
        assert row_count(db_path, "orders", "partition_date = ?", NEXT_DAY) == len(batch_of(0))
        assert len(log_records(OrderStore(db_path=db_path).errors_log_path)) == 2 * MALFORMED
    overlapping = overlapped(list(zip(first, second, strict=True)))
    assert overlapping >= 2, "the two processes mostly took turns instead of colliding"
    figures.add(
        GUARANTEE,
        two_day_process_pairs=4,
        pairs_overlapping=overlapping,
        orders_tried=4 * 2 * len(batch_of(0)),
        orders_lost=0,
        locked_failures=0,
    )


def test_a_new_store_opened_while_another_connection_writes_it_waits_instead_of_failing(
    tmp_path, figures
):
    """Two processes creating a new store at once: one switches the fresh file to WAL while the
    other writes it. SQLite answers that switch with SQLITE_BUSY at once, without waiting."""
    db_path = str(tmp_path / "gomag.sqlite")
    other = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    other.execute("CREATE TABLE first_writer (x)")
    threading.Timer(0.3, other.execute, ["COMMIT"]).start()
    batch = batch_of(0)

    outcome = OrderStore(db_path=db_path, busy_timeout_ms=5000).save_orders_batch(
        batch, run_id="run-1", partition_date=PARTITION
    )

    other.close()
    assert outcome.counts[OrderStatus.IMPORTED] == ORDERS
    assert account(db_path, batch, malformed_of(0)).whole == len(batch)
    figures.add(GUARANTEE, fresh_store_collisions=1, orders_tried=len(batch), orders_lost=0)


def _materialize(shop_api, store: OrderStore, day: str):
    """One run of the three assets, with an instance made and disposed of in this thread, and
    the moments it started and ended."""
    started = time.monotonic()
    with DagsterInstance.ephemeral() as instance:
        result = materialize(
            DAG_ASSETS,
            partition_key=day,
            resources={"gomag_api": shop_api, "order_store": store},
            instance=instance,
            raise_on_error=False,
        )
    return result, (started, time.monotonic())


def _side_by_side(demo_shop, api_factory, store: OrderStore, days: list[str]) -> list:
    """Materialize ``days`` in two threads at once; fails unless the two runs overlapped."""
    apis = [api_factory(demo_shop) for _ in days]
    with ThreadPoolExecutor(len(days)) as pool:
        finished = list(pool.map(lambda a, d: _materialize(a, store, d), apis, days))
    (_, (start_a, end_a)), (_, (start_b, end_b)) = finished
    assert start_b < end_a and start_a < end_b, "the two runs did not overlap"
    return [result for result, _ in finished]


CHILD_TABLES = {
    "items": "order_items",
    "discounts": "order_discounts",
    "addresses": "order_addresses",
}


def _imported_account(store: OrderStore, day: str) -> tuple[int, dict[str, int], dict[str, int]]:
    """Orders of the day, child rows stored per table, and the rows validation kept for them
    (all must agree)."""
    with sqlite3.connect(store.db_path) as conn:
        (orders,) = conn.execute(
            "SELECT count(*) FROM orders WHERE partition_date = ?", (day,)
        ).fetchone()
        stored, validated = {}, {}
        for key, table in CHILD_TABLES.items():
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
    demo_shop, api_factory, tmp_path, figures
):
    store = OrderStore(db_path=str(tmp_path / "gomag.sqlite"))
    day = dt.date(2026, 10, 1).isoformat()
    runs = _side_by_side(demo_shop, api_factory, store, [day, day])

    assert all(run.success for run in runs), [run.all_events[-1] for run in runs]
    landed = store.count_raw_orders(day)
    orders, stored, validated = _imported_account(store, day)
    assert orders == landed == len(demo_shop.orders_for_day(dt.date.fromisoformat(day)))
    assert stored == validated and stored["items"] > 0
    imported_by_both = 0
    for run in runs:
        counts = store.status_counts(run_id=run.run_id, partition_date=day)
        assert sum(counts.values()) == landed
        imported_by_both += counts[OrderStatus.IMPORTED]
        checks = {c.check_name: c.passed for c in run.get_asset_check_evaluations()}
        assert checks["conservation"]
    assert imported_by_both == store.status_counts(partition_date=day)[OrderStatus.IMPORTED]
    figures.add(
        GUARANTEE, dagster_run_pairs=1, orders_tried=2 * landed, orders_lost=0, imported_twice=0
    )


def test_two_dagster_runs_of_different_days_at_once_lose_nothing(
    demo_shop, api_factory, tmp_path, figures
):
    store = OrderStore(db_path=str(tmp_path / "gomag.sqlite"))
    days = ["2026-10-01", "2026-10-02"]
    runs = _side_by_side(demo_shop, api_factory, store, days)

    assert all(run.success for run in runs)
    for day, run in zip(days, runs, strict=True):
        landed = store.count_raw_orders(day)
        orders, stored, validated = _imported_account(store, day)
        assert orders == landed == len(demo_shop.orders_for_day(dt.date.fromisoformat(day)))
        assert stored == validated and stored["items"] > 0
        assert sum(store.status_counts(run_id=run.run_id, partition_date=day).values()) == landed
    figures.add(GUARANTEE, dagster_run_pairs=1, orders_lost=0)
