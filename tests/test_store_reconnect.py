"""The reconnect guard: a failing connection costs no committed work, the rest of the batch is
written on a fresh connection, and an order the database loses twice ends ERROR until next run."""

import sqlite3

import pytest
from store_fixtures import (
    BOTH_BACKENDS,
    PARTITION,
    FaultyStore,
    assert_every_order_accounted,
    make_address,
    make_item,
    make_malformed,
    make_order,
    make_orders,
    nth_statement,
    row_count,
    rows_mention,
)

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store import OrderStore, StoreUnavailable
from gomag_assets.resources.order_store.reports import no_orders

pytestmark = BOTH_BACKENDS


@pytest.fixture
def store(faulty_store: FaultyStore) -> FaultyStore:
    """Every store in this file can have faults injected."""
    return faulty_store


def _batch_with_poison_and_malformed() -> list[dict]:
    """Two MALFORMED verdicts, then 500 valid orders of which two crash on insert."""
    orders = [make_malformed(900, "date: missing"), make_malformed(901, "total: 'abc'")]
    valid = make_orders(500)
    valid[100]["items"][0]["quantity"] = object()
    valid[300]["items"][1]["line_no"] = 2**70
    return orders + valid


@pytest.mark.sqlite_only  # counts on SQLite naming the failing row (PostgreSQL bisects)
def test_rollback_failure_mid_loop_commits_survivors_and_finishes_on_a_new_connection(store):
    orders = _batch_with_poison_and_malformed()
    # ROLLBACK TO #1 undoes the whole chunk; #2 would undo order 100100 alone, and fails.
    store.faults.append(nth_statement("ROLLBACK TO", 2))

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    assert outcome.reconnects == 1
    assert outcome.counts[OrderStatus.IMPORTED] == 498
    assert outcome.counts[OrderStatus.MALFORMED] == 4
    survivors = {f"{100_000 + n}" for n in range(100)}  # released before the failed rollback
    rewritten_later = {order_id for conn, order_id in store.items_written if conn == 2}
    assert survivors.isdisjoint(rewritten_later)
    assert {f"{100_000 + n}" for n in range(101, 500) if n != 300} <= rewritten_later
    assert row_count(store, "orders", "status = 'IMPORTED'") == 498
    assert row_count(store, "order_items") == 498 * 3
    assert row_count(store, "orders", "status = 'MALFORMED'") == 4
    assert store.errors_log_path.read_text(encoding="utf-8").count("\n") == 4


def test_a_broken_connection_loses_only_work_the_retry_redoes(store):
    orders = _batch_with_poison_and_malformed()
    store.faults.append(nth_statement("ROLLBACK TO", 2, breaks=True))  # nothing more gets through

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    assert outcome.reconnects == 1
    assert outcome.counts[OrderStatus.IMPORTED] == 498
    assert outcome.counts[OrderStatus.MALFORMED] == 4
    assert row_count(store, "orders", "status = 'MALFORMED' AND order_id LIKE '1009%'") == 2
    assert row_count(store, "order_items") == 498 * 3
    assert store.status_counts(run_id="run-1") == outcome.counts


def test_an_order_lost_once_is_imported_on_the_new_connection(store):
    orders = make_orders(50)
    store.faults.append(rows_mention("100020", "INSERT INTO order_items", times=1))

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    assert outcome.reconnects == 1
    assert outcome.counts[OrderStatus.IMPORTED] == 50
    assert row_count(store, "order_items") == 150


def test_an_order_lost_twice_ends_error_and_is_imported_next_run(store, make_store):
    orders = [make_malformed(900), *make_orders(50)]
    store.faults.append(rows_mention("100020", "INSERT INTO order_items"))

    first = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, first)
    assert first.statuses["100020"] is OrderStatus.ERROR
    assert first.counts[OrderStatus.IMPORTED] == 49
    assert first.counts[OrderStatus.MALFORMED] == 1
    assert first.reconnects == 2
    stored = store.get_order("100020")
    assert (stored["status"], stored["order_number"]) == (OrderStatus.ERROR, "GM-100020")
    assert "disk I/O error" in stored["error_message"]

    healthy = make_store()
    second = healthy.save_orders_batch(orders, run_id="run-2", partition_date=PARTITION)

    assert_every_order_accounted(orders, second)
    assert second.statuses["100020"] is OrderStatus.IMPORTED
    assert second.counts[OrderStatus.ALREADY_IMPORTED] == 49
    assert row_count(store, "order_items") == 150


def test_an_order_lost_while_writing_its_addresses_is_written_whole_on_the_new_connection(store):
    orders = make_orders(50)
    store.faults.append(rows_mention("100020", "INSERT INTO order_addresses", times=1))

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    assert outcome.reconnects == 1
    assert outcome.counts[OrderStatus.IMPORTED] == 50
    assert store.get_order("100020")["addresses"] == orders[20]["addresses"]
    assert row_count(store, "order_discounts") == 50
    assert row_count(store, "order_addresses") == 100


def test_an_error_keeps_the_last_good_row_and_all_its_child_rows(store):
    store.save_orders_batch(make_orders(5), run_id="run-1", partition_date=PARTITION)
    edited = make_order(3, version=2, discounts=[], addresses=[make_address("billing", 8)])
    store.faults.append(rows_mention("100003", "INSERT INTO order_items"))

    outcome = store.save_orders_batch(
        [*make_orders(3), edited, make_order(4)], run_id="run-2", partition_date=PARTITION
    )

    assert outcome.statuses["100003"] is OrderStatus.ERROR
    assert outcome.counts[OrderStatus.ALREADY_IMPORTED] == 4
    stored = store.get_order("100003")
    before = make_order(3)
    assert stored["status"] == OrderStatus.ERROR
    assert stored["payload_sha256"] == before["payload_sha256"]
    assert [stored[key] for key in ("items", "discounts", "addresses")] == [
        before["items"],
        before["discounts"],
        before["addresses"],
    ]


def test_malformed_rows_survive_when_every_valid_write_fails(store):
    orders = [make_malformed(900, "date: missing"), *make_orders(20)]
    store.faults.append(lambda conn, sql, rows: "INSERT INTO order_items" in sql and rows)

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    assert outcome.counts[OrderStatus.ERROR] == 20
    assert outcome.counts[OrderStatus.MALFORMED] == 1
    assert store.get_order("100900")["status"] == OrderStatus.MALFORMED
    assert row_count(store, "orders", "status = 'ERROR'") == 20
    assert store.errors_log_path.read_text(encoding="utf-8").count("\n") == 1


def test_a_chunk_whose_commit_fails_is_written_again(make_store):
    store = make_store(FaultyStore, chunk_size=100)
    orders = make_orders(300)
    store.faults.append(nth_statement("COMMIT", 2))  # the second chunk's commit

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    assert outcome.counts[OrderStatus.IMPORTED] == 300
    assert outcome.reconnects == 1
    assert row_count(store, "order_items") == 900
    assert row_count(store, "sync_run_orders", "run_id = 'run-1'") == 300


def test_a_first_import_that_loses_its_run_rows_is_reported_imported(store):
    """Guards the reconnect guard's rollback of the group in flight (``_commit_survivors`` in
    tiers.py): committed without it, the group's order rows outlive their lost run rows, and the
    retry finds 50 orders it never imported already there (50 x ALREADY_IMPORTED)."""
    orders = make_orders(50)
    store.faults.append(nth_statement("INSERT INTO sync_run_orders", 1))

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    assert outcome.reconnects == 1
    assert outcome.counts == no_orders() | {OrderStatus.IMPORTED: 50}
    assert store.status_counts(run_id="run-1") == outcome.counts
    assert row_count(store, "orders", "first_run_id = 'run-1'") == 50
    assert row_count(store, "order_items") == 150


def test_a_deleted_order_whose_run_row_is_lost_twice_ends_error_and_stays_deleted(store):
    """Guards the ``status <> 'DELETED_IN_ROA'`` condition of the ERROR upsert (rows.py): without
    it the ERROR overwrites the deletion and the next run imports the order again."""
    store.save_orders_batch(make_orders(3), run_id="run-1", partition_date=PARTITION)
    store.mark_deleted_in_roa("100001", "anulată manual în ROA")
    store.faults.append(rows_mention("100001", "INSERT INTO sync_run_orders", times=2))
    orders = [make_order(0), make_order(1, version=2), make_order(2)]

    lost = store.save_orders_batch(orders, run_id="run-2", partition_date=PARTITION)
    after = store.save_orders_batch(orders, run_id="run-3", partition_date=PARTITION)

    assert lost.statuses == {
        "100000": OrderStatus.ALREADY_IMPORTED,
        "100001": OrderStatus.ERROR,
        "100002": OrderStatus.ALREADY_IMPORTED,
    }
    assert after.statuses["100001"] is OrderStatus.DELETED_IN_ROA
    assert after.counts == no_orders() | {
        OrderStatus.ALREADY_IMPORTED: 2,
        OrderStatus.DELETED_IN_ROA: 1,
    }
    stored = store.get_order("100001")
    assert (stored["status"], stored["error_message"]) == (
        "DELETED_IN_ROA",
        "anulată manual în ROA",
    )
    assert stored["payload_sha256"] == make_order(1)["payload_sha256"]
    assert [row["status"] for row in store.order_history("100001")] == [
        "IMPORTED",
        "ERROR",
        "DELETED_IN_ROA",
    ]


class FillingStore(FaultyStore):
    """The store on a disk that is full once the file has ``max_pages`` pages: every write
    that grows it meets SQLite's own ``SQLITE_FULL``."""

    max_pages: int

    def _open_connection(self) -> sqlite3.Connection:
        conn = super()._open_connection()
        conn.execute(f"PRAGMA max_page_count = {int(self.max_pages)}")  # PRAGMA takes no "?"
        return conn


@pytest.mark.sqlite_only  # SQLite's own SQLITE_FULL; PostgreSQL's refusals: test_postgres_faults
def test_a_full_disk_ends_the_batch_after_one_retry_instead_of_failing_every_order(tmp_path):
    """Guards the ``refuses_writes`` re-raise in ``_retry_lost`` (tiers.py): without it every
    order of the chunk is retried on its own against the full disk and ends ERROR, and the run
    reports success."""
    db_path = str(tmp_path / "gomag.sqlite")
    OrderStore(db_path=db_path).save_orders_batch(
        make_orders(10), run_id="run-1", partition_date=PARTITION
    )
    with sqlite3.connect(db_path) as conn:
        conn.execute("VACUUM")  # no free pages left behind by the shop step's table rebuild
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    store = FillingStore(db_path=db_path, max_pages=pages)
    transactions = []
    store.faults.append(lambda conn, sql, rows: transactions.append(sql) and False)

    long_name = "Tricou cu broderie, " + "ț" * 3000  # its row needs pages of its own
    orders = [make_order(n, items=[make_item(0, name=long_name)]) for n in range(10, 50)]

    with pytest.raises(StoreUnavailable, match="the disk is full"):
        store.save_orders_batch(orders, run_id="run-2", partition_date=PARTITION)

    assert transactions.count("BEGIN IMMEDIATE") == 2, "the chunk, then its first order alone"
    assert store.connections_opened == 2
    assert row_count(db_path, "orders") == 10
    assert row_count(db_path, "sync_run_orders", "run_id = 'run-2'") == 0


def test_an_order_lost_twice_keeps_its_number_only_when_it_is_storable_text(store):
    """The ERROR row of an order the store never held carries its number, or NULL for a number
    SQLite cannot hold (``write_errors`` in rows.py)."""
    orders = make_orders(3)
    orders[2]["order_number"] = "GM-\udc80"
    for order_id in ("100001", "100002"):
        store.faults.append(rows_mention(order_id, "INSERT INTO order_items"))

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert outcome.counts == no_orders() | {OrderStatus.IMPORTED: 1, OrderStatus.ERROR: 2}
    numbers = [store.get_order(o["order_id"])["order_number"] for o in orders]
    assert numbers == ["GM-100000", "GM-100001", None]


def test_an_order_lost_twice_before_its_rows_were_built_ends_error_whatever_its_dict(
    store, make_store
):
    """Guards the ERROR decision's ``write=False`` in ``_retry_lost`` (tiers.py): only its run
    row is written, so a dict that could not give its order row still ends ERROR instead of
    crashing the batch; the next run judges it MALFORMED."""
    broken = {key: value for key, value in make_order(99).items() if key != "total"}
    orders = [broken, *make_orders(5)]
    store.faults.append(nth_statement("BEGIN", 1, 2))

    lost = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)
    again = make_store().save_orders_batch(orders, run_id="run-2", partition_date=PARTITION)

    assert lost.counts == no_orders() | {OrderStatus.IMPORTED: 5, OrderStatus.ERROR: 1}
    assert lost.statuses["100099"] is OrderStatus.ERROR
    assert again.counts == no_orders() | {
        OrderStatus.ALREADY_IMPORTED: 5,
        OrderStatus.MALFORMED: 1,
    }


def _rolled_back_at(order_id: str, sql_part: str, occurrence: int):
    """Fail the ``occurrence``-th statement containing ``sql_part`` whose rows carry
    ``order_id``, rolling the transaction back first, as SQLite itself does on some I/O
    errors."""
    seen = 0

    def fault(conn, sql: str, rows: list) -> bool:
        nonlocal seen
        if sql_part not in sql or not any(order_id in row for row in rows):
            return False
        seen += 1
        if seen != occurrence:
            return False
        conn.rollback()
        return True

    return fault


@pytest.mark.sqlite_only  # sqlite3's own rollback
def test_work_that_sqlite_rolled_back_itself_is_written_again_not_counted_as_written(store):
    """Guards the open-transaction check of ``_commit_survivors`` (tiers.py): once SQLite has
    rolled the transaction back, the parts written earlier in it are lost with it, and must be
    written again rather than reported as written."""
    orders = make_orders(200)
    orders[50]["items"][1]["line_no"] = 0  # its group is retried in parts: 0-49, 50, 51-100...
    store.faults.append(_rolled_back_at("100120", "INSERT INTO order_items", occurrence=2))

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert outcome.reconnects == 1
    assert outcome.counts == no_orders() | {OrderStatus.IMPORTED: 199, OrderStatus.MALFORMED: 1}
    assert store.status_counts(run_id="run-1") == outcome.counts
    assert store.status_counts() == outcome.counts
    assert row_count(store, "order_items") == 199 * 3


def test_an_order_whose_savepoint_fails_twice_ends_error_saying_which_statement(store):
    """The reason of an ERROR names the control statement that failed (``_control``)."""
    orders = make_orders(3)
    store.faults.append(nth_statement("SAVEPOINT", 1, 2))

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert outcome.counts == no_orders() | {OrderStatus.IMPORTED: 2, OrderStatus.ERROR: 1}
    assert store.get_order("100000")["error_message"] == (
        "ConnectionLost: SAVEPOINT order_group failed: disk I/O error (injected at SAVEPOINT)"
    )
