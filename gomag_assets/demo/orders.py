"""The demo shop's order book: deterministic GoMag order payloads for any day.

Every order is derived from ``(seed, day, index)`` alone, so any day can be regenerated
without state, and an order that "arrives later" is simply the next index of its day.
"""

import datetime
import random
import unicodedata
from decimal import Decimal
from typing import Any

from gomag_assets.demo import catalog
from gomag_assets.demo.config import DemoShopConfig
from gomag_assets.demo.malformed import malform, malformed_kind_at

ID_EPOCH = datetime.date(2000, 1, 1)
ID_SLOTS_PER_DAY = 100_000
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"
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


def build_order(day: datetime.date, index: int, config: DemoShopConfig) -> dict[str, Any]:
    """One order payload shaped like GoMag's (CONTRACTS.md §1), malformed if its slot says so."""
    rng = random.Random(f"{config.seed}:{day.isoformat()}:{index}")
    as_numbers = rng.random() < 0.1
    placed = _placed_at(rng, day, index, day_volume(day, config))
    updated = placed
    if rng.random() < 0.15:
        updated += datetime.timedelta(days=rng.randint(1, 2), seconds=rng.randint(0, 8 * 3600))
    status, status_id = (
        catalog.CANCELLED_STATUS if rng.random() < 0.05 else rng.choice(catalog.OPEN_STATUSES)
    )
    lines = _lines(rng, as_numbers)
    subtotal = sum((_amount(line["total"]) for line in lines), Decimal(0))
    shipping = Decimal(0) if subtotal >= 250 else Decimal("15.00")
    billing = _address(rng)
    delivery = dict(billing) if rng.random() < 0.8 else billing | _location(rng)
    the_id = order_id(day, index)
    order = {
        "id": the_id,
        "number": f"GM-{the_id}",
        "date": placed.strftime(TIMESTAMP_FORMAT),
        "updated": updated.strftime(TIMESTAMP_FORMAT),
        "status": status,
        "statusId": status_id,
        "currency": "RON",
        "total": _money(subtotal + shipping, as_numbers),
        "shipping": {"total": _money(shipping, as_numbers), "name": rng.choice(catalog.COURIERS)},
        "payment": {"name": rng.choice(catalog.PAYMENT_METHODS)},
        "billing": billing,
        "delivery": delivery,
        "items": {str(n): line for n, line in enumerate(lines)} if rng.random() < 0.2 else lines,
    }
    kind = malformed_kind_at(day, index, config)
    if kind is not None:
        malform(order, kind)
    return order


def _placed_at(
    rng: random.Random, day: datetime.date, index: int, volume: int
) -> datetime.datetime:
    """Spread orders over 06:00-23:00 in id order, so a higher id is a later order."""
    slot = 17 * 3600 / max(volume, 1)
    seconds = min(6 * 3600 + (index - 1 + rng.random()) * slot, 86399)
    return datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(
        seconds=int(seconds)
    )


def _lines(rng: random.Random, as_numbers: bool) -> list[dict[str, Any]]:
    """1-5 lines; one in five orders carries a service, so some carry nothing but services."""
    line_count = rng.randint(1, 5)
    with_service = rng.random() < 0.2
    picks = rng.sample(catalog.PRODUCTS, line_count - with_service)
    if with_service:
        picks.append(rng.choice(catalog.SERVICES))
    lines = []
    for position, product in enumerate(picks, start=1):
        is_service = product in catalog.SERVICES
        quantity = 1 if is_service else rng.choice((1, 1, 1, 2, 2, 3))
        lines.append(
            {
                "id": str(position),
                "type": "service" if is_service else "product",
                "sku": product.sku,
                "name": product.name,
                "quantity": quantity if as_numbers else str(quantity),
                "price": _money(product.price, as_numbers),
                "vat": int(catalog.VAT_RATE) if as_numbers else catalog.VAT_RATE,
                "total": _money(product.price * quantity, as_numbers),
            }
        )
    return lines


def _address(rng: random.Random) -> dict[str, str]:
    first, last = rng.choice(catalog.FIRST_NAMES), rng.choice(catalog.LAST_NAMES)
    return {
        "firstname": first,
        "lastname": last,
        "email": f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 99)}@example.ro",
        "phone": "07" + "".join(str(rng.randint(0, 9)) for _ in range(8)),
        **_location(rng),
        "country": "Romania",
        "company": rng.choice(catalog.COMPANIES) if rng.random() < 0.1 else "",
    }


def _location(rng: random.Random) -> dict[str, str]:
    place = rng.choice(catalog.PLACES)
    return {
        "address": f"{rng.choice(catalog.STREETS)} nr. {rng.randint(1, 120)}",
        "city": place.city,
        "region": place.region,
    }


def _ascii(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.lower())
    return "".join(c for c in decomposed if c.isascii() and c.isalnum())


def _money(value: Decimal, as_number: bool) -> str | float:
    exact = value.quantize(_CENT)
    return float(exact) if as_number else str(exact)


def _amount(value: str | float) -> Decimal:
    return Decimal(str(value))
