"""The late-updates sensor, ticked by Dagster against a demo shop and a real order store."""

import datetime as dt
import re

import pytest
from dagster import DagsterInstance, build_sensor_context
from support.days import SHOP_TIMEZONE

from gomag_assets.automation.sensors import LateUpdateCursor
from gomag_assets.definitions import build_definitions
from gomag_assets.resources.gomag_api import GoMagApi, GoMagApiError, GoMagFilterIgnored
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import load_settings

TODAY = dt.date(2026, 10, 5)
DAYS = [TODAY - dt.timedelta(days=n) for n in (3, 2, 1)]
"""2026-10-02..04: inside the sensor's three-day lookback."""


class ShopClock:
    """One 'now' for the shop (naive, shop-local) and the sensor (aware); tests move it."""

    def __init__(self) -> None:
        self.local = dt.datetime.combine(TODAY, dt.time(12, 0))

    def shop_now(self) -> dt.datetime:
        return self.local

    def now(self) -> dt.datetime:
        return self.local.replace(tzinfo=SHOP_TIMEZONE)

    def advance(self, **delta: float) -> None:
        self.local += dt.timedelta(**delta)


class IgnoresUpdatedFilter(GoMagApi):
    """Fault injector: sends no ``updated`` filter, as a shop that ignores it answers."""

    def fetch_orders(self, start, end, *, updated_since=None, log=None):
        return super().fetch_orders(start, end, log=log)


class Harness:
    """A shop, a store, the three assets and the sensor under test, with a shared clock."""

    def __init__(self, db_path, shop_factory, api_factory, max_runs: int = 10, api_type=None):
        self.clock = ShopClock()
        self.shop = shop_factory(clock=self.clock.shop_now)
        settings = load_settings(
            {
                "GOMAG_DB_PATH": db_path,
                "GOMAG_LATE_UPDATE_DAYS": "3",
                "GOMAG_LATE_UPDATE_MAX_RUNS": str(max_runs),
            }
        )
        definitions = build_definitions(settings, clock=self.clock.now)
        self.job = definitions.resolve_job_def("gomag_orders_job")
        self.sensor = definitions.resolve_sensor_def("gomag_late_updates")
        self.repository = definitions.get_repository_def()
        self.store = OrderStore(db_path=str(settings.db_path))
        self.api = api_factory(self.shop)
        if api_type is not None:
            self.api = api_type(**self.api.model_dump())
        self.instance = DagsterInstance.ephemeral()
        self.cursor: str | None = None

    def import_days(self, days: list[dt.date]) -> None:
        """One single-run backfill over ``days``, as an operator launches it."""
        result = self.job.execute_in_process(
            instance=self.instance,
            resources={"gomag_api": self.api, "order_store": self.store},
            tags={
                "dagster/asset_partition_range_start": days[0].isoformat(),
                "dagster/asset_partition_range_end": days[-1].isoformat(),
            },
        )
        assert result.success

    def tick(self):
        """Evaluate the sensor once and keep its cursor, as the daemon does."""
        with build_sensor_context(
            instance=self.instance,
            cursor=self.cursor,
            repository_def=self.repository,
            resources={"gomag_api": self.api, "order_store": self.store},
        ) as context:
            result = self.sensor.evaluate_tick(context)
        self.cursor = result.cursor
        return result

    def sound_order(self, day: dt.date, position: int = 0) -> str:
        """An order of ``day`` that is not deliberately malformed."""
        malformed = self.shop.malformed_ids(day)
        sound = [o["id"] for o in self.shop.orders_for_day(day) if o["id"] not in malformed]
        return sound[position]


@pytest.fixture
def harness(db_path, shop_factory, api_factory) -> Harness:
    return Harness(db_path, shop_factory, api_factory)


def _days_and_keys(result) -> list[tuple[str, str]]:
    assert all(r.job_name == "gomag_orders_job" for r in result.run_requests)
    return [(r.partition_key, r.run_key) for r in result.run_requests]


def test_first_tick_without_changes_skips_and_moves_the_cursor_to_today(harness):
    harness.import_days([DAYS[1]])
    result = harness.tick()
    assert result.run_requests == []
    assert "no new changes" in result.skip_message
    assert LateUpdateCursor.parse(result.cursor).since == TODAY.isoformat()


def test_cancelled_order_reruns_its_day_once_per_change(harness):
    day = DAYS[1]
    harness.import_days([day])
    harness.tick()

    harness.shop.cancel_order(harness.sound_order(day))
    first = harness.tick()
    [(partition, first_key)] = _days_and_keys(first)
    assert partition == day.isoformat()
    watermark = first.run_requests[0].tags["gomag/late_update_watermark"]
    assert re.fullmatch("[0-9a-f]{16}", watermark), "a digest: GoMag sends no update stamp"
    assert first_key == f"late-update-{day}-{watermark}"
    assert harness.tick().run_requests == [], "a requested change is not requested again"

    harness.clock.advance(hours=1)
    harness.shop.edit_order(harness.sound_order(day, 1), status="Livrata")
    [(partition, second_key)] = _days_and_keys(harness.tick())
    assert partition == day.isoformat()
    assert second_key != first_key

    harness.import_days([day])  # the requested run lands the edits
    assert harness.tick().run_requests == []
    harness.shop.edit_order(harness.sound_order(day, 2), status="Livrata")  # same second
    [(_, third_key)] = _days_and_keys(harness.tick())
    assert third_key not in (first_key, second_key)


def test_more_changed_days_than_the_bound_are_requested_over_later_ticks(
    db_path, shop_factory, api_factory
):
    harness = Harness(db_path, shop_factory, api_factory, max_runs=2)
    harness.clock.advance(days=-1)  # yesterday: import, tick, and the shop edits three days
    harness.import_days(DAYS)
    harness.tick()
    for day in DAYS:
        harness.shop.cancel_order(harness.sound_order(day))
    harness.clock.advance(days=1, hours=-3)  # today, 09:00

    first = harness.tick()
    assert [d for d, _ in _days_and_keys(first)] == [DAYS[0].isoformat(), DAYS[1].isoformat()]
    assert LateUpdateCursor.parse(first.cursor).since == DAYS[2].isoformat(), (
        "yesterday's edit of the third day must still be read next tick"
    )
    second = harness.tick()
    assert [d for d, _ in _days_and_keys(second)] == [DAYS[2].isoformat()]
    assert LateUpdateCursor.parse(second.cursor).since == TODAY.isoformat()
    assert harness.tick().run_requests == []

    harness.shop.edit_order(harness.sound_order(DAYS[0], 1), status="Livrata")
    [(day, key)] = _days_and_keys(harness.tick())  # changed again before its run
    assert day == DAYS[0].isoformat()
    assert key != _days_and_keys(first)[0][1]


def test_shop_ignoring_the_updated_filter_still_reruns_only_the_changed_day(
    db_path, shop_factory, api_factory
):
    harness = Harness(db_path, shop_factory, api_factory, api_type=IgnoresUpdatedFilter)
    harness.import_days(DAYS)
    harness.tick()
    skipped = harness.tick()
    assert skipped.run_requests == []
    every_order = len(harness.shop.listing(DAYS[0], TODAY))
    assert f"no new changes among {every_order} orders read" in skipped.skip_message

    harness.shop.cancel_order(harness.sound_order(DAYS[0]))
    result = harness.tick()
    assert [d for d, _ in _days_and_keys(result)] == [DAYS[0].isoformat()]


def test_shop_ignoring_every_filter_fails_the_tick_without_moving_the_cursor(
    db_path, shop_factory, api_factory
):
    harness = Harness(db_path, shop_factory, api_factory, api_type=IgnoresUpdatedFilter)
    harness.import_days([DAYS[1]])
    harness.tick()
    before = harness.cursor
    harness.shop.cancel_order(harness.sound_order(DAYS[1]))
    harness.shop.faults.ignore_date_filter = True  # 60 days come back, not the 3 asked for
    with pytest.raises(GoMagFilterIgnored, match="ignored the date filter"):
        harness.tick()
    assert harness.cursor == before
    harness.shop.faults.ignore_date_filter = False
    assert [d for d, _ in _days_and_keys(harness.tick())] == [DAYS[1].isoformat()]


def test_undated_edit_is_mapped_to_the_day_the_store_filed_it_under(harness):
    day = DAYS[2]
    harness.import_days([day])
    harness.tick()
    harness.shop.edit_order(harness.sound_order(day), date="nope")
    assert [d for d, _ in _days_and_keys(harness.tick())] == [day.isoformat()]


def test_days_never_imported_are_left_to_the_schedules(harness):
    harness.import_days([DAYS[1]])
    harness.shop.cancel_order(harness.sound_order(DAYS[0]))
    harness.shop.add_orders(DAYS[2], 2)
    assert harness.tick().run_requests == []


def test_struggling_api_fails_the_tick_fast_without_moving_the_cursor(
    db_path, shop_factory, api_factory
):
    harness = Harness(db_path, shop_factory, api_factory)
    harness.import_days([DAYS[1]])
    harness.tick()
    before = harness.cursor
    harness.shop.faults.queue("503", "503", "503")
    harness.shop.traffic.reset()
    with pytest.raises(GoMagApiError, match="gave up after 2 attempts") as caught:
        harness.tick()
    assert harness.shop.api_key not in str(caught.value)
    assert harness.shop.traffic.requests == 2, "the tick's own retry cap, not the resource's 6"
    assert harness.cursor == before
