"""How a demo shop is set up: which orders it holds and how it answers."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

MAX_ORDERS_PER_DAY = 50_000
"""Order ids reserve 100,000 slots per day (``orders.ID_SLOTS_PER_DAY``); a busy day is up to
1.3 times the average, which leaves room for orders that arrive later."""


@dataclass(frozen=True)
class DemoShopConfig:
    """Everything that decides what a demo shop returns; equal configs serve equal bytes."""

    seed: int = 7
    """Same seed, same orders on every start."""
    orders_per_day: int = 40
    """Average volume; each day varies deterministically around it (0 gives empty days)."""
    malformed_share: float = 0.03
    """Share of orders deliberately made structurally unusable (see ``MALFORMED_KINDS``)."""
    api_key: str = "demo-key"
    api_shop: str = "https://magazin-demo.ro"
    orders_as_list: bool = False
    """Send ``orders`` as a JSON list instead of the usual object keyed by order id."""
    no_data_when_empty: bool = False
    """Answer an empty window with the NO DATA error body instead of ``"orders": []``."""
    escape_unicode: bool = False
    """Send diacritics as ``\\u0219`` escapes, as PHP's ``json_encode`` does by default."""
    rate_limit_per_second: float | None = None
    """Answer 429 beyond this many requests per second (token bucket); ``None`` = unlimited."""
    retry_after_seconds: float | None = 1.0
    """``Retry-After`` sent with every 429; ``None`` leaves the header out."""
    slow_seconds: float = 5.0
    """How long the ``slow`` fault stalls before answering; set it above the client timeout."""
    clock: Callable[[], datetime.datetime] = field(default=datetime.datetime.now, compare=False)
    """Shop-local "now": stamps edits and bounds the default 60-day window."""

    def __post_init__(self) -> None:
        if not 0 <= self.orders_per_day <= MAX_ORDERS_PER_DAY:
            raise ValueError(f"orders_per_day must be within 0..{MAX_ORDERS_PER_DAY}")
        if not 0.0 <= self.malformed_share <= 1.0:
            raise ValueError("malformed_share must be within 0..1")
        if self.rate_limit_per_second is not None and self.rate_limit_per_second <= 0:
            raise ValueError("rate_limit_per_second must be positive (or None for no limit)")
