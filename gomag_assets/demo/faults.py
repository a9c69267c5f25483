"""Switches tests flip to make the demo shop misbehave, and the traffic counters they read.

Handler threads and the test thread touch these at once, so every read and write holds a lock.
"""

import collections
import threading
from typing import NamedTuple

from gomag_assets.demo.rate_limit import LeakyBucket

ONE_SHOT_FAULTS = (
    "429",
    "500",
    "502",
    "503",
    "slow",
    "non_json",
    "html_200",
    "truncated",
    "drop",
    "auth_error",
    "error_200",
    "error_600",
    "error_404",
    "error_1",
    "no_data",
    "short_page",
    "stamped_200",
)
"""``slow`` stalls past the client timeout; ``truncated`` cuts the JSON short; ``drop`` closes
the connection mid-body; ``auth_error``, ``error_200`` (a server error), ``error_600``
(``MISSING_ORDER_ID``), ``error_404`` (``"status": "404"`` with an ``errorMessage``) and
``error_1`` (``{"error": 1}`` alone) are GoMag's error bodies sent with HTTP 200; ``no_data``
answers NO DATA for a page that exists; ``short_page`` sends a well-formed page with half its
orders left out (its ``total`` and ``pages`` unchanged); ``stamped_200`` is a normal answer that
also carries ``"error": "200", "status": "200"``, as some GoMag answers do."""

PASS = "ok"
"""A queue entry that answers one request normally, to aim a fault at a later page."""


class RecordedRequest(NamedTuple):
    path: str
    """Path and query string exactly as requested."""
    headers: dict[str, str]
    client_port: int
    """Tells connections apart: a client that reuses its connection keeps its port."""
    arrived_at: float = 0.0
    """``time.monotonic()`` when the request arrived, before the rate limit judged it."""


class Traffic:
    """What the shop has been asked and how it answered; benchmarks and tests read these."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests = 0
        self._rate_limited = 0
        self._pages_served = 0
        self._log: collections.deque[RecordedRequest] = collections.deque(maxlen=1000)

    @property
    def requests(self) -> int:
        """Every request received, whatever the answer."""
        with self._lock:
            return self._requests

    @property
    def rate_limited(self) -> int:
        """429 answers sent, by the rate limit or by a queued fault."""
        with self._lock:
            return self._rate_limited

    @property
    def pages_served(self) -> int:
        """Complete, well-formed order pages sent (NO DATA pages included)."""
        with self._lock:
            return self._pages_served

    @property
    def recent_requests(self) -> list[RecordedRequest]:
        """The last 1000 requests, oldest first."""
        with self._lock:
            return list(self._log)

    def reset(self) -> None:
        with self._lock:
            self._requests = self._rate_limited = self._pages_served = 0
            self._log.clear()

    def count_request(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests += 1
            self._log.append(request)

    def count_rate_limited(self) -> None:
        with self._lock:
            self._rate_limited += 1

    def count_page(self) -> None:
        with self._lock:
            self._pages_served += 1


class FaultSwitches:
    """Runtime-settable misbehaviour: a rate limit, one-shot faults, a persistent fault, an
    ignored date filter."""

    def __init__(
        self,
        rate_limit_per_second: float | None,
        retry_after_seconds: float | None,
        rate_limit_burst: int = 5,
        ignore_date_filter: bool = False,
    ) -> None:
        self._lock = threading.Lock()
        self._queue: collections.deque[str] = collections.deque()
        self._persistent: str | None = None
        self._arrivals = 0
        self._retry_after_seconds = retry_after_seconds
        self._ignore_date_filter = ignore_date_filter
        self._bucket = _bucket(rate_limit_per_second, rate_limit_burst)
        self._burst = rate_limit_burst

    @property
    def rate_limit_per_second(self) -> float | None:
        with self._lock:
            return None if self._bucket is None else self._bucket.rate

    @rate_limit_per_second.setter
    def rate_limit_per_second(self, rate: float | None) -> None:
        """A new limit starts with an empty bucket."""
        with self._lock:
            self._bucket = _bucket(rate, self._burst)

    @property
    def rate_limit_burst(self) -> int:
        with self._lock:
            return self._burst

    @rate_limit_burst.setter
    def rate_limit_burst(self, burst: int) -> None:
        """A new capacity starts with an empty bucket."""
        with self._lock:
            rate = None if self._bucket is None else self._bucket.rate
            self._bucket = _bucket(rate, burst)
            self._burst = burst

    @property
    def ignore_date_filter(self) -> bool:
        """Answer the most recent orders whatever ``startDate``/``endDate`` say."""
        with self._lock:
            return self._ignore_date_filter

    @ignore_date_filter.setter
    def ignore_date_filter(self, ignore: bool) -> None:
        with self._lock:
            self._ignore_date_filter = ignore

    @property
    def retry_after_seconds(self) -> float | None:
        """``Retry-After`` value sent with each 429, or None to leave the header out."""
        with self._lock:
            return self._retry_after_seconds

    @retry_after_seconds.setter
    def retry_after_seconds(self, seconds: float | None) -> None:
        with self._lock:
            self._retry_after_seconds = seconds

    @property
    def persistent(self) -> str | None:
        """A fault played on every request (e.g. ``"503"``) until set back to None."""
        with self._lock:
            return self._persistent

    @persistent.setter
    def persistent(self, kind: str | None) -> None:
        if kind is not None:
            _check_kind(kind)
        with self._lock:
            self._persistent = kind

    def queue(self, *kinds: str) -> None:
        """Play these faults, one per request, on the next requests the rate limit admits.

        ``"ok"`` answers one request normally, e.g. ``queue("ok", "ok", "503")`` fails page 3.
        """
        for kind in kinds:
            if kind != PASS:
                _check_kind(kind)
        with self._lock:
            self._queue.extend(kinds)

    def pending(self) -> list[str]:
        with self._lock:
            return list(self._queue)

    def arrive_mid_fetch(self, count: int = 1) -> None:
        """After the next page is served, ``count`` new orders land at the head of the listing.

        The listing is newest first, so every later page shifts by ``count`` and the tail of
        the page just read shows up again on the next one, as with a live shop.
        """
        with self._lock:
            self._arrivals += count

    def clear(self) -> None:
        """Back to a well-behaved shop (the rate limit and the date filter switch stay)."""
        with self._lock:
            self._queue.clear()
            self._persistent = None
            self._arrivals = 0

    def admit(self) -> tuple[bool, dict[str, str]]:
        """Judge one request by the rate limit: (admitted, the rate headers for its answer).

        With no limit every request is admitted and no rate headers are sent.
        """
        with self._lock:
            if self._bucket is None:
                return True, {}
            admitted, remaining = self._bucket.admit()
            return admitted, self._bucket.headers(remaining)

    def next_fault(self) -> str | None:
        with self._lock:
            if self._persistent is not None:
                return self._persistent
            fault = self._queue.popleft() if self._queue else None
            return None if fault == PASS else fault

    def take_arrivals(self) -> int:
        with self._lock:
            count, self._arrivals = self._arrivals, 0
            return count


def _bucket(rate: float | None, burst: int) -> LeakyBucket | None:
    if rate is not None and rate <= 0:
        raise ValueError("rate limit must be positive (or None for no limit)")
    return None if rate is None else LeakyBucket(rate, burst)


def _check_kind(kind: str) -> None:
    if kind not in ONE_SHOT_FAULTS:
        raise ValueError(f"unknown fault {kind!r}; choose from {', '.join(ONE_SHOT_FAULTS)}")
