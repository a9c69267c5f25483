"""The PostgreSQL store when the server misbehaves: stopped mid-batch, its backend killed, a
statement past ``statement_timeout``, a value past a column's range, two runs of one day at once.

Each fault happens for real on the test server, at a moment a thin hook on the store's connection
chooses (the hook never raises itself). Every case ends with every order accounted for, counted
from the database after the fact: 0 lost, 0 half-written, none imported twice.
"""

import threading
from collections.abc import Callable

import psycopg
import pytest
from psycopg import errors as pg_errors
from psycopg.pq import TransactionStatus
from store_fixtures import (
    PARTITION,
    FaultyConnection,
    FaultyStore,
    make_malformed,
    make_orders,
    nth_statement,
    query,
)
from support.days import NEXT_DAY
from support.postgres import with_setting

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store import StoreUnavailable
from gomag_assets.resources.order_store.reports import no_orders
from reliability.store_checks import account, imported_more_than_once

GUARANTEE = "postgres faults"
WAIT = 120.0
"""Seconds a thread may take to reach a point the test waits for: only a hang hits it."""


@pytest.fixture
def backend() -> str:
    return "postgres"


def _batch() -> list[dict]:
    return [make_malformed(900, "date: missing"), *make_orders(600)]


def _on_items(nth: int, act: Callable[[FaultyConnection], None]) -> Callable:
    """A hook that runs ``act`` before the ``nth`` write of order items, then lets it run."""
    seen = 0

    def hook(conn: FaultyConnection, sql: str, rows: list) -> bool:
        nonlocal seen
        if sql.startswith("INSERT INTO order_items"):
            seen += 1
            if seen == nth:
                act(conn)
        return False

    return hook


def _assert_whole(store, batch, figures, **measured: int) -> None:
    settled = account(store, batch, {"100900"})
    twice = imported_more_than_once(store)
    figures.add(
        GUARANTEE,
        orders_tried=len(batch),
        orders_lost=settled.absent,
        half_written=len(settled.broken),
        imported_twice=twice,
        **measured,
    )
    assert settled.broken == []
    assert (settled.whole, settled.absent, twice) == (len(batch), 0, 0)


def test_the_server_stopped_mid_batch_loses_only_the_open_chunk_which_is_written_again(
    make_store, postgres_server, figures
):
    if not postgres_server.controllable:
        pytest.skip("GOMAG_TEST_POSTGRES_URL names a server these tests may not stop")
    store = make_store(FaultyStore, chunk_size=200)
    batch = _batch()
    postgres_server.checkpoint()  # recovery replays this test's writes only

    def crash_and_recover(conn: FaultyConnection) -> None:
        postgres_server.stop_immediately()  # every backend dies; nothing is flushed
        postgres_server.start()  # recovery from the WAL keeps the committed chunks only

    store.faults.append(_on_items(2, crash_and_recover))  # inside the second chunk

    outcome = store.save_orders_batch(batch, run_id="run-1", partition_date=PARTITION)

    assert outcome.reconnects == 1
    assert outcome.counts[OrderStatus.IMPORTED] == 600
    assert outcome.counts[OrderStatus.MALFORMED] == 1
    _assert_whole(store, batch, figures, server_crashes=1)


def test_a_server_that_stays_down_is_a_clear_error_and_the_rerun_completes(
    make_store, postgres_server, figures
):
    if not postgres_server.controllable:
        pytest.skip("GOMAG_TEST_POSTGRES_URL names a server these tests may not stop")
    store = make_store(FaultyStore, chunk_size=200, busy_timeout_ms=500)
    batch = _batch()
    postgres_server.checkpoint()  # recovery replays this test's writes only
    store.faults.append(_on_items(2, lambda conn: postgres_server.stop_immediately()))

    try:
        with pytest.raises(StoreUnavailable, match="cannot be reached") as refused:
            store.save_orders_batch(batch, run_id="run-1", partition_date=PARTITION)
    finally:
        postgres_server.start()
    assert "postgresql://postgres@" in str(refused.value)

    committed = query(store, "SELECT count(*) FROM orders WHERE status = 'IMPORTED'")[0][0]
    assert committed == 200, "the first chunk, committed before the crash, and nothing else"
    rerun = make_store().save_orders_batch(batch, run_id="run-2", partition_date=PARTITION)
    assert rerun.counts[OrderStatus.IMPORTED] == 400
    assert rerun.counts[OrderStatus.ALREADY_IMPORTED] == 200
    _assert_whole(store, batch, figures, server_crashes=1)


def test_a_killed_backend_costs_one_reconnect_and_no_order(make_store, figures):
    store = make_store(FaultyStore, chunk_size=200)
    batch = _batch()

    def terminate(conn: FaultyConnection) -> None:
        with psycopg.connect(store.db_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (conn.backend_pid(),))

    store.faults.append(_on_items(2, terminate))

    outcome = store.save_orders_batch(batch, run_id="run-1", partition_date=PARTITION)

    assert outcome.reconnects == 1
    assert outcome.counts[OrderStatus.IMPORTED] == 600
    _assert_whole(store, batch, figures, backends_killed=1)


def test_a_statement_past_the_timeout_is_retried_on_a_fresh_connection(make_store, figures):
    """Another session locks ``order_items`` as the store begins its second chunk; the store's
    write waits until ``statement_timeout`` cancels it (57014), and the lock goes once the store
    has reconnected."""
    url = make_store().db_url
    timeout_url = with_setting(url, "statement_timeout", "2000")  # only the lock wait takes long
    store = make_store(FaultyStore, chunk_size=200, db_url=timeout_url)
    batch = _batch()
    locker = psycopg.connect(url, autocommit=True)
    begun = 0

    def lock_items_then_release(conn: FaultyConnection, sql: str, rows: list) -> bool:
        nonlocal begun
        if conn.number == 1 and sql.startswith("BEGIN"):
            begun += 1
            if begun == 3:  # MALFORMED orders, first chunk, then this one
                locker.execute("BEGIN")
                locker.execute("LOCK TABLE order_items IN SHARE MODE")  # blocks every write
        if conn.number == 2 and locker.info.transaction_status != TransactionStatus.IDLE:
            locker.execute("ROLLBACK")
        return False

    store.faults.append(lock_items_then_release)
    try:
        outcome = store.save_orders_batch(batch, run_id="run-1", partition_date=PARTITION)
    finally:
        locker.close()

    assert begun >= 3
    assert outcome.reconnects == 1
    assert outcome.counts[OrderStatus.IMPORTED] == 600
    _assert_whole(store, batch, figures, statements_timed_out=1)


def test_a_value_past_bigint_makes_its_order_malformed_and_the_rest_land(store, figures):
    batch = _batch()
    batch[300]["items"][1]["line_no"] = 2**63  # one past bigint: 22003 numeric_value_out_of_range

    outcome = store.save_orders_batch(batch, run_id="run-1", partition_date=PARTITION)

    assert outcome.statuses[batch[300]["order_id"]] is OrderStatus.MALFORMED
    assert outcome.counts[OrderStatus.IMPORTED] == 599
    reason = store.get_order(batch[300]["order_id"])["error_message"]
    assert reason.startswith("NumericValueOutOfRange: bigint out of range")
    settled = account(store, batch, {"100900", batch[300]["order_id"]})
    figures.add(GUARANTEE, orders_tried=len(batch), half_written=len(settled.broken))
    assert settled.broken == []
    assert (settled.whole, settled.absent) == (len(batch), 0)


def test_two_runs_of_one_day_at_once_take_turns_and_import_each_order_once(make_store, figures):
    """Run A pauses inside its first transaction, after deciding its orders; run B starts then.
    B waits on the day's advisory lock until A commits, so B finds A's orders already imported.
    Without the lock B would decide from what A had not committed yet, and import them too."""
    first, second = make_store(FaultyStore, chunk_size=200), make_store(FaultyStore, chunk_size=200)
    batch = _batch()
    a_writing, b_locking = threading.Event(), threading.Event()

    def pause_a(conn: FaultyConnection) -> None:
        a_writing.set()
        assert b_locking.wait(WAIT)

    def note_b(conn: FaultyConnection, sql: str, rows: list) -> bool:
        if "pg_advisory_xact_lock" in sql or sql.startswith("SELECT order_id, status"):
            b_locking.set()  # B waits for the day's lock now, or (without one) decides
        return False

    first.faults.append(_on_items(1, pause_a))
    second.faults.append(note_b)
    outcomes = {}

    def run(name: str, store) -> None:
        outcomes[name] = store.save_orders_batch(batch, run_id=name, partition_date=PARTITION)

    a = threading.Thread(target=run, args=("run-a", first))
    a.start()
    assert a_writing.wait(WAIT)
    run("run-b", second)
    a.join(WAIT)

    assert outcomes["run-a"].counts[OrderStatus.IMPORTED] == 600
    assert outcomes["run-b"].counts[OrderStatus.ALREADY_IMPORTED] == 600
    _assert_whole(first, batch, figures, same_day_runs_at_once=2)


def test_runs_of_different_days_write_at_the_same_time(make_store):
    """Run A holds its day's lock, paused inside a transaction, until run B (another day) has
    written its whole batch: a lock wider than a day would keep B waiting for ever."""
    first, second = make_store(FaultyStore), make_store()
    a_writing, b_done = threading.Event(), threading.Event()

    def pause_a(conn: FaultyConnection) -> None:
        a_writing.set()
        assert b_done.wait(WAIT)

    first.faults.append(_on_items(1, pause_a))
    a = threading.Thread(
        target=first.save_orders_batch,
        args=(make_orders(100),),
        kwargs={"run_id": "run-a", "partition_date": PARTITION},
    )
    a.start()
    assert a_writing.wait(WAIT)
    other_day = make_orders(100, start=500)
    outcome = second.save_orders_batch(
        other_day, run_id="run-b", partition_date=NEXT_DAY.isoformat()
    )
    b_done.set()
    a.join(WAIT)

    assert outcome.counts[OrderStatus.IMPORTED] == 100
    assert query(first, "SELECT count(*) FROM orders WHERE status = 'IMPORTED'")[0][0] == 200


def test_a_read_only_server_gives_a_clear_error_naming_the_store_and_changes_nothing(
    make_store, figures
):
    """``default_transaction_read_only`` (as on a standby): every write meets 25006."""
    writable = make_store()
    batch = _batch()
    writable.save_orders_batch(batch[:51], run_id="run-1", partition_date=PARTITION)
    read_only = make_store(
        db_url=with_setting(writable.db_url, "default_transaction_read_only", "on")
    )

    with pytest.raises(StoreUnavailable, match="read-only") as refused:
        read_only.save_orders_batch(batch, run_id="run-2", partition_date=PARTITION)

    assert str(refused.value).startswith("order store postgresql://postgres@")
    assert read_only.status_counts()[OrderStatus.IMPORTED] == 50, "reads still work"
    settled = account(writable, batch[:51], {"100900"})
    figures.add(GUARANTEE, orders_tried=len(batch), half_written=len(settled.broken))
    assert settled.broken == [] and settled.whole == 51
    assert query(writable, "SELECT count(*) FROM sync_run_orders WHERE run_id = 'run-2'") == [(0,)]


@pytest.mark.parametrize(
    "error",
    [
        pg_errors.SerializationFailure,  # 40001
        pg_errors.DeadlockDetected,  # 40P01
        pg_errors.AdminShutdown,  # 57P01
        pg_errors.QueryCanceled,  # 57014
        psycopg.InterfaceError,  # the connection already closed
    ],
    ids=lambda error: error.__name__,
)
def test_connection_level_errors_take_the_reconnect_path_not_malformed(make_store, error):
    """The errors PostgreSQL raises for the connection or the transaction, not for an order's
    values: the chunk is retried on a fresh connection and no order becomes MALFORMED."""
    store = make_store(FaultyStore, chunk_size=200)
    store.inject(error)
    store.faults.append(nth_statement("INSERT INTO order_items", 2))
    batch = _batch()

    outcome = store.save_orders_batch(batch, run_id="run-1", partition_date=PARTITION)

    assert outcome.reconnects == 1
    assert outcome.counts == no_orders() | {OrderStatus.IMPORTED: 600, OrderStatus.MALFORMED: 1}
    settled = account(store, batch, {"100900"})
    assert (settled.whole, settled.broken) == (len(batch), [])
