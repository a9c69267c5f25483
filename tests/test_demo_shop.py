"""The demo shop behaves like a GoMag shop: realistic orders, its envelope, faults on demand."""

import datetime
import json
import math
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from gomag_assets.demo import (
    MALFORMED_KINDS,
    DemoShop,
    DemoShopConfig,
    malformed_orders,
    orders_for_day,
)

DAY = datetime.date(2026, 10, 1)
ONE_DAY = {"startDate": "2026-10-01", "endDate": "2026-10-01"}
FORTNIGHT = [DAY + datetime.timedelta(n) for n in range(14)]
DIACRITICS = set("ăâîșțĂÂÎȘȚ")
ShopFactory = Callable[..., DemoShop]
PageReader = Callable[..., httpx.Response]


def _lines(order: dict[str, Any]) -> list[dict[str, Any]]:
    items = order["items"]
    return list(items.values()) if isinstance(items, dict) else items


def _fortnight(config: DemoShopConfig) -> list[dict[str, Any]]:
    return [order for day in FORTNIGHT for order in orders_for_day(day, config)]


def test_orders_look_like_a_romanian_shop_with_its_quirks() -> None:
    config = DemoShopConfig(malformed_share=0.0)
    orders = _fortnight(config)
    names = "".join(o["billing"]["lastname"] + o["billing"]["city"] for o in orders)
    lines = [line for order in orders for line in _lines(order)]

    assert DIACRITICS & set(names)
    assert all(1 <= len(_lines(order)) <= 5 for order in orders)
    assert isinstance(orders[0]["total"], str)
    assert any(isinstance(order["total"], float) for order in orders), "some JSON numbers"
    assert any(isinstance(order["items"], dict) for order in orders), "items keyed '0','1',..."
    assert {"Ambalare cadou", "Taxa transport"} <= {line["name"] for line in lines}
    assert any(all(line["type"] == "service" for line in _lines(order)) for order in orders)
    assert any(order["status"] == "Anulata" for order in orders)
    assert any(order["updated"][:10] > order["date"][:10] for order in orders)


def test_order_ids_are_unique_across_days() -> None:
    ids = [order["id"] for order in _fortnight(DemoShopConfig())]
    assert len(ids) == len(set(ids))


def test_daily_volume_varies_around_orders_per_day() -> None:
    volumes = [len(orders_for_day(day, DemoShopConfig(orders_per_day=40))) for day in FORTNIGHT]
    assert len(set(volumes)) > 3
    assert 30 <= sum(volumes) / len(volumes) <= 50
    assert orders_for_day(DAY, DemoShopConfig(orders_per_day=0)) == []


def test_malformed_ids_name_exactly_the_broken_orders() -> None:
    config = DemoShopConfig(malformed_share=0.2)
    broken = {day: malformed_orders(day, config) for day in FORTNIGHT}
    kinds = Counter(kind for per_day in broken.values() for kind in per_day.values())
    orders = {o["id"]: o for o in _fortnight(config)}
    sound = {o["id"]: o for o in _fortnight(DemoShopConfig(malformed_share=0.0))}

    assert set(kinds) == set(MALFORMED_KINDS)
    assert 0.15 <= kinds.total() / len(orders) <= 0.25
    for the_id, order in orders.items():
        kind = next((per_day[the_id] for per_day in broken.values() if the_id in per_day), None)
        assert (order == sound[the_id]) == (kind is None), the_id


@pytest.mark.parametrize(
    ("kind", "is_broken"),
    [
        ("missing_date", lambda o, line: "date" not in o),
        ("unparseable_date", lambda o, line: o["date"].startswith("31/02/")),
        ("non_numeric_quantity", lambda o, line: line["quantity"] == "abc"),
        ("negative_quantity", lambda o, line: float(line["quantity"]) < 0),
        ("missing_price", lambda o, line: "price" not in line),
        ("empty_items", lambda o, line: o["items"] == []),
        ("missing_number", lambda o, line: "number" not in o),
        ("product_without_sku", lambda o, line: "sku" not in line),
        ("bad_currency", lambda o, line: len(o["currency"]) != 3),
    ],
)
def test_each_malformed_kind_breaks_the_order_as_named(
    kind: str, is_broken: Callable[[dict[str, Any], dict[str, Any]], bool]
) -> None:
    config = DemoShopConfig(malformed_share=0.5)
    orders = {o["id"]: o for o in _fortnight(config)}
    ids = [i for day in FORTNIGHT for i, k in malformed_orders(day, config).items() if k == kind]
    assert ids
    for the_id in ids:
        order = orders[the_id]
        products = [line for line in _lines(order) if line["type"] == "product"]
        assert is_broken(order, products[0] if products else {}), the_id


def test_same_seed_serves_the_same_bytes_across_starts(
    shop_factory: ShopFactory, read_page: PageReader
) -> None:
    query = {"startDate": "2026-10-01", "endDate": "2026-10-03", "page": 2, "limit": 30}
    first = read_page(shop_factory(seed=11), **query).text
    again = read_page(shop_factory(seed=11), **query).text
    other = read_page(shop_factory(seed=12), **query).text
    assert first == again
    assert first != other


def test_envelope_keys_orders_by_id_with_counts_as_strings(
    demo_shop: DemoShop, read_page: PageReader
) -> None:
    expected = demo_shop.listing(DAY, DAY)
    body = read_page(demo_shop, limit=10, **ONE_DAY).json()
    assert body["total"] == str(len(expected))
    assert (body["page"], body["pages"]) == ("1", str(math.ceil(len(expected) / 10)))
    assert list(body["orders"]) == [the_id for the_id, _ in expected[:10]]


def test_envelope_can_send_orders_as_a_list(
    shop_factory: ShopFactory, read_page: PageReader
) -> None:
    body = read_page(shop_factory(orders_as_list=True), **ONE_DAY, limit=5).json()
    assert isinstance(body["orders"], list)
    assert len(body["orders"]) == 5


def test_empty_window_sends_an_empty_list_and_past_the_end_no_data(
    shop_factory: ShopFactory, read_page: PageReader
) -> None:
    shop = shop_factory(orders_per_day=0)
    assert read_page(shop, **ONE_DAY).json()["orders"] == []
    past_end = read_page(shop, page=2, **ONE_DAY)
    assert past_end.status_code == 200
    assert past_end.json() == {"error": "404", "message": ["NO DATA"]}


@pytest.mark.parametrize("headers", [{}, {"Apikey": "wrong"}])
def test_missing_or_wrong_key_is_told_missing_api_user(
    demo_shop: DemoShop, read_page: PageReader, headers: dict[str, str]
) -> None:
    answer = read_page(demo_shop, headers=headers, **ONE_DAY)
    assert answer.status_code == 200
    assert answer.json() == {"error": 100, "message": "Missing Api User"}


def test_updated_alone_searches_the_last_sixty_days(
    shop_factory: ShopFactory, read_page: PageReader
) -> None:
    now = datetime.datetime(2026, 10, 20, 12, 0)
    shop = shop_factory(orders_per_day=3, clock=lambda: now)
    old = shop.listing(now.date() - datetime.timedelta(70), now.date() - datetime.timedelta(70))
    shop.cancel_order(old[0][0])
    recent = shop.listing(DAY, DAY)[0][0]
    cancelled = shop.cancel_order(recent)

    body = read_page(shop, updated="2026-10-20").json()

    since = datetime.date(2026, 10, 20)
    expected = shop.listing(since - datetime.timedelta(60), since, updated_since=since)
    assert list(body["orders"]) == [the_id for the_id, _ in expected]
    assert old[0][0] not in body["orders"]
    assert body["orders"][recent] == cancelled
    assert cancelled["status"] == "Anulata"
    assert cancelled["updated"] == "2026-10-20 12:00:00"


def test_edits_change_what_later_requests_return(
    demo_shop: DemoShop, read_page: PageReader
) -> None:
    the_id = demo_shop.listing(DAY, DAY)[0][0]
    demo_shop.edit_order(the_id, items=[], total="0.00")
    body = read_page(demo_shop, **ONE_DAY).json()
    assert body["orders"][the_id]["items"] == []
    assert body["orders"][the_id]["total"] == "0.00"


def test_rate_limit_answers_429_with_its_headers(
    shop_factory: ShopFactory, read_page: PageReader
) -> None:
    shop = shop_factory(rate_limit_per_second=2, retry_after_seconds=1)
    answers = [read_page(shop, **ONE_DAY) for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[0].headers["Api-RateLimit-Read"] == "2"
    assert answers[2].headers["Api-RateLimit-Read-Remaining"] == "0"
    assert answers[2].headers["Retry-After"] == "1"
    assert (shop.traffic.requests, shop.traffic.rate_limited) == (3, 1)


@pytest.mark.parametrize(
    ("fault", "status", "looks_like"),
    [
        ("429", 429, '{"error": "429"'),
        ("503", 503, "<html>"),
        ("non_json", 200, "Serviciul"),
        ("html_200", 200, "<!DOCTYPE html>"),
        ("auth_error", 200, '{"error": 100'),
    ],
)
def test_a_queued_fault_is_played_once(
    demo_shop: DemoShop, read_page: PageReader, fault: str, status: int, looks_like: str
) -> None:
    demo_shop.faults.queue(fault)
    faulty, healthy = (read_page(demo_shop, **ONE_DAY) for _ in range(2))
    assert (faulty.status_code, faulty.text[: len(looks_like)]) == (status, looks_like)
    assert healthy.json()["total"]


def test_truncated_and_dropped_bodies_break_mid_json(
    demo_shop: DemoShop, read_page: PageReader
) -> None:
    demo_shop.faults.queue("truncated", "drop")
    with pytest.raises(json.JSONDecodeError):
        read_page(demo_shop, **ONE_DAY).json()
    with pytest.raises(httpx.RemoteProtocolError):
        read_page(demo_shop, **ONE_DAY)


def test_persistent_fault_lasts_until_cleared(demo_shop: DemoShop, read_page: PageReader) -> None:
    demo_shop.faults.persistent = "503"
    assert {read_page(demo_shop, **ONE_DAY).status_code for _ in range(3)} == {503}
    demo_shop.faults.clear()
    assert read_page(demo_shop, **ONE_DAY).status_code == 200


def test_orders_arriving_mid_fetch_repeat_an_order_on_the_next_page(
    demo_shop: DemoShop, read_page: PageReader
) -> None:
    demo_shop.faults.arrive_mid_fetch(1)
    first = read_page(demo_shop, page=1, limit=10, **ONE_DAY).json()
    second = read_page(demo_shop, page=2, limit=10, **ONE_DAY).json()
    assert list(first["orders"])[-1] == list(second["orders"])[0]
    assert int(second["total"]) == int(first["total"]) + 1


def test_module_entry_point_serves_until_terminated() -> None:
    command = [sys.executable, "-m", "gomag_assets.demo", "--port", "0", "--api-key", "k-123"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            banner = [process.stdout.readline() for _ in range(4)]
            assert banner[0].startswith("GoMag demo shop serving at http://127.0.0.1:"), banner
            assert banner[1:] == [
                f"export GOMAG_API_URL={banner[0].split()[-1]}\n",
                "export GOMAG_API_KEY=k-123\n",
                "export GOMAG_API_SHOP=https://magazin-demo.ro\n",
            ]
            answer = httpx.get(
                f"{banner[0].split()[-1]}/order/read/json",
                params=ONE_DAY,
                headers={"Apikey": "k-123"},
            )
            assert answer.json()["orders"]
        finally:
            process.terminate()
            stopping = time.monotonic()
            process.wait(timeout=10)
    assert process.returncode == 0
    assert time.monotonic() - stopping < 5
