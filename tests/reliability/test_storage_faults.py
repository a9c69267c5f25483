"""The store's file misbehaves: read-only, full, locked by another process, or not a database.

Each case ends in a clear error that names the file (``StoreUnavailable``) or a clean wait, never
in a half-written order, and a rerun once the fault is gone imports every order exactly once.
"""

import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from dagster import DagsterInstance, materialize
from pipeline import ASSETS
from store_fixtures import PARTITION, SignalsOpening, make_malformed, make_orders, row_count
from support.days import DAY

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store import OrderStore, StoreUnavailable
from reliability.crash_driver import crash_batch, malformed_ids, poison_ids
from reliability.store_checks import (
    StoreAccount,
    account,
    assert_file_is_sound,
    imported_more_than_once,
    log_records,
)

GUARANTEE = "storage faults"
MUST_BE_MALFORMED = malformed_ids() | poison_ids()


class ReadOnlyStore(OrderStore):
    """The store as a process that may not write its file sees it.

    The tests run as root, where ``chmod 0444`` stops nothing. ``mode=ro`` makes SQLite open the
    file ``O_RDONLY``, which is exactly what it falls back to when the process lacks write
    permission, so every write meets the same ``SQLITE_READONLY``.
    """

    def _open_connection(self) -> sqlite3.Connection:
        uri = f"{Path(self.db_path).resolve().as_uri()}?mode=ro"
        return sqlite3.connect(
            uri, uri=True, isolation_level=None, timeout=self.busy_timeout_ms / 1000
        )


class CappedStore(OrderStore):
    """The store on a disk that fills up: no connection may grow the file past ``max_pages``."""

    max_pages: int

    def _open_connection(self) -> sqlite3.Connection:
        conn = super()._open_connection()
        conn.execute(f"PRAGMA max_page_count = {int(self.max_pages)}")  # PRAGMA takes no "?"
        return conn


HOLD_WRITE_LOCK = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("CREATE TABLE IF NOT EXISTS lock_holder (x)")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("ROLLBACK")
"""


def hold_write_lock(db_path: str) -> subprocess.Popen:
    """Start another process that holds the store's write lock until :func:`release`."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_WRITE_LOCK, db_path],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout.readline() == "locked\n"
    return holder


def release(holder: subprocess.Popen) -> None:
    holder.stdin.close()
    holder.wait(timeout=10)


@contextmanager
def write_lock_held(db_path: str) -> Iterator[None]:
    """Another process holds the store's write lock (``BEGIN IMMEDIATE``) until the block ends."""
    holder = hold_write_lock(db_path)
    try:
        yield
    finally:
        release(holder)


def small_batch(count: int) -> list[dict]:
    return [make_malformed(900, "date: missing"), *make_orders(count)]


def stored_rows(db_path: str) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(
            "SELECT o.*, i.line_no, i.quantity FROM orders AS o "
            "LEFT JOIN order_items AS i USING (order_id) ORDER BY o.order_id, i.line_no"
        ).fetchall()


def rerun(db_path: str, batch: list[dict], malformed: set[str]):
    """Save ``batch`` again with a clean store, once the fault is gone: its outcome, and how
    the batch then stands in the file."""
    outcome = OrderStore(db_path=db_path).save_orders_batch(
        batch, run_id="rerun", partition_date=PARTITION
    )
    return outcome, account(db_path, batch, malformed)


def assert_rerun_imported_everything_once(db_path: str, batch: list[dict], outcome, settled):
    assert sum(outcome.counts.values()) == len(batch)
    assert outcome.counts[OrderStatus.ERROR] == 0
    assert_file_is_sound(db_path)
    assert settled.broken == []
    assert settled.whole == len(batch)
    assert imported_more_than_once(db_path) == 0


def outcome_figures(
    db_path: str, batch: list[dict], when_faulty: StoreAccount, after_rerun: StoreAccount
) -> dict[str, int]:
    """The figures of a fault and its rerun, counted from the file."""
    return {
        "faults_injected": 1,
        "orders_tried": len(batch),
        "half_written": len(when_faulty.broken) + len(after_rerun.broken),
        "imported_twice": imported_more_than_once(db_path),
        "orders_lost": len(batch) - after_rerun.whole,
    }


def test_a_read_only_store_gives_a_clear_error_and_keeps_every_order_as_it_was(db_path, figures):
    OrderStore(db_path=db_path).save_orders_batch(
        make_orders(50), run_id="run-0", partition_date=PARTITION
    )
    before = stored_rows(db_path)
    batch = crash_batch()
    read_only = ReadOnlyStore(db_path=db_path)

    started = time.monotonic()
    with pytest.raises(StoreUnavailable, match="read-only") as refused:
        read_only.save_orders_batch(batch, run_id="run-1", partition_date=PARTITION)
    with pytest.raises(StoreUnavailable, match="read-only"):
        read_only.begin_sync_run("run-1", PARTITION, PARTITION)
    waited = time.monotonic() - started

    when_refused = account(db_path, batch, MUST_BE_MALFORMED)
    unchanged = stored_rows(db_path) == before
    reads = read_only.status_counts()[OrderStatus.IMPORTED]
    logged = log_records(read_only.errors_log_path)
    outcome, settled = rerun(db_path, batch, MUST_BE_MALFORMED)
    figures.add(GUARANTEE, **outcome_figures(db_path, batch, when_refused, settled))
    assert db_path in str(refused.value)
    assert waited < 5, "refused at once, not after a wait per order"
    assert unchanged
    assert logged == []
    assert reads == 50, "reading still works"
    assert_rerun_imported_everything_once(db_path, batch, outcome, settled)
    assert outcome.counts[OrderStatus.ALREADY_IMPORTED] == 50


def test_a_full_disk_mid_batch_leaves_only_whole_orders_and_a_rerun_imports_the_rest(
    tmp_path, db_path, figures
):
    batch = crash_batch()
    empty, full = (str(tmp_path / name / "gomag.sqlite") for name in ("empty", "full"))
    OrderStore(db_path=empty).status_counts()  # creates the tables
    OrderStore(db_path=full).save_orders_batch(batch, run_id="size", partition_date=PARTITION)
    empty_pages, full_pages = (_page_count(path) for path in (empty, full))
    room = empty_pages + (full_pages - empty_pages) * 2 // 5  # about 40% of the batch fits
    capped = CappedStore(db_path=db_path, max_pages=room)

    with pytest.raises(StoreUnavailable, match="full") as refused:
        capped.save_orders_batch(batch, run_id="run-1", partition_date=PARTITION)

    assert_file_is_sound(db_path)
    when_full = account(db_path, batch, MUST_BE_MALFORMED)
    imported = row_count(db_path, "orders", "status = 'IMPORTED'")
    logged = len(log_records(capped.errors_log_path))
    kept_malformed = row_count(db_path, "orders", "status = 'MALFORMED'")
    outcome, settled = rerun(db_path, batch, MUST_BE_MALFORMED)
    figures.add(
        GUARANTEE,
        **outcome_figures(db_path, batch, when_full, settled),
        orders_whole_when_full=when_full.whole,
    )
    assert db_path in str(refused.value)
    assert when_full.broken == []
    assert 0 < when_full.whole < len(batch) and when_full.absent == len(batch) - when_full.whole
    assert logged == kept_malformed
    assert_rerun_imported_everything_once(db_path, batch, outcome, settled)
    assert outcome.counts[OrderStatus.ALREADY_IMPORTED] == imported


def _page_count(db_path: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("PRAGMA page_count").fetchone()[0]


def test_a_write_lock_held_past_busy_timeout_gives_a_clear_error_fast_and_a_rerun_imports_all(
    db_path, figures
):
    OrderStore(db_path=db_path).status_counts()  # an existing store, as in production
    batch = small_batch(60)
    busy_timeout = 0.2
    store = OrderStore(db_path=db_path, busy_timeout_ms=int(busy_timeout * 1000))

    with write_lock_held(db_path):
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="busy_timeout_ms=200") as refused:
            store.save_orders_batch(batch, run_id="run-1", partition_date=PARTITION)
        waited = time.monotonic() - started
        with pytest.raises(StoreUnavailable, match="locked"):
            store.begin_sync_run("run-1", PARTITION, PARTITION)

    when_locked = account(db_path, batch, {"100900"})
    outcome, settled = rerun(db_path, batch, {"100900"})
    figures.add(GUARANTEE, **outcome_figures(db_path, batch, when_locked, settled))
    assert db_path in str(refused.value)
    # Waiting once per order would take len(batch) busy timeouts (12 s); allow half of that,
    # so a busy machine cannot fail the test, while that regression still would.
    per_order = len(batch) * busy_timeout
    assert waited < per_order / 2, f"waited {waited:.1f}s: about once per order ({per_order:.0f}s)"
    assert when_locked.whole == 0
    assert_rerun_imported_everything_once(db_path, batch, outcome, settled)


def test_a_dagster_run_against_a_locked_store_fails_naming_the_file_then_reruns_clean(
    demo_shop, gomag_api, db_path, figures
):
    store = OrderStore(db_path=db_path, busy_timeout_ms=200)
    store.status_counts()
    run = dict(
        partition_key=PARTITION,
        resources={"gomag_api": gomag_api, "order_store": store},
        raise_on_error=False,
    )

    with write_lock_held(db_path), DagsterInstance.ephemeral() as instance:
        locked = materialize(ASSETS, instance=instance, **run)
    with DagsterInstance.ephemeral() as instance:
        rerun = materialize(ASSETS, instance=instance, **run)

    errors = [
        event.step_failure_data.error.to_string() for event in locked.get_step_failure_events()
    ]
    clear = [
        e for e in errors if "StoreUnavailable" in e and db_path in e and "busy_timeout_ms=200" in e
    ]
    served = len(demo_shop.orders_for_day(DAY))
    accounted = sum(store.status_counts(partition_date=PARTITION).values())
    figures.add(
        GUARANTEE,
        faults_injected=1,
        dagster_runs_failed_clearly=len(clear),
        orders_lost=served - accounted,
    )
    assert not locked.success
    assert len(errors) == len(clear) == 1, errors
    assert rerun.success
    checks = {check.check_name: check.passed for check in rerun.get_asset_check_evaluations()}
    assert checks["conservation"]
    assert store.count_raw_orders(PARTITION) == served == accounted


def test_a_write_lock_released_within_busy_timeout_only_delays_the_batch(db_path, figures):
    OrderStore(db_path=db_path).status_counts()
    batch = small_batch(200)
    store = SignalsOpening(db_path=db_path, busy_timeout_ms=30_000)
    holder = hold_write_lock(db_path)
    released = []
    releaser = threading.Thread(target=_release_once_opening, args=(store, holder, released))
    releaser.start()

    outcome = store.save_orders_batch(batch, run_id="run-1", partition_date=PARTITION)
    saved = time.monotonic()

    releaser.join()
    settled = account(db_path, batch, {"100900"})
    figures.add(
        GUARANTEE,
        faults_injected=1,
        orders_tried=len(batch),
        orders_lost=len(batch) - settled.whole,
    )
    assert released and saved > released[0], "the batch went through only once the lock was let go"
    assert outcome.counts[OrderStatus.IMPORTED] == 200
    assert outcome.reconnects == 0
    assert settled.whole == len(batch)


def _release_once_opening(store: SignalsOpening, holder: subprocess.Popen, released: list) -> None:
    """Let go of the write lock a while after the store has started opening the file."""
    assert store.opening.wait(timeout=60)
    time.sleep(0.3)
    release(holder)
    released.append(time.monotonic())


def test_a_garbage_header_is_refused_by_name_and_the_file_is_left_as_it_is(db_path, figures):
    OrderStore(db_path=db_path).save_orders_batch(
        make_orders(20), run_id="run-0", partition_date=PARTITION
    )
    with open(db_path, "r+b") as file:
        file.write(b"this is not an SQLite header, it is garbage" * 3)
    damaged = Path(db_path).read_bytes()
    store = OrderStore(db_path=db_path)

    with pytest.raises(StoreUnavailable, match="not an SQLite database") as refused:
        store.save_orders_batch(small_batch(10), run_id="run-1", partition_date=PARTITION)
    with pytest.raises(StoreUnavailable) as read_refused:
        store.status_counts()

    bytes_changed = _bytes_changed(damaged, Path(db_path).read_bytes())
    figures.add(GUARANTEE, faults_injected=1, orders_tried=11, bytes_changed=bytes_changed)
    assert db_path in str(refused.value) and db_path in str(read_refused.value)
    assert bytes_changed == 0
    assert not store.errors_log_path.exists()


def test_a_damaged_page_is_refused_by_name_and_nothing_is_written(db_path, figures):
    OrderStore(db_path=db_path).save_orders_batch(
        make_orders(300), run_id="run-0", partition_date=PARTITION
    )
    page_size = _page_size(db_path)
    with open(db_path, "r+b") as file:
        size = file.seek(0, 2)
        for page in range(page_size, size, page_size):  # every page but the schema's
            file.seek(page)
            file.write(b"\xa5" * page_size)
    damaged = Path(db_path).read_bytes()
    store = OrderStore(db_path=db_path)

    with pytest.raises(StoreUnavailable, match="damaged") as refused:
        store.save_orders_batch(small_batch(300), run_id="run-1", partition_date=PARTITION)

    bytes_changed = _bytes_changed(damaged, Path(db_path).read_bytes())
    figures.add(GUARANTEE, faults_injected=1, orders_tried=301, bytes_changed=bytes_changed)
    assert db_path in str(refused.value)
    assert bytes_changed == 0
    assert not store.errors_log_path.exists()


def _bytes_changed(before: bytes, after: bytes) -> int:
    """Bytes that differ between two versions of a file, growth or shrinkage included."""
    return sum(a != b for a, b in zip(before, after, strict=False)) + abs(len(after) - len(before))


def _page_size(db_path: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("PRAGMA page_size").fetchone()[0]
