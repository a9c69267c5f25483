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
    """Decode each ``(order_id, payload_text)`` and flatten orders and item lines.

    Each payload's fields are taken as soon as it is decoded, so the decoded document dies
    young: the batch never holds every document at once, which keeps memory flat and spares
    the cyclic GC from walking a million objects that outlive their use.
    """
    order_keys = [field for field in ORDER_FIELDS.values() if field != "id"]
    item_keys = list(ITEM_FIELDS.values())
    take_order, take_item = itemgetter(*order_keys), itemgetter(*item_keys)
    no_order_fields = (None,) * len(order_keys)
    order_ids: list[str] = []
    digests: list[str] = []
    order_rows: list[tuple] = []
    unreadable: set[int] = set()
    item_rows: list[tuple] = []
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
            order_rows.append(no_order_fields)
            continue
        try:
            order_rows.append(take_order(document))
        except KeyError:
            order_rows.append(tuple(map(document.get, order_keys)))

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
            continue
        if not order_lines:
            reasons.append(Reason(position, -1, items_rank, "items: no item lines"))
        for number, line in enumerate(order_lines):
            if type(line) is not dict:
                words = f"{shown(line)} is not an object"
                reasons.append(Reason(position, number, -1, f"items[{number}]: {words}"))
                continue
            try:
                item_rows.append(take_item(line))
            except KeyError:
                item_rows.append(tuple(map(line.get, item_keys)))
            item_order.append(position)
            line_no.append(number)

    return NormalizedPayloads(
        order_ids=order_ids,
        payload_sha256=digests,
        order_fields=_columns(order_rows, order_keys),
        unreadable=unreadable,
        item_order=item_order,
        line_no=line_no,
        item_fields=_columns(item_rows, item_keys),
        reasons=reasons,
    )


def _columns(rows: list[tuple], fields: list[str]) -> dict[str, list[object]]:
    """Field -> its value in each row."""
    return {field: list(map(itemgetter(i), rows)) for i, field in enumerate(fields)}


def _decode(text: str) -> tuple[dict, None] | tuple[None, str]:
    """The payload as a JSON object, or the reason it is not one."""
    try:
        document = _DECODER.decode(text)
    except json.JSONDecodeError as error:
        return (
            None,
            # Some decoder messages end in " at" already ("Invalid control character at").
            f"payload: not valid JSON ({error.msg.removesuffix(' at')} "
            f"at line {error.lineno} column {error.colno})",
        )
    except RecursionError:
        return None, "payload: nested too deeply to read"
    if type(document) is not dict:
        return None, f"payload: {shown(document)} is not a JSON object"
    return document, None
