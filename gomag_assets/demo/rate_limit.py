"""GoMag's rate limit as the demo shop plays it: one leaky bucket per shop.

GoMag documents a read limit per shop (1 request/s, burst 5) and reports it on every answer in
``Api-RateLimit-Read``, ``Api-RateLimit-Read-Burst`` and ``Api-RateLimit-Read-Remaining``.
"""

import math
import time
from collections.abc import Callable

RATE_HEADER = "Api-RateLimit-Read"
BURST_HEADER = "Api-RateLimit-Read-Burst"
REMAINING_HEADER = "Api-RateLimit-Read-Remaining"


class LeakyBucket:
    """Each admitted request adds 1 to the level, which drains at ``rate`` per second; a request
    that finds no room for itself (level + 1 > ``burst``) is refused. Not thread-safe: the
    caller holds a lock."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("a leaky bucket needs a positive rate and a burst of at least 1")
        self.rate = rate
        self.burst = burst
        self._clock = clock
        self._level = 0.0
        self._drained_at = clock()

    def admit(self) -> tuple[bool, int]:
        """Admit one request if it fits: (admitted, whole requests of room left after it)."""
        now = self._clock()
        self._level = max(0.0, self._level - (now - self._drained_at) * self.rate)
        self._drained_at = now
        admitted = self._level + 1 <= self.burst
        if admitted:
            self._level += 1
        return admitted, max(0, math.floor(self.burst - self._level))

    def headers(self, remaining: int) -> dict[str, str]:
        """The answer's rate-limit headers, as GoMag sends them."""
        return {
            RATE_HEADER: f"{self.rate:g}",
            BURST_HEADER: str(self.burst),
            REMAINING_HEADER: str(remaining),
        }
