"""Read landed GoMag payload texts into flat field lists: one entry per order, one per item line.

Normalization reads structure only; it never judges a field's value (``schemas`` does). It
records, as ``Reason``s, what stops a payload from being read at all (not JSON, not an object)
and what is wrong with its ``items`` container, in the same ``field: words`` form as the
schema failures. Nothing in a payload may raise out of here.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import sha256
from operator import itemgetter
from typing import NamedTuple

ORDER_FIELDS = {
    "order_id": "id",
    "order_number": "number",
    "order_date": "date",
    "gomag_status": "status",
    "currency": "currency",
    "total": "total",
}
"""Order table column -> the payload field it is read from, in the order reasons are listed."""

ITEM_FIELDS = {
    "is_service": "type",
    "sku": "sku",
    "name": "name",
    "quantity": "quantity",
    "price": "price",
    "vat": "vat",
}
"""Item table column -> the item field it is read from, in the order reasons are listed."""

_SHOWN_CHARS = 40


class JsonNumber(str):
    """A JSON number kept as its source text (``249.90`` stays ``"249.90"``), so money never
    passes through float and a 5,000-digit integer never meets Python's int-to-text limit."""

    __slots__ = ()


_DECODER = json.JSONDecoder(parse_float=JsonNumber, parse_int=JsonNumber, parse_constant=JsonNumber)


class Reason(NamedTuple):
    """One thing wrong with one order, placed so reasons list order-level first, then by line."""

    order: int
    """Position of the order in the input."""
    line: int
    """Item line number, or -1 for the order itself."""
    rank: int
    """Position of the field among its siblings (-1: the whole payload or line)."""
    text: str


def shown(value: object) -> str:
    """A short, printable rendering of a payload value for a reason: long text is cut, control
    characters and lone surrogates are escaped, containers are not expanded."""
    if isinstance(value, JsonNumber):
        return value if len(value) <= _SHOWN_CHARS else f"{value[:_SHOWN_CHARS]}…"
    if isinstance(value, str):
        return repr(value if len(value) <= _SHOWN_CHARS else f"{value[:_SHOWN_CHARS]}…")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{…}"
    if isinstance(value, list):
        return "[…]"
    return "null"


@dataclass(frozen=True)
class NormalizedPayloads:
    """Every input order's raw fields, and every item line of the orders that could be read."""

    order_ids: list[str]
    payload_sha256: list[str]
    order_fields: dict[str, list[object]]
    """Payload field -> its raw value per order (None when absent or unreadable payload)."""
    unreadable: set[int]
    """Orders whose payload is not a JSON object: nothing else about them is judged."""
    item_order: list[int]
    """Position of the order each item line belongs to."""
    line_no: list[int]
    item_fields: dict[str, list[object]]
    """Item field -> its raw value per item line."""
    reasons: list[Reason]


def normalize_payloads(raw: Iterable[tuple[str, str]]) -> NormalizedPayloads:
    """Decode each ``(order_id, payload_text)`` and flatten orders and item lines."""
    order_ids: list[str] = []
    digests: list[str] = []
    documents: list[dict] = []
    unreadable: set[int] = set()
    lines: list[dict] = []
    item_order: list[int] = []
    line_no: list[int] = []
    reasons: list[Reason] = []
    items_rank = len(ORDER_FIELDS)

    for position, (order_id, text) in enumerate(raw):
        order_ids.append(order_id)
        try:
            encoded = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: hash them as the contract says
            encoded = text.encode("utf-8", "surrogatepass")
        digests.append(sha256(encoded).hexdigest())

        document, problem = _decode(text)
        if problem is not None:
            unreadable.add(position)
            reasons.append(Reason(position, -1, -1, problem))
            documents.append({})
            continue
        documents.append(document)

        order_lines = document.get("items")
        if type(order_lines) is dict:
            order_lines = list(order_lines.values())
        if type(order_lines) is not list:
            words = (
                "missing"
                if order_lines is None
                else f"{shown(order_lines)} is not a list or an object"
            )
            reasons.append(Reason(position, -1, items_rank, f"items: {words}"))
        elif not order_lines:
            reasons.append(Reason(position, -1, items_rank, "items: no item lines"))
        for number, line in enumerate(order_lines if type(order_lines) is list else ()):
            if type(line) is dict:
                lines.append(line)
                item_order.append(position)
                line_no.append(number)
            else:
                words = f"{shown(line)} is not an object"
                reasons.append(Reason(position, number, -1, f"items[{number}]: {words}"))

    return NormalizedPayloads(
        order_ids=order_ids,
        payload_sha256=digests,
        order_fields=_fields(
            documents, [field for field in ORDER_FIELDS.values() if field != "id"]
        ),
        unreadable=unreadable,
        item_order=item_order,
        line_no=line_no,
        item_fields=_fields(lines, list(ITEM_FIELDS.values())),
        reasons=reasons,
    )


def _fields(records: list[dict], fields: list[str]) -> dict[str, list[object]]:
    """Field -> its value in each record (None when absent), taken in C where every record has
    every field; otherwise records lacking one are read field by field."""
    take = itemgetter(*fields)
    try:
        rows = list(map(take, records))
    except KeyError:
        rows = [_take_or_none(record, take, fields) for record in records]
    return {field: list(map(itemgetter(i), rows)) for i, field in enumerate(fields)}


def _take_or_none(record: dict, take: itemgetter, fields: list[str]) -> tuple:
    try:
        return take(record)
    except KeyError:
        return tuple(record.get(field) for field in fields)


def _decode(text: str) -> tuple[dict, None] | tuple[None, str]:
    """The payload as a JSON object, or the reason it is not one."""
    try:
        document = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        return (
            None,
            f"payload: not valid JSON ({error.msg} at line {error.lineno} column {error.colno})",
        )
    except RecursionError:
        return None, "payload: nested too deeply to read"
    if type(document) is not dict:
        return None, f"payload: {shown(document)} is not a JSON object"
    return document, None
