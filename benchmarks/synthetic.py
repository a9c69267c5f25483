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
_STATUSES = [
    ("1", "Comanda noua"),
    ("2", "In curs de procesare"),
    ("3", "Finalizata"),
    ("7", "Anulata"),
]
_CHANNELS = ["Website", "Website", "Website", "EasySales", "eMAG"]
_PAYMENTS = [("Ramburs", "0"), ("Card online", "1"), ("Termen de Plata", "0")]
_DELIVERIES = [("Curier rapid", "19.9"), ("Transport National", "0.5"), ("Gratuit", "0")]
_MALFORMATIONS = [
    lambda order: order.pop("date"),
    lambda order: order.update(date="ieri"),
    lambda order: order["items"][0].update(quantity="abc"),
    lambda order: order["items"][-1].update(price="-5.00"),
    lambda order: order.update(items=[]),
    lambda order: order.update(currency="lei"),
    lambda order: order["items"][0].update(sku=""),
    lambda order: order.update(discounts=[{"value": "x", "name": "Reducere", "voucher": ""}]),
    lambda order: order["delivery"].update(total="abc"),
    lambda order: order["payment"].update(online="yes"),
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
    """``count`` landed ``(order_id, payload_text)`` pairs shaped like GoMag's published orders
    (/work/shared/gomag: 3-5 product lines with EAN and base price, a service line in one order
    of five, invoice, payment, delivery with a JSON-number charge and locker id, billing and
    shipping addresses, a company on one billing in ten, a discount on one order in three, a
    carrier on half; numbers as text, half the texts with escaped diacritics), the totals adding
    up, about 3% of them malformed."""
    rng = random.Random(seed)
    products = _catalog(rng)
    landed = []
    for number in range(count):
        order_id = str(100_000 + number)
        order = _published_order(rng, products, order_id)
        if rng.random() < 0.03:
            rng.choice(_MALFORMATIONS)(order)
        landed.append((order_id, json.dumps(order, ensure_ascii=rng.random() < 0.5)))
    return landed


def _published_order(
    rng: random.Random, products: list[tuple[str, str, str, int]], order_id: str
) -> dict[str, Any]:
    placed = NOW - timedelta(seconds=rng.randrange(30 * 24 * 3600))
    items = [_item(rng, products) for _ in range(rng.randint(3, 5))]
    if rng.random() < 0.2:
        items.append({**_item(rng, products), "id": "0", "type": "service", "sku": "", "ean": ""})
    bani = sum(_bani(item["price"]) * int(item["quantity"][:-3]) for item in items)
    discounts = []
    if rng.random() < 0.33:
        off = bani // 10
        discounts.append(
            {"value": _lei(off), "name": "Reducere", "voucher": rng.choice(["", "NEWS10"])}
        )
        bani -= off
    delivery_name, delivery_total = rng.choice(_DELIVERIES)
    status_id, status = rng.choice(_STATUSES)
    payment_name, online = rng.choice(_PAYMENTS)
    invoiced = rng.random() < 0.5
    billing = {**_address(rng), "customerId": rng.choice([0, rng.randrange(1, 10**5)])}
    if rng.random() < 0.1:
        billing["company"] = {
            "name": "Exemplu Distributie SRL",
            "code": f"RO{rng.randrange(10**8)}",
            "registrationNo": f"J08/{rng.randrange(1000)}/2015",
            "bank": "Banca Exemplu",
            "iban": f"RO49AAAA1B310075{rng.randrange(10**8):08d}",
        }
    order = {
        "id": order_id,
        "number": f"40405{order_id}",
        "date": placed.strftime("%Y-%m-%d %H:%M:%S"),
        "invoice": {
            "series": "FCT" if invoiced else "",
            "number": str(rng.randrange(1, 10**4)) if invoiced else "0",
            "date": (placed + timedelta(hours=2)).strftime("%Y-%m-%d %H:%M:%S")
            if invoiced
            else "0000-00-00 00:00:00",
        },
        "total": _lei(bani + _bani(delivery_total)),
        "status": status,
        "statusId": status_id,
        "sales_channel": rng.choice(_CHANNELS),
        "sales_agent": "",
        "currency": "RON",
        "observation": rng.choice(["", "", "", "Livrare dupa ora 17"]),
        "payment": {"name": payment_name, "online": online, "completed": online},
        "delivery": {
            "name": delivery_name,
            "total": float(delivery_total) if delivery_total != "0" else 0,
            "date": "0000-00-00 00:00:00",
            "lockerId": rng.choice([0, 0, 0, rng.randrange(1, 10**4)]),
        },
        "shipping": _address(rng),
        "items": items,
        "billing": billing,
        "discounts": discounts,
    }
    if rng.random() < 0.5:
        order["carrier"] = {"name": delivery_name, "awb": str(rng.randrange(10**9, 10**10))}
    return order


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


def _address(rng: random.Random) -> dict[str, Any]:
    city = rng.choice(_CITIES)
    return {
        "company": "",
        "firstname": rng.choice(_FIRST_NAMES),
        "lastname": rng.choice(_LAST_NAMES),
        "phone": f"07{rng.randrange(10**8):08d}",
        "email": f"client{rng.randrange(10**6)}@example.ro",
        "address": f"Str. Mihai Eminescu nr. {rng.randrange(1, 200)}",
        "city": city,
        "region": city,
        "country": "Romania",
    }


def _catalog(rng: random.Random, size: int = 5_000) -> list[tuple[str, str, str, int]]:
    """A shop's products as ``(id, sku, name, price in bani)``: lines repeat prices, as in a
    shop."""
    return [
        (
            str(number + 1),
            f"SKU-{number:05d}",
            f"{rng.choice(_PRODUCT_NAMES)} mărimea {rng.choice('SML')}",
            rng.randrange(500, 50_000),
        )
        for number in range(size)
    ]


def _item(rng: random.Random, products: list[tuple[str, str, str, int]]) -> dict[str, str]:
    product_id, sku, name, bani = rng.choice(products)
    return {
        "id": product_id,
        "type": "product",
        "sku": sku,
        "ean": f"594{int(product_id):010d}",
        "name": name,
        "price": _lei(bani),
        "baseprice": _lei(bani + bani // 5),
        "vat": rng.choice(["21", "21", "21", "11"]),
        "quantity": f"{rng.randint(1, 5)}.00",
    }


def _lei(bani: int) -> str:
    return f"{bani // 100}.{bani % 100:02d}"


def _bani(lei: str) -> int:
    whole, _, fraction = lei.partition(".")
    return int(whole) * 100 + int(fraction.ljust(2, "0"))
