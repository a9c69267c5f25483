"""What the order store keeps and gives back: raw landings, validation verdicts, and the status
of every order across runs (tier 2 of ``save_orders_batch``)."""

import copy
import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_fixtures import (
    BOTH_BACKENDS,
    CHILD_TABLES,
    PARTITION,
    FaultyStore,
    assert_every_order_accounted,
    child_rows,
    make_address,
    make_discount,
    make_item,
    make_malformed,
    make_order,
    make_orders,
    old_shape,
    query,
    row_count,
    stored_items,
)

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store.columns import (
    ADDRESS_COLUMNS,
    DISCOUNT_COLUMNS,
    ITEM_COLUMNS,
    ITEM_DETAILS,
    ORDER_COLUMNS,
    ORDER_DETAILS,
    ORDER_HEADER,
    PERSONAL_FIELDS,
)
from gomag_assets.resources.order_store.decisions import NOTHING_TO_IMPORT
from gomag_assets.resources.order_store.reports import no_orders

FETCHED_AT = "2026-10-01T15:00:00+00:00"
ANY_TEXT = st.text(alphabet=st.characters(blacklist_categories=()), max_size=300)
"""Any Python text, lone surrogates and NUL included."""

pytestmark = BOTH_BACKENDS


@dataclass(frozen=True)
class RawOrder:
    order_id: str
    payload: str


# Raw landings


def test_raw_landing_round_trips_payload_text_exactly(store):
    payloads = [
        '{"id": "1", "billing": {"firstname": "Ștefan", "city": "Iași"}}',
        '{"id": "2", "note": "livrare rapidă 🚚📦"}',
        '{"id": "3", "name": "nul\x00inside"}',
        '{"id": "4", "name": "lone \ud800 surrogate"}',
        '{"id": "5", "name": "' + "Ă" * 5000 + '"}',
        '{"id": "6", "name": "quotes \\" and \' and „ghilimele"}',
    ]
    landed = [RawOrder(str(n + 1), payload) for n, payload in enumerate(payloads)]

    assert store.replace_raw_orders(PARTITION, "run-1", landed, FETCHED_AT) == 6

    assert store.read_raw_orders(PARTITION) == [(o.order_id, o.payload) for o in landed]
    assert store.count_raw_orders(PARTITION) == 6


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(payload=ANY_TEXT)
def test_any_payload_text_comes_back_identical(store, payload):
    store.replace_raw_orders(PARTITION, "run-1", [RawOrder("1", payload)], FETCHED_AT)

    assert store.read_raw_orders(PARTITION) == [("1", payload)]


def test_replacing_a_landing_removes_the_partitions_old_rows(store):
    store.replace_raw_orders(
        PARTITION, "run-1", [RawOrder("1", "{}"), RawOrder("2", "{}")], FETCHED_AT
    )
    store.replace_raw_orders("2026-10-02", "run-1", [RawOrder("9", "{}")], FETCHED_AT)

    store.replace_raw_orders(PARTITION, "run-2", [RawOrder("3", '{"id": "3"}')], FETCHED_AT)

    assert store.read_raw_orders(PARTITION) == [("3", '{"id": "3"}')]
    assert store.read_raw_orders("2026-10-02") == [("9", "{}")]


def test_raw_orders_come_back_in_landing_order(store):
    landed = [RawOrder(order_id, "{}") for order_id in ("30", "4", "100", "2")]

    store.replace_raw_orders(PARTITION, "run-1", landed, FETCHED_AT)

    assert [order_id for order_id, _ in store.read_raw_orders(PARTITION)] == ["30", "4", "100", "2"]


# Validation verdicts


def _frames(orders: list[dict]) -> tuple[pd.DataFrame, ...]:
    """The four §4 frames validation would produce for these §5 dicts."""
    order_rows = [{column: order[column] for column in ORDER_COLUMNS} for order in orders]
    children = [
        pd.DataFrame(
            [{"order_id": order["order_id"], **line} for order in orders for line in order[key]],
            columns=list(columns),
        )
        for key, columns in (
            ("items", ITEM_COLUMNS),
            ("discounts", DISCOUNT_COLUMNS),
            ("addresses", ADDRESS_COLUMNS),
        )
    ]
    return pd.DataFrame(order_rows, columns=list(ORDER_COLUMNS)), *children


def test_validation_frames_round_trip_into_order_dicts(store):
    service = make_item(2, sku=None, name="Ambalare cadou", is_service=True, price="5.00")
    odd = make_order(
        5,
        observation="lăsați la vecina \ud800 de la 3",
        payment_online=None,
        payment_completed=True,
        totals_match=False,
        delivery_total=None,
        discounts=[make_discount(1, name="Black Friday 🖤", voucher=None), make_discount(0)],
        addresses=[
            make_address("shipping", 2, city="Târgu \udc80 Mureș"),
            make_address("billing", 3, company="SC Țesături SRL", iban="RO49AAAA1B31007593840000"),
        ],
    )
    orders = [
        make_order(0, items=[make_item(1), make_item(0, name='Cană „Iași" 🧡 ' + "ș" * 5000)]),
        make_malformed(1, "date: missing; items[2].quantity: 'abc' is not a number"),
        make_order(2, is_cancelled=True, gomag_status="Anulata"),
        make_order(3, nothing_to_import=True, items=[service]),
        make_order(4, items=[make_item(0, name="lone \udc80 surrogate")]),
        odd,
    ]

    store.replace_validation(PARTITION, "run-1", *_frames(orders))

    expected = copy.deepcopy(orders)
    expected[0]["items"].sort(key=lambda item: item["line_no"])
    expected[5]["discounts"].sort(key=lambda discount: discount["line_no"])
    expected[5]["addresses"].reverse()  # billing first
    read = store.read_validated_orders(PARTITION)
    assert read == expected
    assert [list(order) for order in read] == [list(order) for order in expected]
    assert [type(o["payment_online"]) for o in read] == [bool] * 5 + [type(None)]
    assert row_count(store, "validated_discounts") == 6
    assert row_count(store, "validated_addresses") == 10


def test_validation_without_discount_or_address_frames_reads_them_empty(store):
    orders, items, _, _ = _frames(make_orders(3))

    store.replace_validation(PARTITION, "run-1", orders, items)

    read = store.read_validated_orders(PARTITION)
    assert [(len(o["items"]), o["discounts"], o["addresses"]) for o in read] == [(3, [], [])] * 3


def test_frames_from_before_the_whole_order_are_kept_with_the_new_columns_null(store):
    """Frames with only the first schema's columns, as validation made them before schema 2."""
    old = [old_shape(order) for order in make_orders(2)]
    first_columns = [column for column in ORDER_COLUMNS if column in old[0]]
    orders = pd.DataFrame([{c: o[c] for c in first_columns} for o in old], columns=first_columns)
    item_columns = ["order_id", *old[0]["items"][0]]
    items = pd.DataFrame(
        [{"order_id": o["order_id"], **item} for o in old for item in o["items"]],
        columns=item_columns,
    )

    store.replace_validation(PARTITION, "run-1", orders, items)

    read = store.read_validated_orders(PARTITION)
    new_keys = set(ORDER_COLUMNS) - set(first_columns)
    assert [old_shape(order) for order in read] == old
    assert {order[key] for order in read for key in new_keys} == {None}
    assert {item["ean"] for order in read for item in order["items"]} == {None}


def test_validated_addresses_keep_no_personal_data_when_pii_is_off(make_store):
    store = make_store(store_pii=False)
    orders = make_orders(4)

    store.replace_validation(PARTITION, "run-1", *_frames(orders))

    read = store.read_validated_orders(PARTITION)
    addresses = [address for order in read for address in order["addresses"]]
    assert len(addresses) == 8
    assert {address[field] for address in addresses for field in PERSONAL_FIELDS} == {None}
    originals = [address for order in orders for address in order["addresses"]]
    assert [_impersonal(a) for a in addresses] == [_impersonal(a) for a in originals]
    assert _personal_values_in_file(store.db_path, orders) == []


def _personal_values_in_file(db_path: str, orders: list[dict]) -> list[str]:
    """Names, phones, e-mails and streets of ``orders`` found anywhere in the database file."""
    data = b"".join(path.read_bytes() for path in Path(db_path).parent.glob("*.sqlite*"))
    values = {a[f] for o in orders for a in o["addresses"] for f in PERSONAL_FIELDS}
    return sorted(value for value in values if value.encode() in data)


def test_replacing_validation_replaces_the_partitions_verdicts(store):
    store.replace_validation(PARTITION, "run-1", *_frames(make_orders(5)))
    store.replace_validation("2026-10-02", "run-1", *_frames(make_orders(2, start=10)))

    store.replace_validation(PARTITION, "run-2", *_frames([make_order(7)]))

    assert [o["order_id"] for o in store.read_validated_orders(PARTITION)] == ["100007"]
    assert len(store.read_validated_orders("2026-10-02")) == 2
    assert row_count(store, "validated_items", "partition_date = ?", PARTITION) == 3


def test_malformed_orders_lists_what_validation_said(store):
    orders = [make_order(0), make_malformed(1, "date: missing"), make_malformed(2, "no id")]
    store.replace_validation(PARTITION, "run-1", *_frames(orders))

    assert store.malformed_orders(PARTITION) == [
        {"order_id": "100001", "order_number": "GM-100001", "error_message": "date: missing"},
        {"order_id": "100002", "order_number": "GM-100002", "error_message": "no id"},
    ]


def test_validated_orders_can_be_saved_as_read(store):
    orders = [*make_orders(3), make_malformed(3)]
    store.replace_validation(PARTITION, "run-1", *_frames(orders))

    outcome = store.save_orders_batch(
        store.read_validated_orders(PARTITION), run_id="run-1", partition_date=PARTITION
    )

    assert outcome.counts == no_orders() | {OrderStatus.IMPORTED: 3, OrderStatus.MALFORMED: 1}


# The whole order


def test_the_whole_order_round_trips_exactly(store):
    orders = [
        make_order(
            0,
            observation="Livrați după ora 18, „scara B” — mulțumesc! 🙏",
            payment_online=True,
            payment_completed=None,
            locker_id="4021",
            delivery_date="2026-10-03 10:00:00",
            discounts=[make_discount(0, value="0.10"), make_discount(1, voucher=None)],
            addresses=[make_address("billing", 7, company="SC Țesături Bârlad SRL")],
        ),
        make_order(1, totals_match=False, delivery_total=None, sales_agent="Ana Ionescu"),
    ]

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    for order in orders:
        stored = store.get_order(order["order_id"])
        kept = [
            c for c in ORDER_COLUMNS if c not in ("is_cancelled", "nothing_to_import", "verdict")
        ]
        assert {c: stored[c] for c in kept} == {c: order[c] for c in kept}
        for key in ("items", "discounts", "addresses"):
            assert stored[key] == order[key]
    flags = query(
        store,
        "SELECT payment_online, payment_completed, totals_match FROM orders ORDER BY order_id",
    )
    assert flags == [(1, None, 1), (0, 0, 0)]


def test_a_changed_order_has_every_child_row_replaced_whole(store):
    store.save_orders_batch(make_orders(3), run_id="run-1", partition_date=PARTITION)
    edited = make_order(
        1,
        version=2,
        items=[make_item(0, quantity="4", ean=None)],
        discounts=[make_discount(0, value="25.50")],
        addresses=[make_address("billing", 9)],
        payment_completed=True,
    )

    outcome = store.save_orders_batch(
        [make_order(0), edited, make_order(2)], run_id="run-2", partition_date=PARTITION
    )

    assert outcome.statuses["100001"] is OrderStatus.IMPORTED
    assert outcome.counts[OrderStatus.ALREADY_IMPORTED] == 2
    stored = store.get_order("100001")
    assert [stored[key] for key in ("items", "discounts", "addresses")] == [
        edited["items"],
        edited["discounts"],
        edited["addresses"],
    ]
    assert stored["payment_completed"] is True
    assert child_rows(store, "100001") == dict.fromkeys(CHILD_TABLES, 1)
    assert child_rows(store, "100002") == {
        "order_items": 3,
        "order_discounts": 1,
        "order_addresses": 2,
    }


def test_a_malformed_order_keeps_no_child_rows(store):
    store.save_orders_batch([make_order(0)], run_id="run-1", partition_date=PARTITION)
    broken = make_order(0, version=2, verdict="MALFORMED", error_message="date: missing")

    outcome = store.save_orders_batch([broken], run_id="run-2", partition_date=PARTITION)

    assert outcome.statuses["100000"] is OrderStatus.MALFORMED
    assert child_rows(store, "100000") == dict.fromkeys(CHILD_TABLES, 0)
    stored = store.get_order("100000")
    assert (stored["items"], stored["discounts"], stored["addresses"]) == ([], [], [])


def test_an_order_dict_of_the_first_shape_is_imported_with_the_new_fields_empty(store):
    orders = [old_shape(order) for order in make_orders(3)]

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)
    again = store.save_orders_batch(orders, run_id="run-2", partition_date=PARTITION)

    assert outcome.counts[OrderStatus.IMPORTED] == again.counts[OrderStatus.ALREADY_IMPORTED] == 3
    stored = store.get_order("100001")
    assert {stored[column] for column in ORDER_DETAILS} == {None}
    assert (stored["discounts"], stored["addresses"]) == ([], [])
    assert {key: stored[key] for key in ORDER_HEADER} == {k: orders[1][k] for k in ORDER_HEADER}
    assert [{k: v for k, v in i.items() if k not in ITEM_DETAILS} for i in stored["items"]] == (
        orders[1]["items"]
    )
    assert {item[key] for item in stored["items"] for key in ITEM_DETAILS} == {None}


def test_order_addresses_keep_no_personal_data_when_pii_is_off(make_store):
    store = make_store(store_pii=False)
    orders = make_orders(5)

    store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    addresses = [a for o in orders for a in store.get_order(o["order_id"])["addresses"]]
    assert len(addresses) == 10
    assert {address[field] for address in addresses for field in PERSONAL_FIELDS} == {None}
    originals = [address for order in orders for address in order["addresses"]]
    assert [_impersonal(a) for a in addresses] == [_impersonal(a) for a in originals]
    assert _personal_values_in_file(store.db_path, orders) == []


def _impersonal(address: dict) -> dict:
    return {key: value for key, value in address.items() if key not in PERSONAL_FIELDS}


# Orders across runs


def test_first_run_imports_every_valid_order_with_its_items_verbatim(store):
    name = 'Pantofi „Oltenia" 42 — piele întoarsă 👞 ' + "ț" * 5000
    orders = [*make_orders(9), make_order(9, items=[make_item(0, name=name, price="0.10")])]

    outcome = store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    assert outcome.counts[OrderStatus.IMPORTED] == 10
    assert row_count(store, "order_items") == 28
    assert stored_items(store, "100009") == [(0, "TRC-001", name, "1", "0.10", "21", 0)]
    assert store.get_order("100009")["total"] == orders[9]["total"]


def test_identical_rerun_writes_nothing_and_reports_already_imported(store):
    orders = make_orders(600)
    store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)
    items_before = row_count(store, "order_items")

    outcome = store.save_orders_batch(orders, run_id="run-2", partition_date=PARTITION)

    assert_every_order_accounted(orders, outcome)
    assert outcome.counts[OrderStatus.ALREADY_IMPORTED] == 600
    assert row_count(store, "orders") == 600
    assert row_count(store, "order_items") == items_before == 1800
    assert row_count(store, "orders", "last_run_id = 'run-1'") == 600
    assert store.status_counts(run_id="run-2")[OrderStatus.ALREADY_IMPORTED] == 600
    assert {order["error_message"] for order in store.run_orders("run-2")} == {None}


def test_a_changed_payload_replaces_the_items_and_is_imported_again(store):
    store.save_orders_batch(make_orders(5), run_id="run-1", partition_date=PARTITION)
    edited = make_order(2, version=2, items=[make_item(0, quantity="5")])

    outcome = store.save_orders_batch(
        [*make_orders(2), edited, *make_orders(2, start=3)],
        run_id="run-2",
        partition_date=PARTITION,
    )

    assert outcome.statuses["100002"] is OrderStatus.IMPORTED
    assert outcome.counts[OrderStatus.ALREADY_IMPORTED] == 4
    assert stored_items(store, "100002") == [
        (0, "TRC-001", "Tricou bărbați, mărimea L", "5", "19.90", "21", 0)
    ]
    assert store.get_order("100002")["payload_sha256"] == edited["payload_sha256"]


def test_a_cancelled_order_is_stored_cancelled_and_stays_so_unchanged(store):
    cancelled = make_order(0, version=2, is_cancelled=True, gomag_status="Anulata")
    store.save_orders_batch([make_order(0)], run_id="run-1", partition_date=PARTITION)

    first = store.save_orders_batch([cancelled], run_id="run-2", partition_date=PARTITION)
    again = store.save_orders_batch([cancelled], run_id="run-3", partition_date=PARTITION)

    assert first.statuses["100000"] is OrderStatus.CANCELLED
    assert again.statuses["100000"] is OrderStatus.CANCELLED
    assert store.get_order("100000")["status"] == OrderStatus.CANCELLED
    assert store.get_order("100000")["last_run_id"] == "run-2"
    assert store.run_orders("run-3")[0]["error_message"] is None


def test_an_order_with_only_service_lines_is_skipped_with_a_reason(store):
    service = make_item(0, sku=None, name="Taxa transport", is_service=True)
    order = make_order(0, nothing_to_import=True, items=[service])

    outcome = store.save_orders_batch([order], run_id="run-1", partition_date=PARTITION)
    again = store.save_orders_batch([order], run_id="run-2", partition_date=PARTITION)

    assert outcome.statuses["100000"] is again.statuses["100000"] is OrderStatus.SKIPPED
    assert store.get_order("100000")["error_message"] == NOTHING_TO_IMPORT
    assert store.run_orders("run-2")[0]["error_message"] == NOTHING_TO_IMPORT


def test_an_order_deleted_in_roa_is_never_resurrected(store):
    store.save_orders_batch(make_orders(3), run_id="run-1", partition_date=PARTITION)
    store.mark_deleted_in_roa("100001", "anulată manual în ROA")

    edited = [make_order(0), make_order(1, version=2), make_order(2)]
    changed = store.save_orders_batch(edited, run_id="run-2", partition_date=PARTITION)
    broken = store.save_orders_batch([make_malformed(1)], run_id="run-3", partition_date=PARTITION)

    assert changed.statuses["100001"] is OrderStatus.DELETED_IN_ROA
    assert broken.statuses["100001"] is OrderStatus.DELETED_IN_ROA
    stored = store.get_order("100001")
    assert (stored["status"], stored["error_message"]) == (
        "DELETED_IN_ROA",
        "anulată manual în ROA",
    )
    assert stored["payload_sha256"] == make_order(1)["payload_sha256"]
    assert len(stored["items"]) == 3
    assert store.errors_log_path.exists() is False


def test_a_malformed_order_fixed_later_is_imported(store):
    first = store.save_orders_batch([make_malformed(0)], run_id="run-1", partition_date=PARTITION)

    fixed = store.save_orders_batch([make_order(0)], run_id="run-2", partition_date=PARTITION)

    assert first.statuses["100000"] is OrderStatus.MALFORMED
    assert fixed.statuses["100000"] is OrderStatus.IMPORTED
    stored = store.get_order("100000")
    assert (stored["status"], stored["error_message"], len(stored["items"])) == (
        "IMPORTED",
        None,
        3,
    )
    assert stored["first_run_id"] == "run-1"


def test_a_batch_repeating_an_order_id_is_refused_before_anything_is_written(store):
    with pytest.raises(ValueError, match="appears twice"):
        store.save_orders_batch(
            [make_order(0), make_order(1), make_order(0)], run_id="run-1", partition_date=PARTITION
        )

    assert sum(store.status_counts().values()) == 0


@pytest.mark.parametrize("order_id", ["", None, 7, "1\ud800"], ids=repr)
def test_an_order_id_that_cannot_key_the_store_is_refused_before_anything_is_written(
    store, order_id
):
    with pytest.raises(ValueError) as refused:
        store.save_orders_batch(
            [make_order(0), make_order(1, order_id=order_id)],
            run_id="run-1",
            partition_date=PARTITION,
        )

    assert str(refused.value) == f"order_id must be a non-empty UTF-8 string, got {order_id!r}"
    assert sum(store.status_counts().values()) == 0


# Runs and history


def test_a_sync_run_records_its_window_and_counts_per_status(store):
    store.begin_sync_run("run-1", PARTITION, "2026-10-02")
    store.save_orders_batch(
        [*make_orders(4), make_malformed(4)], run_id="run-1", partition_date=PARTITION
    )
    store.save_orders_batch(make_orders(2, start=10), run_id="run-1", partition_date="2026-10-02")

    counts = store.finish_sync_run("run-1", "SUCCESS")

    assert counts == no_orders() | {OrderStatus.IMPORTED: 6, OrderStatus.MALFORMED: 1}
    assert store.status_counts(run_id="run-1", partition_date="2026-10-02") == no_orders() | {
        OrderStatus.IMPORTED: 2
    }
    assert [o["order_id"] for o in store.run_orders("run-1", "2026-10-02")] == ["100010", "100011"]
    last = store.last_successful_import("2026-10-02")
    assert last is not None and dt.datetime.now(dt.UTC) - last < dt.timedelta(minutes=1)
    assert store.last_successful_import("2026-10-03") is None


def test_each_transaction_stamps_its_orders_with_the_time_it_decided_them(make_store):
    """A chunk decided later is stamped later (``TieredBatch._write_transaction``)."""
    store = make_store(FaultyStore, chunk_size=2)
    commits = []
    store.faults.append(lambda conn, sql, rows: sql == "COMMIT" and _pause(commits))

    store.save_orders_batch(make_orders(4), run_id="run-1", partition_date=PARTITION)

    stamps = [order["decided_at"] for order in store.run_orders("run-1")]
    assert len(commits) == 2
    assert stamps[0] == stamps[1] < stamps[2] == stamps[3]


def test_a_day_is_committed_in_chunks_on_sqlite_and_at_once_on_postgres(make_store, backend):
    """SQLite in WAL mode commits without a flush, so chunks of 500 cost nothing and hold its
    one write lock a chunk at a time; on PostgreSQL every commit waits for a WAL flush, so a
    day's valid orders are one transaction (``Dialect.orders_per_transaction``)."""
    store = make_store(FaultyStore)
    commits = []
    store.faults.append(lambda conn, sql, rows: sql == "COMMIT" and commits.append(sql))

    outcome = store.save_orders_batch(make_orders(1_200), run_id="run-1", partition_date=PARTITION)

    assert outcome.counts[OrderStatus.IMPORTED] == 1_200
    assert len(store.run_orders("run-1")) == 1_200
    assert len(commits) == {"sqlite": 3, "postgres": 1}[backend]


def _pause(commits: list) -> bool:
    """A fault that never fails: lets 20 ms pass at each commit, longer than a stamp's unit."""
    commits.append(time.monotonic())
    time.sleep(0.02)
    return False


def test_finishing_a_run_that_never_began_is_an_error(store):
    with pytest.raises(LookupError, match="run-x"):
        store.finish_sync_run("run-x", "SUCCESS")


def test_order_history_lists_the_order_in_every_run(store):
    store.begin_sync_run("run-1", PARTITION, PARTITION)
    store.save_orders_batch([make_malformed(0)], run_id="run-1", partition_date=PARTITION)
    store.begin_sync_run("run-2", PARTITION, PARTITION)
    store.save_orders_batch([make_order(0)], run_id="run-2", partition_date=PARTITION)
    store.save_orders_batch([make_order(0)], run_id="run-3", partition_date=PARTITION)

    history = store.order_history("100000")

    assert [(h["run_id"], h["status"]) for h in history] == [
        ("run-1", "MALFORMED"),
        ("run-2", "IMPORTED"),
        ("run-3", "ALREADY_IMPORTED"),
    ]
    assert history[0]["window_start"] == PARTITION
    assert history[2]["window_start"] is None


def test_status_counts_without_a_run_count_orders_as_they_stand(store):
    store.save_orders_batch(make_orders(3), run_id="run-1", partition_date=PARTITION)
    store.save_orders_batch([make_malformed(5)], run_id="run-1", partition_date="2026-10-02")
    store.mark_deleted_in_roa("100000", "șters")

    assert store.status_counts() == no_orders() | {
        "IMPORTED": 2,
        "DELETED_IN_ROA": 1,
        "MALFORMED": 1,
    }
    assert store.status_counts(partition_date="2026-10-02") == no_orders() | {"MALFORMED": 1}
    assert store.status_counts(partition_date=PARTITION) == no_orders() | {
        "IMPORTED": 2,
        "DELETED_IN_ROA": 1,
    }


def test_marking_an_unknown_order_deleted_is_an_error(store):
    with pytest.raises(LookupError, match="unknown order id '42'"):
        store.mark_deleted_in_roa("42", "nu există")
