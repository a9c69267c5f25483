"""The demo shop's order book: deterministic GoMag order payloads for any day.

Every order is derived from ``(seed, day, index)`` alone, so any day can be regenerated
without state, and an order that "arrives later" is simply the next index of its day. Orders
have the keys, nesting and JSON types of GoMag's published ``order/read/json`` response
(``tests/fixtures/gomag/``, docs/CONTRACTS.md §1), and on every sound order
``total = Σ price × quantity − Σ discounts.value + delivery.total``.
"""

import datetime
import random
from decimal import Decimal
from typing import Any

from gomag_assets.demo import catalog
from gomag_assets.demo.config import DemoShopConfig
from gomag_assets.demo.malformed import malform, malformed_kind_at
from gomag_assets.demo.parties import billing, shipping

ID_EPOCH = datetime.date(2000, 1, 1)
ID_SLOTS_PER_DAY = 100_000
ORDER_NUMBER_BASE = 4_000_000_000
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
NOT_SET = "0000-00-00 00:00:00"
"""GoMag's placeholder for a date that is not set (an invoice or a delivery date)."""
_CENT = Decimal("0.01")


def order_id(day: datetime.date, index: int) -> str:
    """Ids grow with the day and the index within it, so they are unique across days."""
    if not 1 <= index < ID_SLOTS_PER_DAY:
        raise ValueError(f"order index {index} is outside 1..{ID_SLOTS_PER_DAY - 1}")
    if day < ID_EPOCH:
        raise ValueError(f"the demo shop has no orders before {ID_EPOCH}")
    return str((day - ID_EPOCH).days * ID_SLOTS_PER_DAY + index)


def order_day(order_id: str) -> datetime.date:
    """The day an order id was issued for (inverse of ``order_id``)."""
    return ID_EPOCH + datetime.timedelta(days=int(order_id) // ID_SLOTS_PER_DAY)


def day_volume(day: datetime.date, config: DemoShopConfig) -> int:
    """How many orders a day starts with: around ``orders_per_day``, quieter at weekends."""
    if config.orders_per_day == 0:
        return 0
    rng = random.Random(f"{config.seed}:{day.isoformat()}:volume")
    weekend = 0.8 if day.weekday() >= 5 else 1.0
    return max(1, round(config.orders_per_day * weekend * rng.uniform(0.7, 1.3)))


def orders_for_day(day: datetime.date, config: DemoShopConfig) -> list[dict[str, Any]]:
    """The orders a day starts with, oldest first, malformed ones included."""
    volume = day_volume(day, config)
    return [build_order(day, index, config) for index in range(1, volume + 1)]


def malformed_orders(day: datetime.date, config: DemoShopConfig) -> dict[str, str]:
    """Order id -> malformed kind for the orders a day starts with."""
    found = {}
    for index in range(1, day_volume(day, config) + 1):
        kind = malformed_kind_at(day, index, config)
        if kind is not None:
            found[order_id(day, index)] = kind
    return found


def placed_at(day: datetime.date, index: int, config: DemoShopConfig) -> datetime.datetime:
    """When an order was placed: spread over 06:00-23:00 in id order (a higher id is later)."""
    rng = random.Random(f"{config.seed}:{day.isoformat()}:{index}:placed")
    slot = 17 * 3600 / max(day_volume(day, config), 1)
    seconds = min(6 * 3600 + (index - 1 + rng.random()) * slot, 86399)
    return datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(
        seconds=int(seconds)
    )


def build_order(day: datetime.date, index: int, config: DemoShopConfig) -> dict[str, Any]:
    """One order payload in GoMag's published shape, malformed if its slot says so."""
    rng = random.Random(f"{config.seed}:{day.isoformat()}:{index}")
    the_id = order_id(day, index)
    placed = placed_at(day, index, config)
    status = rng.choices(catalog.STATUSES, weights=(25, 15, 20, 20, 5, 15))[0]
    lines = _lines(rng, catalog.vat_rate(day))
    subtotal = sum((Decimal(line["price"]) * _quantity(line) for line in lines), Decimal(0))
    two_decimals = rng.random() < 0.2  # GoMag spells money "264.40" as well as "990.5"
    discounts = _discounts(rng, subtotal, two_decimals)
    delivery = rng.choice(catalog.DELIVERIES)
    charge = Decimal(0) if subtotal >= catalog.FREE_DELIVERY_FROM else delivery.charge
    total = subtotal - sum((Decimal(d["value"]) for d in discounts), Decimal(0)) + charge
    if config.shipping_as_product and charge:
        lines.append(_delivery_line(delivery.name, charge, catalog.vat_rate(day)))
        charge = Decimal(0)
    channel = rng.choice(catalog.SALES_CHANNELS)
    payment = rng.choice(catalog.PAYMENTS)
    bill_to = billing(rng)
    order: dict[str, Any] = {
        "id": the_id,
        "number": str(ORDER_NUMBER_BASE + int(the_id)),
        "date": placed.strftime(TIMESTAMP_FORMAT),
        "invoice": _invoice(rng, the_id, placed, status),
        "total": _money(total, two_decimals),
        "status": status.name,
        "statusId": status.id,
    }
    if rng.random() < 0.4:
        order["source"] = "internal" if channel == "Website" else "external"
    order |= {
        "sales_channel": channel,
        "sales_agent": rng.choice(catalog.SALES_AGENTS) if rng.random() < 0.1 else "",
        "currency": "RON",
        "observation": rng.choice(catalog.OBSERVATIONS) if rng.random() < 0.15 else "",
        "payment": {
            "name": payment.name,
            "online": "1" if payment.online else "0",
            "completed": "1" if _is_paid(payment, status) else "0",
        },
        "delivery": _delivery(rng, delivery, charge, placed, status),
        "shipping": shipping(rng, bill_to),
        "items": {str(n): line for n, line in enumerate(lines)} if rng.random() < 0.2 else lines,
        "billing": bill_to,
        "discounts": discounts,
    }
    if status in catalog.WITH_CARRIER and delivery.carrier:
        awb = "".join(str(rng.randint(0, 9)) for _ in range(10))
        order["carrier"] = {"name": delivery.carrier, "awb": awb}
    kind = malformed_kind_at(day, index, config)
    if kind is not None:
        malform(order, kind)
    return order


def money_text(value: Decimal) -> str:
    """Money as GoMag usually spells it: no trailing zeros (``"990.5"``, ``"1005"``)."""
    text = format(value.quantize(_CENT), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _money(value: Decimal, two_decimals: bool) -> str:
    return format(value.quantize(_CENT), "f") if two_decimals else money_text(value)


def _json_number(value: Decimal) -> int | float:
    """``delivery.total`` is a JSON number in GoMag's answers: 0, 0.5, 19.9."""
    return int(value) if value == value.to_integral_value() else float(value)


def _quantity(line: dict[str, Any]) -> Decimal:
    return Decimal(line["quantity"])


def _lines(rng: random.Random, vat: str) -> list[dict[str, Any]]:
    """1-5 lines; one in five orders carries a service, so some carry nothing but services."""
    line_count = rng.randint(1, 5)
    with_service = rng.random() < 0.2
    picks = rng.sample(catalog.PRODUCTS, line_count - with_service)
    if with_service:
        picks.append(rng.choice(catalog.SERVICES))
    lines = []
    for product in picks:
        is_service = product in catalog.SERVICES
        quantity = 1 if is_service else rng.choice((1, 1, 1, 2, 2, 3))
        on_sale = not is_service and rng.random() < 0.25
        price = (product.price * Decimal("0.85")).quantize(_CENT) if on_sale else product.price
        lines.append(
            {
                "id": product.id,
                "type": "service" if is_service else "product",
                "sku": product.sku,
                "ean": product.ean,
                "name": product.name,
                "price": money_text(price),
                "baseprice": money_text(product.price),
                "vat": vat,
                "quantity": f"{quantity}.00",
            }
        )
    return lines


def _delivery_line(name: str, charge: Decimal, vat: str) -> dict[str, Any]:
    """The delivery charge as an item line, as a shop with ``shippingAsProduct`` sends it."""
    price = money_text(charge)
    return {
        "id": "0",
        "type": "service",
        "sku": "",
        "ean": "",
        "name": name,
        "price": price,
        "baseprice": price,
        "vat": vat,
        "quantity": "1.00",
    }


def _discounts(rng: random.Random, subtotal: Decimal, two_decimals: bool) -> list[dict[str, str]]:
    """Mostly none; some orders carry a discount or a voucher, a few carry two."""
    count = rng.choices((0, 1, 2), weights=(65, 28, 7))[0]
    discounts = []
    for name, voucher in rng.sample(catalog.DISCOUNTS, count):
        share = Decimal(rng.choice((5, 10, 15))) / 100
        value = (subtotal * share).quantize(_CENT)
        discounts.append({"value": _money(value, two_decimals), "name": name, "voucher": voucher})
    return discounts


def _invoice(
    rng: random.Random, the_id: str, placed: datetime.datetime, status: catalog.Status
) -> dict[str, str]:
    """Paid and finished orders are invoiced after they were placed; others show placeholders."""
    if status not in catalog.INVOICED:
        return {"series": "", "number": "0", "date": NOT_SET}
    issued = placed + datetime.timedelta(minutes=rng.randint(5, 36 * 60))
    return {
        "series": "FCT",
        "number": str(int(the_id) % 10_000_000),
        "date": issued.strftime(TIMESTAMP_FORMAT),
    }


def _delivery(
    rng: random.Random,
    delivery: catalog.Delivery,
    charge: Decimal,
    placed: datetime.datetime,
    status: catalog.Status,
) -> dict[str, Any]:
    shipped = status in catalog.WITH_CARRIER and rng.random() < 0.5
    when = placed + datetime.timedelta(days=rng.randint(1, 3)) if shipped else None
    return {
        "name": delivery.name,
        "total": _json_number(charge),
        "date": when.strftime(TIMESTAMP_FORMAT) if when else NOT_SET,
        "lockerId": rng.randint(1000, 99999) if delivery.locker else 0,
    }


def _is_paid(payment: catalog.Payment, status: catalog.Status) -> bool:
    if status in (catalog.PAID, catalog.FINISHED):
        return True
    return payment.online and status not in (catalog.NEW, catalog.CANCELLED)
