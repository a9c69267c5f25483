"""GoMag's order payload as msgspec structs that name only the fields ``normalize`` reads: the
compiled decoder fills them in C, skipping every other field, with no dict built per block or
line and no Python call per value.

This is the fast path, not the reference. A payload it cannot read exactly as the stdlib
decoder does decodes to None, and ``normalize`` reads it the reference way: JSON msgspec
rejects (malformed, NaN or Infinity, lone surrogates), and any field whose value is not of the
kind GoMag sends (text or null; a JSON number where GoMag sends one; a block or container as an
object, PHP's ``[]`` or ``""``).
"""

from operator import attrgetter
from typing import Any, NamedTuple

import msgspec
from msgspec import Raw, Struct
from msgspec.structs import astuple

from gomag_assets.validation.fields import (
    ADDRESS_KINDS,
    BLOCK_KEYS,
    COMPANY_AT,
    COMPANY_KEYS,
    DISCOUNT_FIELDS,
    ITEM_FIELDS,
    NO_COMPANY,
    ORDER_KEYS,
    ORDER_PATHS,
    PLAIN_ADDRESS_KEYS,
    with_company,
)

NUMBER_PATHS = {"delivery.total", "delivery.lockerId", "billing.customerId"}
"""The fields GoMag sends as JSON numbers (its published ``order_read_response.json``): read as
the raw text of their value, so a number keeps its exact source text (``-0``, 30 digits)."""

_TEXT = str | None
_NOT_AN_OBJECT = list[Any] | str | None
"""What a block may be besides an object: PHP's empty array or text, or null."""
_NUMBER_START = frozenset(b"-0123456789")
_MOST_BRACKETS = 256
"""A payload with more opening brackets may nest deep enough that the stdlib decoder runs out
of stack (``RecursionError``: "nested too deeply") a few levels before msgspec does: it goes
the reference way. An order has a few dozen; nesting is never deeper than their count."""


def _shape(name: str, keys: list[str], block: str = "", **more: object) -> type[Struct]:
    """A struct of ``keys``, each text or null (raw JSON for ``NUMBER_PATHS``), absent = None."""
    fields = [(key, Raw if f"{block}.{key}" in NUMBER_PATHS else _TEXT, None) for key in keys]
    return msgspec.defstruct(name, [*fields, *((k, t, None) for k, t in more.items())], gc=False)


_Company = _shape("Company", COMPANY_KEYS)
_ADDRESS_KEYS = [key for key in PLAIN_ADDRESS_KEYS if key != "company"]
_BLOCKS = [*BLOCK_KEYS, *(kind for kind in ADDRESS_KINDS if kind not in BLOCK_KEYS)]
"""Every block of an order, each once: billing is both a block of the order and an address."""


def _block_shape(name: str) -> type[Struct]:
    """The struct of a block: first the fields the order row takes, then an address's own."""
    keys = BLOCK_KEYS.get(name, [])
    if name not in ADDRESS_KINDS:
        return _shape(name.title(), keys, name)
    company = _Company | _NOT_AN_OBJECT
    return _shape(name.title(), [*keys, *_ADDRESS_KEYS], name, company=company)


_BLOCK_SHAPES = {name: _block_shape(name) for name in _BLOCKS}
_Item = _shape("Item", list(ITEM_FIELDS.values()))
_Discount = _shape("Discount", list(DISCOUNT_FIELDS.values()))
_Order = _shape(
    "Order",
    ORDER_KEYS,
    **{name: shape | _NOT_AN_OBJECT for name, shape in _BLOCK_SHAPES.items()},
    items=list[_Item] | dict[str, _Item] | str | None,
    discounts=list[_Discount] | dict[str, _Discount] | str | None,
)
_DECODER = msgspec.json.Decoder(_Order)

_ADDRESS_FIELDS = attrgetter(*PLAIN_ADDRESS_KEYS)
_NUMBERS_AT = [ORDER_PATHS.index(path) for path in sorted(NUMBER_PATHS)]


class ShapedOrder(NamedTuple):
    """One order read the fast way, in the form the reference path gives."""

    row: tuple
    """The order's fields, ``ORDER_PATHS`` order."""
    odd_blocks: list[tuple[str, object]]
    """Blocks sent as something other than an object: ``[]``, text or null."""
    address_kinds: list[str]
    """The kind of each address block."""
    addresses: list[tuple]
    """Each address block's fields, billing's company object spread into ``company.*``
    (``PLAIN_ADDRESS_KEYS`` then ``COMPANY_KEYS``)."""
    items: object
    """The item lines as rows of ``ITEM_FIELDS``, or the container when it holds none."""
    discounts: object


class _Unfit(Exception):
    """The payload holds a value only the reference path reads exactly."""


def read_shaped(encoded: bytes) -> ShapedOrder | None:
    """The order of a UTF-8 payload, or None when the reference path must read it."""
    if encoded.count(b"[") + encoded.count(b"{") > _MOST_BRACKETS:
        return None
    try:
        order = _DECODER.decode(encoded)
        return _shaped(order)
    except (msgspec.DecodeError, RecursionError, _Unfit):
        return None


def _shaped(order: Struct) -> ShapedOrder:
    """The order's row, addresses and lines, as the reference path takes them from a dict."""
    fields = astuple(order)
    row = list(fields[:_ORDER_WIDTH])
    odd_blocks = []
    address_kinds, addresses = [], []
    for (name, width, is_address), block in zip(
        _PLAN, fields[_ORDER_WIDTH:_BLOCKS_END], strict=True
    ):
        if isinstance(block, Struct):
            row += astuple(block)[:width]
            if is_address:
                address_kinds.append(name)
                addresses.append(_address(name, block))
        else:
            row += _NO_BLOCK[name]
            odd_blocks.append((name, block))
    for at in _NUMBERS_AT:
        row[at] = _number(row[at])
    return ShapedOrder(
        tuple(row),
        odd_blocks,
        address_kinds,
        addresses,
        _lines(order.items),
        _lines(order.discounts),
    )


_ORDER_WIDTH = len(ORDER_KEYS)
_BLOCKS_END = _ORDER_WIDTH + len(_BLOCKS)
_PLAN = [(name, len(BLOCK_KEYS.get(name, ())), name in ADDRESS_KINDS) for name in _BLOCKS]
"""Each block: its name, how many of its fields the order row takes, whether it is an address."""
_NO_BLOCK = {block: (None,) * width for block, width, _ in _PLAN}


def _address(kind: str, block: Struct) -> tuple:
    """The address row of a block, as ``collect.AddressCollector.add`` makes it from a dict."""
    fields = _ADDRESS_FIELDS(block)
    company = fields[COMPANY_AT]
    if type(company) is _Company:
        if kind != "billing":
            raise _Unfit("a company object outside billing is kept as it was sent")
        return with_company(fields, astuple(company))
    if type(company) is list:
        if company:
            raise _Unfit("a company sent as a non-empty list is kept as it was sent")
        return with_company(fields)
    return fields + NO_COMPANY


def _lines(container: object) -> object:
    """The rows of a list of lines or of an object keyed by position; else the container."""
    if type(container) is dict:
        container = list(container.values())
    if type(container) is list:
        return list(map(astuple, container))
    return container


def _number(value: Raw | None) -> object:
    """A ``NUMBER_PATHS`` field as the reference reads it: a number as the ``bytes`` of its
    text, text as ``str``, null as None."""
    if value is None:
        return None
    text = bytes(value)
    if text[0] in _NUMBER_START:
        return text
    if text[0] == ord('"'):
        return msgspec.json.decode(text)
    if text == b"null":
        return None
    raise _Unfit("a number field holding neither a number, text nor null")
