"""A store written by schema version 1 opens with today's code: upgraded in place, in one
transaction, nothing lost; a rerun then fills in the whole order once.

Every test works on a copy of ``fixtures/store_v1.sqlite``, made by the version-1 code (see
``fixtures/README.md``).
"""

import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from reliability.store_checks import assert_file_is_sound
from store_fixtures import make_order
from support.lockstep import Lockstep

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store import OrderStore, StoreUnavailable
from gomag_assets.resources.order_store.columns import ITEM_DETAILS, ORDER_DETAILS
from gomag_assets.resources.order_store.schema import SCHEMA_VERSION

V1_STORE = Path(__file__).parent / "fixtures" / "store_v1.sqlite"
DAYS = ("2026-10-01", "2026-10-02")
NEW_TABLES = ("order_discounts", "order_addresses", "validated_discounts", "validated_addresses")
ADDED_COLUMNS = {
    "orders": (*ORDER_DETAILS, "row_schema"),
    "order_items": ITEM_DETAILS,
    "validated_orders": ORDER_DETAILS,
    "validated_items": ITEM_DETAILS,
}
V1_STATUSES = {
    "100001": "IMPORTED",
    "100002": "IMPORTED",
    "100003": "CANCELLED",
    "100004": "SKIPPED",
    "100005": "MALFORMED",
    "100006": "IMPORTED",
    "100007": "DELETED_IN_ROA",
}


@pytest.fixture
def v1_copy(tmp_path) -> str:
    path = tmp_path / "gomag.sqlite"
    shutil.copyfile(V1_STORE, path)
    return str(path)


def _user_version(db_path: str) -> int:
    with sqlite3.connect(db_path) as conn:
        return conn.execute("PRAGMA user_version").fetchone()[0]


def _tables(db_path: str) -> dict[str, list[str]]:
    """Each table's columns, in order."""
    with sqlite3.connect(db_path) as conn:
        names = [
            row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
        return {
            name: [column[1] for column in conn.execute(f"PRAGMA table_info({name})")]
            for name in names
        }


def _rows(db_path: str, columns_by_table: dict[str, list[str]]) -> dict[str, list[tuple]]:
    """Every row of each table, those columns only, in a stable order."""
    with sqlite3.connect(db_path) as conn:
        return {
            table: sorted(
                conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall(), key=repr
            )
            for table, columns in columns_by_table.items()
        }


def test_a_version_1_store_is_upgraded_in_place_and_keeps_every_row(v1_copy, tmp_path):
    old_tables = _tables(v1_copy)
    before = _rows(v1_copy, old_tables)
    assert _user_version(v1_copy) == 1
    assert len(before["orders"]) == 7 and len(before["sync_run_orders"]) == 14

    counts = OrderStore(db_path=v1_copy).status_counts()

    assert {status: n for status, n in counts.items() if n} == {
        "IMPORTED": 3,
        "CANCELLED": 1,
        "SKIPPED": 1,
        "MALFORMED": 1,
        "DELETED_IN_ROA": 1,
    }

    assert _user_version(v1_copy) == SCHEMA_VERSION == 3
    assert _rows(v1_copy, old_tables) == before, "a row of a version-1 table changed"
    added = _rows(v1_copy, {table: list(columns) for table, columns in ADDED_COLUMNS.items()})
    for table, rows in added.items():
        assert rows and {value for row in rows for value in row} == {None}, table
    assert _rows(v1_copy, {table: ["*"] for table in NEW_TABLES}) == {t: [] for t in NEW_TABLES}
    shops = _rows(v1_copy, {table: ["DISTINCT shop"] for table in old_tables})
    assert shops == {table: [("default",)] for table in old_tables}, "every old row is the shop's"
    assert_file_is_sound(v1_copy)
    fresh = str(tmp_path / "fresh.sqlite")
    OrderStore(db_path=fresh).status_counts()
    assert _tables(v1_copy) == _tables(fresh), "an upgraded store differs from a new one"


def test_opening_an_upgraded_store_again_changes_nothing(v1_copy):
    OrderStore(db_path=v1_copy).status_counts()
    upgraded = Path(v1_copy).read_bytes()

    OrderStore(db_path=v1_copy).status_counts()

    assert Path(v1_copy).read_bytes() == upgraded
    assert _user_version(v1_copy) == SCHEMA_VERSION


def test_a_migration_that_fails_part_way_leaves_the_file_at_version_1_as_it_was(v1_copy):
    with sqlite3.connect(v1_copy) as conn:
        conn.execute("CREATE TABLE validated_addresses (x)")  # the last step will collide
    old_tables = _tables(v1_copy)
    before = _rows(v1_copy, old_tables)

    with pytest.raises(StoreUnavailable, match="validated_addresses already exists"):
        OrderStore(db_path=v1_copy).status_counts()

    assert _user_version(v1_copy) == 1
    assert _tables(v1_copy) == old_tables, "some steps of the failed migration stayed"
    assert _rows(v1_copy, old_tables) == before


OPEN_EACH_ON_GO = """
import sys
from support.lockstep import wait_for_go
from gomag_assets.resources.order_store import OrderStore
counts = []
for db_path in sys.argv[1:]:
    store = OrderStore(db_path=db_path)
    wait_for_go()
    counts.append(sum(store.status_counts().values()))
print(*counts)
"""
"""Opens each store given, each one when the parent says go; then prints how many orders each
holds."""


@pytest.mark.slow
def test_two_processes_opening_a_version_1_store_at_once_both_get_it_upgraded_once(tmp_path):
    trials = [tmp_path / f"trial-{trial}.sqlite" for trial in range(3)]
    for db_path in trials:
        shutil.copyfile(V1_STORE, db_path)
    command = [sys.executable, "-c", OPEN_EACH_ON_GO, *map(str, trials)]

    with Lockstep([command, command]) as both:
        for _ in trials:
            both.release()
        outputs = both.finish()

    assert [output.split() for output in outputs] == [["7"] * len(trials)] * 2
    for db_path in trials:
        assert _user_version(str(db_path)) == SCHEMA_VERSION
        assert_file_is_sound(db_path)


def _whole(order: dict) -> dict:
    """``order`` as validation reads it from the same payload today: the same payload hash, with
    every detail, item field, discount and address."""
    if order["verdict"] == "MALFORMED":
        return order
    full = make_order(int(order["order_id"]) - 100_000)
    items = [
        item | {"product_id": "42", "ean": "5940000000017", "base_price": item["price"]}
        for item in order["items"]
    ]
    lines = {"items": items, "discounts": full["discounts"], "addresses": full["addresses"]}
    return order | {key: full[key] for key in ORDER_DETAILS} | lines


def _rerun(store: OrderStore, run_id: str) -> dict[str, OrderStatus]:
    statuses = {}
    for day in DAYS:
        orders = [_whole(order) for order in store.read_validated_orders(day)]
        outcome = store.save_orders_batch(orders, run_id=run_id, partition_date=day)
        assert sum(outcome.counts.values()) == len(orders)
        statuses |= outcome.statuses
    return statuses


def test_a_rerun_after_the_upgrade_fills_in_the_orders_the_old_version_imported(v1_copy):
    store = OrderStore(db_path=v1_copy)
    validated = {o["order_id"]: _whole(o) for day in DAYS for o in store.read_validated_orders(day)}

    first = _rerun(store, "run-3")
    second = _rerun(store, "run-4")

    assert first == V1_STATUSES, "each order written once more, reported as what it is"
    unchanged = dict.fromkeys(("100001", "100002", "100006"), "ALREADY_IMPORTED")
    assert second == V1_STATUSES | unchanged
    for order_id in ("100001", "100002", "100003", "100004", "100006"):
        stored, expected = store.get_order(order_id), validated[order_id]
        for key in (*ORDER_DETAILS, "items", "discounts", "addresses"):
            assert stored[key] == expected[key], (order_id, key)
        assert (stored["first_run_id"], stored["last_run_id"]) == ("run-1", "run-3")
    deleted = store.get_order("100007")
    assert deleted["status"] == "DELETED_IN_ROA"
    assert {deleted[key] for key in ORDER_DETAILS} == {None}
    assert (deleted["discounts"], deleted["addresses"]) == ([], [])
    assert store.get_order("100005")["items"] == []
    assert_file_is_sound(v1_copy)
