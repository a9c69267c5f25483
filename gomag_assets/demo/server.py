"""The demo shop's HTTP face: GoMag's ``order/read/json`` and ``order/status/read/json``
endpoints, their rate limit and their faults."""

import json
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from gomag_assets.demo.envelope import (
    AUTH_ERROR,
    ERROR_BODIES,
    SUCCESS_STAMP,
    BadRequest,
    OrderQuery,
    order_page,
    read_order_query,
    short_of_orders,
    status_list,
)
from gomag_assets.demo.faults import RecordedRequest

if TYPE_CHECKING:
    from gomag_assets.demo.shop import DemoShop

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
        self.orders_path = f"{api_path}/order/read/json"
        self.statuses_path = f"{api_path}/order/status/read/json"
        self.stopping = threading.Event()
        super().__init__(address, _ShopHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up mid-answer (timeouts, ``drop``) are expected, not errors."""
        _log.debug("demo shop: client %s went away", client_address, exc_info=True)


class _ShopHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: ShopServer
    _rate_headers: dict[str, str]
    """GoMag's rate-limit headers, sent with every answer to the current request."""
    _order_query: OrderQuery

    def do_GET(self) -> None:
        shop = self.server.shop
        arrived_at = time.monotonic()
        request = RecordedRequest(
            self.path, dict(self.headers.items()), self.client_address[1], arrived_at
        )
        shop.traffic.count_request(request)
        admitted, self._rate_headers = shop.faults.admit()
        if not admitted:
            self._send_rate_limited()
            return
        fault = shop.faults.next_fault()
        if fault == "429":
            self._send_rate_limited()
        elif fault in STATUS_FAULT_PAGES:
            self._send(int(fault), STATUS_FAULT_PAGES[fault], "text/html")
        elif fault == "non_json":
            self._send(200, NOT_JSON, "text/plain")
        elif fault == "html_200":
            self._send(200, HTML_ERROR_PAGE, "text/html")
        elif fault in ERROR_BODIES:
            self._send_json(200, ERROR_BODIES[fault])
        else:
            if fault == "slow" and self.server.stopping.wait(shop.config.slow_seconds):
                return
            self._answer(fault)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("demo shop: " + format, *args)

    def _answer(self, fault: str | None) -> None:
        shop = self.server.shop
        url = urllib.parse.urlsplit(self.path)
        routes: dict[str, Callable[[str], Any]] = {
            self.server.orders_path: self._order_page,
            self.server.statuses_path: lambda _: status_list(
                shop.statuses, shop.config.statuses_as_list
            ),
        }
        route = routes.get(url.path.rstrip("/"))
        if route is None:
            self._send_json(404, {"error": "404", "message": f"Unknown endpoint {url.path}"})
            return
        if self.headers.get("Apikey") != shop.api_key:
            self._send_json(200, AUTH_ERROR)
            return
        try:
            document = route(url.query)
        except BadRequest as exc:
            self._send_json(400, {"error": "400", "message": str(exc)})
            return
        is_order_page = route == self._order_page
        if fault == "short_page" and is_order_page:
            document = short_of_orders(document)
        elif fault == "stamped_200" and isinstance(document, dict):
            document = document | SUCCESS_STAMP
        body = self._encode(document)
        if fault == "truncated":
            self._send(200, body[: len(body) // 2], "application/json")
        elif fault == "drop":
            self._send(200, body, "application/json", cut_at=len(body) // 2)
        else:
            self._send(200, body, "application/json")
            if is_order_page and fault != "short_page":
                self._after_order_page()

    def _order_page(self, query: str) -> dict[str, Any]:
        shop = self.server.shop
        self._order_query = read_order_query(query, shop.today, shop.faults.ignore_date_filter)
        return order_page(shop, self._order_query)

    def _after_order_page(self) -> None:
        """Count the page, then land the orders ``arrive_mid_fetch`` queued, on the window's
        last day (the head of the newest-first listing)."""
        shop = self.server.shop
        shop.traffic.count_page()
        arrivals = shop.faults.take_arrivals()
        if arrivals:
            shop.add_orders(self._order_query.end, arrivals)

    def _send_rate_limited(self) -> None:
        shop = self.server.shop
        shop.traffic.count_rate_limited()
        retry_after = shop.faults.retry_after_seconds
        headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
        body = self._encode({"error": "429", "message": "Too Many Requests"})
        self._send(429, body, "application/json", headers)

    def _send_json(self, status: int, document: dict[str, Any]) -> None:
        self._send(status, self._encode(document), "application/json")

    def _encode(self, document: Any) -> str:
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
            for name, value in (self._rate_headers | (headers or {})).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body if cut_at is None else body[:cut_at])
        except OSError:
            self.close_connection = True
            return
        if cut_at is not None:
            self.close_connection = True
