"""Build GoMag order payloads for tests (docs/CONTRACTS.md §1): valid unless told otherwise.

``order(date=MISSING, currency="ron")`` drops or overrides fields; ``landed(...)`` turns orders
into the ``(order_id, payload_text)`` pairs ``validate_orders`` takes, keyed by each order's id.
"""

import json
from datetime import datetime
from typing import Any

MISSING: Any = object()
"""Field value meaning "leave this field out of the payload"."""

NOW = datetime(2026, 10, 2, 12, 0, 0)
"""The run's clock in tests (shop-local): orders dated up to 2026-10-04 12:00:00 are fine."""


def _with(base: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **fields}
    return {name: value for name, value in merged.items() if value is not MISSING}


def product(**fields: Any) -> dict[str, Any]:
    """A product item line: two T-shirts at 49.95 RON."""
    base = {
        "id": "1",
        "type": "product",
        "sku": "TRC-001",
        "name": "Tricou bărbați",
        "quantity": "2",
        "price": "49.95",
        "vat": "19",
        "total": "99.90",
    }
    return _with(base, fields)


def service(**fields: Any) -> dict[str, Any]:
    """A service item line (gift wrapping) without a SKU."""
    base = {
        "id": "2",
        "type": "service",
        "sku": "",
        "name": "Ambalare cadou",
        "quantity": "1",
        "price": "5.00",
        "vat": "19",
        "total": "5.00",
    }
    return _with(base, fields)


def order(order_id: str = "100234", **fields: Any) -> dict[str, Any]:
    """A valid order with one product line and one service line."""
    address = {
        "firstname": "Ștefan",
        "lastname": "Bălan",
        "email": "stefan@example.ro",
        "phone": "0712345678",
        "address": "Str. Mihai Eminescu nr. 3",
        "city": "Iași",
        "region": "Iași",
        "country": "Romania",
        "company": "",
    }
    base = {
        "id": order_id,
        "number": f"GM-{order_id}",
        "date": "2026-10-01 14:03:22",
        "updated": "2026-10-02 09:10:00",
        "status": "Comanda noua",
        "statusId": "1",
        "currency": "RON",
        "total": "249.90",
        "shipping": {"total": "15.00", "name": "Curier"},
        "payment": {"name": "Ramburs"},
        "billing": address,
        "delivery": dict(address),
        "items": [product(), service()],
    }
    return _with(base, fields)


def landed(*orders: dict[str, Any]) -> list[tuple[str, str]]:
    """``(order_id, payload_text)`` pairs as the API resource lands them."""
    return [(str(each["id"]), json.dumps(each, ensure_ascii=False)) for each in orders]
