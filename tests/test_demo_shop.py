"""The demo shop behaves like a GoMag shop: orders in GoMag's published shape, its envelope, its
status list, its rate limit, and faults on demand."""

import datetime
import json
import math
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from support.days import DAY, PARTITION

from gomag_assets.demo import (
    MALFORMED_KINDS,
    STATUSES,
    DemoShop,
    DemoShopConfig,
    malformed_orders,
    orders_for_day,
)

FIXTURES = Path(__file__).parent / "fixtures" / "gomag"
PUBLISHED = json.loads((FIXTURES / "order_read_response.json").read_text(encoding="utf-8"))
SCHEMA_EXAMPLE = json.loads((FIXTURES / "order_schema_example.json").read_text(encoding="utf-8"))
PUBLISHED_ORDERS = [*PUBLISHED["orders"].values(), SCHEMA_EXAMPLE]

ONE_DAY = {"startDate": PARTITION, "endDate": PARTITION}
FORTNIGHT = [DAY + datetime.timedelta(n) for n in range(14)]
VAT_CHANGE = datetime.date(2025, 8, 1)
DIACRITICS = set("ăâîșțĂÂÎȘȚ")
ShopFactory = Callable[..., DemoShop]
PageReader = Callable[..., httpx.Response]


def _lines(order: dict[str, Any]) -> list[dict[str, Any]]:
    items = order["items"]
    return list(items.values()) if isinstance(items, dict) else items


def _fortnight(config: DemoShopConfig) -> list[dict[str, Any]]:
    return [order for day in FORTNIGHT for order in orders_for_day(day, config)]


def _json_type(value: Any) -> str:
    """JSON's own type names: int and float are both ``number``."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", dict: "object", list: "array", type(None): "null"}[type(value)]


def _walk(value: Any, path: str = "order") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every JSON object inside an order with its path (``items`` read as a list)."""
    if isinstance(value, dict):
        yield path, value
        for key, member in value.items():
            if key == "items" and path == "order":
                member = _lines(value)
            yield from _walk(member, f"{path}.{key}")
    elif isinstance(value, list):
        for element in value:
            yield from _walk(element, f"{path}[]")


class Shape:
    """What the published orders allow at each path: keys always there, keys sometimes there,
    and each key's JSON type."""

    def __init__(self, orders: list[dict[str, Any]]) -> None:
        self.always: dict[str, set[str]] = {}
        self.sometimes: dict[str, set[str]] = defaultdict(set)
        self.types: dict[str, set[str]] = defaultdict(set)
        for order in orders:
            for path, block in _walk(order):
                keys = set(block)
                self.always[path] = self.always.get(path, keys) & keys
                self.sometimes[path] |= keys
                for key, member in block.items():
                    self.types[f"{path}.{key}"].add(_json_type(member))

    def problems(self, order: dict[str, Any]) -> list[str]:
        found = []
        for path, block in _walk(order):
            if path not in self.sometimes:
                found.append(f"{path}: not in the published shape")
                continue
            found += [f"{path}: lacks {key}" for key in self.always[path] - set(block)]
            found += [f"{path}: extra {key}" for key in set(block) - self.sometimes[path]]
            for key, member in block.items():
                if path == "order" and key == "items":
                    member = _lines(block)  # sometimes keyed "0", "1", ...: a kept quirk
                allowed = self.types.get(f"{path}.{key}", set())
                if allowed and _json_type(member) not in allowed:
                    found.append(f"{path}.{key}: {_json_type(member)}, published {allowed}")
        return found


PUBLISHED_SHAPE = Shape(PUBLISHED_ORDERS)


def _identity_holds(order: dict[str, Any]) -> bool:
    """total = Σ price × quantity − Σ discounts.value + delivery.total, to the cent."""
    items = sum(Decimal(line["price"]) * Decimal(line["quantity"]) for line in _lines(order))
    discounts = sum(Decimal(discount["value"]) for discount in order["discounts"])
    delivery = Decimal(str(order["delivery"]["total"]))
    return Decimal(order["total"]) == items - discounts + delivery


def _typed(value: Any) -> Any:
    """A JSON value with each scalar tagged by its Python type, so 0 and 0.0 and "0" differ."""
    if isinstance(value, dict):
        return {key: _typed(member) for key, member in value.items()}
    if isinstance(value, list):
        return [_typed(member) for member in value]
    return (type(value).__name__, value)


# -- generated orders: GoMag's published shape ----------------------------------------------


def test_published_samples_describe_a_consistent_shape() -> None:
    assert all(not PUBLISHED_SHAPE.problems(order) for order in PUBLISHED_ORDERS)
    assert all(_identity_holds(order) for order in PUBLISHED_ORDERS)
    assert "updated" not in PUBLISHED_SHAPE.sometimes["order"]


def test_generated_orders_have_the_published_keys_and_json_types() -> None:
    orders = _fortnight(DemoShopConfig(malformed_share=0.0))
    problems = {o["id"]: PUBLISHED_SHAPE.problems(o) for o in orders}
    assert {the_id: found for the_id, found in problems.items() if found} == {}
    seen: dict[str, set[str]] = defaultdict(set)
    for order in orders:
        for path, block in _walk(order):
            seen[path] |= set(block)
    assert dict(seen) == dict(PUBLISHED_SHAPE.sometimes), "every optional key shows up"


def test_no_order_carries_an_updated_field() -> None:
    orders = _fortnight(DemoShopConfig(malformed_share=0.2))
    assert not any("updated" in block for order in orders for _, block in _walk(order))


def test_sound_orders_satisfy_the_published_total_identity() -> None:
    orders = _fortnight(DemoShopConfig(malformed_share=0.0))
    assert [o["id"] for o in orders if not _identity_holds(o)] == []
    assert any(o["delivery"]["total"] != 0 for o in orders)
    assert any(isinstance(o["delivery"]["total"], float) for o in orders), "e.g. 9.99"
    assert any(o["discounts"] for o in orders)


def test_orders_show_the_variety_of_a_real_romanian_shop() -> None:
    orders = _fortnight(DemoShopConfig(malformed_share=0.0))
    lines = [line for order in orders for line in _lines(order)]
    companies = [o["billing"]["company"] for o in orders if "company" in o["billing"]]
    lockers = [o["delivery"] for o in orders if o["delivery"]["lockerId"]]
    vouchers = [d for o in orders for d in o["discounts"] if d["voucher"]]
    names = "".join(o["billing"]["lastname"] + o["shipping"]["city"] for o in orders)

    assert DIACRITICS & set(names)
    assert companies and all(c["code"].startswith("RO") and c["iban"] for c in companies)
    assert lockers and {d["name"] for d in lockers} == {"Easybox"}
    assert vouchers
    assert any(len(o["discounts"]) >= 2 for o in orders)
    assert any(o["shipping"]["firstname"] != o["billing"]["firstname"] for o in orders)
    assert {"Website", "EasySales", "Emag"} == {o["sales_channel"] for o in orders}
    assert {o["status"] for o in orders} == {status.name for status in STATUSES}
    assert all(o["currency"] == "RON" and o["number"].isdigit() for o in orders)
    assert {"Taxa ramburs", "Ambalare cadou"} <= {line["name"] for line in lines}
    assert any(all(line["type"] == "service" for line in _lines(o)) for o in orders)
    assert any(line["ean"] == "" for line in lines) and any(line["ean"] for line in lines)
    assert any(Decimal(line["price"]) < Decimal(line["baseprice"]) for line in lines)
    assert any(isinstance(order["items"], dict) for order in orders), "items keyed '0','1',..."
    assert all(1 <= len(_lines(order)) <= 5 for order in orders)


def test_invoices_and_carriers_follow_the_status() -> None:
    orders = _fortnight(DemoShopConfig(malformed_share=0.0))
    invoiced = {"Comanda Finalizata (Facturata)", "Expediata", "Platita"}
    for order in orders:
        invoice = order["invoice"]
        if order["status"] in invoiced:
            assert invoice["series"] and invoice["number"] != "0", order["id"]
            assert invoice["date"] > order["date"], order["id"]
        else:
            assert invoice == {"series": "", "number": "0", "date": "0000-00-00 00:00:00"}
        if "carrier" in order:
            assert order["status"] in {"Comanda Finalizata (Facturata)", "Expediata"}
            assert order["carrier"]["awb"].isdigit()
    assert any("carrier" in order for order in orders)
    assert any(o["delivery"]["date"] == "0000-00-00 00:00:00" for o in orders)


def test_vat_is_19_before_august_2025_and_21_from_then_on() -> None:
    config = DemoShopConfig(malformed_share=0.0)
    for day, rate in ((VAT_CHANGE - datetime.timedelta(1), "19"), (VAT_CHANGE, "21")):
        assert {line["vat"] for o in orders_for_day(day, config) for line in _lines(o)} == {rate}


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
        ("non_numeric_discount", lambda o, line: o["discounts"][-1]["value"] == "zece lei"),
        ("non_numeric_delivery_total", lambda o, line: o["delivery"]["total"] == "gratuit?"),
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


# -- the envelope ---------------------------------------------------------------------------


def test_same_seed_serves_the_same_bytes_across_starts(
    shop_factory: ShopFactory, read_page: PageReader
) -> None:
    query = {"startDate": "2026-10-01", "endDate": "2026-10-03", "page": 2, "limit": 30}
    first = read_page(shop_factory(seed=11), **query).text
    again = read_page(shop_factory(seed=11), **query).text
    other = read_page(shop_factory(seed=12), **query).text
    assert first == again
    assert first != other


def test_envelope_has_the_published_keys_and_types(
    demo_shop: DemoShop, read_page: PageReader
) -> None:
    expected = demo_shop.listing(DAY, DAY)
    body = read_page(demo_shop, limit=10, **ONE_DAY).json()
    assert list(body) == list(PUBLISHED)
    assert body["total"] == str(len(expected))
    assert (body["page"], body["pages"]) == (1, math.ceil(len(expected) / 10))
    assert body["shippingAsProduct"] is False
    assert list(body["orders"]) == [the_id for the_id, _ in expected[:10]]


def test_published_orders_are_served_with_exactly_the_published_values_and_types(
    shop_factory: ShopFactory, read_page: PageReader
) -> None:
    shop = shop_factory(orders_per_day=0, published_orders=tuple(PUBLISHED_ORDERS))
    answer = read_page(shop, startDate="2022-10-24", endDate="2022-11-11")
    envelope = answer.json()

    assert _typed(envelope) == _typed(PUBLISHED), "the published envelope, key for key"
    for the_id, order in PUBLISHED["orders"].items():
        assert json.dumps(envelope["orders"][the_id]) == json.dumps(order), the_id
    day = read_page(shop, startDate="2025-11-03", endDate="2025-11-03").json()
    assert json.dumps(day["orders"]) == json.dumps({SCHEMA_EXAMPLE["id"]: SCHEMA_EXAMPLE})


def test_published_orders_sit_beside_the_generated_ones_on_their_day(
    shop_factory: ShopFactory, read_page: PageReader
) -> None:
    shop = shop_factory(orders_per_day=5, published_orders=(SCHEMA_EXAMPLE,))
    day = datetime.date(2025, 11, 3)
    listed = [the_id for the_id, _ in shop.listing(day, day)]
    assert SCHEMA_EXAMPLE["id"] in listed
    assert len(listed) == len(orders_for_day(day, shop.config)) + 1
    next_day = day + datetime.timedelta(1)
    assert SCHEMA_EXAMPLE["id"] not in [the_id for the_id, _ in shop.listing(next_day, next_day)]
    assert shop.cancel_order(SCHEMA_EXAMPLE["id"])["statusId"] == "7"


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


def test_shipping_as_product_moves_the_delivery_charge_into_an_item_line(
    shop_factory: ShopFactory, read_page: PageReader
) -> None:
    sound = {"malformed_share": 0.0}
    plain = read_page(shop_factory(**sound), **ONE_DAY).json()["orders"]
    body = read_page(shop_factory(shipping_as_product=True, **sound), **ONE_DAY).json()
    charged = [the_id for the_id, order in plain.items() if order["delivery"]["total"]]

    assert body["shippingAsProduct"] is True
    assert charged
    for the_id, order in body["orders"].items():
        assert order["delivery"]["total"] == 0
        if the_id in charged:
            line = _lines(order)[-1]
            assert (line["type"], line["name"]) == ("service", order["delivery"]["name"])
            assert Decimal(line["price"]) == Decimal(str(plain[the_id]["delivery"]["total"]))
            assert order["total"] == plain[the_id]["total"]
        assert _identity_holds(order), the_id


@pytest.mark.parametrize("headers", [{}, {"Apikey": "wrong"}])
@pytest.mark.parametrize("endpoint", ["order/read/json", "order/status/read/json"])
def test_missing_or_wrong_key_is_told_missing_api_user(
    demo_shop: DemoShop, headers: dict[str, str], endpoint: str
) -> None:
    answer = httpx.get(f"{demo_shop.base_url}/{endpoint}", headers=headers, params=ONE_DAY)
    assert answer.status_code == 200
    assert answer.json() == {"error": 100, "message": "Missing Api User"}


@pytest.mark.parametrize("as_list", [False, True])
def test_status_list_names_the_shops_statuses(shop_factory: ShopFactory, as_list: bool) -> None:
    shop = shop_factory(statuses_as_list=as_list)
    answer = httpx.get(
        f"{shop.base_url}/order/status/read/json", headers={"Apikey": shop.api_key}
    ).json()
    entries = answer if as_list else list(answer.values())
    assert {entry["id"]: entry["name"] for entry in entries} == {s.id: s.name for s in STATUSES}
    if not as_list:
        assert answer["7"] == {"id": "7", "name": "Anulata"}
        assert answer["8"] == {"id": "8", "name": "Platita"}


# -- modification times and the updated filter ----------------------------------------------


def test_updated_alone_searches_the_last_sixty_days_by_modification_time(
    shop_factory: ShopFactory, read_page: PageReader
) -> None:
    now = datetime.datetime(2026, 10, 20, 12, 0)
    shop = shop_factory(orders_per_day=3, malformed_share=0.0, clock=lambda: now)
    old = shop.listing(now.date() - datetime.timedelta(70), now.date() - datetime.timedelta(70))
    shop.cancel_order(old[0][0])
    recent = shop.listing(DAY, DAY)[0][0]
    cancelled = shop.cancel_order(recent)

    body = read_page(shop, updated="2026-10-20").json()

    since = datetime.date(2026, 10, 20)
    expected = shop.listing(since - datetime.timedelta(60), since, updated_since=since)
    placed_today = [the_id for the_id, _ in shop.listing(since, since)]
    assert list(body["orders"]) == [the_id for the_id, _ in expected] == [*placed_today, recent]
    assert body["orders"][recent] == cancelled
    assert (cancelled["status"], cancelled["statusId"]) == ("Anulata", "7")
    assert "updated" not in cancelled
    assert shop.modified_at(recent) == now
    untouched_id, untouched = old[1]
    assert shop.modified_at(untouched_id) == datetime.datetime.fromisoformat(untouched["date"])


def test_orders_placed_since_the_updated_day_count_as_modified(
    shop_factory: ShopFactory, read_page: PageReader
) -> None:
    shop = shop_factory(orders_per_day=3)
    body = read_page(shop, updated="2026-10-02", startDate="2026-10-01", endDate="2026-10-03")
    expected = shop.listing(DAY + datetime.timedelta(1), DAY + datetime.timedelta(2))
    assert list(body.json()["orders"]) == [the_id for the_id, _ in expected]


def test_edits_change_what_later_requests_return(
    demo_shop: DemoShop, read_page: PageReader
) -> None:
    the_id = demo_shop.listing(DAY, DAY)[0][0]
    demo_shop.edit_order(the_id, items=[], total="0.00")
    body = read_page(demo_shop, **ONE_DAY).json()
    assert body["orders"][the_id]["items"] == []
    assert body["orders"][the_id]["total"] == "0.00"
    assert "updated" not in body["orders"][the_id]


@pytest.mark.parametrize("at_start", [True, False])
def test_ignored_date_filter_answers_the_most_recent_orders(
    shop_factory: ShopFactory, read_page: PageReader, at_start: bool
) -> None:
    now = datetime.datetime(2026, 10, 20, 12, 0)
    shop = shop_factory(orders_per_day=3, clock=lambda: now, ignore_date_filter=at_start)
    shop.faults.ignore_date_filter = True

    body = read_page(shop, limit=10, **ONE_DAY).json()

    recent = shop.listing(now.date() - datetime.timedelta(60), now.date())
    assert list(body["orders"]) == [the_id for the_id, _ in recent[:10]]
    assert body["total"] == str(len(recent))
    shop.faults.ignore_date_filter = False
    assert list(read_page(shop, **ONE_DAY).json()["orders"]) == [
        the_id for the_id, _ in shop.listing(DAY, DAY)
    ]


# -- the rate limit -------------------------------------------------------------------------


def test_rate_limit_is_a_leaky_bucket_reported_on_every_answer(
    shop_factory: ShopFactory, read_page: PageReader
) -> None:
    shop = shop_factory(rate_limit_per_second=0.2, rate_limit_burst=5, retry_after_seconds=1)
    answers = [read_page(shop, **ONE_DAY) for _ in range(6)]

    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert [a.headers["Api-RateLimit-Read-Remaining"] for a in answers] == list("432100")
    assert {a.headers["Api-RateLimit-Read"] for a in answers} == {"0.2"}
    assert {a.headers["Api-RateLimit-Read-Burst"] for a in answers} == {"5"}
    assert answers[-1].headers["Retry-After"] == "1"
    assert (shop.traffic.requests, shop.traffic.rate_limited) == (6, 1)


def test_the_bucket_drains_at_the_rate(shop_factory: ShopFactory, read_page: PageReader) -> None:
    shop = shop_factory(rate_limit_per_second=1, rate_limit_burst=1)
    assert [read_page(shop, **ONE_DAY).status_code for _ in range(2)] == [200, 429]
    time.sleep(1.1)  # at 1/s the bucket empties in a second
    answer = read_page(shop, **ONE_DAY)
    assert answer.status_code == 200
    assert answer.headers["Api-RateLimit-Read-Remaining"] == "0"


def test_an_unlimited_shop_sends_no_rate_headers(
    demo_shop: DemoShop, read_page: PageReader
) -> None:
    answer = read_page(demo_shop, **ONE_DAY)
    assert not any(name.lower().startswith("api-ratelimit") for name in answer.headers)


# -- faults ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fault", "status", "looks_like"),
    [
        ("429", 429, '{"error": "429"'),
        ("503", 503, "<html>"),
        ("non_json", 200, "Serviciul"),
        ("html_200", 200, "<!DOCTYPE html>"),
        ("auth_error", 200, '{"error": 100, "message": "Missing Api User"}'),
        ("error_200", 200, '{"error": "500"'),
        ("error_600", 200, '{"error": "600", "message": ["MISSING_ORDER_ID"]}'),
        ("error_404", 200, '{"error": 1, "status": "404", "errorMessage": "'),
        ("error_1", 200, '{"error": 1}'),
        ("no_data", 200, '{"error": "404", "message": ["NO DATA"]}'),
    ],
)
def test_a_queued_fault_is_played_once(
    demo_shop: DemoShop, read_page: PageReader, fault: str, status: int, looks_like: str
) -> None:
    demo_shop.faults.queue(fault)
    faulty, healthy = (read_page(demo_shop, **ONE_DAY) for _ in range(2))
    assert (faulty.status_code, faulty.text[: len(looks_like)]) == (status, looks_like)
    assert healthy.json()["total"]


def test_a_stamped_answer_carries_error_200_beside_its_orders(
    demo_shop: DemoShop, read_page: PageReader
) -> None:
    demo_shop.faults.queue("stamped_200")
    stamped, plain = (read_page(demo_shop, **ONE_DAY).json() for _ in range(2))
    assert (stamped["error"], stamped["status"]) == ("200", "200")
    assert stamped["orders"] == plain["orders"]


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


def test_module_entry_point_serves_with_gomags_rate_limit_until_terminated() -> None:
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
            assert answer.headers["Api-RateLimit-Read"] == "1"
            assert answer.headers["Api-RateLimit-Read-Burst"] == "5"
        finally:
            process.terminate()
            stopping = time.monotonic()
            process.wait(timeout=10)
    assert process.returncode == 0
    assert time.monotonic() - stopping < 5
