"""Read landed GoMag payload texts into flat field lists: one entry per order, per item line,
per discount line and per address block.

Normalization reads structure only; it never judges a field's value (``schemas`` does). It
records, as ``Reason``s, what stops a payload from being read at all (not JSON, not an object)
and what is wrong with its containers (``items``, ``discounts``, blocks such as ``delivery``),
in the same ``field: words`` form as the schema failures. Nothing in a payload may raise out of
here.

GoMag's PHP sends an empty block as ``[]`` (sometimes ``""``): that reads as an absent block.
"""

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from hashlib import sha256
from typing import NamedTuple

import numpy as np

from gomag_assets.validation.collect import AddressCollector, Collector, Rows
from gomag_assets.validation.fields import (
    ADDRESS_KINDS,
    BLOCK_KEYS,
    DISCOUNT_FIELDS,
    ITEM_FIELDS,
    ORDER_KEYS,
    ORDER_PATHS,
    RANK_OF_SUBJECT,
    Section,
)
from gomag_assets.validation.shapes import read_shaped

_SHOWN_CHARS = 40
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
"""A JSON escape of a surrogate: paired ones are fine (emoji), a lone one is not."""


_DECODER = json.JSONDecoder(parse_float=str.encode, parse_int=str.encode, parse_constant=str.encode)
"""Decodes a JSON number as the ``bytes`` of its source text (``249.90`` -> ``b"249.90"``), so
money never passes through float, a 5,000-digit integer never meets Python's int-to-text limit,
and a number stays told apart from a string by its type. Unlike a ``str`` subclass, ``bytes`` are
invisible to the cyclic garbage collector, which would otherwise walk every number of a batch."""


class Reason(NamedTuple):
    """One thing wrong with one order, placed so reasons list the order's own fields first,
    then its item lines, then its discount lines."""

    order: int
    """Position of the order in the input."""
    section: Section
    line: int
    """Item or discount line number, or -1 for the order itself."""
    rank: int
    """Position of the field among its siblings (``RANK_OF_SUBJECT`` for the order's own)."""
    text: str


def shown(value: object) -> str:
    """A short, printable rendering of a payload value for a reason: long text is cut, control
    characters and lone surrogates are escaped, containers are not expanded."""
    if type(value) is bytes:  # a JSON number
        number = value.decode()
        return number if len(number) <= _SHOWN_CHARS else f"{number[:_SHOWN_CHARS]}…"
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
    """Every input order's raw fields, and the child rows of the orders that could be read."""

    order_ids: list[str]
    payload_sha256: list[str]
    order_fields: dict[str, np.ndarray]
    """Payload field (``ORDER_PATHS``) -> its raw value per order (None when absent)."""
    unreadable: set[int]
    """Orders whose payload is not a JSON object: nothing else about them is judged."""
    may_hold_lone_surrogates: set[int]
    """Orders whose payload holds a lone surrogate or escapes one (``"\\ud800"``): only their
    text needs checking for what cannot be stored."""
    items: Rows
    discounts: Rows
    addresses: Rows
    reasons: list[Reason]
    read_fast: bool
    """Every payload was read by the compiled decoder: each field it reads as text holds only
    ``str`` or None."""


_NO_BLOCK = {block: (None,) * len(keys) for block, keys in BLOCK_KEYS.items()}
_NO_ORDER_FIELDS = (None,) * len(ORDER_PATHS)


def normalize_payloads(raw: Iterable[tuple[str, str]], *, fast: bool = True) -> NormalizedPayloads:
    """Decode each ``(order_id, payload_text)`` and flatten orders and their child rows.

    A payload is read by the compiled decoder (``shapes``) when it fits GoMag's shape, else by
    the stdlib decoder, the reference; ``fast=False`` reads every payload the reference way
    (the tests prove both ways give the same).

    Each payload's fields are taken as soon as it is decoded, so the decoded document dies
    young: the batch never holds every document at once, which keeps memory flat and spares
    the cyclic GC from walking a million objects that outlive their use.
    """
    order_ids: list[str] = []
    digests: list[str] = []
    orders = Collector(ORDER_PATHS)
    unreadable: set[int] = set()
    may_hold_lone_surrogates: set[int] = set()
    items = Collector(list(ITEM_FIELDS.values()))
    discounts = Collector(list(DISCOUNT_FIELDS.values()))
    addresses = AddressCollector()
    reasons: list[Reason] = []
    read_fast = True

    for position, (order_id, text) in enumerate(raw):
        order_ids.append(order_id)
        try:
            encoded = text.encode("utf-8")
        except UnicodeEncodeError:  # lone surrogates: hash them as the contract says
            encoded = text.encode("utf-8", "surrogatepass")
            may_hold_lone_surrogates.add(position)
            shaped = None
        else:
            shaped = read_shaped(encoded) if fast else None
        digests.append(sha256(encoded).hexdigest())
        if _SURROGATE_ESCAPE.search(text):
            may_hold_lone_surrogates.add(position)

        if shaped is not None:
            orders.append(shaped.row)
            for name, block in shaped.odd_blocks:
                _check_absent(block, name, position, reasons)
            if shaped.addresses:
                addresses.add_rows(shaped.addresses, position, shaped.address_kinds)
            if lines := _item_lines(shaped.items, position, reasons):
                items.add_rows(lines, position)
            if lines := _discount_lines(shaped.discounts, position, reasons):
                discounts.add_rows(lines, position)
            continue
        read_fast = False
        document, problem = _decode(text)
        if problem is not None:
            unreadable.add(position)
            reasons.append(Reason(position, Section.ORDER, -1, -1, problem))
            orders.append(_NO_ORDER_FIELDS)
            continue
        row = tuple(map(document.get, ORDER_KEYS))
        for name, keys in BLOCK_KEYS.items():
            block = document.get(name)
            if type(block) is dict:
                row += tuple(map(block.get, keys))
            else:
                row += _NO_BLOCK[name]
                _check_absent(block, name, position, reasons)
        orders.append(row)
        for kind in ADDRESS_KINDS:
            block = document.get(kind)
            if type(block) is dict:
                addresses.add(position, kind, block)
            elif kind not in BLOCK_KEYS:  # billing was looked at with the order's blocks
                _check_absent(block, kind, position, reasons)
        if lines := _item_lines(document.get("items"), position, reasons):
            strays = items.add_lines(lines, position)
            _stray_line_reasons(strays, "items", Section.ITEMS, position, reasons)
        if lines := _discount_lines(document.get("discounts"), position, reasons):
            strays = discounts.add_lines(lines, position)
            _stray_line_reasons(strays, "discounts", Section.DISCOUNTS, position, reasons)

    return NormalizedPayloads(
        order_ids=order_ids,
        payload_sha256=digests,
        order_fields=orders.columns(),
        unreadable=unreadable,
        may_hold_lone_surrogates=may_hold_lone_surrogates,
        items=items.result(),
        discounts=discounts.result(),
        addresses=addresses.result(),
        reasons=reasons,
        read_fast=read_fast,
    )


def _stray_line_reasons(
    strays: list[tuple[int, object]],
    container: str,
    section: Section,
    position: int,
    reasons: list[Reason],
) -> None:
    """A reason for each line of ``container`` that is not an object."""
    for number, line in strays:
        words = f"{container}[{number}]: {shown(line)} is not an object"
        reasons.append(Reason(position, section, number, -1, words))


def _is_absent(value: object) -> bool:
    """Whether an optional block's value means "none": absent, or PHP's empty array or text."""
    return value is None or value == [] or (type(value) is str and not value.strip())


def _check_absent(value: object, name: str, position: int, reasons: list[Reason]) -> None:
    """A reason when the block ``name``, not an object, is not absent either."""
    if not _is_absent(value):
        words = f"{shown(value)} is not an object"
        reasons.append(
            Reason(position, Section.ORDER, -1, RANK_OF_SUBJECT[name], f"{name}: {words}")
        )


def _item_lines(container: object, position: int, reasons: list[Reason]) -> list | None:
    """The order's item lines, or a reason: it must have some."""
    lines = _lines(container)
    if lines:
        return lines
    if lines is not None:
        words = "no item lines"
    elif container is None:
        words = "missing"
    else:
        words = f"{shown(container)} is not a list or an object"
    reasons.append(Reason(position, Section.ORDER, -1, _ITEMS_RANK, f"items: {words}"))
    return None


def _discount_lines(container: object, position: int, reasons: list[Reason]) -> list | None:
    """The order's discount lines, if it has any; a reason for a container that is no list."""
    lines = _lines(container)
    if lines is None and not _is_absent(container):
        words = f"{shown(container)} is not a list or an object"
        reasons.append(Reason(position, Section.ORDER, -1, _DISCOUNTS_RANK, f"discounts: {words}"))
    return lines


_ITEMS_RANK = RANK_OF_SUBJECT["items"]
_DISCOUNTS_RANK = RANK_OF_SUBJECT["discounts"]


def _lines(container: object) -> list | None:
    """The lines of a container sent as a list or as an object keyed "0", "1", ...; None when
    it is neither."""
    if type(container) is dict:
        return list(container.values())
    return container if type(container) is list else None


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
