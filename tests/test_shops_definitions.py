"""Many shops in one deployment: each shop of the shops file gets its own prefixed assets, group,
partitions, job, schedules, sensors and resources, all in one order store; two demo shops
backfilled at once on PostgreSQL each have their orders stored once."""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from dagster import (
    AssetKey,
    DagsterInstance,
    DefaultScheduleStatus,
    build_schedule_context,
    build_sensor_context,
    instance_for_test,
    materialize,
)
from store_fixtures import query
from support.days import DAY
from test_assets import _expected_statuses

from gomag_assets.assets.common import SHOP_TAG
from gomag_assets.definitions import build_definitions
from gomag_assets.demo import DemoShop
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import load_settings
from gomag_assets.shops import load_shops

RANGE = [DAY + dt.timedelta(days=n) for n in range(3)]
SHOPS_FILE = """
[[shops]]
name = "vending_ro"
api_url = "{vending_url}"
api_shop = "https://www.vending.ro"
api_key_env = "GOMAG_KEY_VENDING_RO"
timezone = "Europe/Bucharest"
start_date = "2026-09-01"
schedules_on = true

[[shops]]
name = "bakery_uk"
api_url = "{bakery_url}"
api_shop = "https://bakery.example"
api_key_env = "GOMAG_KEY_BAKERY_UK"
timezone = "Europe/London"
start_date = "2026-09-15"
"""


def _definitions(tmp_path, monkeypatch, vending_url: str, bakery_url: str, **env: str):
    path = tmp_path / "shops.toml"
    path.write_text(SHOPS_FILE.format(vending_url=vending_url, bakery_url=bakery_url))
    env = {"GOMAG_SHOPS_FILE": str(path), "GOMAG_DB_PATH": str(tmp_path / "gomag.sqlite")} | env
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    return build_definitions(settings, shops=load_shops(settings))


@pytest.fixture
def shop_keys(monkeypatch) -> None:
    monkeypatch.setenv("GOMAG_KEY_VENDING_RO", "demo-key")
    monkeypatch.setenv("GOMAG_KEY_BAKERY_UK", "bakery-key")


def test_each_shop_has_its_own_prefixed_assets_group_partitions_and_automation(
    tmp_path, monkeypatch, shop_keys
):
    defs = _definitions(tmp_path, monkeypatch, "http://127.0.0.1:9", "http://127.0.0.1:9")

    graph = defs.resolve_asset_graph()
    for shop, zone, start in (
        ("vending_ro", "Europe/Bucharest", "2026-09-01"),
        ("bakery_uk", "Europe/London", "2026-09-15"),
    ):
        names = ("raw_orders", "validated_orders", "imported_orders", "imported_orders_today")
        for name in names:
            node = graph.get(AssetKey([shop, name]))
            assert node.group_name == shop
        partitions = graph.get(AssetKey([shop, "raw_orders"])).partitions_def
        assert (partitions.timezone, partitions.start.date().isoformat()) == (zone, start)
        job = defs.resolve_job_def(f"{shop}__gomag_orders_job")
        assert job.tags["gomag/shop"] == shop
        assert {f"{shop}__gomag_api", f"{shop}__order_store"} <= set(defs.resources)
        assert defs.resources[f"{shop}__order_store"].shop == shop
        assert defs.resources[f"{shop}__order_store"].upgraded_shop == "vending_ro", "the first"
    apis = {shop: defs.resources[f"{shop}__gomag_api"] for shop in ("vending_ro", "bakery_uk")}
    assert (apis["vending_ro"].api_shop, apis["bakery_uk"].api_shop) == (
        "https://www.vending.ro",
        "https://bakery.example",
    ), "each shop its own client, so its own pacing"
    assert AssetKey("raw_orders") not in graph.get_all_asset_keys()
    schedules = {s.name: s for s in defs.schedules}
    assert schedules["vending_ro__gomag_intraday_refresh"].default_status == (
        DefaultScheduleStatus.RUNNING
    )
    assert schedules["bakery_uk__gomag_nightly_finalize"].default_status == (
        DefaultScheduleStatus.STOPPED
    )
    sensors = {s.name for s in defs.sensors}
    for shop in ("vending_ro", "bakery_uk"):
        for sensor in ("late_updates", "run_failure_alert", "malformed_alert", "freshness_alert"):
            assert f"{shop}__gomag_{sensor}" in sensors


def test_no_shops_file_keeps_the_single_shop_names(tmp_path, monkeypatch):
    monkeypatch.delenv("GOMAG_SHOPS_FILE", raising=False)
    settings = load_settings()
    defs = build_definitions(settings, shops=load_shops(settings))
    assert {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()} == {
        "raw_orders",
        "validated_orders",
        "imported_orders",
        "imported_orders_today",
    }
    assert {"gomag_api", "order_store"} == set(defs.resources)
    assert defs.resources["order_store"].shop == "default"
    assert defs.resolve_job_def("gomag_orders_job").tags["gomag/shop"] == "default"


def _backfill(defs, shop: str, results: dict[str, tuple[bool, dict[str, str]]]) -> None:
    """One run over ``RANGE`` of the shop's job (a one-shop backfill), in an instance of its
    thread's own; notes whether it succeeded and its tags."""
    job = defs.resolve_job_def(f"{shop}__gomag_orders_job")
    with DagsterInstance.ephemeral() as instance:
        result = job.execute_in_process(
            instance=instance,
            tags={
                "dagster/asset_partition_range_start": RANGE[0].isoformat(),
                "dagster/asset_partition_range_end": RANGE[-1].isoformat(),
            },
            raise_on_error=False,
        )
        results[shop] = (result.success, dict(result.dagster_run.tags))


@pytest.mark.slow
def test_two_shops_backfilled_in_parallel_on_postgres_store_each_shops_orders_once(
    tmp_path, monkeypatch, shop_keys, shop_factory, postgres_server
):
    vending: DemoShop = shop_factory(seed=7)
    bakery: DemoShop = shop_factory(
        seed=11, api_key="bakery-key", api_shop="https://bakery.example"
    )
    for _ in RANGE:  # a failure of the vending shop's API for each day, retried
        vending.faults.queue("500", "ok")
    url = postgres_server.fresh_database()
    defs = _definitions(tmp_path, monkeypatch, vending.base_url, bakery.base_url, GOMAG_DB_URL=url)

    results: dict[str, tuple[bool, dict[str, str]]] = {}
    threads = [
        threading.Thread(target=_backfill, args=(defs, shop, results))
        for shop in ("vending_ro", "bakery_uk")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert results["vending_ro"][0] and results["bakery_uk"][0], "both backfills succeed"
    assert results["vending_ro"][1]["gomag/shop"] == "vending_ro"
    assert results["bakery_uk"][1]["gomag/shop"] == "bakery_uk"
    ids = {}
    for name, demo in (("vending_ro", vending), ("bakery_uk", bakery)):
        store = OrderStore(db_url=url, shop=name)
        ids[name] = set()
        for day in RANGE:
            expected = _expected_statuses(demo, day)
            rows = query(
                store,
                "SELECT order_id, status FROM orders WHERE shop = ? AND partition_date = ?",
                name,
                day.isoformat(),
            )
            assert len(rows) == len(dict(rows)) == len(expected) > 0, (name, day)
            assert dict(rows) == expected, (name, day)
            ids[name] |= set(expected)
    shared = ids["vending_ro"] & ids["bakery_uk"]
    assert shared, "the demo shops number their orders alike: some ids are in both"
    some_id = min(shared)
    (stored,) = query(store, "SELECT count(*) FROM orders WHERE order_id = ?", some_id)
    assert stored == (2,), "an id in two shops is two orders"
    (total,) = query(store, "SELECT count(*) FROM orders")
    assert total == (len(ids["vending_ro"]) + len(ids["bakery_uk"]),)
    assert vending.faults.pending() == []


def test_each_shops_nightly_run_finalizes_its_own_yesterday_tagged_with_shop_and_day(
    tmp_path, monkeypatch, shop_keys
):
    """Half past midnight in Bucharest is 22:30 in London: only the vending shop's day ended."""
    defs = _definitions(tmp_path, monkeypatch, "http://127.0.0.1:9", "http://127.0.0.1:9")
    tick = dt.datetime(2026, 10, 2, 0, 30, tzinfo=ZoneInfo("Europe/Bucharest"))

    requested = {}
    for shop in ("vending_ro", "bakery_uk"):
        schedule = defs.resolve_schedule_def(f"{shop}__gomag_nightly_finalize")
        with build_schedule_context(
            scheduled_execution_time=tick, repository_def=defs.get_repository_def()
        ) as context:
            (request,) = schedule.evaluate_tick(context).run_requests
        requested[shop] = (request.partition_key, request.tags["gomag/shop_day"])

    assert requested == {
        "vending_ro": ("2026-10-01", "vending_ro/2026-10-01"),
        "bakery_uk": ("2026-09-30", "bakery_uk/2026-09-30"),
    }


def test_a_failed_run_of_one_shop_alerts_naming_that_shop_and_only_from_its_own_sensor(
    tmp_path, monkeypatch, shop_keys, demo_shop
):
    monkeypatch.setenv("GOMAG_KEY_VENDING_RO", "wrong-key")
    defs = _definitions(tmp_path, monkeypatch, demo_shop.base_url, demo_shop.base_url)
    alerts = tmp_path / "alerts.log"
    with instance_for_test() as instance:
        sensors = {
            shop: defs.resolve_sensor_def(f"{shop}__gomag_run_failure_alert")
            for shop in ("vending_ro", "bakery_uk")
        }
        cursors = {}
        for shop, sensor in sensors.items():  # the daemon's first tick sets each cursor
            with build_sensor_context(instance=instance) as context:
                cursors[shop] = sensor.evaluate_tick(context).cursor
        failed = defs.resolve_job_def("vending_ro__gomag_orders_job").execute_in_process(
            instance=instance, partition_key=DAY.isoformat(), raise_on_error=False
        )
        assert not failed.success

        with build_sensor_context(instance=instance, cursor=cursors["bakery_uk"]) as context:
            sensors["bakery_uk"].evaluate_tick(context)
        assert not alerts.exists(), "the bakery's sensor does not alert for the vending shop"
        with build_sensor_context(instance=instance, cursor=cursors["vending_ro"]) as context:
            sensors["vending_ro"].evaluate_tick(context)

    text = alerts.read_text(encoding="utf-8")
    assert f"run {failed.run_id} of vending_ro__gomag_orders_job failed" in text
    assert "\nshop: vending_ro\n" in text
    assert "wrong-key" not in text


def test_a_run_of_dagsters_own_asset_job_is_tagged_with_its_shop(
    tmp_path, monkeypatch, shop_keys, demo_shop
):
    """Guards ``name_the_shop``: runs from the UI's asset graph and UI backfills run Dagster's
    own asset job, launched without a shop tag; the op adds it."""
    defs = _definitions(tmp_path, monkeypatch, demo_shop.base_url, demo_shop.base_url)
    tags = {}
    with instance_for_test() as instance:
        for shop in ("vending_ro", "bakery_uk"):
            key = AssetKey([shop, "raw_orders"])
            result = materialize(
                [defs.resolve_assets_def(key)],
                selection=[key],
                partition_key=DAY.isoformat(),
                instance=instance,
                raise_on_error=False,
            )
            assert result.dagster_run.job_name == "__ephemeral_asset_job__", "not a shop's job"
            tags[shop] = instance.get_run_by_id(result.run_id).tags.get(SHOP_TAG)

    assert tags == {"vending_ro": "vending_ro", "bakery_uk": "bakery_uk"}
