"""The three assets run for real: demo shop over loopback, a real store (an SQLite file, then a
PostgreSQL database), Dagster in process."""

import datetime as dt

import pytest
from dagster import DagsterInstance, materialize
from pipeline import ASSETS, materializations, materialize_day
from store_fixtures import query
from support.days import DAY, SHOP_TIMEZONE

from gomag_assets.assets import build_order_assets
from gomag_assets.constants import OrderStatus
from gomag_assets.definitions import build_definitions
from gomag_assets.partitions import order_partitions
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import load_settings

RANGE = [DAY + dt.timedelta(days=n) for n in range(3)]
pytestmark = pytest.mark.both_backends


def _statuses(store: OrderStore, day: dt.date) -> dict[str, str]:
    return dict(
        query(
            store, "SELECT order_id, status FROM orders WHERE partition_date = ?", day.isoformat()
        )
    )


def _expected_statuses(shop, day: dt.date, cancelled=("Anulata",)) -> dict[str, str]:
    """What the store must say of each of the shop's orders, derived from the shop itself."""
    malformed = shop.malformed_ids(day)
    expected = {}
    for order in shop.orders_for_day(day):
        items = order["items"].values() if isinstance(order["items"], dict) else order["items"]
        if order["id"] in malformed:
            expected[order["id"]] = OrderStatus.MALFORMED
        elif order["status"] in cancelled:
            expected[order["id"]] = OrderStatus.CANCELLED
        elif all(item.get("type") == "service" for item in items):
            expected[order["id"]] = OrderStatus.SKIPPED
        else:
            expected[order["id"]] = OrderStatus.IMPORTED
    return expected


def test_one_partition_lands_validates_and_imports_every_order(demo_shop, gomag_api, store):
    result = materialize(
        ASSETS,
        partition_key=DAY.isoformat(),
        resources={"gomag_api": gomag_api, "order_store": store},
        instance=DagsterInstance.ephemeral(),
    )
    assert result.success
    shop_orders = demo_shop.orders_for_day(DAY)
    assert store.count_raw_orders(DAY.isoformat()) == len(shop_orders) > 0
    assert _statuses(store, DAY) == _expected_statuses(demo_shop, DAY)
    assert demo_shop.malformed_ids(DAY), "the demo day should include MALFORMED orders"
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    assert checks["conservation"].passed
    assert checks["malformed_share"].passed
    (raw,) = materializations(result, "raw_orders")
    assert raw.partition == DAY.isoformat()
    assert raw.metadata["dagster/row_count"].value == len(shop_orders)


def test_three_day_range_is_one_run_processed_day_by_day(demo_shop, gomag_api, store):
    definitions = build_definitions(load_settings())
    job = definitions.resolve_job_def("gomag_orders_job")
    instance = DagsterInstance.ephemeral()
    result = job.execute_in_process(
        instance=instance,
        resources={"gomag_api": gomag_api, "order_store": store},
        tags={
            "dagster/asset_partition_range_start": RANGE[0].isoformat(),
            "dagster/asset_partition_range_end": RANGE[-1].isoformat(),
        },
    )
    assert result.success
    for day in RANGE:
        assert _statuses(store, day) == _expected_statuses(demo_shop, day)
    progress = [e.user_message for e in instance.all_logs(result.run_id)]
    for position, day in enumerate(RANGE, start=1):
        (line,) = [m for m in progress if m.startswith(f"{day} ({position}/3): ")]
        landed, judged, imported = line.split(": ", 1)[1].split("; ")
        statuses = store.status_counts(run_id=result.run_id, partition_date=day.isoformat())
        largest_first = sorted(
            ((n, s) for s, n in statuses.items() if n), key=lambda pair: (-pair[0], pair[1])
        )
        assert landed.startswith(f"landed {store.count_raw_orders(day.isoformat())} orders from ")
        assert judged.endswith(f"{statuses.get('MALFORMED', 0)} MALFORMED")
        assert imported == ", ".join(f"{n} {s}" for n, s in largest_first), line
    for asset in ("raw_orders", "validated_orders", "imported_orders"):
        days = [m.partition for m in materializations(result, asset)]
        assert days == [d.isoformat() for d in RANGE], asset


def test_rerun_is_already_imported_and_writes_nothing_twice(demo_shop, gomag_api, store):
    run = dict(
        partition_key=DAY.isoformat(),
        resources={"gomag_api": gomag_api, "order_store": store},
        instance=DagsterInstance.ephemeral(),
    )
    counted = "SELECT count(*), (SELECT count(*) FROM order_items) FROM orders"
    first = materialize(ASSETS, **run)
    before = query(store, counted)
    second = materialize(ASSETS, **run)
    after = query(store, counted)
    assert first.success and second.success
    assert before == after
    expected = _expected_statuses(demo_shop, DAY)
    rerun = store.status_counts(run_id=second.run_id, partition_date=DAY.isoformat())
    imported_first = sum(1 for s in expected.values() if s == OrderStatus.IMPORTED)
    assert rerun.get(OrderStatus.ALREADY_IMPORTED, 0) == imported_first
    assert sum(rerun.values()) == len(expected)


def test_cancellation_in_the_shop_turns_the_order_cancelled(demo_shop, gomag_api, store):
    run = dict(
        partition_key=DAY.isoformat(),
        resources={"gomag_api": gomag_api, "order_store": store},
        instance=DagsterInstance.ephemeral(),
    )
    materialize(ASSETS, **run)
    expected = _expected_statuses(demo_shop, DAY)
    victim = next(i for i, s in expected.items() if s == OrderStatus.IMPORTED)
    demo_shop.cancel_order(victim)
    materialize(ASSETS, **run)
    assert _statuses(store, DAY)[victim] == OrderStatus.CANCELLED


def test_credentials_error_fails_the_run_without_landing_anything(demo_shop, api_factory, store):
    bad_key = api_factory(demo_shop, api_key="wrong-key")
    result = materialize_day(DAY, bad_key, store, selection=["raw_orders"])
    assert not result.success
    assert store.count_raw_orders(DAY.isoformat()) == 0


def test_only_a_balanced_import_of_today_reports_imported_orders_today(demo_shop, gomag_api, store):
    """'Today' is the clock's (noon of DAY in the shop); a past day's import says nothing of it."""
    noon = dt.datetime.combine(DAY, dt.time(12), SHOP_TIMEZONE)
    assets = build_order_assets(order_partitions, load_settings(), clock=lambda: noon)
    run = {"resources": {"gomag_api": gomag_api, "order_store": store}}

    yesterday = materialize(assets, partition_key=(DAY - dt.timedelta(days=1)).isoformat(), **run)
    today = materialize(assets, partition_key=DAY.isoformat(), **run)

    assert yesterday.success and today.success
    assert materializations(yesterday, "imported_orders_today") == []
    (reported,) = materializations(today, "imported_orders_today")
    assert reported.partition is None, "the freshness asset is not partitioned"
    assert reported.metadata["partition"].value == DAY.isoformat()
    assert reported.metadata["run_id"].value == today.run_id
