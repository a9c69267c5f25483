"""GoMagApi against a real demo shop on loopback: every quirk absorbed, every fault survived."""

import datetime
import hashlib
import json
import logging
import math
import re
import traceback
from collections.abc import Callable

import dagster as dg
import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pipeline import materialize_day
from support.loopback import Answer
from support.retries import SLOW_PAGE_SECONDS

from gomag_assets.constants import SYNTHETIC_ID_PREFIX
from gomag_assets.demo import STATUSES, DemoShop, DemoShopConfig
from gomag_assets.resources.gomag_api import (
    FetchResult,
    GoMagApi,
    GoMagApiError,
    GoMagAuthError,
    GoMagFilterIgnored,
    GoMagRateLimited,
    GoMagRequestRejected,
)
from gomag_assets.resources.order_store import OrderStore

DAY = datetime.date(2026, 10, 1)
ShopFactory = Callable[..., DemoShop]
ApiFactory = Callable[..., GoMagApi]
PageReader = Callable[..., httpx.Response]
SECRET = "sekret-KEY-4f2a9"


def _expected_ids(
    shop: DemoShop, start: datetime.date = DAY, end: datetime.date = DAY
) -> list[str]:
    return [the_id for the_id, _ in shop.listing(start, end)]


def _ids(result: FetchResult) -> list[str]:
    return [order.order_id for order in result.orders]


def test_reads_every_page_of_a_window(demo_shop: DemoShop, api_factory: ApiFactory) -> None:
    end = DAY + datetime.timedelta(2)
    expected = _expected_ids(demo_shop, DAY, end)

    result = api_factory(demo_shop, page_limit=25).fetch_orders(DAY, end)

    assert _ids(result) == expected
    assert result.reported_total == len(expected)
    assert result.pages == math.ceil(len(expected) / 25) == demo_shop.traffic.requests
    assert (result.retries, result.duplicates) == (0, 0)


@pytest.mark.parametrize("orders_as_list", [False, True])
@pytest.mark.parametrize("escape_unicode", [False, True])
def test_payload_is_the_exact_text_of_the_order_in_the_body(
    shop_factory: ShopFactory,
    api_factory: ApiFactory,
    read_page: PageReader,
    orders_as_list: bool,
    escape_unicode: bool,
) -> None:
    shop = shop_factory(orders_as_list=orders_as_list, escape_unicode=escape_unicode)
    body = read_page(shop, startDate="2026-10-01", endDate="2026-10-01", limit=100).text
    sent = json.loads(body)["orders"]
    sent_by_id = {o["id"]: o for o in sent} if orders_as_list else sent

    result = api_factory(shop).fetch_orders(DAY, DAY)

    assert len(result.orders) == len(sent_by_id)
    for order in result.orders:
        assert order.payload in body
        assert json.loads(order.payload) == sent_by_id[order.order_id]
    assert ("\\u0" in body) == escape_unicode


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@pytest.mark.parametrize("escape_unicode", [False, True])
def test_payload_text_survives_any_json_the_shop_sends(escape_unicode: bool) -> None:
    config = DemoShopConfig(orders_per_day=3, escape_unicode=escape_unicode)
    with (
        DemoShop(config).serving() as shop,
        GoMagApi(api_url=shop.base_url, api_key=shop.api_key, requests_per_second=0) as api,
    ):
        the_id = shop.listing(DAY, DAY)[0][0]

        @settings(max_examples=30, deadline=None)
        @given(name=st.text(), note=JSON_VALUES)
        def payload_matches(name: str, note: object) -> None:
            sent = shop.edit_order(the_id, number=name, note=note)
            order = next(o for o in api.fetch_orders(DAY, DAY).orders if o.order_id == the_id)
            assert json.loads(order.payload) == sent

        payload_matches()


@pytest.mark.parametrize("escape_unicode", [False, True])
def test_string_and_json_numbers_are_kept_verbatim(
    shop_factory: ShopFactory, api_factory: ApiFactory, read_page: PageReader, escape_unicode: bool
) -> None:
    """Every payload is its order's exact slice of the body: ``"2.00"`` strings, JSON numbers
    and escapes as sent. A client that re-serializes the JSON fails on one of the two spellings
    of diacritics, whichever way it writes them."""
    shop = shop_factory(escape_unicode=escape_unicode)
    end = DAY + datetime.timedelta(2)
    listed = _expected_ids(shop, DAY, end)
    window = {"startDate": DAY.isoformat(), "endDate": end.isoformat(), "limit": 100}
    bodies = [read_page(shop, page=n, **window).text for n in range(1, len(listed) // 100 + 2)]
    sent = {}
    for number, body in enumerate(bodies):
        sent |= _order_texts(body, listed[number * 100 : (number + 1) * 100])

    result = api_factory(shop).fetch_orders(DAY, end)

    assert {order.order_id: order.payload for order in result.orders} == sent
    assert len(sent) == len(listed) > 100
    spellings = [
        r'"quantity": "[0-9]+\.00"',
        r'"total": [0-9]+\.[0-9]+, "date"',
        r"\\u0[0-9a-f]{3}",
    ]
    found = [any(re.search(spelling, text) for text in sent.values()) for spelling in spellings]
    assert found == [True, True, escape_unicode], "what the comparison covers"


def _order_texts(body: str, ids: list[str]) -> dict[str, str]:
    """The text of each order of a page whose ``orders`` is keyed by id, cut by hand at the
    keys around it: ``ids`` in page order, the last one followed by ``shippingAsProduct``."""
    starts = [body.index(f'"{the_id}": {{') + len(f'"{the_id}": ') for the_id in ids]
    ends = [body.index(f', "{the_id}": {{') for the_id in ids[1:]]
    ends.append(body.rindex('}, "shippingAsProduct"'))
    return {the_id: body[start:end] for the_id, start, end in zip(ids, starts, ends, strict=True)}


def test_empty_window_as_empty_list_or_no_data_gives_no_orders(
    shop_factory: ShopFactory, api_factory: ApiFactory
) -> None:
    for no_data_when_empty in (False, True):
        shop = shop_factory(orders_per_day=0, no_data_when_empty=no_data_when_empty)
        result = api_factory(shop).fetch_orders(DAY, DAY)
        assert (result.orders, result.pages, shop.traffic.requests) == ([], 1, 1)


def test_orders_repeated_across_pages_are_kept_once_and_counted(
    demo_shop: DemoShop, api_factory: ApiFactory
) -> None:
    expected = _expected_ids(demo_shop)
    demo_shop.faults.arrive_mid_fetch(1)

    result = api_factory(demo_shop, page_limit=10).fetch_orders(DAY, DAY)

    assert result.duplicates == 1
    assert sorted(_ids(result)) == sorted(expected)
    assert len(_ids(result)) == len(set(_ids(result))) == result.reported_total
    assert len(_expected_ids(demo_shop)) == len(expected) + 1


def test_order_without_id_gets_its_key_or_a_synthetic_id(
    shop_factory: ShopFactory, api_factory: ApiFactory
) -> None:
    keyed, listed = shop_factory(), shop_factory(orders_as_list=True)
    the_id = _expected_ids(keyed)[0]
    for shop in (keyed, listed):
        shop.edit_order(the_id, id=None)

    from_key = api_factory(keyed).fetch_orders(DAY, DAY).orders[0]
    synthetic = api_factory(listed).fetch_orders(DAY, DAY).orders[0]

    assert from_key.order_id == the_id
    digest = hashlib.sha256(synthetic.payload.encode()).hexdigest()[:16]
    assert synthetic.order_id == SYNTHETIC_ID_PREFIX + digest


def test_updated_since_returns_only_orders_changed_since(
    demo_shop: DemoShop, api_factory: ApiFactory
) -> None:
    the_id = _expected_ids(demo_shop)[3]
    demo_shop.cancel_order(the_id)
    today = demo_shop.today

    result = api_factory(demo_shop).fetch_orders(DAY, DAY, updated_since=today)

    assert _ids(result) == [the_id]
    assert f"updated={today.isoformat()}" in demo_shop.traffic.recent_requests[-1].path


@pytest.mark.parametrize(
    "fault",
    [
        *("429", "500", "502", "503", "slow", "non_json", "html_200", "truncated", "drop"),
        *("error_200", "error_1", "no_data", "short_page"),
    ],
)
def test_transient_fault_is_retried_then_the_window_completes(
    shop_factory: ShopFactory, api_factory: ApiFactory, fault: str
) -> None:
    shop = shop_factory(slow_seconds=SLOW_PAGE_SECONDS, retry_after_seconds=None)
    expected = _expected_ids(shop)
    shop.faults.queue("ok", fault)

    result = api_factory(shop, page_limit=20).fetch_orders(DAY, DAY)

    assert _ids(result) == expected
    assert result.retries == 1
    assert shop.traffic.requests == result.pages + 1


@pytest.mark.parametrize("fault", ["no_data", "short_page"])
@pytest.mark.parametrize("page", [2, 3])
def test_no_data_or_a_short_page_mid_window_or_last_is_retried_not_taken_as_the_end(
    shop_factory: ShopFactory, api_factory: ApiFactory, fault: str, page: int
) -> None:
    """Guards the gap check of ``OrderPage`` (pages.py): NO DATA or fewer orders than GoMag's
    counts promise, on page 2 of 3 or on the last page, taken as the end of the window would
    return it partial."""
    shop = shop_factory()
    expected = _expected_ids(shop)
    assert math.ceil(len(expected) / 20) == 3, "the demo day fills three pages of 20"
    shop.faults.queue(*["ok"] * (page - 1), fault)

    result = api_factory(shop, page_limit=20).fetch_orders(DAY, DAY)

    assert _ids(result) == expected
    assert (result.pages, result.retries, shop.traffic.requests) == (3, 1, 4)


@pytest.mark.parametrize("fault", ["no_data", "short_page"])
def test_no_data_or_a_short_page_that_persists_mid_window_fails_naming_the_gap(
    shop_factory: ShopFactory, api_factory: ApiFactory, fault: str
) -> None:
    """The unit-level twin of the reliability suite's persistent fault on a middle page."""
    shop = shop_factory()
    total = len(_expected_ids(shop))
    shop.faults.queue("ok", *[fault] * 3)

    with pytest.raises(GoMagApiError) as failure:
        api_factory(shop, page_limit=20, max_attempts=3).fetch_orders(DAY, DAY)

    says = {
        "no_data": "NO DATA for page 2 of 3",
        "short_page": f"10 orders on page 2 of 3, expected {min(20, total - 20)}",
    }[fault]
    assert type(failure.value) is GoMagApiError
    assert f"page 2 of window {DAY}..{DAY}: {says} (gave up after 3 attempts)" in str(failure.value)
    assert shop.traffic.requests == 1 + 3


def test_429_waits_for_retry_after_when_given_and_backs_off_briefly_when_not(
    shop_factory: ShopFactory, api_factory: ApiFactory
) -> None:
    """Measured by the shop, between the 429 and the retry. Retry-After is a floor, whatever
    the machine's load; without it the client's own backoff (about 10 ms here) is shorter."""
    waits = {}
    for retry_after in (0.3, None):
        shop = shop_factory(retry_after_seconds=retry_after)
        shop.faults.queue("429")

        result = api_factory(shop, backoff_max_seconds=1.0).fetch_orders(DAY, DAY)

        assert result.retries == 1
        assert shop.traffic.rate_limited == 1
        refused, retried = shop.traffic.recent_requests[:2]
        waits[retry_after] = retried.arrived_at - refused.arrived_at
    assert waits[0.3] >= 0.3
    assert waits[None] < waits[0.3]


def test_persistent_failure_names_the_page_and_the_window(
    demo_shop: DemoShop, api_factory: ApiFactory
) -> None:
    demo_shop.faults.queue("ok", "ok")
    demo_shop.faults.queue(*["503"] * 3)

    with pytest.raises(GoMagApiError) as failure:
        api_factory(demo_shop, page_limit=10, max_attempts=3).fetch_orders(DAY, DAY)

    assert (failure.value.page, failure.value.window) == (3, "2026-10-01..2026-10-01")
    assert "page 3 of window 2026-10-01..2026-10-01" in str(failure.value)
    assert "HTTP 503" in str(failure.value)
    assert demo_shop.traffic.requests == 2 + 3


def test_persistent_429_raises_rate_limited(demo_shop: DemoShop, api_factory: ApiFactory) -> None:
    demo_shop.faults.retry_after_seconds = 0
    demo_shop.faults.persistent = "429"
    with pytest.raises(GoMagRateLimited) as failure:
        api_factory(demo_shop, max_attempts=4).fetch_orders(DAY, DAY)
    assert failure.value.page == 1
    assert demo_shop.traffic.rate_limited == 4


def test_rejected_key_raises_auth_error_after_one_request(
    demo_shop: DemoShop, api_factory: ApiFactory
) -> None:
    with pytest.raises(GoMagAuthError, match="Missing Api User"):
        api_factory(demo_shop, api_key="not-the-key").fetch_orders(DAY, DAY)
    assert demo_shop.traffic.requests == 1


def test_auth_error_midway_is_not_retried(demo_shop: DemoShop, api_factory: ApiFactory) -> None:
    demo_shop.faults.queue("ok", "auth_error")
    with pytest.raises(GoMagAuthError) as failure:
        api_factory(demo_shop, page_limit=10).fetch_orders(DAY, DAY)
    assert failure.value.page == 2
    assert demo_shop.traffic.requests == 2


def test_wrong_endpoint_fails_at_once(demo_shop: DemoShop, api_factory: ApiFactory) -> None:
    api = api_factory(demo_shop, api_url=demo_shop.base_url + "/v9")
    with pytest.raises(GoMagApiError, match="HTTP 404"):
        api.fetch_orders(DAY, DAY)
    assert demo_shop.traffic.requests == 1


def _arrival_span(shop: DemoShop) -> float:
    """Seconds from the first to the last request the shop received."""
    arrivals = [request.arrived_at for request in shop.traffic.recent_requests]
    return arrivals[-1] - arrivals[0]


def test_pacing_by_the_shops_headers_uses_its_rate_without_a_single_429(
    shop_factory: ShopFactory, api_factory: ApiFactory
) -> None:
    rate, burst = 20.0, 5
    shop = shop_factory(orders_per_day=50, rate_limit_per_second=rate, rate_limit_burst=burst)
    # Configured at the default 1 request/s: the shop's headers set the pace.
    api = api_factory(shop, page_limit=1, requests_per_second=1.0)

    result = api.fetch_orders(DAY, DAY)

    requests = shop.traffic.requests
    assert (shop.traffic.rate_limited, result.retries) == (0, 0), "the hard claim"
    assert requests == result.pages == len(_expected_ids(shop)) >= 30
    allowed = (requests - burst) / rate  # the bucket admits `burst` at once, then `rate` a second
    used = allowed / _arrival_span(shop)
    assert used >= 0.9, f"used {used:.0%} of the allowed rate"


def test_room_taken_by_another_client_slows_the_pace_instead_of_meeting_429s(
    shop_factory: ShopFactory, api_factory: ApiFactory, read_page: PageReader
) -> None:
    shop = shop_factory(rate_limit_per_second=10, rate_limit_burst=5)
    for _ in range(4):  # another client on the same key takes 4 of the 5 places
        read_page(shop, startDate="2026-10-01", endDate="2026-10-01")
    shop.traffic.reset()
    api = api_factory(shop, page_limit=4, requests_per_second=100)

    result = api.fetch_orders(DAY, DAY)

    assert _ids(result) == _expected_ids(shop)
    assert (shop.traffic.rate_limited, result.retries) == (0, 0)
    assert result.pages >= 8


def test_without_rate_headers_requests_keep_to_the_configured_rate(
    demo_shop: DemoShop, api_factory: ApiFactory
) -> None:
    result = api_factory(demo_shop, page_limit=4, requests_per_second=20).fetch_orders(DAY, DAY)
    assert result.pages >= 8
    assert _arrival_span(demo_shop) >= 0.9 * (result.pages - 1) / 20


def test_pacing_off_meets_the_rate_limit_that_pacing_avoids(
    shop_factory: ShopFactory, api_factory: ApiFactory
) -> None:
    shop = shop_factory(rate_limit_per_second=5, rate_limit_burst=2, retry_after_seconds=0.05)
    paced = api_factory(shop, page_limit=6, requests_per_second=1.0).fetch_orders(DAY, DAY)
    assert (shop.traffic.rate_limited, paced.retries) == (0, 0)

    unpaced = api_factory(shop, page_limit=6, requests_per_second=0).fetch_orders(DAY, DAY)

    assert shop.traffic.rate_limited > 0, "without pacing the same run is throttled"
    assert _ids(unpaced) == _ids(paced)


# -- the window guard -----------------------------------------------------------------------


def test_orders_dated_outside_the_window_are_left_out_and_counted(
    demo_shop: DemoShop, api_factory: ApiFactory
) -> None:
    ids = _expected_ids(demo_shop)
    demo_shop.edit_order(ids[0], date="2026-09-30 23:59:59")
    demo_shop.edit_order(ids[1], date="2026-10-02 00:00:00")
    demo_shop.edit_order(ids[2], date="ieri")  # unreadable: kept, validation judges it

    result = api_factory(demo_shop).fetch_orders(DAY, DAY)

    assert _ids(result) == ids[2:]
    assert result.out_of_window == 2
    assert len(result.orders) + result.out_of_window == len(ids)


def test_a_shop_ignoring_the_date_filter_fails_the_window_naming_what_came_back(
    shop_factory: ShopFactory, api_factory: ApiFactory
) -> None:
    today = datetime.date(2026, 10, 20)
    shop = shop_factory(ignore_date_filter=True, clock=lambda: datetime.datetime(2026, 10, 20))
    first_page = [order for _, order in shop.listing(today - datetime.timedelta(60), today)][:20]
    days = sorted(o["date"][:10] for o in first_page if o.get("date", "")[:4].isdigit())

    with pytest.raises(GoMagFilterIgnored) as failure:
        api_factory(shop, page_limit=20).fetch_orders(DAY, DAY)

    assert (failure.value.page, failure.value.window) == (1, "2026-10-01..2026-10-01")
    message = str(failure.value)
    assert f"{len(days)} of 20 orders on the page are dated outside the window" in message
    assert f"({days[0]}..{days[-1]})" in message
    assert "ignored the date filter" in message
    assert shop.traffic.requests == 1, "not retried"


def test_an_ignored_date_filter_lands_nothing_and_keeps_the_earlier_landing(
    demo_shop: DemoShop, api_factory: ApiFactory, tmp_path
) -> None:
    store = OrderStore(db_path=str(tmp_path / "gomag.sqlite"))
    api = api_factory(demo_shop)
    assert materialize_day(DAY, api, store, selection=["raw_orders"]).success
    landed = dict(store.read_raw_orders(DAY.isoformat()))
    assert sorted(landed) == sorted(_expected_ids(demo_shop))

    demo_shop.faults.ignore_date_filter = True
    again = materialize_day(DAY, api, store, selection=["raw_orders"])

    assert not again.success
    failure = again.failure_data_for_node("gomag_orders")
    assert failure is not None and "GoMagFilterIgnored" in str(failure.error)
    assert dict(store.read_raw_orders(DAY.isoformat())) == landed


# -- GoMag's error bodies (HTTP 200) --------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "error", "says"),
    [
        ("error_600", GoMagRequestRejected, "GoMag error '600': MISSING_ORDER_ID"),
        ("error_404", GoMagRequestRejected, "GoMag error 1 (status '404'): Resursa"),
        ("auth_error", GoMagAuthError, "GoMag error 100: Missing Api User"),
    ],
)
def test_an_error_body_a_retry_cannot_fix_fails_at_once_naming_page_and_window(
    demo_shop: DemoShop,
    api_factory: ApiFactory,
    fault: str,
    error: type[GoMagApiError],
    says: str,
) -> None:
    demo_shop.faults.queue("ok", fault)
    with pytest.raises(GoMagApiError) as failure:
        api_factory(demo_shop, page_limit=10).fetch_orders(DAY, DAY)
    assert type(failure.value) is error
    assert (failure.value.page, failure.value.window) == (2, "2026-10-01..2026-10-01")
    assert f"page 2 of window 2026-10-01..2026-10-01: {says}" in str(failure.value)
    assert demo_shop.traffic.requests == 2


def test_a_bare_error_body_is_retried_then_reported_as_an_api_error(
    demo_shop: DemoShop, api_factory: ApiFactory
) -> None:
    demo_shop.faults.persistent = "error_1"
    with pytest.raises(GoMagApiError) as failure:
        api_factory(demo_shop, max_attempts=3).fetch_orders(DAY, DAY)
    assert type(failure.value) is GoMagApiError
    assert "GoMag error 1: no message (gave up after 3 attempts)" in str(failure.value)
    assert demo_shop.traffic.requests == 3


def test_an_answer_stamped_error_200_is_a_normal_page(
    demo_shop: DemoShop, api_factory: ApiFactory
) -> None:
    demo_shop.faults.queue("stamped_200", "ok", "stamped_200")
    result = api_factory(demo_shop, page_limit=10).fetch_orders(DAY, DAY)
    assert _ids(result) == _expected_ids(demo_shop)
    assert result.retries == 0
    assert demo_shop.traffic.requests == result.pages >= 3


# -- the status list ------------------------------------------------------------------------


@pytest.mark.parametrize("as_list", [False, True])
def test_fetch_statuses_reads_the_shops_status_list(
    shop_factory: ShopFactory, api_factory: ApiFactory, as_list: bool
) -> None:
    shop = shop_factory(statuses_as_list=as_list)
    statuses = api_factory(shop).fetch_statuses()
    assert statuses == {status.id: status.name for status in STATUSES}
    assert (statuses["7"], statuses["8"]) == ("Anulata", "Platita")
    assert shop.traffic.recent_requests[0].path.endswith("/order/status/read/json")


def test_fetch_statuses_retries_and_fails_like_an_order_page(
    demo_shop: DemoShop, api_factory: ApiFactory
) -> None:
    demo_shop.faults.queue("503", "stamped_200")
    assert api_factory(demo_shop).fetch_statuses() == {s.id: s.name for s in STATUSES}
    assert demo_shop.traffic.requests == 2

    with pytest.raises(GoMagAuthError, match="status list read failed: .*Missing Api User"):
        api_factory(demo_shop, api_key="not-the-key").fetch_statuses()
    demo_shop.faults.queue("error_600")
    with pytest.raises(GoMagRequestRejected, match="MISSING_ORDER_ID"):
        api_factory(demo_shop).fetch_statuses()


def test_sends_the_gomag_headers_and_keeps_the_key_out_of_the_url(
    demo_shop: DemoShop, gomag_api: GoMagApi
) -> None:
    gomag_api.fetch_orders(DAY, DAY)
    request = demo_shop.traffic.recent_requests[0]
    headers = {name.lower(): value for name, value in request.headers.items()}
    assert headers["apikey"] == demo_shop.api_key
    assert headers["apishop"] == demo_shop.config.api_shop
    assert headers["user-agent"] == "gomag-assets/0.1"
    assert demo_shop.api_key not in request.path


def test_api_key_never_appears_in_logs_errors_or_reprs(
    shop_factory: ShopFactory, api_factory: ApiFactory, caplog: pytest.LogCaptureFixture
) -> None:
    shop = shop_factory(api_key=SECRET, retry_after_seconds=0, slow_seconds=SLOW_PAGE_SECONDS)
    api = api_factory(shop, max_attempts=4)
    caplog.set_level(logging.DEBUG)
    shop.faults.queue("429", "drop", "slow")
    result = api.fetch_orders(DAY, DAY, log=logging.getLogger("test.gomag"))
    shop.faults.persistent = "drop"
    with pytest.raises(GoMagApiError) as failure:
        api.fetch_orders(DAY, DAY)

    error_text = "".join(traceback.format_exception(failure.value))
    assert "connection failed" in caplog.text and "HTTP 429" in caplog.text
    for text in (caplog.text, error_text, repr(api), str(api), repr(result)):
        assert SECRET not in text


def test_runs_inside_dagster_with_the_key_from_the_environment(
    shop_factory: ShopFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = shop_factory(api_key=SECRET)
    monkeypatch.setenv("GOMAG_TEST_API_KEY", SECRET)
    closed, close = [], GoMagApi.close

    def spy_on_close(api: GoMagApi) -> None:
        closed.append(api._client is not None)
        close(api)

    monkeypatch.setattr(GoMagApi, "close", spy_on_close)

    @dg.asset
    def day_of_orders(context: dg.AssetExecutionContext, gomag_api: GoMagApi) -> int:
        return len(gomag_api.fetch_orders(DAY, DAY, log=context.log).orders)

    api = GoMagApi(api_url=shop.base_url, api_key=dg.EnvVar("GOMAG_TEST_API_KEY"))
    run = dg.materialize([day_of_orders], resources={"gomag_api": api})

    assert run.output_for_node("day_of_orders") == len(_expected_ids(shop))
    assert closed == [True], "the run's HTTP client is closed at teardown"
    assert SECRET not in "".join(str(event) for event in run.all_events)


def test_one_connection_serves_every_page_until_closed(
    demo_shop: DemoShop, api_factory: ApiFactory
) -> None:
    with api_factory(demo_shop, page_limit=10) as api:
        api.fetch_orders(DAY, DAY)
        api.fetch_orders(DAY, DAY)
    api.fetch_orders(DAY, DAY)
    api.close()

    ports = [request.client_port for request in demo_shop.traffic.recent_requests]
    pages = len(ports) // 3
    assert len(set(ports[: 2 * pages])) == 1
    assert set(ports[2 * pages :]).isdisjoint(ports[: 2 * pages])


def test_window_must_run_forward(gomag_api: GoMagApi) -> None:
    with pytest.raises(ValueError, match="after its end"):
        gomag_api.fetch_orders(DAY, DAY - datetime.timedelta(1))


def test_key_echoed_in_an_error_body_is_redacted_before_the_message_is_cut(loopback) -> None:
    """A 400 body repeating the key across the 200-character cut must not leak its first half."""
    key = "SECRET-KEY-0123456789abcdef"
    shop = loopback(
        lambda request: Answer(400, f"{'x' * 182}bad key {request.headers['Apikey']}".encode())
    )
    api = GoMagApi(api_url=f"{shop.url}/api/v1", api_key=key)
    try:
        with pytest.raises(GoMagApiError) as caught:
            api.fetch_orders(DAY, DAY)
    finally:
        api.close()
    assert "HTTP 400" in str(caught.value)
    assert key[:7] not in str(caught.value)
