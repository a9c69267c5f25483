"""Pacing requests to GoMag's rate limit, read from the headers of its own answers.

GoMag limits reads per shop with a leaky bucket: each request fills it by one, it drains at
``Api-RateLimit-Read`` requests per second, holds ``Api-RateLimit-Read-Burst``, and a request
that finds it full is answered 429. Every answer says how much room is left
(``Api-RateLimit-Read-Remaining``). ``Pacer`` keeps a local model of that bucket: the level is
``burst - remaining`` as of the request that answer was for, draining at the rate, plus one for
each request sent since. A request goes out once the model leaves room for it *and one more*:
the margin absorbs the shop admitting a request a little after it was sent. So a lone client
uses the whole burst but one, then the shop's rate, and is never answered 429; a shop that
allows more than the configured rate is read faster, and one whose room runs low (another
client on the same key) is read slower.

Until an answer carries the headers, requests are spaced ``1 / requests_per_second`` apart.

Why our own: tenacity and stamina retry failed calls; neither paces calls by a server's
rate-limit headers, which is what keeps a healthy run clear of 429s in the first place.
"""

import math
import time
from collections.abc import Mapping

RATE_HEADER = "Api-RateLimit-Read"
BURST_HEADER = "Api-RateLimit-Read-Burst"
REMAINING_HEADER = "Api-RateLimit-Read-Remaining"
MARGIN = 1
"""Requests of room the model keeps free in the shop's bucket."""


class Pacer:
    """Decides when each request may start; ``requests_per_second`` <= 0 turns pacing off."""

    def __init__(self, requests_per_second: float) -> None:
        self.requests_per_second = requests_per_second
        self.rate: float | None = None
        """The shop's drain rate, once an answer has told it."""
        self.burst = 0
        self._level = 0.0
        self._level_at = 0.0
        self._sent_at = 0.0
        self._next_at = 0.0

    def wait(self) -> float:
        """Sleep until the next request may start, note it as sent; returns the seconds slept."""
        if self.requests_per_second <= 0:
            return 0.0
        now = time.monotonic()
        if self.rate is None:
            delay = max(0.0, self._next_at - now)
        else:
            ceiling = max(self.burst - 1 - MARGIN, 0)
            delay = max(0.0, (self._level_now(now, self.rate) - ceiling) / self.rate)
        if delay:
            time.sleep(delay)
        self._sent_at = now + delay
        if self.rate is not None:
            self._level = self._level_now(self._sent_at, self.rate) + 1
            self._level_at = self._sent_at
        self._next_at = self._sent_at + 1.0 / self.requests_per_second
        return delay

    def observe(self, headers: Mapping[str, str]) -> None:
        """Take the shop's word for its bucket from an answer to the request sent last.

        The level is dated from when that request was sent, the earliest the shop could have
        admitted it; ``MARGIN`` covers the time it took to get there.
        """
        rate = _number(headers.get(RATE_HEADER))
        remaining = _number(headers.get(REMAINING_HEADER))
        if rate is None or rate <= 0 or remaining is None:
            return
        burst = _number(headers.get(BURST_HEADER))
        self.rate = rate
        self.burst = (
            math.floor(burst) if burst and burst >= 1 else max(self.burst, int(remaining) + 1)
        )
        self._level = max(0.0, self.burst - remaining)
        self._level_at = self._sent_at

    def _level_now(self, now: float, rate: float) -> float:
        return max(0.0, self._level - (now - self._level_at) * rate)


def _number(text: str | None) -> float | None:
    try:
        value = float(text) if text is not None else None
    except ValueError:
        return None
    return value if value is not None and math.isfinite(value) else None
