"""Asset checks evaluated in real runs: the MALFORMED share at both thresholds, the column
schema, conservation; one verdict per day, a failing day blocking only itself."""

import datetime as dt
import sqlite3

from dagster import AssetCheckSeverity, DagsterInstance, materialize
from pipeline import ASSETS, check_evaluations, materializations, materialize_day

from gomag_assets.resources.order_store import OrderStore

DAY = dt.date(2026, 10, 6)


def _run(shop, api_factory, store: OrderStore, **config):
    run_config = {"ops": {"gomag_orders": {"config": config}}} if config else None
    result = materialize_day(DAY, api_factory(shop), store, run_config=run_config)
    return result, check_evaluations(result), store


def test_malformed_share_within_threshold_passes(shop_factory, api_factory, store):
    shop = shop_factory(malformed_share=0.0)
    result, checks, _ = _run(shop, api_factory, store)
    assert result.success
    assert checks["malformed_share"].passed
    assert checks["malformed_share"].metadata["malformed_share"].value == "0.0%"
    assert checks["malformed_share"].partition == DAY.isoformat()


def test_malformed_share_above_threshold_warns_and_still_imports(shop_factory, api_factory, store):
    shop = shop_factory(malformed_share=0.3)
    malformed = shop.malformed_ids(DAY)
    total = len(shop.orders_for_day(DAY))
    result, checks, _ = _run(shop, api_factory, store, malformed_warn_share=0.1)
    check = checks["malformed_share"]
    assert result.success
    assert not check.passed and check.severity == AssetCheckSeverity.WARN
    assert check.metadata["malformed_percent"].value == round(100 * len(malformed) / total, 1)
    assert len(malformed) / total > 0.1
    assert check.metadata["warn_above"].value == "10.0%"
    assert sum(store.status_counts(partition_date=DAY.isoformat()).values()) == total


def test_a_day_of_only_malformed_orders_fails_and_blocks_the_import(
    shop_factory, api_factory, store
):
    shop = shop_factory(malformed_share=1.0)
    total = len(shop.orders_for_day(DAY))
    assert len(shop.malformed_ids(DAY)) == total > 0
    result, checks, _ = _run(shop, api_factory, store)
    check = checks["malformed_share"]
    assert not check.passed and check.severity == AssetCheckSeverity.ERROR
    assert check.description == f"every order of {DAY} is MALFORMED"
    assert not result.success and "conservation" not in checks
    assert materializations(result, "validated_orders")
    assert not materializations(result, "imported_orders")
    assert sum(store.status_counts(partition_date=DAY.isoformat()).values()) == 0
    assert len(store.malformed_orders(DAY.isoformat())) == total, "kept, not dropped"


def test_conservation_check_counts_every_landed_order(demo_shop, gomag_api, store):
    result = materialize_day(DAY, gomag_api, store)
    check = check_evaluations(result)["conservation"]
    landed = len(demo_shop.orders_for_day(DAY))
    assert check.passed and check.partition == DAY.isoformat()
    assert check.metadata["landed"].value == check.metadata["accounted"].value == landed


def test_conservation_fails_when_landed_orders_lack_a_status(demo_shop, gomag_api, store):
    """Orders landed after validation ran have no status in the import: the check must say so."""
    assert materialize_day(DAY, gomag_api, store).success
    demo_shop.add_orders(DAY, 3)
    assert materialize_day(DAY, gomag_api, store, selection=["raw_orders"]).success
    result = materialize_day(DAY, gomag_api, store, selection=["imported_orders"])
    assert not result.success, "an unbalanced day fails the run"
    check = check_evaluations(result)["conservation"]
    landed = len(demo_shop.orders_for_day(DAY))
    assert not check.passed
    assert check.metadata["landed"].value == landed
    assert check.metadata["accounted"].value == landed - 3
    runs = {run["run_id"]: run["outcome"] for run in _sync_runs(store)}
    assert runs[result.run_id] == "UNBALANCED"


def _sync_runs(store: OrderStore) -> list[dict]:
    with sqlite3.connect(store.db_path) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute("SELECT run_id, outcome FROM sync_runs")]


def test_a_whole_malformed_day_blocks_only_its_own_import_and_the_range_goes_on(
    shop_factory, api_factory, store
):
    good, changed = shop_factory(malformed_share=0.0), shop_factory(malformed_share=1.0)
    days = [DAY + dt.timedelta(days=n) for n in range(3)]
    bad_day = days[1].isoformat()
    for day in days:
        shop = changed if day == days[1] else good
        assert materialize_day(day, api_factory(shop), store, selection=["raw_orders"]).success
    result = materialize(
        ASSETS,
        selection=["validated_orders", "imported_orders"],
        instance=DagsterInstance.ephemeral(),
        resources={"gomag_api": api_factory(good), "order_store": store},
        tags={
            "dagster/asset_partition_range_start": days[0].isoformat(),
            "dagster/asset_partition_range_end": days[-1].isoformat(),
        },
        raise_on_error=False,
    )

    assert not result.success
    failure = result.failure_data_for_node("gomag_orders").error
    assert f"{bad_day}: every order is MALFORMED" in failure.message
    assert days[0].isoformat() not in failure.message
    imported = [m.partition for m in materializations(result, "imported_orders")]
    assert imported == [days[0].isoformat(), days[2].isoformat()]
    shares = {
        e.partition: e.passed
        for e in result.get_asset_check_evaluations()
        if e.check_name == "malformed_share"
    }
    assert shares == {days[0].isoformat(): True, bad_day: False, days[2].isoformat(): True}
    for day in days:
        landed = store.count_raw_orders(day.isoformat())
        statuses = sum(store.status_counts(partition_date=day.isoformat()).values())
        assert landed > 0
        assert statuses == (0 if day == days[1] else landed), day
