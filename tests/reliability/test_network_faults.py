"""Network faults through the whole asset pipeline: each ends in a clean retry or a clear error.

Every test runs the real assets (``materialize``) against a demo shop on loopback with faults
queued, then checks the order store: a run that succeeds landed exactly the shop's orders for
the day, each payload byte for byte, and gave each one status; a run that fails names the page
and the window, and the day's previous landing, verdicts and imported orders are untouched.

Each test adds the figures it proves to the "network faults" totals printed at the end of the
run (``figures`` fixture, tests/reliability/conftest.py): faults injected, orders the shop held,
orders lost (RELIABILITY.md).
"""

import datetime as dt
import json
import sqlite3

import pytest
from dagster import DagsterInstance, ExecuteInProcessResult
from pipeline import materializations, materialize_day
from support.days import DAY
from support.retries import FAST_RETRIES, SLOW_PAGE_SECONDS

from gomag_assets.definitions import build_definitions
from gomag_assets.demo import DemoShop
from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import load_settings

WINDOW = f"{DAY}..{DAY}"
PAGE_LIMIT = 10
"""The demo day holds 44 orders: five pages, so page 3 is mid-window."""

TRANSIENT_FAULTS = [
    "429",
    "500",
    "502",
    "503",
    "slow",
    "non_json",
    "html_200",
    "truncated",
    "drop",
    "error_200",
    "no_data",
    "short_page",
]
"""Every fault the shop can play that a retry can cure (``auth_error`` cannot)."""

GUARANTEE = "network faults"


@pytest.fixture
def shop(shop_factory) -> DemoShop:
    """The default demo day, Retry-After short, ``slow`` well past the client timeout."""
    return shop_factory(retry_after_seconds=0.05, slow_seconds=SLOW_PAGE_SECONDS)


@pytest.fixture
def api(shop, api_factory) -> GoMagApi:
    return api_factory(shop, page_limit=PAGE_LIMIT, max_attempts=3)


def _shop_payloads(shop: DemoShop, day: dt.date = DAY) -> dict[str, str]:
    """Order id -> the exact JSON text the shop sends for it now."""
    return {
        the_id: json.dumps(order, ensure_ascii=False) for the_id, order in shop.listing(day, day)
    }


def _landed(store: OrderStore, day: dt.date = DAY) -> dict[str, str]:
    return dict(store.read_raw_orders(day.isoformat()))


def _day_state(store: OrderStore, day: dt.date = DAY) -> dict[str, list[tuple]]:
    """Every row the store keeps for the day: landing, verdicts, items and imported orders."""
    queries = {
        "raw_orders": "SELECT * FROM raw_orders WHERE partition_date = ? ORDER BY order_id",
        "validated_orders": (
            "SELECT * FROM validated_orders WHERE partition_date = ? ORDER BY order_id"
        ),
        "validated_items": (
            "SELECT * FROM validated_items WHERE partition_date = ? ORDER BY order_id, line_no"
        ),
        "orders": "SELECT * FROM orders WHERE partition_date = ? ORDER BY order_id",
    }
    with sqlite3.connect(store.db_path) as conn:
        return {
            name: conn.execute(sql, (day.isoformat(),)).fetchall() for name, sql in queries.items()
        }


def _step_errors(result: ExecuteInProcessResult) -> str:
    """Each failed step's key and error, causes included, as one text."""
    return "\n".join(
        f"{event.step_key}: {event.step_failure_data.error.to_string()}"
        for event in result.get_step_failure_events()
    )


def _lost(shop: DemoShop, store: OrderStore, day: dt.date = DAY) -> int:
    """Orders the shop serves for the day that the landing lacks."""
    return len(_shop_payloads(shop, day).keys() - _landed(store, day).keys())


def _lost_since(before: dict[str, list[tuple]], after: dict[str, list[tuple]]) -> int:
    """Orders of an earlier landing (``_day_state``, rows shop, day, order id, ...) no longer
    landed."""
    order_ids = [{row[2] for row in state["raw_orders"]} for state in (before, after)]
    return len(order_ids[0] - order_ids[1])


def _assert_day_complete(shop: DemoShop, store: OrderStore, result: ExecuteInProcessResult):
    """The run landed the shop's day verbatim and gave every landed order one status."""
    expected, landed = _shop_payloads(shop), _landed(store)
    assert result.success, _step_errors(result)
    assert len(landed) == len(expected) > PAGE_LIMIT * 4
    assert landed == expected, "ids and payload texts equal the shop's"
    if materializations(result, "imported_orders"):
        statuses = store.status_counts(run_id=result.run_id, partition_date=DAY.isoformat())
        assert sum(statuses.values()) == len(landed)
        checks = {c.check_name: c for c in result.get_asset_check_evaluations()}
        assert checks["conservation"].passed


@pytest.mark.parametrize("fault", TRANSIENT_FAULTS)
def test_one_fault_on_page_3_of_5_is_retried_and_the_day_lands_whole(
    shop: DemoShop, api: GoMagApi, store: OrderStore, fault: str, figures
) -> None:
    shop.faults.queue("ok", "ok", fault)

    result = materialize_day(DAY, api, store, selection=["raw_orders"])

    figures.add(
        GUARANTEE,
        faults_injected=1,
        orders_expected=len(_shop_payloads(shop)),
        orders_lost=_lost(shop, store),
    )
    _assert_day_complete(shop, store, result)
    meta = materializations(result, "raw_orders")[0].metadata
    assert meta["retries"].value == 1
    assert meta["pages_fetched"].value == 5
    assert shop.faults.pending() == []


def test_bursts_of_5xx_and_broken_bodies_on_every_page_still_import_the_day(
    shop: DemoShop, api_factory, store: OrderStore, figures
) -> None:
    burst = {1: ["503", "503", "503"], 2: ["502", "500"], 3: ["drop", "truncated"]}
    burst |= {4: ["html_200", "non_json"], 5: ["short_page", "error_200", "503"]}
    for faults in burst.values():
        shop.faults.queue(*faults, "ok")
    api = api_factory(shop, page_limit=PAGE_LIMIT, max_attempts=4)

    result = materialize_day(DAY, api, store)

    injected = sum(len(faults) for faults in burst.values())
    figures.add(
        GUARANTEE,
        faults_injected=injected,
        orders_expected=len(_shop_payloads(shop)),
        orders_lost=_lost(shop, store),
    )
    _assert_day_complete(shop, store, result)
    assert materializations(result, "raw_orders")[0].metadata["retries"].value == (injected)


@pytest.mark.parametrize("retry_after", [0.3, None], ids=["retry_after", "no_retry_after"])
def test_a_rate_limited_shop_is_waited_out_with_or_without_retry_after(
    shop_factory, api_factory, store: OrderStore, retry_after, figures
) -> None:
    shop = shop_factory(rate_limit_per_second=4, retry_after_seconds=retry_after)
    api = api_factory(
        shop,
        page_limit=5,
        requests_per_second=0,  # unpaced, so the shop's limit is what holds the run back
        max_attempts=8,
        backoff_base_seconds=0.1,
        backoff_max_seconds=1.0,
    )

    result = materialize_day(DAY, api, store)

    throttled = shop.traffic.rate_limited
    figures.add(
        GUARANTEE,
        faults_injected=throttled,
        orders_expected=len(_shop_payloads(shop)),
        orders_lost=_lost(shop, store),
    )
    _assert_day_complete(shop, store, result)
    assert throttled > 0, "the run was throttled"
    assert materializations(result, "raw_orders")[0].metadata["retries"].value == (throttled)


@pytest.mark.parametrize(
    ("fault", "error", "says"),
    [
        ("503", "GoMagApiError", "HTTP 503 (gave up after 3 attempts)"),
        ("429", "GoMagRateLimited", "HTTP 429 Too Many Requests (gave up after 3 attempts)"),
        ("slow", "GoMagApiError", f"no answer within {FAST_RETRIES['timeout_seconds']:g}s"),
        ("drop", "GoMagApiError", "connection failed: RemoteProtocolError"),
        ("truncated", "GoMagApiError", "truncated or invalid JSON"),
        ("html_200", "GoMagApiError", "an HTML page instead of JSON"),
        ("no_data", "GoMagApiError", "NO DATA for page 3 of 5"),
        ("short_page", "GoMagApiError", "5 orders on page 3 of 5, expected 10"),
        ("auth_error", "GoMagAuthError", "GoMag error 100: Missing Api User"),
    ],
)
def test_a_fault_that_persists_on_page_3_fails_the_run_and_keeps_the_last_good_day(
    shop: DemoShop,
    api: GoMagApi,
    store: OrderStore,
    fault: str,
    error: str,
    says: str,
    figures,
) -> None:
    assert materialize_day(DAY, api, store).success
    before = _day_state(store)
    assert len(before["raw_orders"]) == len(_shop_payloads(shop))
    shop.faults.retry_after_seconds = None  # a persistent 429 without Retry-After
    victim = next(iter(_shop_payloads(shop)))
    shop.edit_order(victim, status="Anulata")  # a complete re-run would change the day
    shop.add_orders(DAY, 3)
    attempts = 1 if fault == "auth_error" else 3
    shop.faults.queue("ok", "ok", *[fault] * attempts)

    result = materialize_day(DAY, api, store)

    after = _day_state(store)
    figures.add(
        GUARANTEE,
        faults_injected=attempts,
        orders_expected=len(before["raw_orders"]),
        orders_lost=_lost_since(before, after),
    )
    assert not result.success
    errors = _step_errors(result)
    assert errors.startswith("gomag_orders: ")
    assert f"{error}: GoMag order fetch failed on page 3 of window {WINDOW}: {says}" in errors
    assert not materializations(result, "validated_orders"), "validation did not run"
    assert not materializations(result, "imported_orders"), "nor did the import"
    assert after == before, "the last good landing, verdicts and orders stand"
    assert shop.faults.pending() == []


def test_a_backfill_failing_on_its_second_day_keeps_that_days_last_good_landing(
    shop: DemoShop, api: GoMagApi, store: OrderStore, figures
) -> None:
    days = [DAY + dt.timedelta(days=n) for n in range(3)]
    job = build_definitions(load_settings()).resolve_job_def("gomag_orders_job")

    def backfill() -> ExecuteInProcessResult:
        return job.execute_in_process(
            instance=DagsterInstance.ephemeral(),
            resources={"gomag_api": api, "order_store": store},
            tags={
                "dagster/asset_partition_range_start": days[0].isoformat(),
                "dagster/asset_partition_range_end": days[-1].isoformat(),
            },
            raise_on_error=False,
        )

    assert backfill().success
    before = {day: _day_state(store, day) for day in days}
    for day in days:
        shop.add_orders(day, 2)
    first_day_pages = -(-len(shop.listing(days[0], days[0])) // PAGE_LIMIT)
    shop.faults.queue(*["ok"] * first_day_pages, "503", "503", "503")

    result = backfill()

    after = {day: _day_state(store, day) for day in days}
    figures.add(
        GUARANTEE,
        faults_injected=3,
        orders_expected=sum(len(state["raw_orders"]) for state in before.values()),
        orders_lost=_lost(shop, store, days[0])
        + sum(
            len(set(before[day]["raw_orders"]) - set(after[day]["raw_orders"])) for day in days[1:]
        ),
    )
    assert not result.success
    assert f"page 1 of window {days[1]}..{days[1]}: HTTP 503" in _step_errors(result)
    assert _landed(store, days[0]) == _shop_payloads(shop, days[0]), "day 1 landed whole"
    assert after[days[1]] == before[days[1]], "day 2 kept its last good landing"
    assert after[days[2]] == before[days[2]], "day 3 was not touched"
