"""The demo shop's HTTP face: GoMag's ``order/read/json`` endpoint, its envelope and its faults."""

import datetime
import json
import logging
import math
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from gomag_assets.demo.faults import RecordedRequest

if TYPE_CHECKING:
    from gomag_assets.demo.shop import DemoShop

MAX_PAGE_LIMIT = 100
DEFAULT_LOOKBACK_DAYS = 60
AUTH_ERROR = {"error": 100, "message": "Missing Api User"}
NO_DATA = {"error": "404", "message": ["NO DATA"]}
GENERIC_ERROR = {"error": "500", "message": "Eroare interna, reincercati"}
STATUS_FAULT_PAGES = {
    "500": "<html><body><h1>500 Internal Server Error</h1></body></html>",
    "502": "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
    "503": "<html><body><h1>503 Service Unavailable</h1></body></html>",
}
NOT_JSON = "Serviciul este temporar indisponibil. Reveniti in cateva momente."
HTML_ERROR_PAGE = (
    "<!DOCTYPE html><html><head><title>Eroare</title></head>"
    "<body><h1>A apărut o eroare</h1><p>Vă rugăm reveniți.</p></body></html>"
)

_log = logging.getLogger(__name__)


class ShopServer(ThreadingHTTPServer):
    """Knows its shop, so each request handler can reach the order book and the switches."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], shop: "DemoShop", api_path: str) -> None:
        self.shop = shop
        self.endpoint = f"{api_path}/order/read/json"
        self.stopping = threading.Event()
        super().__init__(address, _OrderReadHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up mid-answer (timeouts, ``drop``) are expected, not errors."""
        _log.debug("demo shop: client %s went away", client_address, exc_info=True)


class _BadRequest(Exception):
    pass


class _OrderReadHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: ShopServer

    def do_GET(self) -> None:
        shop = self.server.shop
        request = RecordedRequest(self.path, dict(self.headers.items()), self.client_address[1])
        shop.traffic.count_request(request)
        admitted, remaining = shop.faults.admit()
        if not admitted:
            self._send_rate_limited(remaining)
            return
        fault = shop.faults.next_fault()
        if fault == "429":
            self._send_rate_limited(remaining)
        elif fault in STATUS_FAULT_PAGES:
            self._send(int(fault), STATUS_FAULT_PAGES[fault], "text/html")
        elif fault == "non_json":
            self._send(200, NOT_JSON, "text/plain")
        elif fault == "html_200":
            self._send(200, HTML_ERROR_PAGE, "text/html")
        elif fault == "auth_error":
            self._send_json(200, AUTH_ERROR)
        elif fault == "error_200":
            self._send_json(200, GENERIC_ERROR)
        elif fault == "no_data":
            self._send_json(200, NO_DATA)
        else:
            if fault == "slow" and self.server.stopping.wait(shop.config.slow_seconds):
                return
            self._answer(fault, remaining)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("demo shop: " + format, *args)

    def _answer(self, fault: str | None, remaining: int | None) -> None:
        shop = self.server.shop
        url = urllib.parse.urlsplit(self.path)
        if url.path.rstrip("/") != self.server.endpoint:
            self._send_json(404, {"error": "404", "message": f"Unknown endpoint {url.path}"})
            return
        if self.headers.get("Apikey") != shop.api_key:
            self._send_json(200, AUTH_ERROR)
            return
        try:
            start, end, updated, page, limit = _read_query(url.query, shop.today)
        except _BadRequest as exc:
            self._send_json(400, {"error": "400", "message": str(exc)})
            return
        document = _page(shop, start, end, updated, page, limit)
        if fault == "short_page":
            document = _short_of_orders(document)
        body = self._encode(document)
        headers = _rate_headers(shop, remaining)
        if fault == "truncated":
            self._send(200, body[: len(body) // 2], "application/json", headers)
        elif fault == "drop":
            self._send(200, body, "application/json", headers, cut_at=len(body) // 2)
        elif fault == "short_page":
            self._send(200, body, "application/json", headers)
        else:
            self._send(200, body, "application/json", headers)
            shop.traffic.count_page()
            arrivals = shop.faults.take_arrivals()
            if arrivals:
                shop.add_orders(end, arrivals)

    def _send_rate_limited(self, remaining: int | None) -> None:
        shop = self.server.shop
        shop.traffic.count_rate_limited()
        headers = _rate_headers(shop, 0 if remaining is None else remaining)
        retry_after = shop.faults.retry_after_seconds
        if retry_after is not None:
            headers["Retry-After"] = f"{retry_after:g}"
        body = self._encode({"error": "429", "message": "Too Many Requests"})
        self._send(429, body, "application/json", headers)

    def _send_json(self, status: int, document: dict[str, Any]) -> None:
        self._send(status, self._encode(document), "application/json")

    def _encode(self, document: dict[str, Any]) -> str:
        return json.dumps(document, ensure_ascii=self.server.shop.config.escape_unicode)

    def _send(
        self,
        status: int,
        text: str,
        content_type: str,
        headers: dict[str, str] | None = None,
        cut_at: int | None = None,
    ) -> None:
        """Send a complete answer, or with ``cut_at`` only its first bytes, then hang up."""
        body = text.encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", f"{content_type}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body if cut_at is None else body[:cut_at])
        except OSError:
            self.close_connection = True
            return
        if cut_at is not None:
            self.close_connection = True


def _rate_headers(shop: "DemoShop", remaining: int | None) -> dict[str, str]:
    rate = shop.faults.rate_limit_per_second
    if rate is None or remaining is None:
        return {}
    return {"Api-RateLimit-Read": f"{rate:g}", "Api-RateLimit-Read-Remaining": str(remaining)}


def _read_query(
    query: str, today: datetime.date
) -> tuple[datetime.date, datetime.date, datetime.date | None, int, int]:
    """startDate/endDate (inclusive; default: the last 60 days), updated, page, limit."""
    params = {name: values[-1] for name, values in urllib.parse.parse_qs(query).items()}
    start = _date_param(params, "startDate") or today - datetime.timedelta(DEFAULT_LOOKBACK_DAYS)
    end = _date_param(params, "endDate") or today
    updated = _date_param(params, "updated")
    try:
        page = int(params.get("page", "1"))
        limit = min(int(params.get("limit", str(MAX_PAGE_LIMIT))), MAX_PAGE_LIMIT)
    except ValueError as exc:
        raise _BadRequest("page and limit must be whole numbers") from exc
    if page < 1 or limit < 1:
        raise _BadRequest("page and limit start at 1")
    if start > end:
        raise _BadRequest("startDate is after endDate")
    return start, end, updated, page, limit


def _date_param(params: dict[str, str], name: str) -> datetime.date | None:
    if name not in params:
        return None
    try:
        return datetime.date.fromisoformat(params[name])
    except ValueError as exc:
        raise _BadRequest(f"{name} must be YYYY-MM-DD") from exc


def _page(
    shop: "DemoShop",
    start: datetime.date,
    end: datetime.date,
    updated: datetime.date | None,
    page: int,
    limit: int,
) -> dict[str, Any]:
    """One page of the envelope (CONTRACTS.md §2), or NO DATA past the last page."""
    listing = shop.listing(start, end, updated)
    pages = max(1, math.ceil(len(listing) / limit))
    if page > pages or (not listing and shop.config.no_data_when_empty):
        return NO_DATA
    chunk = listing[(page - 1) * limit : page * limit]
    orders: Any
    if not chunk:
        orders = []
    elif shop.config.orders_as_list:
        orders = [order for _, order in chunk]
    else:
        orders = dict(chunk)
    return {"total": str(len(listing)), "page": str(page), "pages": str(pages), "orders": orders}


def _short_of_orders(document: dict[str, Any]) -> dict[str, Any]:
    """The page with the second half of its orders left out, its counts as they were."""
    orders = document.get("orders")
    if not orders:
        return document
    if isinstance(orders, dict):
        kept: Any = dict(list(orders.items())[: len(orders) // 2])
    else:
        kept = orders[: len(orders) // 2]
    return document | {"orders": kept}
