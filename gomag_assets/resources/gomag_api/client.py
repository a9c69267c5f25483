"""``GoMagApi``: every page of a window of GoMag orders, each order kept as the JSON text sent.

GoMag's order API has quirks this resource absorbs so no caller has to: ``orders`` as an
object, a list or ``[]``; numbers as strings; errors reported with HTTP 200 (``NO DATA`` just
means an empty page, see ``error_bodies``); orders repeated across pages while new ones arrive;
a rate limit it reports in headers (``pacing``); a date filter it may ignore. Transient failures
are retried with backoff; anything else raises a typed error naming the page and the window. A
partial window is never returned as complete, no order dated outside the window is returned
under it, and the API key never appears in a log line, an error message or a repr.
"""

import datetime
import functools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Self, TypeVar

import httpx
from dagster import ConfigurableResource, InitResourceContext
from pydantic import Field, PrivateAttr

from gomag_assets.resources.gomag_api.error_bodies import PageProblem
from gomag_assets.resources.gomag_api.errors import GoMagFilterIgnored
from gomag_assets.resources.gomag_api.pacing import Pacer
from gomag_assets.resources.gomag_api.pages import OrderPage, RawOrder, scan_envelope
from gomag_assets.resources.gomag_api.statuses import read_status_list
from gomag_assets.wording import counted

MAX_PAGE_LIMIT = 100
ORDERS_PATH = "/order/read/json"
STATUSES_PATH = "/order/status/read/json"
_logger = logging.getLogger(__name__)
_Answer = TypeVar("_Answer")


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
    out_of_window: int = 0
    """Orders GoMag sent dated outside the window, left out (see ``GoMagApi.fetch_orders``)."""


class GoMagApi(ConfigurableResource):
    """Reads orders (``order/read/json``) and the status list from GoMag's API, politely and
    completely."""

    api_url: str = "https://api.gomag.ro/api/v1"
    api_key: str = Field(repr=False, description="Sent as the Apikey header; a secret.")
    api_shop: str = Field(default="", description="The shop's URL, sent as the ApiShop header.")
    page_limit: int = Field(default=MAX_PAGE_LIMIT, description="Orders per page, at most 100.")
    requests_per_second: float = Field(
        default=1.0,
        description=(
            "Pacing until GoMag's rate-limit headers say otherwise (then the shop's own rate "
            "and burst are used); 0 turns pacing off."
        ),
    )
    max_attempts: int = Field(default=6, description="Attempts per page before giving up.")
    backoff_base_seconds: float = 0.5
    backoff_max_seconds: float = Field(
        default=30.0, description="Caps every wait between attempts, Retry-After included."
    )
    timeout_seconds: float = 30.0
    user_agent: str = "gomag-assets/0.1"

    _client: httpx.Client | None = PrivateAttr(default=None)
    _pacer: Pacer | None = PrivateAttr(default=None)

    def fetch_orders(
        self,
        start: datetime.date,
        end: datetime.date,
        *,
        updated_since: datetime.date | None = None,
        log: logging.Logger | None = None,
    ) -> FetchResult:
        """All orders placed in ``start..end`` (inclusive), optionally only those updated since.

        An order whose ``date`` (its first 10 characters, shop-local) lies outside the window is
        left out and counted in ``out_of_window``; one without a readable date is kept. A page
        mostly outside the window means GoMag ignored the filter: ``GoMagFilterIgnored``.
        Raises ``GoMagAuthError`` and ``GoMagRequestRejected`` at once, ``GoMagRateLimited`` or
        ``GoMagApiError`` once a page fails ``max_attempts`` times.
        """
        if start > end:
            raise ValueError(f"window start {start} is after its end {end}")
        if not 1 <= self.page_limit <= MAX_PAGE_LIMIT:
            raise ValueError(f"page_limit must be within 1..{MAX_PAGE_LIMIT}")
        log = log or _logger
        window = f"{start.isoformat()}..{end.isoformat()}"
        query = {"startDate": start.isoformat(), "endDate": end.isoformat()}
        if updated_since is not None:
            query["updated"] = updated_since.isoformat()
        query["limit"] = str(self.page_limit)
        seen: dict[str, RawOrder] = {}
        duplicates = retries = out_of_window = 0
        reported_total = pages_expected = None
        number = 0
        while True:
            number += 1
            read = functools.partial(self._order_page, number=number, expected=pages_expected)
            page, attempts = self._read(
                ORDERS_PATH, query | {"page": str(number)}, read, number, window, log
            )
            retries += attempts - 1
            if number == 1:
                reported_total = page.total
            pages_expected = page.pages or pages_expected
            kept, outside = page.split_by_window(start, end)
            if 2 * len(outside) > len(page.orders):
                raise GoMagFilterIgnored(
                    f"{len(outside)} of {len(page.orders)} orders on the page are dated outside "
                    f"the window ({outside[0]}..{outside[-1]}): GoMag seems to have ignored the "
                    "date filter",
                    page=number,
                    window=window,
                )
            out_of_window += len(outside)
            for order in kept:
                duplicates += order.order_id in seen
                seen[order.order_id] = order
            if page.is_last(number, self.page_limit):
                break
        if out_of_window:
            left_out = counted(out_of_window, "order")
            log.warning(f"GoMag window {window}: left out {left_out} dated outside it")
        log.debug(
            f"GoMag window {window}: {counted(len(seen), 'order')} from {counted(number, 'page')} "
            f"({counted(retries, 'retry', 'retries')}, {counted(duplicates, 'duplicate')} "
            "across pages)"
        )
        return FetchResult(
            list(seen.values()), number, retries, duplicates, reported_total, out_of_window
        )

    def fetch_statuses(self, *, log: logging.Logger | None = None) -> dict[str, str]:
        """The shop's order statuses, id -> name (``order/status/read/json``), with the same
        retries and typed errors as order pages (``window`` None)."""
        statuses, _ = self._read(STATUSES_PATH, {}, read_status_list, 1, None, log or _logger)
        return statuses

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

    def _read(
        self,
        path: str,
        query: dict[str, str],
        read: Callable[[str], _Answer],
        page: int,
        window: str | None,
        log: logging.Logger,
    ) -> tuple[_Answer, int]:
        """One answer, retried while the failure is transient; returns it with the attempts used.

        ``read`` turns the body of an HTTP 200 answer into the result, or raises ``PageProblem``.
        """
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        where = f"page {page} of window {window}" if window else "status list"
        for attempt in range(1, self.max_attempts + 1):
            try:
                return self._attempt(path, query, read), attempt
            except PageProblem as caught:
                problem = caught
            # Raised outside the except block so no unredacted text rides along as __context__.
            cause = self._redact(problem.cause)
            if not problem.retryable or attempt == self.max_attempts:
                if problem.retryable:
                    cause = f"{cause} (gave up after {attempt} attempts)"
                raise problem.error(cause, page=page, window=window) from problem.__cause__
            delay = self._delay(attempt, problem.retry_after)
            log.warning(
                f"GoMag {where}: {cause}; "
                f"attempt {attempt + 1} of {self.max_attempts} in {delay:.2f}s"
            )
            time.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _attempt(self, path: str, query: dict[str, str], read: Callable[[str], _Answer]) -> _Answer:
        pacer = self._pacer_for_run()
        pacer.wait()
        try:
            response = self._http().get(path, params=query)
        except httpx.TimeoutException as exc:
            raise PageProblem(f"no answer within {self.timeout_seconds:g}s") from exc
        except httpx.TransportError as exc:
            raise PageProblem(f"connection failed: {type(exc).__name__}: {exc}") from exc
        pacer.observe(response.headers)
        status = response.status_code
        if status in (401, 403):
            raise PageProblem.auth(f"HTTP {status}: credentials rejected")
        if status == 429:
            raise PageProblem.rate_limited(_retry_after(response))
        if status >= 500:
            raise PageProblem(f"HTTP {status}")
        if status != 200:
            raise PageProblem(
                f"HTTP {status}: {self._redact(response.text)[:200]!r}", retryable=False
            )
        response.encoding = "utf-8"
        body = response.text
        try:
            return read(body)
        except ValueError as exc:
            raise PageProblem(_unreadable(self._redact(body), exc)) from exc
        except RecursionError as exc:
            raise PageProblem("JSON nested too deeply to read", retryable=False) from exc

    def _order_page(self, body: str, number: int, expected: int | None) -> OrderPage:
        """Page ``number``; ``expected`` is the page count GoMag reported on the previous page."""
        page = OrderPage.from_envelope(scan_envelope(body))
        gap = page.gap(number, self.page_limit, expected)
        if gap is not None:
            raise PageProblem(gap)
        return page

    def _pacer_for_run(self) -> Pacer:
        if self._pacer is None:
            self._pacer = Pacer(self.requests_per_second)
        return self._pacer

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
