"""SIGKILL at any point of an import, then a rerun of the same window: nothing lost, nothing twice.

The driver (``crash_driver plan``) numbers the statements of one full run of a 604-order batch,
picks points spread over the MALFORMED pre-flight, the bulk path, the isolation fallback and the
reconnect guard (plus three kills inside a large ``executemany`` and one inside the errors-log
append), and kills one child process at each. Each test here takes one killed store and checks
it before and after a rerun in this process with a clean ``OrderStore``.
"""

import signal
from pathlib import Path

import pytest
from store_fixtures import PARTITION, row_count

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.resources.order_store.errors_log import MalformedRecord
from reliability.crash_driver import (
    DEATH_NOTE,
    MALFORMED_REASONS,
    POINT_IDS,
    POSTGRES_POINT_IDS,
    crash_batch,
    malformed_ids,
    poison_ids,
    run_driver,
)
from reliability.store_checks import (
    account,
    assert_file_is_sound,
    crash_figures,
    imported_more_than_once,
    read_log,
)

GUARANTEE = "crash consistency"
pytestmark = pytest.mark.slow  # 37 processes run a 604-order batch until they are killed


def store_log(db_path: str) -> Path:
    return OrderStore(db_path=db_path).errors_log_path


def _planned(*args: str) -> dict:
    report = run_driver("plan", *args)
    report["by_id"] = {point["id"]: point for point in report["points"]}
    return report


@pytest.fixture(scope="module")
def crash_plan(tmp_path_factory) -> dict:
    return _planned(str(tmp_path_factory.mktemp("crashes")))


@pytest.fixture(scope="module")
def postgres_crash_plan(tmp_path_factory, postgres_server) -> dict:
    """Fewer points than SQLite's (each run is slower), none inside a statement."""
    return _planned(str(tmp_path_factory.mktemp("pg-crashes")), "--postgres", postgres_server.url)


def test_kill_points_are_spread_over_bulk_fallback_and_reconnect(crash_plan, figures):
    points = crash_plan["points"]
    distinct = {(point["statement"], point["mode"]) for point in points}
    per_path = {
        path: sum(1 for p in points if p["path"] == path)
        for path in crash_plan["census"]["per_path"]
    }

    assert [point["id"] for point in points] == POINT_IDS
    assert len(distinct) == len(points) >= 20
    assert per_path["bulk"] >= 5 and per_path["fallback"] >= 5 and per_path["reconnect"] >= 5
    assert all(point["signal"] == signal.SIGKILL for point in points), points
    census = crash_plan["census"]["counts"]
    assert census[OrderStatus.IMPORTED] == 596 and census[OrderStatus.MALFORMED] == 8
    figures.add(
        GUARANTEE,
        statements_per_run=crash_plan["census"]["statements"],
        processes_killed=len(points),
        **{f"points_{path}": n for path, n in per_path.items()},
    )


@pytest.mark.parametrize("point_id", POINT_IDS)
def test_a_run_killed_at_any_point_is_completed_by_a_rerun(crash_plan, point_id, figures):
    _assert_killed_run_completed(crash_plan["by_id"][point_id], figures)


@pytest.mark.parametrize("point_id", POSTGRES_POINT_IDS)
def test_a_postgres_run_killed_at_any_point_is_completed_by_a_rerun(
    postgres_crash_plan, point_id, figures
):
    _assert_killed_run_completed(postgres_crash_plan["by_id"][point_id], figures)


def test_postgres_kill_points_cover_every_path(postgres_crash_plan):
    points = postgres_crash_plan["points"]
    assert [point["id"] for point in points] == POSTGRES_POINT_IDS
    assert all(point["signal"] == signal.SIGKILL for point in points), points
    assert len({point["statement"] for point in points}) == len(points)


def _assert_killed_run_completed(point: dict, figures) -> None:
    """The killed store is sound and holds no half-written order; a rerun completes it."""
    point_id, db_path, db_url = point["id"], point["db_path"], point["db_url"]
    killed = OrderStore(db_path=db_path, db_url=db_url)
    where = killed if db_url else db_path
    batch = crash_batch()
    must_be_malformed = malformed_ids() | poison_ids()
    assert point["signal"] == signal.SIGKILL, f"{point_id} was not killed: {point}"
    if point["mode"] == "torn":
        assert read_log(store_log(db_path)).torn == 1, "the append was not cut"
    else:
        died_in = int(Path(db_path).with_name(DEATH_NOTE).read_text())
        assert died_in == point["statement"], "the kill slipped to a later statement"
    if not db_url:
        assert_file_is_sound(db_path)
    after_kill = account(where, batch, must_be_malformed)

    store = killed
    outcome = store.save_orders_batch(batch, run_id="rerun", partition_date=PARTITION)

    after_rerun = account(where, batch, must_be_malformed)
    log = read_log(store.errors_log_path)
    figures.add(
        GUARANTEE + (" (postgres)" if db_url else ""),
        **crash_figures(where, len(batch), after_kill, after_rerun),
        torn_log_lines=log.torn,
    )
    assert after_kill.broken == [], "the kill left orders half-written"
    assert list(outcome.statuses) == [order["order_id"] for order in batch]
    assert sum(outcome.counts.values()) == len(batch)
    assert (
        outcome.counts[OrderStatus.IMPORTED] + outcome.counts[OrderStatus.ALREADY_IMPORTED] == 596
    )
    assert outcome.counts[OrderStatus.MALFORMED] == len(must_be_malformed)
    if not db_url:
        assert_file_is_sound(db_path)
    assert after_rerun.broken == []
    assert after_rerun.whole == len(batch)
    assert imported_more_than_once(where) == 0
    assert row_count(where, "sync_run_orders", "run_id = 'rerun'") == len(batch)
    for order_id, reason in zip(sorted(malformed_ids()), MALFORMED_REASONS, strict=True):
        assert store.get_order(order_id)["error_message"] == reason

    assert log.torn == 0
    logged = [record for record in log.records if record[1] == "rerun"]
    assert sorted(record[2] for record in logged) == sorted(must_be_malformed)
    escaped = {
        MalformedRecord("", "", "", "", reason, "default").to_line().split("\t")[4].rstrip("\n")
        for reason in MALFORMED_REASONS
    }
    assert escaped <= {record[4] for record in logged}
    assert {record[1] for record in log.records} <= {"rerun", "killed"}
