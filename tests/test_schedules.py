"""The schedules evaluated by Dagster at ticks around midnight in the shop's timezone."""

import datetime as dt

import pytest
from dagster import DefaultScheduleStatus, Definitions, build_schedule_context
from support.days import SHOP_TIMEZONE

from gomag_assets.definitions import build_definitions
from gomag_assets.settings import load_settings

UTC = dt.UTC


@pytest.fixture
def definitions(db_path) -> Definitions:
    return build_definitions(load_settings({"GOMAG_DB_PATH": db_path}))


def _requested(definitions: Definitions, name: str, tick: dt.datetime | None):
    """Evaluate schedule ``name`` as the daemon would at ``tick``; its one run request."""
    schedule = definitions.resolve_schedule_def(name)
    with build_schedule_context(
        scheduled_execution_time=tick, repository_def=definitions.get_repository_def()
    ) as context:
        requests = schedule.evaluate_tick(context).run_requests
    assert requests is not None and len(requests) == 1
    return requests[0]


@pytest.mark.parametrize(
    "tick",
    [
        dt.datetime(2026, 10, 2, 0, 30, tzinfo=SHOP_TIMEZONE),
        dt.datetime(2026, 10, 1, 21, 30, tzinfo=UTC),  # the same instant, told in UTC
    ],
)
def test_nightly_after_midnight_finalizes_yesterday_in_shop_time(definitions, tick):
    request = _requested(definitions, "gomag_nightly_finalize", tick)
    assert request.partition_key == "2026-10-01"
    assert request.run_key == "nightly-2026-10-01"


@pytest.mark.parametrize(
    ("tick", "day"),
    [
        (dt.datetime(2026, 10, 1, 23, 50, tzinfo=UTC), "2026-10-02"),  # 02:50 in Bucharest
        (dt.datetime(2026, 10, 1, 20, 50, tzinfo=UTC), "2026-10-01"),  # 23:50 in Bucharest
        (dt.datetime(2026, 10, 2, 0, 0, tzinfo=SHOP_TIMEZONE), "2026-10-02"),
        (dt.datetime(2026, 10, 24, 21, 15, tzinfo=UTC), "2026-10-25"),  # night DST ends
        (dt.datetime(2026, 10, 1, 23, 50), "2026-10-01"),  # naive: shop wall time
    ],
)
def test_intraday_refreshes_todays_partition_in_shop_time(definitions, tick, day):
    request = _requested(definitions, "gomag_intraday_refresh", tick)
    assert request.partition_key == day
    assert request.run_key is None, "every intraday tick is a fresh run"


@pytest.mark.parametrize(
    ("now", "day"),
    [
        (dt.datetime(2026, 10, 1, 20, 50, tzinfo=UTC), "2026-10-01"),  # 23:50 in Bucharest
        (dt.datetime(2026, 10, 1, 21, 10, tzinfo=UTC), "2026-10-02"),  # 00:10 in Bucharest
    ],
)
def test_intraday_evaluated_without_a_tick_time_refreshes_the_clocks_today(db_path, now, day):
    definitions = build_definitions(load_settings({"GOMAG_DB_PATH": db_path}), clock=lambda: now)
    request = _requested(definitions, "gomag_intraday_refresh", None)
    assert request.partition_key == day


def test_schedules_are_off_by_default_and_take_their_cron_from_settings(db_path):
    settings = load_settings(
        {
            "GOMAG_DB_PATH": db_path,
            "GOMAG_INTRADAY_CRON": "*/5 6-23 * * *",
            "GOMAG_NIGHTLY_CRON": "10 1 * * *",
        }
    )
    definitions = build_definitions(settings)
    intraday = definitions.resolve_schedule_def("gomag_intraday_refresh")
    nightly = definitions.resolve_schedule_def("gomag_nightly_finalize")
    assert intraday.cron_schedule == "*/5 6-23 * * *"
    assert nightly.cron_schedule == "10 1 * * *"
    assert [s.name for s in definitions.schedules] == [intraday.name, nightly.name]
    for schedule in (intraday, nightly):
        assert schedule.default_status == DefaultScheduleStatus.STOPPED
        assert schedule.execution_timezone == "Europe/Bucharest"
    assert "today's" in intraday.description and "*/5 6-23 * * *" in intraday.description
    assert "yesterday's" in nightly.description and "10 1 * * *" in nightly.description
    assert intraday.job_name == nightly.job_name == "gomag_orders_job"
