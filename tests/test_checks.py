"""Asset checks evaluated in real runs: the MALFORMED share at both thresholds, conservation."""

import datetime as dt
import sqlite3
from zoneinfo import ZoneInfo

from dagster import AssetCheckSeverity, DagsterInstance
from pipeline import materialize_day

from gomag_assets.assets import imported_orders, raw_orders
from gomag_assets.definitions import build_definitions
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import load_settings

DAY = dt.date(2026, 10, 6)


def _run(shop, api_factory, tmp_path, **config):
    store = OrderStore(db_path=str(tmp_path / "gomag.sqlite"))
    run_config = {"ops": {"validated_orders": {"config": config}}} if config else None
    result = materialize_day(DAY, api_factory(shop), store, run_config=run_config)
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    return result, checks, store


def test_malformed_share_within_threshold_passes(shop_factory, api_factory, tmp_path):
    shop = shop_factory(malformed_share=0.0)
    result, checks, _ = _run(shop, api_factory, tmp_path)
    assert result.success
    assert checks["malformed_share"].passed
    assert checks["malformed_share"].metadata["worst_share"].value == 0.0


def test_malformed_share_above_threshold_warns_and_still_imports(
    shop_factory, api_factory, tmp_path
):
    shop = shop_factory(malformed_share=0.3)
    malformed = shop.malformed_ids(DAY)
    total = len(shop.orders_for_day(DAY))
    result, checks, store = _run(shop, api_factory, tmp_path, malformed_warn_share=0.1)
    check = checks["malformed_share"]
    assert result.success
    assert not check.passed and check.severity == AssetCheckSeverity.WARN
    assert check.metadata["worst_share"].value == len(malformed) / total > 0.1
    assert sum(store.status_counts(partition_date=DAY.isoformat()).values()) == total


def test_a_day_of_only_malformed_orders_fails_and_blocks_the_import(
    shop_factory, api_factory, tmp_path
):
    shop = shop_factory(malformed_share=1.0)
    total = len(shop.orders_for_day(DAY))
    assert len(shop.malformed_ids(DAY)) == total > 0
    result, checks, store = _run(shop, api_factory, tmp_path)
    check = checks["malformed_share"]
    assert not check.passed and check.severity == AssetCheckSeverity.ERROR
    assert DAY.isoformat() in check.metadata["feed_changed_days"].value
    assert not result.asset_materializations_for_node("imported_orders")
    assert sum(store.status_counts(partition_date=DAY.isoformat()).values()) == 0
    assert len(store.malformed_orders(DAY.isoformat())) == total, "kept, not dropped"


def test_conservation_check_counts_every_landed_order(demo_shop, gomag_api, tmp_path):
    store = OrderStore(db_path=str(tmp_path / "gomag.sqlite"))
    result = materialize_day(DAY, gomag_api, store)
    check = {c.check_name: c for c in result.get_asset_check_evaluations()}["conservation"]
    landed = len(demo_shop.orders_for_day(DAY))
    assert check.passed
    assert check.metadata["landed"].value == check.metadata["accounted"].value == landed


def _freshness(store: OrderStore, instance, **env: str):
    settings = load_settings({"GOMAG_DB_PATH": store.db_path, **env})
    definitions = build_definitions(settings)
    job = definitions.resolve_job_def("gomag_freshness_job")
    result = job.execute_in_process(
        instance=instance, resources={"order_store": store}, raise_on_error=False
    )
    (check,) = result.get_asset_check_evaluations()
    return check


def test_today_is_stale_until_imported_then_fresh(demo_shop, gomag_api, tmp_path):
    store = OrderStore(db_path=str(tmp_path / "gomag.sqlite"))
    instance = DagsterInstance.ephemeral()
    today = dt.datetime.now(ZoneInfo(load_settings().timezone)).date()
    assert materialize_day(today - dt.timedelta(days=1), gomag_api, store).success
    never = _freshness(store, instance)
    assert not never.passed and "never been imported" in never.description
    assert materialize_day(today, gomag_api, store).success
    fresh = _freshness(store, instance)
    assert fresh.passed
    assert 0 <= fresh.metadata["lag_minutes"].value <= fresh.metadata["max_lag_minutes"].value


def test_conservation_fails_when_landed_orders_lack_a_status(demo_shop, gomag_api, tmp_path):
    """Orders landed after validation ran have no status in the import: the check must say so."""
    store = OrderStore(db_path=str(tmp_path / "gomag.sqlite"))
    assert materialize_day(DAY, gomag_api, store).success
    demo_shop.add_orders(DAY, 3)
    assert materialize_day(DAY, gomag_api, store, [raw_orders]).success
    result = materialize_day(DAY, gomag_api, store, [imported_orders])
    check = {c.check_name: c for c in result.get_asset_check_evaluations()}["conservation"]
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
