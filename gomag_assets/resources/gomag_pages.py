"""A GoMag order page read once, keeping each order's exact JSON text.

``json.loads`` would lose the text as sent (number spellings, escapes, key order), and the
landing must store payloads verbatim. So the envelope is walked with the stdlib decoder's
building blocks, recording where each order starts and ends in the body.
"""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from json.decoder import scanstring
from typing import Any, NamedTuple

from gomag_assets.constants import SYNTHETIC_ID_PREFIX
from gomag_assets.resources.lossless_text import is_storable_text


@dataclass(frozen=True)
class RawOrder:
    """One order as received: ``payload`` is its exact JSON text from the response body."""

    order_id: str
    payload: str


class _Member(NamedTuple):
    """A member of a JSON object (``key``) or array (``key`` None) and its span in the body."""

    key: str | None
    value: Any
    start: int
    end: int


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DECODER = json.JSONDecoder()
_ORDER_DECODER = json.JSONDecoder(parse_int=str)
"""An order is read only for its id, so its integers stay text: a 5,000-digit number (past
Python's int-to-text limit) must not cost the whole page."""
_ValueReader = Callable[[str | None, str, int], tuple[Any, int]]


def scan_envelope(body: str) -> dict[str, Any]:
    """Parse a page once, keeping each order's exact text (see ``_envelope_value``)."""
    position = _skip_whitespace(body, 0)
    if not body.startswith("{", position):
        raise ValueError("the body is not a JSON object")
    members, position = _scan_container(body, position, _envelope_value)
    if _skip_whitespace(body, position) != len(body):
        raise ValueError(f"unexpected text after the JSON object at char {position}")
    return {member.key: member.value for member in members}


def _envelope_value(key: str | None, body: str, position: int) -> tuple[Any, int]:
    """``orders`` becomes a list of ``RawOrder``; every other value is parsed as usual."""
    if key == "orders" and body.startswith(("{", "["), position):
        members, end = _scan_container(body, position, _order_value)
        return [_raw_order(member, body) for member in members], end
    return _json_value(key, body, position)


def _json_value(key: str | None, body: str, position: int) -> tuple[Any, int]:
    return _DECODER.raw_decode(body, position)


def _order_value(key: str | None, body: str, position: int) -> tuple[Any, int]:
    return _ORDER_DECODER.raw_decode(body, position)


def _scan_container(
    body: str, position: int, read_value: _ValueReader
) -> tuple[list[_Member], int]:
    """The members of the object or array opening at ``position``, and the position after it."""
    is_object = body[position] == "{"
    close = "}" if is_object else "]"
    members: list[_Member] = []
    position = _skip_whitespace(body, position + 1)
    if body.startswith(close, position):
        return members, position + 1
    while True:
        key = None
        if is_object:
            if not body.startswith('"', position):
                raise ValueError(f"expected a key at char {position}")
            key, position = scanstring(body, position + 1)
            position = _skip_whitespace(body, position)
            if not body.startswith(":", position):
                raise ValueError(f"expected ':' at char {position}")
            position = _skip_whitespace(body, position + 1)
        value, end = read_value(key, body, position)
        members.append(_Member(key, value, position, end))
        position = _skip_whitespace(body, end)
        if body.startswith(",", position):
            position = _skip_whitespace(body, position + 1)
        elif body.startswith(close, position):
            return members, position + 1
        else:
            raise ValueError(f"expected ',' or '{close}' at char {position}")


def _skip_whitespace(body: str, position: int) -> int:
    match = _WHITESPACE.match(body, position)
    return match.end() if match else position


def _raw_order(member: _Member, body: str) -> RawOrder:
    """Keep the order's text; its id is its ``id``, else its key, else a hash of the text.

    An id or key holding a lone surrogate (JSON may spell ``"\\ud800"``) counts as none: it
    has no UTF-8 form, so it cannot key the landing.
    """
    payload = body[member.start : member.end]
    the_id = member.value.get("id") if isinstance(member.value, dict) else None
    usable = not isinstance(the_id, bool) and isinstance(the_id, str | int) and str(the_id).strip()
    for candidate in (str(the_id) if usable else None, member.key):
        if candidate and is_storable_text(candidate):
            return RawOrder(candidate, payload)
    digest = hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()[:16]
    return RawOrder(SYNTHETIC_ID_PREFIX + digest, payload)
