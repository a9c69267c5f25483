"""What the demo shop answers, as JSON documents: order pages, the status list, error bodies.

The shapes are GoMag's published ones (docs/CONTRACTS.md §2): ``page``/``pages`` are JSON
integers, ``total`` is text, ``orders`` is an object keyed by id (or a list, or ``[]``), and
errors come with HTTP 200 in several documented forms.
"""

import datetime
import math
import urllib.parse
from typing import TYPE_CHECKING, Any, NamedTuple

from gomag_assets.demo.catalog import Status

if TYPE_CHECKING:
    from gomag_assets.demo.shop import DemoShop

MAX_PAGE_LIMIT = 100
DEFAULT_LOOKBACK_DAYS = 60
AUTH_ERROR = {"error": 100, "message": "Missing Api User"}
NO_DATA = {"error": "404", "message": ["NO DATA"]}
ERROR_BODIES: dict[str, dict[str, Any]] = {
    "auth_error": AUTH_ERROR,
    "error_200": {"error": "500", "message": "Eroare interna, reincercati"},
    "error_600": {"error": "600", "message": ["MISSING_ORDER_ID"]},
    "error_404": {"error": 1, "status": "404", "errorMessage": "Resursa nu a fost gasita"},
    "error_1": {"error": 1},
    "no_data": NO_DATA,
}
"""The bodies GoMag sends with HTTP 200 when something is wrong, by the fault that plays them."""
SUCCESS_STAMP = {"error": "200", "status": "200"}
"""Carried by some successful GoMag answers: not an error."""


class BadRequest(Exception):
    pass


class OrderQuery(NamedTuple):
    start: datetime.date
    end: datetime.date
    updated: datetime.date | None
    page: int
    limit: int


def read_order_query(query: str, today: datetime.date, ignore_dates: bool) -> OrderQuery:
    """startDate/endDate (inclusive; default, or when ``ignore_dates``: the last 60 days),
    updated, page, limit."""
    params = {name: values[-1] for name, values in urllib.parse.parse_qs(query).items()}
    start = today - datetime.timedelta(DEFAULT_LOOKBACK_DAYS)
    end = today
    if not ignore_dates:
        start = _date_param(params, "startDate") or start
        end = _date_param(params, "endDate") or end
    updated = _date_param(params, "updated")
    try:
        page = int(params.get("page", "1"))
        limit = min(int(params.get("limit", str(MAX_PAGE_LIMIT))), MAX_PAGE_LIMIT)
    except ValueError as exc:
        raise BadRequest("page and limit must be whole numbers") from exc
    if page < 1 or limit < 1:
        raise BadRequest("page and limit start at 1")
    if start > end:
        raise BadRequest("startDate is after endDate")
    return OrderQuery(start, end, updated, page, limit)


def _date_param(params: dict[str, str], name: str) -> datetime.date | None:
    if name not in params:
        return None
    try:
        return datetime.date.fromisoformat(params[name])
    except ValueError as exc:
        raise BadRequest(f"{name} must be YYYY-MM-DD") from exc


def order_page(shop: "DemoShop", query: OrderQuery) -> dict[str, Any]:
    """One page of the envelope, or NO DATA past the last page."""
    listing = shop.listing(query.start, query.end, query.updated)
    limit = query.limit
    pages = max(1, math.ceil(len(listing) / limit))
    if query.page > pages or (not listing and shop.config.no_data_when_empty):
        return NO_DATA
    chunk = listing[(query.page - 1) * limit : query.page * limit]
    orders: Any
    if not chunk:
        orders = []
    elif shop.config.orders_as_list:
        orders = [order for _, order in chunk]
    else:
        orders = dict(chunk)
    return {
        "total": str(len(listing)),
        "page": query.page,
        "pages": pages,
        "orders": orders,
        "shippingAsProduct": shop.config.shipping_as_product,
    }


def status_list(statuses: tuple[Status, ...], as_list: bool) -> dict[str, Any] | list[Any]:
    """The answer of ``order/status/read/json``.

    GoMag documents the endpoint but publishes no example answer; this shape, an object keyed
    by status id of ``{"id", "name"}``, is our assumption, mirroring how ``orders`` is keyed
    (``as_list`` sends the entries as a list instead).
    """
    entries = [{"id": status.id, "name": status.name} for status in statuses]
    return entries if as_list else {entry["id"]: entry for entry in entries}


def short_of_orders(document: dict[str, Any]) -> dict[str, Any]:
    """The page with the second half of its orders left out, its counts as they were."""
    orders = document.get("orders")
    if not orders:
        return document
    if isinstance(orders, dict):
        kept: Any = dict(list(orders.items())[: len(orders) // 2])
    else:
        kept = orders[: len(orders) // 2]
    return document | {"orders": kept}
