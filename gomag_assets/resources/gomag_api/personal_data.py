"""An order payload without the buyer's personal data, every other byte as GoMag sent it.

Used when the operator keeps no personal data (``GOMAG_STORE_PII=0``): the landing still holds
the payload's exact text (number spellings, escapes, key order, whitespace), only the values
that name or reach a person are blanked.
"""

from collections.abc import Sequence
from typing import Any, NamedTuple

from gomag_assets.resources.gomag_api.pages import (
    Member,
    RawOrder,
    read_keeping_integers,
    scan_container,
    skip_whitespace,
)

ADDRESS_BLOCKS = ("billing", "shipping")
PERSONAL_FIELDS = ("firstname", "lastname", "phone", "email", "address")


class _AddressBlock(NamedTuple):
    members: list[Member]


def without_personal_data(payload: str) -> str:
    """``payload`` with the values of ``PERSONAL_FIELDS`` inside ``billing`` and ``shipping``
    replaced by ``""``. Text that is not one JSON object, or has no such blocks, comes back
    unchanged."""
    try:
        spans = _personal_spans(payload)
    except (ValueError, RecursionError):
        return payload
    for start, end in sorted(spans, reverse=True):
        payload = payload[:start] + '""' + payload[end:]
    return payload


def as_landed(orders: Sequence[RawOrder], *, keep_personal_data: bool) -> list[RawOrder]:
    """The orders as the store lands them: verbatim, or without personal data when the operator
    keeps none. The landing and every comparison with it (the late-updates sensor) go through
    here, so a payload is never judged changed by its blanked fields alone."""
    if keep_personal_data:
        return list(orders)
    return [RawOrder(order.order_id, without_personal_data(order.payload)) for order in orders]


def _personal_spans(payload: str) -> list[tuple[int, int]]:
    position = skip_whitespace(payload, 0)
    if not payload.startswith("{", position):
        raise ValueError("not a JSON object")
    members, position = scan_container(payload, position, _block_or_value)
    if skip_whitespace(payload, position) != len(payload):
        raise ValueError("text after the JSON object")
    return [
        (field.start, field.end)
        for member in members
        if isinstance(member.value, _AddressBlock)
        for field in member.value.members
        if field.key in PERSONAL_FIELDS
    ]


def _block_or_value(key: str | None, payload: str, position: int) -> tuple[Any, int]:
    """An address block is read into its members (with their spans); any other value is only
    read past."""
    if key in ADDRESS_BLOCKS and payload.startswith("{", position):
        members, end = scan_container(payload, position, read_keeping_integers)
        return _AddressBlock(members), end
    return read_keeping_integers(key, payload, position)
