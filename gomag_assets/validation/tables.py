"""The four validated tables in canonical form, read column by column from the normalized
payloads (docs/CONTRACTS.md §4), with the optional values that were sent but cannot be read.

A required value that cannot be read arrives as None and the schemas' presence rules name it. An
optional value (a delivery charge, an invoice date, a payment flag) may be None, so the schemas
cannot tell "not sent" from "sent but unreadable": that is judged here, while the raw value is at
hand. Absent and blank values and GoMag's "not set" placeholders are None and never a failure.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import tzinfo
from functools import partial

import numpy as np

from gomag_assets.constants import Verdict
from gomag_assets.validation.canonical import (
    Reading,
    decimal_texts,
    drop_invalid_unicode,
    flags,
    ids,
    names_in,
    objects,
    shop_local_times,
    texts,
    trimmed_in,
)
from gomag_assets.validation.fields import ADDRESS_FIELDS
from gomag_assets.validation.normalize import NormalizedPayloads, Reason
from gomag_assets.validation.reasons import (
    AddressFields,
    OrderFields,
    PayloadFields,
    discount_fields,
    item_fields,
    unread_reasons,
)
from gomag_assets.validation.schemas import (
    ADDRESS_COLUMNS,
    DISCOUNT_COLUMNS,
    ITEM_COLUMNS,
    ORDER_COLUMNS,
)

Table = dict[str, np.ndarray]
"""Column -> its values, in the column order of the table's model."""

Reader = Callable[[np.ndarray], Reading]
"""Raw payload values of a column -> their canonical form."""


_text: Reader = partial(texts, blank_is_missing=True)
"""Text, None when blank."""

_verbatim: Reader = partial(texts, blank_is_missing=False)
"""Text as sent, blanks included."""

_WHEN_READ_FAST: dict[Reader, Reader] = {
    _text: partial(texts, blank_is_missing=True, only_text=True),
    _verbatim: partial(texts, blank_is_missing=False, only_text=True),
}
"""The text readers for a batch the compiled decoder read whole: its text fields hold only
``str`` or None, so no value's type needs a look (the number fields keep their readers)."""

_TEXT_READERS = (_text, _verbatim, ids, *_WHEN_READ_FAST.values())
"""Readers that keep the payload's text, so it must be storable (no lone surrogate)."""


_ORDER_READERS: dict[str, Reader] = {
    "order_number": _text,
    "gomag_status": _text,
    "status_id": _text,
    "currency": _text,
    "total": decimal_texts,
    "source": _text,
    "sales_channel": _text,
    "sales_agent": _text,
    "observation": _text,
    "payment_name": _text,
    "payment_online": flags,
    "payment_completed": flags,
    "delivery_name": _text,
    "delivery_total": decimal_texts,
    "locker_id": ids,
    "carrier_name": _text,
    "carrier_awb": _text,
    "invoice_series": _text,
    "invoice_number": ids,
    "customer_id": ids,
}
"""How each order column is read, but the dates (they need the shop's time zone)."""

_ORDER_DATES = ("order_date", "delivery_date", "invoice_date")

_JUDGED_BY_SCHEMA = {"order_number", "order_date", "currency", "total"}
_OPTIONAL_ORDER_COLUMNS = [
    column
    for column in (*_ORDER_READERS, *_ORDER_DATES)
    if column not in _JUDGED_BY_SCHEMA and column != "gomag_status"
]
"""Order columns a payload may leave out, but must send readable when it sends them. The
required ones are judged by the schema; the status name stays as lenient as it always was (a
status that is not text reads as None)."""

_ITEM_READERS: dict[str, Reader] = {
    "product_id": _text,
    "sku": _text,
    "ean": _text,
    "name": _verbatim,
    "quantity": decimal_texts,
    "price": decimal_texts,
    "base_price": decimal_texts,
    "vat": decimal_texts,
}
_OPTIONAL_ITEM_COLUMNS = ("product_id", "sku", "ean", "base_price")
"""Item columns a line may leave out; the schema also requires a product line's SKU."""

_DISCOUNT_READERS: dict[str, Reader] = {"name": _text, "voucher": _text, "value": decimal_texts}
_OPTIONAL_DISCOUNT_COLUMNS = ("name", "voucher")

_ADDRESS_READERS: dict[str, Reader] = dict.fromkeys(ADDRESS_FIELDS, _text)


@dataclass(frozen=True)
class Tables:
    """The tables as read: every order, and the child rows of every readable order."""

    orders: Table
    items: Table
    discounts: Table
    addresses: Table
    """Only the address blocks that hold a value."""
    owners: dict[str, np.ndarray]
    """Child table name -> position of the order each of its rows belongs to."""
    sources: dict[str, PayloadFields]
    """Table name -> where its rows came from, to word the failures of its rules."""
    reasons: list[Reason]
    """Optional values that were sent but cannot be read."""


def read_tables(
    payloads: NormalizedPayloads,
    zone: tzinfo,
    cancelled_statuses: Iterable[str],
    cancelled_status_ids: Iterable[str],
) -> Tables:
    """Every table in canonical form; orders are provisionally VALID unless their payload could
    not be read at all (then the schema's VALID-only rules leave them alone)."""
    sources: dict[str, PayloadFields] = {
        "orders": OrderFields(payloads.order_ids, payloads.order_fields),
        "items": item_fields(payloads.items),
        "discounts": discount_fields(payloads.discounts),
        "addresses": AddressFields(payloads.addresses),
    }
    order_ids = objects(payloads.order_ids, len(payloads.order_ids))
    owners = {
        "orders": np.arange(len(order_ids)),
        "items": payloads.items.order,
        "discounts": payloads.discounts.order,
        "addresses": payloads.addresses.order,
    }
    suspect = np.zeros(len(order_ids), dtype=bool)
    suspect[list(payloads.may_hold_lone_surrogates)] = True
    reasons: list[Reason] = []

    def read(name: str, readers: dict[str, Reader], optional: Iterable[str]) -> Table:
        if payloads.read_fast:
            readers = {column: _WHEN_READ_FAST.get(read, read) for column, read in readers.items()}
        suspect_rows = np.flatnonzero(suspect[owners[name]])
        table, unread = _read(sources[name], readers, optional, suspect_rows)
        reasons.extend(unread)
        return table

    dates = dict.fromkeys(_ORDER_DATES, partial(shop_local_times, zone=zone))
    orders = read("orders", {**_ORDER_READERS, **dates}, _OPTIONAL_ORDER_COLUMNS)
    items = read("items", _ITEM_READERS, _OPTIONAL_ITEM_COLUMNS)
    discounts = read("discounts", _DISCOUNT_READERS, _OPTIONAL_DISCOUNT_COLUMNS)
    addresses = read("addresses", _ADDRESS_READERS, _ADDRESS_READERS)

    holding_a_value = _holding_a_value(addresses)
    owners["addresses"] = owners["addresses"][holding_a_value]
    addresses = {column: values[holding_a_value] for column, values in addresses.items()}
    kinds = payloads.addresses.key[holding_a_value]
    is_cancelled = names_in(payloads.order_fields["status"], cancelled_statuses)
    status_ids = list(cancelled_status_ids)
    if status_ids:
        is_cancelled |= trimmed_in(orders["status_id"], status_ids)
    return Tables(
        orders=_order_table(orders, payloads, order_ids, is_cancelled),
        items=_ordered(
            ITEM_COLUMNS,
            items,
            order_id=order_ids[owners["items"]],
            line_no=payloads.items.key.astype(np.int64),
            is_service=names_in(payloads.items.fields["type"], ["service"]),
        ),
        discounts=_ordered(
            DISCOUNT_COLUMNS,
            discounts,
            order_id=order_ids[owners["discounts"]],
            line_no=payloads.discounts.key.astype(np.int64),
        ),
        addresses=_ordered(
            ADDRESS_COLUMNS, addresses, order_id=order_ids[owners["addresses"]], kind=kinds
        ),
        owners=owners,
        sources=sources,
        reasons=reasons,
    )


def _read(
    source: PayloadFields,
    readers: dict[str, Reader],
    optional: Iterable[str],
    suspect_rows: np.ndarray,
) -> tuple[Table, list[Reason]]:
    """The columns ``readers`` read from ``source``, and a reason for each ``optional`` value
    that was sent but cannot be read. Text of ``suspect_rows`` that cannot be stored is None."""
    table, reasons = {}, []
    for column, read in readers.items():
        values, unread = read(source.values(column))
        if read in _TEXT_READERS and len(suspect_rows):
            unread = np.union1d(unread, drop_invalid_unicode(values, suspect_rows))
        table[column] = values
        if column in optional and len(unread):
            reasons += unread_reasons(source, column, unread)
    return table, reasons


def _holding_a_value(addresses: Table) -> np.ndarray:
    """Which address blocks hold at least one value (a block of blanks gives no row). Each
    column is only looked at in the rows still empty, so the usual block costs one look."""
    count = len(next(iter(addresses.values())))
    holding = np.zeros(count, dtype=bool)
    for values in addresses.values():
        empty = np.flatnonzero(~holding)
        if not len(empty):
            break
        holding[empty] = np.not_equal(values[empty], None)
    return holding


def _order_table(
    read: Table, payloads: NormalizedPayloads, order_ids: np.ndarray, is_cancelled: np.ndarray
) -> Table:
    """The orders table: every order VALID but those whose payload could not be read; the
    totals are known once the verdicts are."""
    count = len(order_ids)
    verdicts = np.full(count, Verdict.VALID.value, dtype=object)
    error_messages = np.full(count, None, dtype=object)
    for reason in payloads.reasons:
        if reason.order in payloads.unreadable:
            verdicts[reason.order] = Verdict.MALFORMED.value
            error_messages[reason.order] = reason.text
    return _ordered(
        ORDER_COLUMNS,
        read,
        order_id=order_ids,
        items_total=np.full(count, None, dtype=object),
        discount_total=np.full(count, None, dtype=object),
        totals_match=np.full(count, None, dtype=object),
        is_cancelled=is_cancelled,
        nothing_to_import=np.zeros(count, dtype=bool),
        payload_sha256=objects(payloads.payload_sha256, count),
        verdict=verdicts,
        error_message=error_messages,
    )


def _ordered(columns: tuple[str, ...], read: Table, **computed: np.ndarray) -> Table:
    """The table's columns in its model's order (the models are ``ordered``)."""
    table = {**read, **computed}
    return {column: table[column] for column in columns}
