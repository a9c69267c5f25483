"""A run launched from the CLI executes in the CLI's own process (``in_process_executor``):
killed in the middle of its import, it leaves only whole orders, and a rerun completes the day."""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from support.days import DAY, PARTITION
from support.lockstep import child_env

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store import OrderStore
from reliability.store_checks import (
    account,
    assert_file_is_sound,
    crash_figures,
    imported_more_than_once,
)

pytestmark = pytest.mark.slow

GUARANTEE = "crash consistency through the CLI"
BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
CRASHING_LOCATION = ROOT / "tests" / "support" / "crashing_location.py"
CHUNK = 10
KILL_AT = 4
"""The 4th ``INSERT INTO orders``: after the MALFORMED tier and two chunks of valid orders."""


def _materialize(env: dict[str, str], *target: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BIN / "dagster", "asset", "materialize", *target, "--select", "*"]
        + ["--partition", PARTITION],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_cli_run_killed_mid_import_leaves_whole_orders_and_a_rerun_completes_it(
    tmp_path, shop_factory, figures
):
    shop = shop_factory(orders_per_day=100)
    db_path = tmp_path / "gomag.sqlite"
    (tmp_path / "home").mkdir()
    env = {k: v for k, v in child_env().items() if not k.startswith(("GOMAG_", "DAGSTER_"))}
    env |= {
        "DAGSTER_HOME": str(tmp_path / "home"),
        "GOMAG_API_URL": shop.base_url,
        "GOMAG_API_KEY": shop.api_key,
        "GOMAG_API_SHOP": shop.config.api_shop,
        "GOMAG_DB_PATH": str(db_path),
    }
    crashing = env | {"GOMAG_TEST_KILL_AT": str(KILL_AT), "GOMAG_TEST_CHUNK_SIZE": str(CHUNK)}

    killed = _materialize(crashing, "-f", str(CRASHING_LOCATION))

    assert killed.returncode == -signal.SIGKILL, killed.stderr[-3000:]
    assert "Executing steps in process" in killed.stderr, "the run ran in the CLI's process"
    store = OrderStore(db_path=str(db_path))
    verdicts = store.read_validated_orders(PARTITION)
    malformed = {o["order_id"] for o in verdicts if o["verdict"] == OrderStatus.MALFORMED}
    assert len(verdicts) == len(shop.orders_for_day(DAY)) and malformed
    assert_file_is_sound(db_path)
    after_kill = account(db_path, verdicts, malformed)

    rerun = _materialize(env, "-m", "gomag_assets")

    after_rerun = account(db_path, verdicts, malformed)
    figures.add(GUARANTEE, **crash_figures(db_path, len(verdicts), after_kill, after_rerun))
    assert after_kill.broken == [], "the kill left orders half-written"
    assert after_kill.whole > 0 and after_kill.absent > 0, "the kill landed mid-import"
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert after_rerun.whole == len(verdicts) and after_rerun.broken == []
    assert imported_more_than_once(db_path) == 0
    assert_file_is_sound(db_path)
    assert os.path.getsize(db_path) > 0
