"""The columns of a GoMag order as the store keeps it (docs/CONTRACTS.md §4-§6).

The store owns these lists: validation's frames carry exactly these columns, the order dicts of
§5 carry these keys, and the store's tables are named after them.
"""

ORDER_COLUMNS = (
    "order_id",
    "order_number",
    "order_date",
    "gomag_status",
    "status_id",
    "currency",
    "total",
    "source",
    "sales_channel",
    "sales_agent",
    "observation",
    "payment_name",
    "payment_online",
    "payment_completed",
    "delivery_name",
    "delivery_total",
    "delivery_date",
    "locker_id",
    "carrier_name",
    "carrier_awb",
    "invoice_series",
    "invoice_number",
    "invoice_date",
    "customer_id",
    "items_total",
    "discount_total",
    "totals_match",
    "is_cancelled",
    "nothing_to_import",
    "payload_sha256",
    "verdict",
    "error_message",
)
"""§4 ``orders``, in order."""

ORDER_HEADER = (
    "order_number",
    "order_date",
    "gomag_status",
    "currency",
    "total",
    "payload_sha256",
)
"""The order fields every order dict has carried since the first schema: a dict missing one
cannot be written (it ends MALFORMED)."""

_VERDICT = ("is_cancelled", "nothing_to_import", "verdict", "error_message")

ORDER_DETAILS = tuple(
    column for column in ORDER_COLUMNS[1:] if column not in ORDER_HEADER + _VERDICT
)
"""The rest of the whole GoMag order, in §4 order: a dict from before them reads them as None.
They are exactly what the migration to schema 2 adds to ``orders`` and ``validated_orders``, so
fields of a later schema need a tuple of their own (and to be left out of this one)."""

ITEM_COLUMNS = (
    "order_id",
    "line_no",
    "product_id",
    "sku",
    "ean",
    "name",
    "quantity",
    "price",
    "base_price",
    "vat",
    "is_service",
)
"""§4 ``items``, in order."""

ITEM_DETAILS = ("product_id", "ean", "base_price")
"""Item fields added by schema 2 (exactly what its migration adds): a line from before them
reads them as None."""

DISCOUNT_COLUMNS = ("order_id", "line_no", "name", "voucher", "value")
"""§4 ``discounts``, in order."""

PERSONAL_FIELDS = ("firstname", "lastname", "phone", "email", "address")
"""Address fields that name or reach a person: NULL when the store keeps no personal data."""

ADDRESS_COLUMNS = (
    "order_id",
    "kind",
    "firstname",
    "lastname",
    "company",
    "phone",
    "email",
    "address",
    "city",
    "region",
    "country",
    "zipcode",
    "company_name",
    "company_code",
    "registration_no",
    "bank",
    "iban",
)
"""§4 ``addresses``, in order; ``kind`` is ``billing`` or ``shipping``."""

FLAGS = frozenset({"is_cancelled", "nothing_to_import", "is_service"})
"""Always True or False; stored 0/1."""

OPTIONAL_FLAGS = frozenset({"payment_online", "payment_completed", "totals_match"})
"""True, False, or None when GoMag did not say; stored 0/1/NULL."""


def as_flag(value: object) -> bool | None:
    """A stored 0/1/NULL as the bool (or None) it stands for."""
    return None if value is None else bool(value)
