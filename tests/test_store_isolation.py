"""Tiers 1 and 3 of ``save_orders_batch``: MALFORMED orders are kept apart, and one order that
crashes on insert never costs the others their place."""

import copy
import datetime as dt
import logging
import math

import psycopg
import pytest
from store_fixtures import (
    BOTH_BACKENDS,
    CHILD_TABLES,
    PARTITION,
    FaultyStore,
    assert_every_order_accounted,
    child_rows,
    make_discount,
    make_item,
    make_malformed,
    make_order,
    make_orders,
    query,
    row_count,
    stored_items,
)

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store import postgres
from gomag_assets.resources.order_store.decisions import Decision
from gomag_assets.resources.order_store.reports import no_orders
from gomag_assets.resources.order_store.tiers import RETRY_PART, _split

pytestmark = BOTH_BACKENDS


def _poison_quantity_object(order):
    order["items"][1]["quantity"] = object()


def _poison_line_no_overflow(order):
    order["items"][2]["line_no"] = 2**70


def _poison_missing_number(order):
    order["order_number"] = None


def _poison_duplicate_line(order):
    order["items"][1]["line_no"] = 0


def _poison_lone_surrogate_name(order):
    order["items"][0]["name"] = "Tricou \ud83d"


def _poison_duplicate_last_line(order):
    order["items"][2]["line_no"] = 0


def _poison_missing_key(order):
    del order["items"][0]["price"]


def _poison_duplicate_discount_line(order):
    order["discounts"] = [make_discount(0), make_discount(0, value="3.00")]


def _poison_discount_without_value(order):
    order["discounts"][0]["value"] = None


def _poison_unknown_address_kind(order):
    order["addresses"][1]["kind"] = "office"


def _poison_unbindable_city(order):
    order["addresses"][0]["city"] = object()


def _poison_payment_flag(order):
    order["payment_online"] = 7


POISONS = {
    "unbindable quantity": (_poison_quantity_object, "ProgrammingError", "ProgrammingError"),
    "integer overflow": (_poison_line_no_overflow, "OverflowError", "NumericValueOutOfRange"),
    "imported order without a number": (_poison_missing_number, "IntegrityError", "CheckViolation"),
    "duplicate line number": (_poison_duplicate_line, "IntegrityError", "UniqueViolation"),
    "lone surrogate in a name": (
        _poison_lone_surrogate_name,
        "UnicodeEncodeError",
        "UnicodeEncodeError",
    ),
    "item without a price": (_poison_missing_key, "KeyError", "KeyError"),
    "duplicate discount line": (
        _poison_duplicate_discount_line,
        "IntegrityError",
        "UniqueViolation",
    ),
    "discount without a value": (
        _poison_discount_without_value,
        "IntegrityError",
        "NotNullViolation",
    ),
    "unknown address kind": (_poison_unknown_address_kind, "IntegrityError", "CheckViolation"),
    "unbindable city": (_poison_unbindable_city, "ProgrammingError", "ProgrammingError"),
    "payment flag neither 0 nor 1": (_poison_payment_flag, "IntegrityError", "CheckViolation"),
}
"""Poisons, and the error each makes SQLite and PostgreSQL (psycopg) raise."""
LINE_POISONS = [
    _poison_duplicate_line,
    _poison_duplicate_discount_line,
    _poison_discount_without_value,
    _poison_unknown_address_kind,
    _poison_unbindable_city,
]
"""Poisons in a child row: the failing row alone tells which order of the group it belongs to."""


def test_structural_preflight_keeps_malformed_orders_without_items_and_logs_them(store):
    orders = [*make_orders(4), make_malformed(4, "date: missing"), make_malformed(5, "no items")]

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    assert outcome.counts[OrderStatus.IMPORTED] == 4
    assert outcome.counts[OrderStatus.MALFORMED] == 2
    assert outcome.fallback_orders == 0
    assert store.get_order("100004")["status"] == OrderStatus.MALFORMED
    assert store.get_order("100004")["error_message"] == "date: missing"
    assert row_count(store, "order_items", "order_id IN ('100004', '100005')") == 0
    log_lines = store.errors_log_path.read_text(encoding="utf-8").splitlines()
    logged_at = [dt.datetime.fromisoformat(line.split("\t")[0]) for line in log_lines]
    assert max(dt.datetime.now(dt.UTC) - time for time in logged_at) < dt.timedelta(minutes=5)
    assert [line.split("\t")[1:] for line in log_lines] == [
        ["run-1", "100004", "GM-100004", "date: missing", "default"],
        ["run-1", "100005", "GM-100005", "no items", "default"],
    ]


@pytest.mark.parametrize(
    "poison, sqlite_error, postgres_error", POISONS.values(), ids=POISONS.keys()
)
def test_one_poison_order_does_not_block_the_batch(
    store, backend, poison, sqlite_error, postgres_error
):
    error_class = postgres_error if backend == "postgres" else sqlite_error
    orders = make_orders(500)
    poison(orders[217])

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    assert outcome.counts[OrderStatus.IMPORTED] == 499
    assert outcome.statuses["100217"] is OrderStatus.MALFORMED
    assert outcome.fallback_orders == 500
    assert row_count(store, "orders", "status = 'IMPORTED'") == 499
    assert row_count(store, "order_items") == 499 * 3
    assert row_count(store, "order_discounts") == 499
    assert row_count(store, "order_addresses") == 499 * 2
    assert child_rows(store, "100217") == dict.fromkeys(CHILD_TABLES, 0)
    stored = store.get_order("100217")
    assert stored["error_message"].startswith(f"{error_class}: ")
    assert stored["payment_online"] in (False, None)
    assert store.errors_log_path.read_text(encoding="utf-8").count("\n") == 1


@pytest.mark.parametrize("poison", LINE_POISONS, ids=lambda poison: poison.__name__[8:])
def test_a_poison_line_is_traced_to_its_order_without_bisecting_the_group(make_store, poison):
    store, rollbacks = _poison_at_333_of_500(make_store(FaultyStore), poison)

    assert len(rollbacks) == 2, "once for the group, once for the poison order alone"


def _poison_at_333_of_500(store: FaultyStore, poison) -> tuple[FaultyStore, list]:
    """Save 500 orders, the 334th poisoned; check that only it is set apart, and return the
    store and its ``ROLLBACK TO`` statements."""
    rollbacks = []
    store.faults.append(_noting(rollbacks, "ROLLBACK TO"))
    orders = make_orders(500)
    poison(orders[333])

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    assert outcome.counts == no_orders() | {OrderStatus.IMPORTED: 499, OrderStatus.MALFORMED: 1}
    assert outcome.statuses["100333"] is OrderStatus.MALFORMED
    assert row_count(store, "order_addresses") == 499 * 2
    assert child_rows(store, "100333") == dict.fromkeys(CHILD_TABLES, 0)
    return store, rollbacks


def test_a_poison_row_alone_in_its_table_names_its_order_without_bisecting(make_store):
    """Ten orders, one discount line among them, poisoned: on PostgreSQL a write of fewer than
    ``COPY_FROM_ROWS`` rows goes by ``executemany``, which names no row, but one row names
    itself."""
    store = make_store(FaultyStore)
    rollbacks = []
    store.faults.append(_noting(rollbacks, "ROLLBACK TO"))
    orders = [make_order(n, discounts=[]) for n in range(10)]
    orders[6]["discounts"] = [make_discount(0, value=None)]

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert outcome.counts == no_orders() | {OrderStatus.IMPORTED: 9, OrderStatus.MALFORMED: 1}
    assert outcome.statuses["100006"] is OrderStatus.MALFORMED
    assert len(rollbacks) == 2, "once for the group, once for the poison order alone"
    assert row_count(store, "order_items") == 9 * 3


def test_after_a_poison_order_the_rest_of_its_group_is_retried_in_parts(make_store):
    store = make_store(FaultyStore)
    statements = []
    store.faults.append(_noting(statements, ""))
    orders = make_orders(500)
    _poison_duplicate_line(orders[100])
    _poison_unknown_address_kind(orders[400])

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert outcome.counts[OrderStatus.IMPORTED] == 498
    first_rollback = next(n for n, (sql, _) in enumerate(statements) if sql.startswith("ROLLBACK"))
    retried = [rows for sql, rows in statements[first_rollback:] if "INTO order_items" in sql]
    assert max(retried) == 100 * 3, "the orders before the poison order, in one part"
    assert sorted(retried)[-2] <= RETRY_PART * 3, "the orders after it, in parts"
    assert row_count(store, "order_addresses") == 498 * 2


SPLIT_POISONS = [
    _poison_missing_key,
    _poison_lone_surrogate_name,
    _poison_duplicate_last_line,
    _poison_discount_without_value,
    _poison_unknown_address_kind,
    _poison_payment_flag,
]
"""A poison in the first and in the last row an order has in its table, so that a failing-row
position one off either way names the wrong order, and one in a dict rows cannot be built from."""


@pytest.mark.parametrize("poison", SPLIT_POISONS, ids=lambda poison: poison.__name__[8:])
def test_a_failing_group_is_retried_as_the_orders_before_the_poison_it_alone_and_the_rest(
    make_store, poison
):
    """Guards the failing-row position of ``_write_stage`` (rows.py): one row off, the parts
    retried no longer split the group at the poison order, though the bisection still ends with
    the right statuses."""
    store = make_store(FaultyStore)
    parts = []
    store.faults.append(_noting_run_rows(parts))
    orders = make_orders(200)
    poison(orders[120])

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert outcome.counts == no_orders() | {OrderStatus.IMPORTED: 199, OrderStatus.MALFORMED: 1}
    ids = [order["order_id"] for order in orders]
    after = [ids[start : start + RETRY_PART] for start in range(121, 200, RETRY_PART)]
    assert parts == [ids[:120], ids[120:121], *after]


@pytest.mark.parametrize("poison", LINE_POISONS, ids=lambda poison: poison.__name__[8:])
def test_on_postgres_a_poison_line_no_row_is_named_for_is_found_by_bisecting(
    make_store, backend, poison, monkeypatch
):
    """A failing ``COPY`` names its line; a pipelined ``executemany`` (the path of writes below
    ``COPY_FROM_ROWS``, made the only path here) does not say which row failed: the group is
    halved down to the poison order, one rollback per halving that still holds it (500 orders:
    9 halvings)."""
    if backend != "postgres":
        pytest.skip("SQLite names the failing row; its own test counts two rollbacks")
    monkeypatch.setattr(postgres, "COPY_FROM_ROWS", 10**9)
    store, rollbacks = _poison_at_333_of_500(make_store(FaultyStore), poison)

    assert 3 <= len(rollbacks) <= 2 + math.ceil(math.log2(500))


@pytest.mark.parametrize(
    ("size", "failed", "parts"),
    [
        (10, 3, [3, 1, 6]),
        (10, 0, [1, 9]),
        (10, 9, [9, 1]),
        (120, 5, [5, 1, RETRY_PART, RETRY_PART, 14]),
        (11, None, [5, 6]),
        (10, -1, [5, 5]),
        (10, 10, [5, 5]),
    ],
)
def test_a_group_is_split_around_its_failing_order_else_in_halves(size, failed, parts):
    """``_split`` keeps every decision once, in order; a position it cannot use means halves."""
    decisions = [Decision(make_order(n), OrderStatus.IMPORTED) for n in range(size)]

    split = _split(decisions, failed)

    assert [len(part) for part in split] == parts
    assert [decision for part in split for decision in part] == decisions


def test_a_valid_order_that_crashes_is_malformed_for_the_crash_alone(store):
    """Only a MALFORMED verdict's reason is kept in front of the crash (``mark_malformed``)."""
    orders = make_orders(3)
    orders[1]["error_message"] = "a note validation should not have left"
    _poison_quantity_object(orders[1])

    store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert store.get_order("100001")["error_message"].startswith("ProgrammingError: ")


def _noting_run_rows(parts: list):
    """A fault that never fails: notes the order ids of each group's run rows (shop, run id,
    order id, ...), i.e. of each group that got as far as its last stage."""

    def fault(conn, sql: str, rows: list) -> bool:
        if sql.lstrip().startswith("INSERT INTO sync_run_orders"):
            parts.append([row[2] for row in rows])
        return False

    return fault


def _noting(seen: list, prefix: str):
    """A fault that never fails: notes each statement starting with ``prefix`` (and with how
    many rows, for ``executemany``)."""

    def fault(conn, sql: str, rows: list) -> bool:
        if sql.lstrip().startswith(prefix):
            seen.append((sql.strip(), len(rows)))
        return False

    return fault


def test_poison_orders_spread_through_a_batch_are_each_set_apart(store):
    orders = make_orders(1200)
    poisons = [poison for poison, *_ in POISONS.values()]
    poisoned = {3: poisons[0], 4: poisons[1], 250: poisons[2], 499: poisons[3], 500: poisons[4]}
    poisoned |= {777: poisons[5], 1199: poisons[0]}
    for position, poison in poisoned.items():
        poison(orders[position])

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    malformed = {oid for oid, status in outcome.statuses.items() if status is OrderStatus.MALFORMED}
    assert malformed == {orders[position]["order_id"] for position in poisoned}
    assert outcome.fallback_orders == 1200, "every chunk held a poison order"
    assert row_count(store, "order_items") == (1200 - len(poisoned)) * 3


def test_regression_one_poison_order_in_500_used_to_abort_the_whole_batch(store):
    """A single unbindable value made ``executemany`` raise and the whole day failed with it."""
    orders = make_orders(500)
    orders[-1]["items"][0]["quantity"] = object()

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert outcome.counts[OrderStatus.IMPORTED] == 499
    assert outcome.counts[OrderStatus.MALFORMED] == 1
    assert store.status_counts(run_id="run-1")[OrderStatus.IMPORTED] == 499


def test_the_callers_order_dicts_are_never_changed(store):
    orders = [*make_orders(40), make_malformed(40)]
    _poison_quantity_object(orders[7])
    _poison_missing_number(orders[8])
    _poison_line_no_overflow(orders[9])
    before = copy.deepcopy(orders)
    unbindable = orders[7]["items"][1]["quantity"]

    store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)
    store.save_orders_batch(orders, run_id="run-2", partition_date=PARTITION)

    assert orders[7]["items"][1]["quantity"] is unbindable
    orders[7]["items"][1]["quantity"] = before[7]["items"][1]["quantity"] = None  # object() != copy
    assert orders == before


def test_a_crashing_order_keeps_every_value_sqlite_can_hold_and_nulls_the_rest(store):
    """``mark_malformed``: flags of 0/1, floats, SQLite-sized integers and text stay; objects,
    huge integers and other flag values become NULL."""
    orders = make_orders(2)
    crashing = orders[1]
    _poison_quantity_object(crashing)
    crashing |= {"payment_online": True, "payment_completed": False, "totals_match": 2}
    crashing |= {"total": 12.5, "customer_id": 42, "invoice_number": 2**70}
    crashing |= {"observation": object(), "sales_agent": "Ana"}

    store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    stored = store.get_order("100001")
    assert stored["status"] == OrderStatus.MALFORMED
    flags = ("payment_online", "payment_completed", "totals_match")
    assert [stored[key] for key in flags] == [True, False, None]
    numbers = ("total", "customer_id", "invoice_number")
    assert [stored[key] for key in numbers] == ["12.5", "42", None]
    assert (stored["observation"], stored["sales_agent"]) == (None, "Ana")


def test_a_fixed_order_that_crashed_on_insert_is_imported_next_run(store):
    orders = make_orders(10)
    _poison_line_no_overflow(orders[4])
    store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    fixed = make_orders(10)
    outcome = store.save_orders_batch(fixed, run_id="run-2", partition_date=PARTITION)

    assert outcome.statuses["100004"] is OrderStatus.IMPORTED
    assert outcome.counts[OrderStatus.ALREADY_IMPORTED] == 9
    assert len(stored_items(store, "100004")) == 3


def test_a_stored_order_that_crashes_when_changed_keeps_none_of_its_old_child_rows(store):
    """The MALFORMED row written for a crash replaces an order the store held: its old lines go
    (``Decision.replaces`` carried over by ``_insert_single_order``)."""
    store.save_orders_batch(make_orders(10), run_id="run-1", partition_date=PARTITION)
    changed = make_orders(10)
    changed[4]["payload_sha256"] = "f" * 64
    _poison_line_no_overflow(changed[4])

    outcome = store.save_orders_batch(changed, run_id="run-2", partition_date=PARTITION)

    assert outcome.statuses["100004"] is OrderStatus.MALFORMED
    assert outcome.counts[OrderStatus.ALREADY_IMPORTED] == 9
    assert child_rows(store, "100004") == dict.fromkeys(CHILD_TABLES, 0)
    assert row_count(store, "order_items") == 9 * 3


def test_orders_the_store_never_held_are_written_without_deleting_lines_first(make_store):
    """Only orders the store holds can have lines to replace: a first import deletes nothing,
    a changed order's lines are deleted for it alone."""
    store = make_store(FaultyStore)
    deletes = []
    store.faults.append(_noting_ids(deletes, "DELETE FROM order_"))
    store.save_orders_batch(make_orders(20), run_id="run-1", partition_date=PARTITION)
    assert deletes == []

    changed = make_orders(21)
    changed[7] = make_order(7, version=2, items=[make_item(0, quantity="9")])
    outcome = store.save_orders_batch(changed, run_id="run-2", partition_date=PARTITION)

    assert outcome.counts == no_orders() | {
        OrderStatus.IMPORTED: 2,
        OrderStatus.ALREADY_IMPORTED: 19,
    }
    assert deletes == [["default", "100007"]] * len(CHILD_TABLES)
    assert stored_items(store, "100007") == [
        (0, "TRC-001", "Tricou bărbați, mărimea L", "9", "19.90", "21", 0)
    ]
    assert child_rows(store, "100020") == {
        "order_items": 3,
        "order_discounts": 1,
        "order_addresses": 2,
    }


def test_on_postgres_a_new_store_gets_statistics_on_orders_in_its_first_transaction(
    make_store, backend
):
    """Without them the planner may check every child and run row's foreign key by reading all
    the shop's orders, for the connection's life; a day is one transaction on PostgreSQL, so
    they are gathered within it, counting its own rows (``PostgresConnection._measure_orders``)."""
    if backend != "postgres":
        pytest.skip("SQLite's foreign keys are checked through the primary key, with or without")
    store = make_store()
    shop_statistics = (
        "SELECT count(*) FROM pg_stats WHERE tablename = 'orders' AND attname = 'shop'"
    )
    assert query(store, shop_statistics) == [(0,)]

    outcome = store.save_orders_batch(make_orders(300), run_id="run-1", partition_date=PARTITION)

    assert outcome.counts[OrderStatus.IMPORTED] == 300
    assert query(store, shop_statistics) == [(1,)]


def test_psycopg_warnings_that_may_quote_a_failing_row_are_dropped(postgres_server, caplog):
    """Ending a pipeline (or ``COPY``) that an error in the block stopped, psycopg logs the
    second error it meets, whose text may quote a failing row: a shopper's data, bound for the
    run's stderr. The store has the first error; the warning is dropped
    (``postgres._QuietAfterFailure``), other psycopg warnings are not."""
    psycopg_log = logging.getLogger("psycopg")
    with (
        caplog.at_level(logging.WARNING, logger="psycopg"),
        psycopg.connect(postgres_server.url, autocommit=True) as conn,
    ):
        with pytest.raises(RuntimeError, match="the store's own"), conn.pipeline():
            conn.execute("SELECT 'ana.pop@example.com'::int")
            raise RuntimeError("the store's own error")
        psycopg_log.warning("a warning of another kind")

    assert [record.getMessage() for record in caplog.records] == ["a warning of another kind"]
    assert postgres._QuietAfterFailure in {type(f) for f in psycopg_log.filters}


def _noting_ids(seen: list, prefix: str):
    """A fault that never fails: notes the bound values of each statement starting with
    ``prefix``."""

    def fault(conn, sql: str, rows: list) -> bool:
        if sql.lstrip().startswith(prefix):
            seen.extend(list(row) for row in rows)
        return False

    return fault


def test_errors_log_is_append_only_across_runs(store):
    first = [*make_orders(3), make_malformed(3, "date: missing")]
    store.save_orders_batch(first, run_id="run-1", partition_date=PARTITION)
    after_first = store.errors_log_path.read_bytes()

    second = [*first, make_malformed(4, "items[0].quantity: 'două' is not a number"), make_order(5)]
    _poison_quantity_object(second[-1])
    store.save_orders_batch(second, run_id="run-2", partition_date=PARTITION)
    after_second = store.errors_log_path.read_bytes()

    assert after_second.startswith(after_first)
    lines = after_second.decode("utf-8").splitlines()
    assert [(line.split("\t")[1], line.split("\t")[2]) for line in lines] == [
        ("run-1", "100003"),
        ("run-2", "100003"),
        ("run-2", "100004"),
        ("run-2", "100005"),
    ]


def test_a_reason_with_tabs_and_newlines_stays_on_one_log_line(store):
    reason = "date: missing\titems[1]: bad\nsecond line\r\nand a \\ backslash"
    orders = [make_malformed(0, reason), make_malformed(1)]

    store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    lines = store.errors_log_path.read_text(encoding="utf-8").split("\n")
    assert len(lines) == 3 and lines[-1] == ""
    fields = lines[0].split("\t")
    assert len(fields) == 6 and fields[5] == "default"
    assert fields[4] == "date: missing\\titems[1]: bad\\nsecond line\\r\\nand a \\\\ backslash"
    assert store.get_order("100000")["error_message"] == reason


def test_errors_log_goes_where_configured(make_store, tmp_path):
    log = tmp_path / "logs" / "malformed.log"
    log.parent.mkdir()
    store = make_store(errors_log=str(log))

    store.save_orders_batch([make_malformed(0)], run_id="run-1", partition_date=PARTITION)

    assert log.read_text(encoding="utf-8").count("\n") == 1
    assert not (tmp_path / "sync_errors_history.log").exists()


def test_a_malformed_order_whose_reason_holds_a_lone_surrogate_is_still_kept(store):
    orders = [make_malformed(0, "billing.city: '\udcc8' is not text"), *make_orders(3, start=1)]

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    assert outcome.statuses["100000"] is OrderStatus.MALFORMED
    reason = store.get_order("100000")["error_message"]
    assert reason.startswith("billing.city: '\\udcc8' is not text; UnicodeEncodeError: ")
    assert store.errors_log_path.read_text(encoding="utf-8").count("\n") == 1


def test_an_order_dict_missing_header_keys_is_malformed_and_the_rest_land(store):
    orders = make_orders(20)
    broken = {k: v for k, v in make_order(99).items() if k not in ("order_number", "total")}
    broken["items"] = [{"line_no": 0}]  # no sku, name, price...: the insert itself fails
    outcome = store.save_orders_batch([*orders, broken], run_id="run-1", partition_date=PARTITION)
    assert_every_order_accounted([*orders, broken], outcome)
    assert outcome.statuses[broken["order_id"]] == OrderStatus.MALFORMED
    assert all(outcome.statuses[o["order_id"]] == OrderStatus.IMPORTED for o in orders)
    assert row_count(store, "orders", "status = 'IMPORTED'") == 20
