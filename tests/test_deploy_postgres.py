"""``deploy/dagster.yaml`` end to end: Dagster's instance and the order store on PostgreSQL.

Real processes throughout: the demo shop on loopback, ``dagster-webserver`` and
``dagster-daemon`` on an instance in one database of the test server, the order store in
another, each run in its own process (``DefaultRunLauncher``). Two backfills over disjoint days
are launched at once over GraphQL; the test then reads the instance (when each run started and
ended) and the store (which orders each run stored).

Why the runs overlap however busy the machine is: the shop holds each backfill's first order
page until the other backfill has asked for one too (``Rendezvous``, a thin fault injector in the
shop's request counter). Two runs in progress at once are what makes that happen; with one run at
a time the wait times out, and the overlap test fails as it should.
"""

import datetime as dt
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import yaml
from dagster import (
    DagsterEventType,
    DagsterInstance,
    DagsterRunStatus,
    RunRecord,
    RunsFilter,
)
from support.dagster_processes import REPO, DagsterProcesses, clocked_workspace
from support.days import DAY, SHOP_TIMEZONE

from gomag_assets.demo import DemoShop, DemoShopConfig
from gomag_assets.demo.faults import RecordedRequest

if TYPE_CHECKING:  # imported for its name only: pytest would try to collect a Test* class
    from support.postgres import TestServer

pytestmark = pytest.mark.slow

ASSETS = ["raw_orders", "validated_orders", "imported_orders"]
DAYS_PER_BACKFILL = 3
RANGES = [
    [DAY + dt.timedelta(days=start + n) for n in range(DAYS_PER_BACKFILL)]
    for start in (0, DAYS_PER_BACKFILL)
]
"""Two backfills' days: disjoint, adjacent."""
NOW = dt.datetime.combine(RANGES[-1][-1] + dt.timedelta(days=2), dt.time(12), SHOP_TIMEZONE)
"""The deployment's clock and the shop's: two days after the last backfilled day, at noon."""
BACKFILL_TIMEOUT = 180.0
ORDER_STORE_POOL = "gomag_order_store"
"""The pool of every step that writes the store, as the assets declare it and deploy/dagster.yaml
limits it."""


RENDEZVOUS_TIMEOUT = 90.0
"""Seconds from the first held page until the shop stops holding pages: far above the gap
between two runs' starts on a busy machine, within what the client's retries tolerate (6
attempts of 30 s), and short enough that one run at a time still finishes both backfills."""


class Rendezvous:
    """Holds the order pages of each backfill until every backfill has asked for a page."""

    def __init__(self, ranges: list[list[dt.date]]) -> None:
        self._backfill_of = {day.isoformat(): n for n, days in enumerate(ranges) for day in days}
        self._backfills = len(ranges)
        self._seen: set[int] = set()
        self._deadline: float | None = None
        self._all_seen = threading.Condition()

    def count_request(
        self, count_request: Callable[[RecordedRequest], None], request: RecordedRequest
    ) -> None:
        """Count ``request`` as the shop does, then wait while another backfill has not asked."""
        count_request(request)
        start = re.search(r"startDate=(\d{4}-\d{2}-\d{2})", request.path)
        backfill = self._backfill_of.get(start.group(1)) if start else None
        if backfill is None:
            return
        with self._all_seen:
            self._seen.add(backfill)
            self._all_seen.notify_all()
            if self._deadline is None:
                self._deadline = time.monotonic() + RENDEZVOUS_TIMEOUT
            self._all_seen.wait_for(
                lambda: len(self._seen) == self._backfills,
                timeout=max(0.0, self._deadline - time.monotonic()),
            )


@dataclass
class Deployment:
    """What the tests inspect once both backfills have finished."""

    shop: DemoShop
    instance: DagsterInstance
    store_url: str
    backfills: dict[str, list[dt.date]]
    """Backfill id -> its days."""
    statuses: dict[str, str]
    """Backfill id -> its final status."""
    wall_seconds: float
    """From starting the webserver until both backfills had finished."""
    service_pids: set[int]
    """The webserver's and the daemon's processes."""

    def runs(self, backfill_id: str) -> list[RunRecord]:
        return self.instance.get_run_records(RunsFilter.for_backfill(backfill_id))

    def run_pid(self, record: RunRecord) -> int:
        """The process the run executed in, as its RUN_START event records it."""
        (started,) = self.instance.get_records_for_run(
            record.dagster_run.run_id, of_type=DagsterEventType.RUN_START
        ).records
        return started.event_log_entry.dagster_event.pid

    def days_of_run(self, backfill_id: str, record: RunRecord) -> list[dt.date]:
        """The backfill's days that ``record``'s run covered: its partition or its range."""
        tags = record.dagster_run.tags
        first = tags.get("dagster/asset_partition_range_start") or tags["dagster/partition"]
        last = tags.get("dagster/asset_partition_range_end") or first
        return [day for day in self.backfills[backfill_id] if first <= day.isoformat() <= last]


def _with_psycopg2(url: str) -> str:
    """``url`` naming the driver dagster-postgres needs (deploy/dagster.yaml says why)."""
    return urlunsplit(urlsplit(url)._replace(scheme="postgresql+psycopg2"))


def _instance_home(home: Path) -> None:
    """``deploy/dagster.yaml`` as shipped, but dequeuing every second instead of every five."""
    config = yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text())
    config["run_coordinator"]["config"]["dequeue_interval_seconds"] = 1
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))


@pytest.fixture(scope="module")
def deployment(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: "TestServer"
) -> Iterator[Deployment]:
    """Both backfills finished on a webserver and daemon that are stopped afterwards."""
    tmp_path = tmp_path_factory.mktemp("deploy_postgres")
    home = tmp_path / "dagster_home"
    _instance_home(home)
    workspace = tmp_path / "workspace.yaml"
    workspace.write_text(clocked_workspace())
    instance_url = _with_psycopg2(postgres_server.fresh_database())
    store_url = postgres_server.fresh_database()
    shop_now = NOW.replace(tzinfo=None)  # the shop keeps naive local time
    with (
        DemoShop(DemoShopConfig(clock=lambda: shop_now)).serving() as shop,
        pytest.MonkeyPatch.context() as patch,
    ):
        counted = shop.traffic.count_request
        rendezvous = Rendezvous(RANGES)
        patch.setattr(
            shop.traffic,
            "count_request",
            lambda request: rendezvous.count_request(counted, request),
        )
        patch.setenv("DAGSTER_PG_URL", instance_url)  # for this process's instance below
        env = {
            **os.environ,
            "DAGSTER_HOME": str(home),
            "DAGSTER_PG_URL": instance_url,
            "GOMAG_API_URL": shop.base_url,
            "GOMAG_API_KEY": shop.api_key,
            "GOMAG_API_SHOP": shop.config.api_shop,
            "GOMAG_DB_URL": store_url,
            "GOMAG_DB_PATH": str(tmp_path / "unused.sqlite"),
            "GOMAG_TIMEZONE": SHOP_TIMEZONE.key,
            "GOMAG_TEST_NOW": NOW.isoformat(),
        }
        # Creating the instance's tables here spares the webserver and the daemon the race
        # to create them.
        instance = DagsterInstance.from_config(str(home))
        dagster = DagsterProcesses(env, tmp_path, workspace)
        started = time.monotonic()
        try:
            dagster.start_webserver()
            backfills = {
                dagster.launch_asset_backfill(ASSETS, [day.isoformat() for day in days]): days
                for days in RANGES
            }
            # Started after both launches, the daemon's first backfill pass takes both.
            dagster.start_daemon()
            statuses = {
                backfill_id: dagster.wait_for(
                    f"backfill {backfill_id} to finish",
                    lambda backfill_id=backfill_id: dagster.finished_backfill_status(backfill_id),
                    BACKFILL_TIMEOUT,
                )
                for backfill_id in backfills
            }
            wall_seconds = time.monotonic() - started
            service_pids = {process.pid for process in dagster.processes.values()}
            yield Deployment(
                shop, instance, store_url, backfills, statuses, wall_seconds, service_pids
            )
        finally:
            dagster.stop()
            instance.dispose()


def _overlap(first: RunRecord, second: RunRecord) -> float:
    """Seconds both runs were in progress at once (negative: the gap between them)."""
    return min(first.end_time, second.end_time) - max(first.start_time, second.start_time)


def _stored_per_day(store_url: str) -> dict[str, Counter[str]]:
    """Day -> how many rows of ``orders`` each order id has."""
    with psycopg.connect(store_url) as conn:
        rows = conn.execute("SELECT partition_date, order_id FROM orders").fetchall()
    per_day: dict[str, Counter[str]] = {}
    for day, order_id in rows:
        per_day.setdefault(day, Counter())[order_id] += 1
    return per_day


def _decided_per_run_and_day(store_url: str) -> dict[tuple[str, str], Counter[str]]:
    """(run id, day) -> how many ``sync_run_orders`` statuses each order id has."""
    with psycopg.connect(store_url) as conn:
        rows = conn.execute("SELECT run_id, partition_date, order_id FROM sync_run_orders")
        decided: dict[tuple[str, str], Counter[str]] = {}
        for run_id, day, order_id in rows.fetchall():
            decided.setdefault((run_id, day), Counter())[order_id] += 1
    return decided


def test_both_backfills_succeed_each_run_in_its_own_process(deployment: Deployment):
    assert set(deployment.statuses.values()) == {"COMPLETED_SUCCESS"}, deployment.statuses
    runs = [record for backfill in deployment.backfills for record in deployment.runs(backfill)]
    assert {record.dagster_run.status for record in runs} == {DagsterRunStatus.SUCCESS}
    pids = {deployment.run_pid(record) for record in runs}
    assert len(pids) == len(runs) >= len(deployment.backfills)
    assert not pids & deployment.service_pids
    print(f"two backfills of {DAYS_PER_BACKFILL} days: {deployment.wall_seconds:.1f}s wall")


def test_runs_of_the_two_backfills_were_in_progress_at_the_same_time(deployment: Deployment):
    first, second = (deployment.runs(backfill_id) for backfill_id in deployment.backfills)
    overlaps = [_overlap(a, b) for a in first for b in second]
    assert max(overlaps) > 0, [
        (r.dagster_run.run_id, r.start_time, r.end_time) for r in first + second
    ]


def test_the_order_store_pool_lets_steps_of_several_runs_write_at_once(deployment: Deployment):
    pool = deployment.instance.event_log_storage.get_concurrency_info(ORDER_STORE_POOL)
    assert pool.slot_count > 1, "on PostgreSQL, runs of different days write at the same time"


def test_every_order_of_the_shops_days_is_stored_exactly_once(deployment: Deployment):
    stored = _stored_per_day(deployment.store_url)
    days = [day for days in deployment.backfills.values() for day in days]
    assert set(stored) == {day.isoformat() for day in days}
    for day in days:
        shop_orders = Counter(order["id"] for order in deployment.shop.orders_for_day(day))
        assert shop_orders, day
        assert stored[day.isoformat()] == shop_orders, day


def test_each_run_records_one_status_per_order_of_its_days(deployment: Deployment):
    decided = _decided_per_run_and_day(deployment.store_url)
    expected = {}
    for backfill_id in deployment.backfills:
        for record in deployment.runs(backfill_id):
            for day in deployment.days_of_run(backfill_id, record):
                shop_orders = deployment.shop.orders_for_day(day)
                expected[(record.dagster_run.run_id, day.isoformat())] = Counter(
                    order["id"] for order in shop_orders
                )
    assert sum(len(days) for days in deployment.backfills.values()) == len(expected)
    assert decided == expected
