"""Asset checks evaluated in real runs: the MALFORMED share at both thresholds, conservation."""

import datetime as dt
import sqlite3

from dagster import AssetCheckSeverity, DagsterInstance
from pipeline import materialize_day
from support.days import SHOP_TIMEZONE

from gomag_assets.assets import imported_orders, raw_orders
from gomag_assets.definitions import build_definitions
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import load_settings

DAY = dt.date(2026, 10, 6)


def _run(shop, api_factory, store: OrderStore, **config):
    run_config = {"ops": {"validated_orders": {"config": config}}} if config else None
    result = materialize_day(DAY, api_factory(shop), store, run_config=run_config)
    checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
    return result, checks, store


def test_malformed_share_within_threshold_passes(shop_factory, api_factory, store):
    shop = shop_factory(malformed_share=0.0)
    result, checks, _ = _run(shop, api_factory, store)
    assert result.success
    assert checks["malformed_share"].passed
    assert checks["malformed_share"].metadata["worst_share"].value == 0.0


def test_malformed_share_above_threshold_warns_and_still_imports(shop_factory, api_factory, store):
    shop = shop_factory(malformed_share=0.3)
    malformed = shop.malformed_ids(DAY)
    total = len(shop.orders_for_day(DAY))
    result, checks, _ = _run(shop, api_factory, store, malformed_warn_share=0.1)
    check = checks["malformed_share"]
    assert result.success
    assert not check.passed and check.severity == AssetCheckSeverity.WARN
    assert check.metadata["worst_share"].value == len(malformed) / total > 0.1
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
    assert DAY.isoformat() in check.metadata["feed_changed_days"].value
    assert not result.asset_materializations_for_node("imported_orders")
    assert sum(store.status_counts(partition_date=DAY.isoformat()).values()) == 0
    assert len(store.malformed_orders(DAY.isoformat())) == total, "kept, not dropped"


def test_conservation_check_counts_every_landed_order(demo_shop, gomag_api, store):
    result = materialize_day(DAY, gomag_api, store)
    check = {c.check_name: c for c in result.get_asset_check_evaluations()}["conservation"]
    landed = len(demo_shop.orders_for_day(DAY))
    assert check.passed
    assert check.metadata["landed"].value == check.metadata["accounted"].value == landed


def _freshness(store: OrderStore, instance, now: dt.datetime):
    """The ``today_is_fresh`` check as it judges at ``now``."""
    settings = load_settings({"GOMAG_DB_PATH": store.db_path})
    definitions = build_definitions(settings, clock=lambda: now)
    job = definitions.resolve_job_def("gomag_freshness_job")
    result = job.execute_in_process(
        instance=instance, resources={"order_store": store}, raise_on_error=False
    )
    (check,) = result.get_asset_check_evaluations()
    return check


def _finished_at(store: OrderStore, run_id: str, moment: dt.datetime) -> None:
    """Date the end of a real run to ``moment``: the store stamps runs with the real time."""
    stamp = moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")
    with sqlite3.connect(store.db_path) as conn:
        conn.execute("UPDATE sync_runs SET finished_at = ? WHERE run_id = ?", (stamp, run_id))


def test_today_is_stale_until_imported_then_fresh_until_the_lag_passes(demo_shop, gomag_api, store):
    """'Today' is the clock's: noon of ``DAY`` in the shop, whatever the real date."""
    noon = dt.datetime.combine(DAY, dt.time(12), SHOP_TIMEZONE)
    instance = DagsterInstance.ephemeral()
    assert materialize_day(DAY - dt.timedelta(days=1), gomag_api, store).success
    never = _freshness(store, instance, noon)
    assert not never.passed and never.description == f"today ({DAY}) has never been imported"

    imported = materialize_day(DAY, gomag_api, store)
    assert imported.success
    _finished_at(store, imported.run_id, noon - dt.timedelta(minutes=5))
    fresh = _freshness(store, instance, noon)
    max_lag = fresh.metadata["max_lag_minutes"].value
    late = _freshness(store, instance, noon + dt.timedelta(minutes=max_lag - 4))

    assert fresh.passed and fresh.metadata["lag_minutes"].value == 5.0
    assert not late.passed and late.metadata["lag_minutes"].value == max_lag + 1
    assert late.description.startswith(f"today ({DAY}) last imported ")


def test_conservation_fails_when_landed_orders_lack_a_status(demo_shop, gomag_api, store):
    """Orders landed after validation ran have no status in the import: the check must say so."""
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
