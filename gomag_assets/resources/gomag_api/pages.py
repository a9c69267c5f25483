"""A GoMag order page: read once keeping each order's exact JSON text, then judged.

``json.loads`` would lose the text as sent (number spellings, escapes, key order), and the
landing must store payloads verbatim. So the envelope is walked with the stdlib decoder's
building blocks (``scan_container``, also used to edit a payload in place by
``personal_data``), recording where each order starts and ends in the body. ``OrderPage`` then
says what the page means: orders, NO DATA, a GoMag error sent with HTTP 200, or fewer orders
than GoMag's own counts promise (a failed attempt, never the end of the window).
"""

import datetime
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from json.decoder import scanstring
from typing import Any, NamedTuple

from gomag_assets.constants import SYNTHETIC_ID_PREFIX
from gomag_assets.resources.gomag_api.error_bodies import PageProblem, is_no_data, problem_in
from gomag_assets.resources.order_store.lossless_text import is_storable_text


@dataclass(frozen=True)
class RawOrder:
    """One order as received: ``payload`` is its exact JSON text from the response body."""

    order_id: str
    payload: str


class Member(NamedTuple):
    """A member of a JSON object (``key``) or array (``key`` None) and its span in the body."""

    key: str | None
    value: Any
    start: int
    end: int


class PageOrder(NamedTuple):
    """An order of a page and its shop-local day (its ``date``'s first 10 characters), or
    None when it has no readable date."""

    order: RawOrder
    day: datetime.date | None


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DECODER = json.JSONDecoder()
_ORDER_DECODER = json.JSONDecoder(parse_int=str)
"""An order is read only for its id and date, so its integers stay text: a 5,000-digit number
(past Python's int-to-text limit) must not cost the whole page."""
ValueReader = Callable[[str | None, str, int], tuple[Any, int]]
"""Reads the value at a position, given its key (None in an array): (value, end position)."""


def scan_envelope(body: str) -> dict[str, Any]:
    """Parse a page once, keeping each order's exact text (see ``_envelope_value``)."""
    position = skip_whitespace(body, 0)
    if not body.startswith("{", position):
        raise ValueError("the body is not a JSON object")
    members, position = scan_container(body, position, _envelope_value)
    if skip_whitespace(body, position) != len(body):
        raise ValueError(f"unexpected text after the JSON object at char {position}")
    return {member.key: member.value for member in members}


def _envelope_value(key: str | None, body: str, position: int) -> tuple[Any, int]:
    """``orders`` becomes a list of ``PageOrder``; every other value is parsed as usual."""
    if key == "orders" and body.startswith(("{", "["), position):
        members, end = scan_container(body, position, read_keeping_integers)
        return [PageOrder(_raw_order(member, body), _day(member.value)) for member in members], end
    return _DECODER.raw_decode(body, position)


def read_keeping_integers(key: str | None, body: str, position: int) -> tuple[Any, int]:
    """A ``ValueReader`` that parses any JSON value, its integers left as text."""
    return _ORDER_DECODER.raw_decode(body, position)


def scan_container(body: str, position: int, read_value: ValueReader) -> tuple[list[Member], int]:
    """The members of the object or array opening at ``position``, and the position after it."""
    is_object = body[position] == "{"
    close = "}" if is_object else "]"
    members: list[Member] = []
    position = skip_whitespace(body, position + 1)
    if body.startswith(close, position):
        return members, position + 1
    while True:
        key = None
        if is_object:
            if not body.startswith('"', position):
                raise ValueError(f"expected a key at char {position}")
            key, position = scanstring(body, position + 1)
            position = skip_whitespace(body, position)
            if not body.startswith(":", position):
                raise ValueError(f"expected ':' at char {position}")
            position = skip_whitespace(body, position + 1)
        value, end = read_value(key, body, position)
        members.append(Member(key, value, position, end))
        position = skip_whitespace(body, end)
        if body.startswith(",", position):
            position = skip_whitespace(body, position + 1)
        elif body.startswith(close, position):
            return members, position + 1
        else:
            raise ValueError(f"expected ',' or '{close}' at char {position}")


def skip_whitespace(body: str, position: int) -> int:
    """The position after any JSON whitespace at ``position`` (the pattern always matches)."""
    return _WHITESPACE.match(body, position).end()


def _raw_order(member: Member, body: str) -> RawOrder:
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


def _day(order: Any) -> datetime.date | None:
    date = order.get("date") if isinstance(order, dict) else None
    if not isinstance(date, str) or not _DAY.fullmatch(date[:10]):
        return None
    try:
        return datetime.date.fromisoformat(date[:10])
    except ValueError:
        return None


class OrderPage(NamedTuple):
    """One page as GoMag answered it: its orders and the counts it promised."""

    orders: list[PageOrder]
    pages: int | None
    total: int | None
    no_data: bool = False

    def is_last(self, number: int, limit: int) -> bool:
        reached_end = self.pages is not None and number >= self.pages
        return self.no_data or reached_end or len(self.orders) < limit

    def gap(self, number: int, limit: int, pages_expected: int | None) -> str | None:
        """Why this page holds fewer orders than GoMag's own counts promise (its ``total``, else
        its ``pages`` or the previous page's), or None. Such a page is not where the window
        ends: it is a failed attempt."""
        if self.no_data:
            if pages_expected is not None and number <= pages_expected:
                return f"NO DATA for page {number} of {pages_expected}"
            return None
        pages = self.pages or pages_expected
        if self.total is not None:
            expected = min(limit, self.total - (number - 1) * limit)
        elif pages is not None and number < pages:
            expected = limit
        else:
            return None
        if len(self.orders) >= expected:
            return None
        of_pages = f" of {pages}" if pages else ""
        return f"{len(self.orders)} orders on page {number}{of_pages}, expected {expected}"

    def split_by_window(
        self, start: datetime.date, end: datetime.date
    ) -> tuple[list[RawOrder], list[datetime.date]]:
        """The orders dated within ``start..end`` or undated, and the sorted days of the rest."""
        kept = [o.order for o in self.orders if o.day is None or start <= o.day <= end]
        outside = [o.day for o in self.orders if o.day is not None and not start <= o.day <= end]
        return kept, sorted(outside)

    @classmethod
    def from_envelope(cls, envelope: dict[str, Any]) -> "OrderPage":
        """Read the page envelope; HTTP-200 error bodies become NO DATA or a ``PageProblem``."""
        if is_no_data(envelope):
            return cls([], None, None, no_data=True)
        problem = problem_in(envelope)
        if problem is not None:
            raise problem
        if "orders" not in envelope:
            raise PageProblem("the page has no 'orders' field")
        orders = envelope["orders"]
        if not isinstance(orders, list):
            raise PageProblem(f"'orders' is neither an object nor a list: {orders!r:.80}")
        return cls(
            orders, _whole_number(envelope.get("pages")), _whole_number(envelope.get("total"))
        )


def _whole_number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
