"""The command lines a user types: Dagster's CLI on this code location, and the demo command."""

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from dagster import AssetCheckKey, AssetKey, AssetRecordsFilter, DagsterInstance
from support.days import DAY

from gomag_assets.resources.order_store import OrderStore

pytestmark = pytest.mark.slow  # each test starts the command in a new interpreter

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOMAG_", "DAGSTER_"))}
    env.update(DAGSTER_HOME=str(home), GOMAG_DB_PATH=str(tmp_path / "gomag.sqlite"), **extra)
    return env


def _run(command: list, env: dict[str, str]) -> subprocess.CompletedProcess:
    """One command line in the project root, as a user types it, its output captured."""
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_the_code_location_on_sqlite_loads_without_the_postgresql_driver(tmp_path):
    """psycopg costs every process ~0.2 CPU-s to import; only a store on PostgreSQL uses it."""
    probe = "import sys, gomag_assets; print(sorted(m for m in sys.modules if 'psycopg' in m))"
    done = _run([sys.executable, "-c", probe], _env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_definitions_validate(tmp_path):
    done = _run([BIN / "dagster", "definitions", "validate", "-m", "gomag_assets"], _env(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr


def test_dg_checks_and_lists_the_definitions(tmp_path):
    checked, listed = (
        _run([BIN / "dg", *command], _env(tmp_path))
        for command in (("check", "defs"), ("list", "defs", "--json"))
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "All definitions loaded successfully" in checked.stdout + checked.stderr
    assert listed.returncode == 0, listed.stderr
    for name in ("raw_orders", "validated_orders", "imported_orders", "imported_orders_today"):
        assert f'"{name}"' in listed.stdout, name


def _shop_env(tmp_path: Path, shop) -> dict[str, str]:
    return _env(
        tmp_path,
        GOMAG_API_URL=shop.base_url,
        GOMAG_API_KEY=shop.api_key,
        GOMAG_API_SHOP=shop.config.api_shop,
    )


def _latest_figures(instance: DagsterInstance, asset: str, day: str) -> tuple[int, dict]:
    """How many materializations ``asset`` has for ``day``, and the latest one's metadata."""
    records = instance.fetch_materializations(
        AssetRecordsFilter(AssetKey(asset), asset_partitions=[day]), limit=10
    ).records
    latest = records[0].asset_materialization.metadata if records else {}
    return len(records), {name: value.value for name, value in latest.items()}


def test_partition_range_backfill_from_the_cli(tmp_path, demo_shop):
    env = _shop_env(tmp_path, demo_shop)
    days = f"{DAY}...{DAY + dt.timedelta(days=2)}"
    done = _run(
        [BIN / "dagster", "asset", "materialize", "-m", "gomag_assets", "--select", "*"]
        + ["--partition-range", days],
        env,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    expected = sum(len(demo_shop.orders_for_day(DAY + dt.timedelta(days=n))) for n in range(3))
    with sqlite3.connect(tmp_path / "gomag.sqlite") as conn:
        (stored,) = conn.execute("SELECT count(*) FROM orders").fetchone()
        (runs,) = conn.execute("SELECT count(*) FROM sync_runs").fetchone()
    assert stored == expected
    assert runs == 1, "a range backfill is one run"
    assert demo_shop.api_key not in done.stdout + done.stderr

    # Each day's page tells that day's truth: its own figures, its own check rows.
    store = OrderStore(db_path=env["GOMAG_DB_PATH"])
    days = [(DAY + dt.timedelta(days=n)).isoformat() for n in range(3)]
    with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        for day in days:
            statuses = store.status_counts(partition_date=day)
            landed = store.count_raw_orders(day)
            raw = _latest_figures(instance, "raw_orders", day)
            validated = _latest_figures(instance, "validated_orders", day)
            imported = _latest_figures(instance, "imported_orders", day)
            assert raw[0] == validated[0] == imported[0] == 1, "one materialization a day"
            assert (
                raw[1]["dagster/row_count"]
                == landed
                == len(demo_shop.orders_for_day(dt.date.fromisoformat(day)))
            )
            assert validated[1]["malformed_orders"] == statuses.get("MALFORMED", 0)
            assert imported[1]["dagster/row_count"] == sum(statuses.values()) == landed
            assert imported[1]["imported"] == statuses.get("IMPORTED", 0)
            assert imported[1]["cancelled"] == statuses.get("CANCELLED", 0)
            assert imported[1]["database"] == str(Path(env["GOMAG_DB_PATH"]).resolve())
        for asset, check in (
            ("validated_orders", "malformed_share"),
            ("validated_orders", "column_schema"),
            ("imported_orders", "conservation"),
            ("imported_orders", "totals_reconcile"),
        ):
            rows = instance.event_log_storage.get_asset_check_execution_history(
                AssetCheckKey(AssetKey(asset), check), limit=20
            )
            assert sorted(row.partition for row in rows) == days, (check, rows)
            assert all(row.status.value in ("SUCCEEDED", "FAILED") for row in rows), rows


def test_one_asset_from_the_dg_cli_runs_only_that_stage(tmp_path, demo_shop):
    env = _shop_env(tmp_path, demo_shop)
    launch = [BIN / "dg", "launch", "--partition", DAY.isoformat(), "--assets"]
    raw = _run([*launch, "raw_orders"], env)
    assert raw.returncode == 0, raw.stderr[-3000:]
    store = OrderStore(db_path=env["GOMAG_DB_PATH"])
    assert store.count_raw_orders(DAY.isoformat()) == len(demo_shop.orders_for_day(DAY))
    assert store.read_validated_orders(DAY.isoformat()) == []
    with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        assert _latest_figures(instance, "validated_orders", DAY.isoformat())[0] == 0

    rest = _run([*launch, "validated_orders,imported_orders"], env)
    assert rest.returncode == 0, rest.stderr[-3000:]
    statuses = store.status_counts(partition_date=DAY.isoformat())
    assert sum(statuses.values()) == len(demo_shop.orders_for_day(DAY))
    with DagsterInstance.from_config(env["DAGSTER_HOME"]) as instance:
        assert _latest_figures(instance, "raw_orders", DAY.isoformat())[0] == 1
        assert _latest_figures(instance, "imported_orders", DAY.isoformat())[0] == 1


def test_an_invalid_setting_is_one_clear_line(tmp_path):
    done = _run(
        [sys.executable, "-m", "gomag_assets.demo.run", "--days", "1"],
        _env(tmp_path, GOMAG_START_DATE="2024-02-30"),
    )
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "GOMAG_START_DATE" in lines[0] and "Traceback" not in done.stderr


def test_one_shops_range_backfill_from_the_dg_cli_is_one_run_of_that_shop(tmp_path, shop_factory):
    """The README's selection of one shop: ``dg launch --assets 'group:NAME'``."""
    vending, bakery = shop_factory(seed=7), shop_factory(seed=11, api_key="bakery-key")
    shops_file = tmp_path / "shops.toml"
    shops_file.write_text(
        "".join(
            f'[[shops]]\nname = "{name}"\napi_url = "{shop.base_url}"\n'
            f'api_shop = "{shop.config.api_shop}"\napi_key_env = "{key_env}"\n\n'
            for name, shop, key_env in (
                ("vending_ro", vending, "GOMAG_KEY_VENDING_RO"),
                ("bakery_md", bakery, "GOMAG_KEY_BAKERY_MD"),
            )
        )
    )
    env = _env(
        tmp_path,
        GOMAG_SHOPS_FILE=str(shops_file),
        GOMAG_KEY_VENDING_RO=vending.api_key,
        GOMAG_KEY_BAKERY_MD=bakery.api_key,
    )
    days = f"{DAY}...{DAY + dt.timedelta(days=1)}"
    done = _run(
        [BIN / "dg", "launch", "--assets", "group:vending_ro", "--partition-range", days], env
    )

    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    expected = sum(len(vending.orders_for_day(DAY + dt.timedelta(days=n))) for n in range(2))
    with sqlite3.connect(tmp_path / "gomag.sqlite") as conn:
        stored = conn.execute("SELECT shop, count(*) FROM orders GROUP BY shop").fetchall()
        runs = conn.execute("SELECT shop, count(*) FROM sync_runs GROUP BY shop").fetchall()
    assert stored == [("vending_ro", expected)]
    assert runs == [("vending_ro", 1)], "one shop's range backfill is one run"
    assert bakery.traffic.requests == 0
    assert vending.api_key not in done.stdout + done.stderr
