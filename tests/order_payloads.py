"""Build GoMag order payloads for tests in the published shape (/work/shared/gomag, mirrored in
``tests/fixtures/gomag``): valid, and adding up, unless told otherwise.

``order(date=MISSING, currency="ron")`` drops or overrides fields; ``landed(...)`` turns orders
into the ``(order_id, payload_text)`` pairs ``validate_orders`` takes, keyed by each order's id.
The default order: two T-shirts at 49.95 and gift wrapping at 5.00 (104.90), a 10.00 discount,
a delivery charge of 15 (a JSON number, as GoMag sends it): total 109.90.
"""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

MISSING: Any = object()
"""Field value meaning "leave this field out of the payload"."""

NOW = datetime(2026, 10, 2, 12, 0, 0)
"""The run's clock in tests (shop-local): orders dated up to 2026-10-04 12:00:00 are fine."""

PUBLISHED = Path(__file__).parent / "fixtures" / "gomag"
"""GoMag's published examples: ``order_read_response.json``, ``order_schema_example.json``."""

NOT_SET_DATE = "0000-00-00 00:00:00"
"""GoMag's "no date yet"."""


def _with(base: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    merged = {**base, **fields}
    return {name: value for name, value in merged.items() if value is not MISSING}


def product(**fields: Any) -> dict[str, Any]:
    """A product item line: two T-shirts at 49.95 RON (59.90 before the discount)."""
    base = {
        "id": "1",
        "type": "product",
        "sku": "TRC-001",
        "ean": "5940000000017",
        "name": "Tricou bărbați",
        "price": "49.95",
        "baseprice": "59.90",
        "vat": "19",
        "quantity": "2.00",
    }
    return _with(base, fields)


def service(**fields: Any) -> dict[str, Any]:
    """A service item line (gift wrapping) without a SKU or EAN."""
    base = {
        "id": "2",
        "type": "service",
        "sku": "",
        "ean": "",
        "name": "Ambalare cadou",
        "price": "5.00",
        "baseprice": "5.00",
        "vat": "19",
        "quantity": "1.00",
    }
    return _with(base, fields)


def discount(**fields: Any) -> dict[str, Any]:
    """A discount line: 10.00 RON off with a newsletter voucher."""
    return _with({"value": "10.00", "name": "Reducere newsletter", "voucher": "NEWS10"}, fields)


def address(**fields: Any) -> dict[str, Any]:
    """A shipping address block (``company`` is text, blank for a person)."""
    base = {
        "company": "",
        "firstname": "Ștefan",
        "lastname": "Bălan",
        "phone": "0712345678",
        "email": "stefan@example.ro",
        "address": "Str. Mihai Eminescu nr. 3",
        "city": "Iași",
        "region": "Iași",
        "country": "Romania",
        "zipcode": "700001",
    }
    return _with(base, fields)


def billing(**fields: Any) -> dict[str, Any]:
    """A billing block: the address of a person with a GoMag customer account."""
    return _with({**address(), "customerId": 12345}, fields)


def company(**fields: Any) -> dict[str, Any]:
    """Billing's ``company`` object, for an order invoiced to a firm."""
    base = {
        "name": "Exemplu Distributie SRL",
        "code": "RO12345678",
        "registrationNo": "J08/123/2015",
        "bank": "Banca Exemplu",
        "iban": "RO49AAAA1B31007593840000",
    }
    return _with(base, fields)


def order(order_id: str = "100234", **fields: Any) -> dict[str, Any]:
    """A valid, not yet invoiced order: a product line, a service line, one discount, delivery
    by courier; its total adds up."""
    base = {
        "id": order_id,
        "number": f"GM-{order_id}",
        "date": "2026-10-01 14:03:22",
        "invoice": {"series": "", "number": "0", "date": NOT_SET_DATE},
        "total": "109.90",
        "status": "Comanda noua",
        "statusId": "1",
        "sales_channel": "Website",
        "sales_agent": "",
        "currency": "RON",
        "observation": "",
        "payment": {"name": "Ramburs", "online": "0", "completed": "0"},
        "delivery": {"name": "Curier", "total": 15, "date": NOT_SET_DATE, "lockerId": 0},
        "shipping": address(),
        "items": [product(), service()],
        "billing": billing(),
        "discounts": [discount()],
    }
    return _with(base, fields)


def landed(*orders: dict[str, Any]) -> list[tuple[str, str]]:
    """``(order_id, payload_text)`` pairs as the API resource lands them."""
    return [(str(each["id"]), json.dumps(each, ensure_ascii=False)) for each in orders]


def published_orders() -> dict[str, dict[str, Any]]:
    """GoMag's published orders by id: the two of ``order_read_response.json`` and the one of
    ``order_schema_example.json``."""
    response = json.loads((PUBLISHED / "order_read_response.json").read_text(encoding="utf-8"))
    example = json.loads((PUBLISHED / "order_schema_example.json").read_text(encoding="utf-8"))
    return {**response["orders"], example["id"]: example}
