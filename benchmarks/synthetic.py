"""Orders made up for the benchmarks: validated order dicts for the store, payload texts for
validation. Both are deterministic for a seed, so every run measures the same work."""

import json
import random
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from gomag_assets.demo.catalog import PRODUCTS

ITEMS_PER_ORDER = 3
DISCOUNT_EVERY = 3
_DELIVERY_TOTAL = Decimal("15.00")
NOW = datetime(2026, 10, 2, 12, 0, 0)
"""The clock validation runs against: every generated order date lies before it."""

_FIRST_NAMES = ["Ștefan", "Ana", "Ioana", "Mihai", "Bogdan", "Elena", "Răzvan"]
_LAST_NAMES = ["Bălan", "Popescu", "Ionescu", "Țurcanu", "Dumitrescu"]
_CITIES = ["Iași", "București", "Cluj-Napoca", "Timișoara", "Brașov", "Constanța"]
_PRODUCT_NAMES = ["Tricou bărbați", "Rochie de vară", "Pantofi sport", "Geacă de iarnă", "Șosete"]
_STATUSES = ["Comanda noua", "In curs de procesare", "Finalizata", "Anulata"]
_MALFORMATIONS = [
    lambda order: order.pop("date"),
    lambda order: order.update(date="ieri"),
    lambda order: order["items"][0].update(quantity="abc"),
    lambda order: order["items"][-1].update(price="-5.00"),
    lambda order: order.update(items=[]),
    lambda order: order.update(currency="lei"),
    lambda order: order["items"][0].update(sku=""),
]


def validated_orders(count: int, *, seed: int = 7, first_id: int = 100_000) -> list[dict]:
    """``count`` VALID order dicts as ``save_orders_batch`` takes them (CONTRACTS.md §5), with
    every field: ``ITEMS_PER_ORDER`` product lines, a billing and a shipping address, and a
    discount line on one order in ``DISCOUNT_EVERY``."""
    rng = random.Random(seed)
    return [_validated_order(first_id + number, rng) for number in range(count)]


def poison_randomly(orders: list[dict], share: float, *, seed: int = 7) -> list[str]:
    """Give ``share`` of ``orders``, spread at random, one of the runtime crashes the store's
    third tier must isolate (a value SQLite cannot bind, an integer overflow, a CHECK failure,
    an address kind given twice); returns the poisoned order ids."""
    rng = random.Random(seed)
    chosen = rng.sample(range(len(orders)), round(len(orders) * share))
    for kind, index in enumerate(chosen):
        order = orders[index]
        if kind % 4 == 0:
            order["items"][1]["quantity"] = object()
        elif kind % 4 == 1:
            order["items"][2]["line_no"] = 2**70
        elif kind % 4 == 2:
            order["order_number"] = None
        else:
            order["addresses"][1]["kind"] = "billing"
    return [orders[index]["order_id"] for index in chosen]


def landed_payloads(count: int, *, seed: int = 7) -> list[tuple[str, str]]:
    """``count`` landed ``(order_id, payload_text)`` pairs shaped like GoMag's (3-5 product
    lines, a service line in one order of five, numbers as text, half the texts with escaped
    diacritics), about 3% of them malformed."""
    rng = random.Random(seed)
    products = _catalog(rng)
    landed = []
    for number in range(count):
        order_id = str(100_000 + number)
        placed = NOW - timedelta(seconds=rng.randrange(30 * 24 * 3600))
        items = [_item(rng, products, line) for line in range(1, rng.randint(3, 5) + 1)]
        if rng.random() < 0.2:
            items.append({**_item(rng, products, len(items) + 1), "type": "service", "sku": ""})
        billing = _address(rng)
        order = {
            "id": order_id,
            "number": f"GM-{order_id}",
            "date": placed.strftime("%Y-%m-%d %H:%M:%S"),
            "updated": (placed + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S"),
            "status": rng.choice(_STATUSES),
            "statusId": str(rng.randint(1, 9)),
            "currency": "RON",
            "total": "249.90",
            "shipping": {"total": "15.00", "name": "Curier"},
            "payment": {"name": rng.choice(["Ramburs", "Card online"])},
            "billing": billing,
            "delivery": dict(billing),
            "items": items,
        }
        if rng.random() < 0.03:
            rng.choice(_MALFORMATIONS)(order)
        landed.append((order_id, json.dumps(order, ensure_ascii=rng.random() < 0.5)))
    return landed


def _validated_order(number: int, rng: random.Random) -> dict[str, Any]:
    products = rng.sample(PRODUCTS, ITEMS_PER_ORDER)
    items_total = sum(product.price for product in products)
    discounts = (
        [{"line_no": 0, "name": "Reducere de toamnă", "voucher": "TOAMNA10", "value": "10.00"}]
        if number % DISCOUNT_EVERY == 0
        else []
    )
    discount_total = Decimal("10.00") * len(discounts)
    customer = _address(rng)
    return {
        "order_id": str(number),
        "order_number": f"GM-{number}",
        "order_date": f"2026-10-{1 + number % 28:02d} 14:03:22",
        "gomag_status": "Comanda noua",
        "status_id": "1",
        "currency": "RON",
        "total": str(items_total - discount_total + _DELIVERY_TOTAL),
        "source": "web",
        "sales_channel": "Magazin online",
        "sales_agent": None,
        "observation": None,
        "payment_name": rng.choice(["Ramburs", "Card online"]),
        "payment_online": False,
        "payment_completed": False,
        "delivery_name": "Curier",
        "delivery_total": str(_DELIVERY_TOTAL),
        "delivery_date": None,
        "locker_id": None,
        "carrier_name": "FAN Courier",
        "carrier_awb": f"AWB{number}",
        "invoice_series": "GMF",
        "invoice_number": str(number),
        "invoice_date": f"2026-10-{1 + number % 28:02d} 15:00:00",
        "customer_id": str(rng.randrange(1, 10**6)),
        "items_total": str(items_total),
        "discount_total": str(discount_total),
        "totals_match": True,
        "is_cancelled": False,
        "nothing_to_import": False,
        "payload_sha256": f"{number:064x}",
        "verdict": "VALID",
        "error_message": None,
        "items": [
            {
                "line_no": line_no,
                "product_id": str(PRODUCTS.index(product) + 1),
                "sku": product.sku,
                "ean": None,
                "name": product.name,
                "quantity": "1",
                "price": str(product.price),
                "base_price": str(product.price),
                "vat": "21",
                "is_service": False,
            }
            for line_no, product in enumerate(products)
        ],
        "discounts": discounts,
        "addresses": [_address_line(kind, customer) for kind in ("billing", "shipping")],
    }


def _address_line(kind: str, block: dict[str, str]) -> dict[str, Any]:
    """One §5 address of ``block`` (a payload's billing or delivery block)."""
    return {
        "kind": kind,
        **{key: block[key] for key in ("firstname", "lastname")},
        "company": None,
        **{key: block[key] for key in ("phone", "email", "address", "city", "region", "country")},
        "zipcode": "700001",
        **dict.fromkeys(("company_name", "company_code", "registration_no", "bank", "iban")),
    }


def _address(rng: random.Random) -> dict[str, str]:
    city = rng.choice(_CITIES)
    return {
        "firstname": rng.choice(_FIRST_NAMES),
        "lastname": rng.choice(_LAST_NAMES),
        "email": f"client{rng.randrange(10**6)}@example.ro",
        "phone": f"07{rng.randrange(10**8):08d}",
        "address": f"Str. Mihai Eminescu nr. {rng.randrange(1, 200)}",
        "city": city,
        "region": city,
        "country": "Romania",
        "company": "",
    }


def _catalog(rng: random.Random, size: int = 5_000) -> list[tuple[str, str, int]]:
    """A shop's products as ``(sku, name, price in bani)``: lines repeat prices, as in a shop."""
    return [
        (
            f"SKU-{number:05d}",
            f"{rng.choice(_PRODUCT_NAMES)} mărimea {rng.choice('SML')}",
            rng.randrange(500, 50_000),
        )
        for number in range(size)
    ]


def _item(rng: random.Random, products: list[tuple[str, str, int]], number: int) -> dict[str, str]:
    sku, name, cents = rng.choice(products)
    quantity = rng.randint(1, 5)
    return {
        "id": str(number),
        "type": "product",
        "sku": sku,
        "name": name,
        "quantity": str(quantity),
        "price": f"{cents // 100}.{cents % 100:02d}",
        "vat": rng.choice(["19", "19", "19", "9", "5"]),
        "total": f"{quantity * cents // 100}.{quantity * cents % 100:02d}",
    }
