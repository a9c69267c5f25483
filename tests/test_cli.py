"""The command lines a user types: Dagster's CLI on this code location, and the demo command."""

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from support.days import DAY

pytestmark = pytest.mark.slow  # each test starts the command in a new interpreter

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[1]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    home = tmp_path / "dagster_home"
    home.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOMAG_", "DAGSTER_"))}
    env.update(DAGSTER_HOME=str(home), GOMAG_DB_PATH=str(tmp_path / "gomag.sqlite"), **extra)
    return env


def test_definitions_validate(tmp_path):
    done = subprocess.run(
        [BIN / "dagster", "definitions", "validate", "-m", "gomag_assets"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_partition_range_backfill_from_the_cli(tmp_path, demo_shop):
    env = _env(
        tmp_path,
        GOMAG_API_URL=demo_shop.base_url,
        GOMAG_API_KEY=demo_shop.api_key,
        GOMAG_API_SHOP=demo_shop.config.api_shop,
    )
    done = subprocess.run(
        [
            BIN / "dagster",
            "asset",
            "materialize",
            "-m",
            "gomag_assets",
            "--select",
            "*",
            "--partition-range",
            f"{DAY}...{DAY + dt.timedelta(days=2)}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    expected = sum(len(demo_shop.orders_for_day(DAY + dt.timedelta(days=n))) for n in range(3))
    with sqlite3.connect(tmp_path / "gomag.sqlite") as conn:
        (stored,) = conn.execute("SELECT count(*) FROM orders").fetchone()
        (runs,) = conn.execute("SELECT count(*) FROM sync_runs").fetchone()
    assert stored == expected
    assert runs == 1, "a range backfill is one run"
    assert demo_shop.api_key not in done.stdout + done.stderr


def test_an_invalid_setting_is_one_clear_line(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "gomag_assets.demo.run", "--days", "1"],
        cwd=ROOT,
        env=_env(tmp_path, GOMAG_START_DATE="2024-02-30"),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert "GOMAG_START_DATE" in lines[0] and "Traceback" not in done.stderr
