"""``GoMagApi``: every page of a window of GoMag orders, each order kept as the JSON text sent.

GoMag's order API has quirks this resource absorbs so no caller has to: ``orders`` as an
object, a list or ``[]``; numbers as strings; errors reported with HTTP 200 (``NO DATA`` just
means an empty page); orders repeated across pages while new ones arrive; a rate limit.
Transient failures are retried with backoff; anything else raises a typed error naming the
page and the window. A partial window is never returned as complete, and the API key never
appears in a log line, an error message or a repr.
"""

import datetime
import logging
import random
import time
from dataclasses import dataclass, field
from typing import Self

import httpx
from dagster import ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr

from gomag_assets.resources.gomag_api.pages import OrderPage, PageProblem, RawOrder, scan_envelope

MAX_PAGE_LIMIT = 100
ORDERS_PATH = "/order/read/json"
_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchResult:
    """A complete window: its orders de-duplicated by id (last seen wins, first-seen order)."""

    orders: list[RawOrder] = field(repr=False)
    pages: int
    retries: int
    duplicates: int
    """Orders met again on a later page (pagination shifted while new orders arrived)."""
    reported_total: int | None
    """The ``total`` GoMag reported on page 1, if it reported one."""


class GoMagApiError(Exception):
    """A window could not be read completely; ``page`` and ``window`` say where it stopped."""

    def __init__(self, cause: str, page: int, window: str) -> None:
        super().__init__(cause, page, window)
        self.cause = cause
        self.page = page
        self.window = window

    def __str__(self) -> str:
        return f"GoMag order fetch failed on page {self.page} of window {self.window}: {self.cause}"


class GoMagAuthError(GoMagApiError):
    """GoMag rejected the credentials; retrying cannot help."""


class GoMagRateLimited(GoMagApiError):
    """GoMag kept answering 429 until the attempts ran out."""


class GoMagApi(ConfigurableResource):
    """Reads orders from GoMag's ``order/read/json`` endpoint, politely and completely."""

    api_url: str = "https://api.gomag.ro/api/v1"
    api_key: str = Field(repr=False, description="Sent as the Apikey header; a secret.")
    api_shop: str = Field(default="", description="The shop's URL, sent as the ApiShop header.")
    page_limit: int = Field(default=MAX_PAGE_LIMIT, description="Orders per page, at most 100.")
    requests_per_second: float = Field(
        default=2.0, description="Client-side pacing that keeps a healthy run clear of 429s."
    )
    max_attempts: int = Field(default=6, description="Attempts per page before giving up.")
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = Field(
        default=30.0, description="Caps every wait between attempts, Retry-After included."
    )
    timeout_seconds: float = 30.0
    user_agent: str = "gomag-assets/0.1"

    _client: httpx.Client | None = PrivateAttr(default=None)
    _next_request_at: float = PrivateAttr(default=0.0)

    def fetch_orders(
        self,
        start: datetime.date,
        end: datetime.date,
        *,
        updated_since: datetime.date | None = None,
        log: logging.Logger | None = None,
    ) -> FetchResult:
        """All orders placed in ``start..end`` (inclusive), optionally only those updated since.

        Raises ``GoMagAuthError`` at once on rejected credentials, ``GoMagRateLimited`` or
        ``GoMagApiError`` once a page fails ``max_attempts`` times.
        """
        if start > end:
            raise ValueError(f"window start {start} is after its end {end}")
        if not 1 <= self.page_limit <= MAX_PAGE_LIMIT:
            raise ValueError(f"page_limit must be within 1..{MAX_PAGE_LIMIT}")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        log = log or _logger
        window = f"{start.isoformat()}..{end.isoformat()}"
        query = {"startDate": start.isoformat(), "endDate": end.isoformat()}
        if updated_since is not None:
            query["updated"] = updated_since.isoformat()
        query["limit"] = str(self.page_limit)
        seen: dict[str, RawOrder] = {}
        duplicates = retries = 0
        reported_total = pages_expected = None
        page_number = 0
        while True:
            page_number += 1
            page, attempts = self._read_page(
                query | {"page": str(page_number)}, page_number, window, log, pages_expected
            )
            retries += attempts - 1
            if page_number == 1:
                reported_total = page.total
            pages_expected = page.pages or pages_expected
            for order in page.orders:
                duplicates += order.order_id in seen
                seen[order.order_id] = order
            if page.is_last(page_number, self.page_limit):
                break
        log.debug(
            f"GoMag window {window}: {len(seen)} orders from {page_number} pages "
            f"({retries} retries, {duplicates} duplicates across pages)"
        )
        return FetchResult(list(seen.values()), page_number, retries, duplicates, reported_total)

    def close(self) -> None:
        """Close the HTTP connections; a later fetch opens new ones."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def teardown_after_execution(self, context: InitResourceContext) -> None:
        self.close()

    def _read_page(
        self,
        query: dict[str, str],
        page: int,
        window: str,
        log: logging.Logger,
        pages_expected: int | None,
    ) -> tuple["OrderPage", int]:
        """One page, retried while the failure is transient; returns it with the attempts used.

        ``pages_expected`` is the page count GoMag reported on the previous page: a page before
        it that comes back empty, short or NO DATA is a failed attempt, not the end.
        """
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._attempt(query, page, pages_expected), attempt
            except PageProblem as caught:
                problem = caught
            # Raised outside the except block so no unredacted text rides along as __context__.
            cause = self._redact(problem.cause)
            if problem.auth:
                raise GoMagAuthError(cause, page=page, window=window)
            if not problem.retryable or attempt == self.max_attempts:
                error = GoMagRateLimited if problem.rate_limited else GoMagApiError
                if problem.retryable:
                    cause = f"{cause} (gave up after {attempt} attempts)"
                raise error(cause, page=page, window=window) from problem.__cause__
            delay = self._delay(attempt, problem.retry_after)
            log.warning(
                f"GoMag page {page} of window {window}: {cause}; "
                f"attempt {attempt + 1} of {self.max_attempts} in {delay:.2f}s"
            )
            time.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _attempt(
        self, query: dict[str, str], number: int, pages_expected: int | None
    ) -> "OrderPage":
        self._pace()
        try:
            response = self._http().get(ORDERS_PATH, params=query)
        except httpx.TimeoutException as exc:
            raise PageProblem(f"no answer within {self.timeout_seconds:g}s") from exc
        except httpx.TransportError as exc:
            raise PageProblem(f"connection failed: {type(exc).__name__}: {exc}") from exc
        status = response.status_code
        if status in (401, 403):
            raise PageProblem(f"HTTP {status}: credentials rejected", auth=True)
        if status == 429:
            raise PageProblem(
                "HTTP 429 Too Many Requests", rate_limited=True, retry_after=_retry_after(response)
            )
        if status >= 500:
            raise PageProblem(f"HTTP {status}")
        if status != 200:
            raise PageProblem(
                f"HTTP {status}: {self._redact(response.text)[:200]!r}", retryable=False
            )
        response.encoding = "utf-8"
        body = response.text
        try:
            envelope = scan_envelope(body)
        except ValueError as exc:
            raise PageProblem(_unreadable(self._redact(body), exc)) from exc
        except RecursionError as exc:
            raise PageProblem("JSON nested too deeply to read", retryable=False) from exc
        page = OrderPage.from_envelope(envelope)
        gap = page.gap(number, self.page_limit, pages_expected)
        if gap is not None:
            raise PageProblem(gap)
        return page

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                base_url=self.api_url.rstrip("/"),
                headers={
                    "Apikey": self.api_key,
                    "ApiShop": self.api_shop,
                    "User-Agent": self.user_agent,
                },
                timeout=httpx.Timeout(self.timeout_seconds),
            )
        return self._client

    def _pace(self) -> None:
        """Space request starts ``1 / requests_per_second`` apart (0 or less: no pacing)."""
        if self.requests_per_second <= 0:
            return
        now = time.monotonic()
        if self._next_request_at > now:
            time.sleep(self._next_request_at - now)
            now = self._next_request_at
        self._next_request_at = now + 1.0 / self.requests_per_second

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """Retry-After when the server gave one, else exponential backoff with jitter."""
        if retry_after is not None:
            return min(retry_after, self.backoff_max_seconds)
        backoff = min(self.backoff_base_seconds * 2 ** (attempt - 1), self.backoff_max_seconds)
        return backoff * random.uniform(0.5, 1.0)

    def _redact(self, text: str) -> str:
        return text.replace(self.api_key, "***") if self.api_key else text


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


def _unreadable(body: str, exc: ValueError) -> str:
    if body.lstrip().startswith("<"):
        return "an HTML page instead of JSON"
    if not body.lstrip().startswith(("{", "[")):
        return f"a body that is not JSON: {body[:60]!r}"
    return f"truncated or invalid JSON ({exc})"
