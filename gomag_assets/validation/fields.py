"""Where each column of the validated tables is read from in a GoMag order payload, and the
order in which reasons name them (docs/CONTRACTS.md §1, §4; /work/shared/gomag for the shape).
"""

from collections.abc import Iterable
from enum import IntEnum

ORDER_FIELDS = {
    "order_id": "id",
    "order_number": "number",
    "order_date": "date",
    "gomag_status": "status",
    "status_id": "statusId",
    "currency": "currency",
    "total": "total",
    "source": "source",
    "sales_channel": "sales_channel",
    "sales_agent": "sales_agent",
    "observation": "observation",
    "payment_name": "payment.name",
    "payment_online": "payment.online",
    "payment_completed": "payment.completed",
    "delivery_name": "delivery.name",
    "delivery_total": "delivery.total",
    "delivery_date": "delivery.date",
    "locker_id": "delivery.lockerId",
    "carrier_name": "carrier.name",
    "carrier_awb": "carrier.awb",
    "invoice_series": "invoice.series",
    "invoice_number": "invoice.number",
    "invoice_date": "invoice.date",
    "customer_id": "billing.customerId",
}
"""Order table column -> the payload field it is read from (``block.field`` inside a block)."""

ITEM_FIELDS = {
    "is_service": "type",
    "sku": "sku",
    "name": "name",
    "quantity": "quantity",
    "price": "price",
    "vat": "vat",
    "product_id": "id",
    "ean": "ean",
    "base_price": "baseprice",
}
"""Item table column -> the item line field it is read from, in the order reasons are listed."""

DISCOUNT_FIELDS = {"value": "value", "name": "name", "voucher": "voucher"}
"""Discount table column -> the discount line field it is read from."""

ADDRESS_KINDS = ("billing", "shipping")
"""The address blocks of an order, in the order their rows come."""

ADDRESS_FIELDS = {
    "firstname": "firstname",
    "lastname": "lastname",
    "company": "company",
    "phone": "phone",
    "email": "email",
    "address": "address",
    "city": "city",
    "region": "region",
    "country": "country",
    "zipcode": "zipcode",
    "company_name": "company.name",
    "company_code": "company.code",
    "registration_no": "company.registrationNo",
    "bank": "company.bank",
    "iban": "company.iban",
}
"""Address table column -> the field of the block it is read from; ``company.*`` are the fields
of billing's ``company`` when it is an object (a firm)."""

ORDER_KEYS = [path for path in ORDER_FIELDS.values() if "." not in path and path != "id"]
"""Top-level fields of an order read into its row (the id is the landing key)."""

BLOCK_KEYS: dict[str, list[str]] = {}
"""Block -> its fields read into the order's row."""
for _path in ORDER_FIELDS.values():
    if "." in _path:
        _block, _, _key = _path.partition(".")
        BLOCK_KEYS.setdefault(_block, []).append(_key)

ORDER_PATHS = [
    *ORDER_KEYS,
    *(f"{block}.{key}" for block, keys in BLOCK_KEYS.items() for key in keys),
]
"""The order fields in the order ``normalize`` takes them."""

PLAIN_ADDRESS_KEYS = [path for path in ADDRESS_FIELDS.values() if "." not in path]
COMPANY_KEYS = [path.partition(".")[2] for path in ADDRESS_FIELDS.values() if "." in path]
NO_COMPANY = (None,) * len(COMPANY_KEYS)
COMPANY_AT = PLAIN_ADDRESS_KEYS.index("company")


def with_company(row: tuple, company: Iterable[object] = NO_COMPANY) -> tuple:
    """An address row of ``PLAIN_ADDRESS_KEYS`` with the company's ``COMPANY_KEYS`` values
    spread after it, and its own ``company`` cell left None."""
    return (*row[:COMPANY_AT], None, *row[COMPANY_AT + 1 :], *company)


class Section(IntEnum):
    """The part of an order a reason is about, in the order reasons are listed."""

    ORDER = 0
    ITEMS = 1
    DISCOUNTS = 2


def _order_subjects() -> list[str]:
    subjects = ["payload"]
    for path in ORDER_FIELDS.values():
        block = path.partition(".")[0]
        if block != path and block not in subjects:
            subjects.append(block)
        subjects.append(path)
    for kind in ADDRESS_KINDS:
        if kind not in subjects:
            subjects.append(kind)
        subjects += [f"{kind}.{path}" for path in ADDRESS_FIELDS.values()]
    return [*subjects, "items", "discounts"]


RANK_OF_SUBJECT = {subject: rank for rank, subject in enumerate(_order_subjects())}
"""What a reason about the order itself names (a field, a block, a container) -> its place
among the order's reasons: the payload, then its fields as the order table lists them, the
address blocks, and the ``items`` and ``discounts`` containers."""
