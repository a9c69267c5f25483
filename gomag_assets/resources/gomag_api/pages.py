"""A GoMag order page: read once keeping each order's exact JSON text, then judged.

``json.loads`` would lose the text as sent (number spellings, escapes, key order), and the
landing must store payloads verbatim. So the envelope is walked with the stdlib decoder's
building blocks, recording where each order starts and ends in the body. ``OrderPage`` then
says what the page means: orders, NO DATA, a GoMag error sent with HTTP 200, or fewer orders
than GoMag's own counts promise (a failed attempt, never the end of the window).
"""

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from json.decoder import scanstring
from typing import Any, NamedTuple

from gomag_assets.constants import SYNTHETIC_ID_PREFIX
from gomag_assets.resources.order_store.lossless_text import is_storable_text


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


class PageProblem(Exception):
    """Why one attempt at a page failed; ``GoMagApi`` retries it or turns it into a public error."""

    def __init__(
        self,
        cause: str,
        *,
        retryable: bool = True,
        auth: bool = False,
        rate_limited: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(cause)
        self.cause = cause
        self.retryable = retryable
        self.auth = auth
        self.rate_limited = rate_limited
        self.retry_after = retry_after


class OrderPage(NamedTuple):
    """One page as GoMag answered it: its orders and the counts it promised."""

    orders: list[RawOrder]
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

    @classmethod
    def from_envelope(cls, envelope: dict[str, Any]) -> "OrderPage":
        """Read the page envelope; HTTP-200 error bodies become NO DATA or a ``PageProblem``."""
        error = envelope.get("error")
        if error not in (None, False, 0, "0", ""):
            messages = _messages(envelope.get("message"))
            if any("NO DATA" in message.upper() for message in messages):
                return cls([], None, None, no_data=True)
            said = f"GoMag error {error!r}: {'; '.join(messages) or 'no message'}"
            if str(error) == "100" or any(_names_credentials(m) for m in messages):
                raise PageProblem(said, auth=True)
            raise PageProblem(said)
        if "orders" not in envelope:
            raise PageProblem("the page has no 'orders' field")
        orders = envelope["orders"]
        if not isinstance(orders, list):
            raise PageProblem(f"'orders' is neither an object nor a list: {orders!r:.80}")
        return cls(
            orders, _whole_number(envelope.get("pages")), _whole_number(envelope.get("total"))
        )


def _messages(message: Any) -> list[str]:
    if message is None:
        return []
    if isinstance(message, list):
        return [str(part) for part in message]
    return [str(message)]


def _names_credentials(message: str) -> bool:
    lowered = message.lower()
    return any(word in lowered for word in ("api user", "api key", "apikey", "unauthorized"))


def _whole_number(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    return None
