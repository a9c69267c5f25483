"""Many shops in one order store: an order is (shop, order id), each shop's counts add up on
their own, and a single-shop store made by the previous version (schema 2) is migrated in place,
its rows taking the configured shop's name.

The version-2 stores are ``fixtures/store_v2.sqlite`` and ``fixtures/store_v2_postgres.sql``,
made by the code before shops (see ``fixtures/README.md``).
"""

import shutil
import sqlite3
from pathlib import Path

import psycopg
import pytest
from reliability.store_checks import assert_file_is_sound
from store_fixtures import (
    BOTH_BACKENDS,
    make_malformed,
    make_order,
    make_orders,
    query,
    row_count,
)
from support.days import PARTITION

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.resources.order_store.schema import SCHEMA_VERSION
from gomag_assets.resources.order_store.shop_step import KEYS

FIXTURES = Path(__file__).parent / "fixtures"
V2_STATUSES = {
    "IMPORTED": 3,
    "CANCELLED": 1,
    "SKIPPED": 1,
    "MALFORMED": 1,
    "DELETED_IN_ROA": 1,
}


def _standing(store: OrderStore) -> dict[str, int]:
    return {status: n for status, n in store.status_counts().items() if n}


def _shops_per_table(store: OrderStore) -> dict[str, list[tuple]]:
    return {table: query(store, f"SELECT DISTINCT shop FROM {table}") for table in KEYS}


def _row_counts(conn) -> dict[str, int]:
    """Rows of each table, read with a plain connection before the store opens the database."""
    return {table: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in KEYS}


def _assert_migrated_to(store: OrderStore, shop: str, rows_before: dict[str, int]) -> None:
    assert _standing(store) == V2_STATUSES
    assert {table: row_count(store, table) for table in KEYS} == rows_before, "a row was lost"
    expected = {table: [(shop,)] for table in KEYS}
    assert _shops_per_table(store) == expected, "a row kept no shop, or the wrong one"
    assert store.get_order("100002")["items"][0]["name"] == "Cană „Dor de Iași” 330 ml"
    history = store.order_history("100007")
    assert [(run["run_id"], run["status"]) for run in history] == [
        ("run-1", "IMPORTED"),
        ("run-2", "DELETED_IN_ROA"),
    ]


def test_a_version_2_sqlite_store_is_migrated_in_place_its_rows_taking_the_configured_shop(
    tmp_path,
):
    db_path = str(tmp_path / "gomag.sqlite")
    shutil.copyfile(FIXTURES / "store_v2.sqlite", db_path)
    with sqlite3.connect(db_path) as conn:
        rows_before = _row_counts(conn)

    store = OrderStore(db_path=db_path, shop="vending_ro")

    _assert_migrated_to(store, "vending_ro", rows_before)
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert _standing(OrderStore(db_path=db_path, shop="other")) == {}
    assert_file_is_sound(db_path)


def test_a_version_2_sqlite_store_opened_without_a_shop_keeps_its_rows_as_default(tmp_path):
    db_path = str(tmp_path / "gomag.sqlite")
    shutil.copyfile(FIXTURES / "store_v2.sqlite", db_path)
    with sqlite3.connect(db_path) as conn:
        rows_before = _row_counts(conn)

    _assert_migrated_to(OrderStore(db_path=db_path), "default", rows_before)


def test_a_version_2_store_opened_first_for_another_shop_still_becomes_the_upgraded_shops(
    tmp_path,
):
    db_path = str(tmp_path / "gomag.sqlite")
    shutil.copyfile(FIXTURES / "store_v2.sqlite", db_path)
    with sqlite3.connect(db_path) as conn:
        rows_before = _row_counts(conn)

    bakery = OrderStore(db_path=db_path, shop="bakery_md", upgraded_shop="vending_ro")

    assert _standing(bakery) == {}, "the old rows are not the bakery's"
    _assert_migrated_to(OrderStore(db_path=db_path, shop="vending_ro"), "vending_ro", rows_before)


def test_a_version_2_postgres_store_is_migrated_in_place_its_rows_taking_the_configured_shop(
    postgres_server,
):
    url = postgres_server.fresh_database()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute((FIXTURES / "store_v2_postgres.sql").read_text(encoding="utf-8"))
        rows_before = _row_counts(conn)

    store = OrderStore(db_url=url, shop="vending_ro")

    _assert_migrated_to(store, "vending_ro", rows_before)
    assert query(store, "SELECT version FROM store_schema") == [(SCHEMA_VERSION,)]
    assert _standing(OrderStore(db_url=url, shop="other")) == {}


@BOTH_BACKENDS
def test_the_same_order_id_in_two_shops_is_two_orders(make_store):
    vending, bakery = make_store(shop="vending_ro"), make_store(shop="bakery_md")
    shared = make_order(1)
    changed = make_order(1, version=2, order_number="BK-1")

    first = vending.save_orders_batch([shared], run_id="run-v", partition_date=PARTITION)
    second = bakery.save_orders_batch([changed], run_id="run-b", partition_date=PARTITION)

    assert first.statuses == second.statuses == {shared["order_id"]: OrderStatus.IMPORTED}
    assert row_count(vending, "orders", "order_id = ?", shared["order_id"]) == 2
    assert vending.get_order(shared["order_id"])["order_number"] == shared["order_number"]
    assert bakery.get_order(shared["order_id"])["order_number"] == "BK-1"
    assert len(bakery.get_order(shared["order_id"])["items"]) == len(changed["items"])


@BOTH_BACKENDS
def test_each_shop_counts_its_own_orders_landings_and_runs(make_store):
    vending, bakery = make_store(shop="vending_ro"), make_store(shop="bakery_md")
    vending.begin_sync_run("run-1", PARTITION, PARTITION)
    bakery.begin_sync_run("run-1", PARTITION, PARTITION)  # one run id, two shops: two runs

    vending.save_orders_batch(make_orders(5), run_id="run-1", partition_date=PARTITION)
    bakery.save_orders_batch(make_orders(3, start=3), run_id="run-1", partition_date=PARTITION)
    vending_counts = vending.finish_sync_run("run-1", "SUCCESS")

    assert vending_counts[OrderStatus.IMPORTED] == 5
    assert _standing(vending) == {"IMPORTED": 5}
    assert _standing(bakery) == {"IMPORTED": 3}
    assert bakery.status_counts(run_id="run-1")[OrderStatus.IMPORTED] == 3
    assert len(vending.run_orders("run-1")) == 5
    assert vending.last_successful_import(PARTITION) is not None
    assert bakery.last_successful_import(PARTITION) is None, "the bakery's run is not finished"
    assert row_count(vending, "orders") == 8


@BOTH_BACKENDS
def test_a_landing_replaces_only_its_own_shops_day(make_store):
    vending, bakery = make_store(shop="vending_ro"), make_store(shop="bakery_md")

    class Raw:
        def __init__(self, order_id: str) -> None:
            self.order_id, self.payload = order_id, f'{{"id": "{order_id}"}}'

    vending.replace_raw_orders(PARTITION, "run-1", [Raw("1"), Raw("2")], "2026-10-02T10:00:00Z")
    bakery.replace_raw_orders(PARTITION, "run-2", [Raw("2")], "2026-10-02T10:00:00Z")
    vending.replace_raw_orders(PARTITION, "run-3", [Raw("3")], "2026-10-02T11:00:00Z")

    assert vending.read_raw_orders(PARTITION) == [("3", '{"id": "3"}')]
    assert bakery.read_raw_orders(PARTITION) == [("2", '{"id": "2"}')]


@pytest.mark.parametrize("name", ["vending-ro", "", "shop'; DROP TABLE orders; --", "dé"])
def test_a_store_refuses_a_shop_name_that_is_not_letters_digits_and_underscores(tmp_path, name):
    with pytest.raises(ValueError, match="only letters, digits and underscores"):
        OrderStore(db_path=str(tmp_path / "gomag.sqlite"), shop=name).status_counts()


def test_the_errors_log_names_the_shop_of_each_malformed_order(make_store):
    vending, bakery = make_store(shop="vending_ro"), make_store(shop="bakery_md")
    vending.save_orders_batch(
        [make_malformed(1, "date: missing")], run_id="run-v", partition_date=PARTITION
    )
    bakery.save_orders_batch(
        [make_malformed(1, "no items")], run_id="run-b", partition_date=PARTITION
    )

    lines = vending.errors_log_path.read_text(encoding="utf-8").splitlines()
    assert [line.split("\t")[1:] for line in lines] == [
        ["run-v", "100001", "GM-100001", "date: missing", "vending_ro"],
        ["run-b", "100001", "GM-100001", "no items", "bakery_md"],
    ]
