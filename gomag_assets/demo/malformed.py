"""Deliberately broken orders: the structural faults a real shop's data shows now and then.

Which slots are broken is spread evenly by ``malformed_share`` (no clumping), and the kinds
cycle, so a few days of orders exercise every kind.
"""

import datetime
import math
import random
from typing import Any

from gomag_assets.demo import catalog
from gomag_assets.demo.config import DemoShopConfig

MALFORMED_KINDS = (
    "missing_date",
    "unparseable_date",
    "non_numeric_quantity",
    "negative_quantity",
    "missing_price",
    "empty_items",
    "missing_number",
    "product_without_sku",
    "bad_currency",
    "non_numeric_discount",
    "non_numeric_delivery_total",
)


def malformed_kind_at(day: datetime.date, index: int, config: DemoShopConfig) -> str | None:
    """The kind of fault the ``index``-th order of ``day`` carries, or None when it is sound."""
    share = config.malformed_share
    if share <= 0:
        return None
    offset = random.Random(f"{config.seed}:{day.isoformat()}:malformed").random()
    broken_so_far = math.floor(index * share + offset)
    if broken_so_far == math.floor((index - 1) * share + offset):
        return None
    return MALFORMED_KINDS[(day.toordinal() + broken_so_far) % len(MALFORMED_KINDS)]


def malform(order: dict[str, Any], kind: str) -> None:
    """Break a freshly built order in place the way ``kind`` names."""
    if kind == "missing_date":
        del order["date"]
    elif kind == "unparseable_date":
        order["date"] = f"31/02/{order['date'][:4]}"
    elif kind == "empty_items":
        order["items"] = []
    elif kind == "missing_number":
        del order["number"]
    elif kind == "bad_currency":
        order["currency"] = "Lei noi"
    elif kind == "non_numeric_discount":
        order["discounts"] = [
            *order.get("discounts", []),
            {"value": "zece lei", "name": "Voucher", "voucher": "ZECE"},
        ]
    elif kind == "non_numeric_delivery_total":
        order["delivery"] = order.get("delivery", {}) | {"total": "gratuit?"}
    else:
        _break_product_line(_first_product_line(order), kind)


def _break_product_line(line: dict[str, Any], kind: str) -> None:
    if kind == "non_numeric_quantity":
        line["quantity"] = "abc"
    elif kind == "negative_quantity":
        line["quantity"] = "-2"
    elif kind == "missing_price":
        del line["price"]
    elif kind == "product_without_sku":
        del line["sku"]
    else:
        raise ValueError(f"unknown malformed kind {kind!r}")


def _first_product_line(order: dict[str, Any]) -> dict[str, Any]:
    """The line to break; an order of services only gets a product line first."""
    items = order["items"]
    lines = list(items.values()) if isinstance(items, dict) else items
    for line in lines:
        if line["type"] == "product":
            return line
    product = catalog.PRODUCTS[0]
    line = {
        "id": product.id,
        "type": "product",
        "sku": product.sku,
        "ean": product.ean,
        "name": product.name,
        "price": str(product.price),
        "baseprice": str(product.price),
        "vat": lines[0]["vat"],  # a services-only order: its other lines give the rate
        "quantity": "1.00",
    }
    if isinstance(items, dict):
        items[str(len(items))] = line
    else:
        items.append(line)
    return line
