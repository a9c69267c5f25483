"""How a demo shop is set up: which orders it holds and how it answers."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

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
    statuses_as_list: bool = False
    """Send the status list as a JSON list of ``{"id", "name"}`` instead of keyed by id."""
    no_data_when_empty: bool = False
    """Answer an empty window with the NO DATA error body instead of ``"orders": []``."""
    escape_unicode: bool = False
    """Send diacritics as ``\\u0219`` escapes, as PHP's ``json_encode`` does by default."""
    rate_limit_per_second: float | None = None
    """GoMag's per-shop leaky bucket drains at this many requests per second; a request that
    finds it full is answered 429. ``None`` = unlimited (no rate headers either)."""
    rate_limit_burst: int = 5
    """The bucket's capacity: how many requests may come at once (GoMag documents 5)."""
    retry_after_seconds: float | None = 1.0
    """``Retry-After`` sent with every 429; ``None`` leaves the header out."""
    ignore_date_filter: bool = False
    """Ignore ``startDate``/``endDate`` as GoMag ignores query keys it does not know: answer the
    most recent orders of the default lookback instead (``updated`` still applies)."""
    shipping_as_product: bool = False
    """Send the delivery charge as a service item line (named as the delivery, priced at the
    charge) and say ``"shippingAsProduct": true`` in the envelope, as a shop with that GoMag
    setting does. That ``delivery.total`` is then 0 is our assumption (GoMag documents the
    flag, not its effect on the delivery block); it keeps the total identity true."""
    published_orders: tuple[dict[str, Any], ...] = field(default=(), repr=False)
    """Order payloads served verbatim (e.g. GoMag's published samples), listed on the day of
    their ``date`` and keyed by their ``id``, beside the generated orders. Their ids must not
    be ids the shop generates (the published samples' ids are far below them)."""
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
        if self.rate_limit_burst < 1:
            raise ValueError("rate_limit_burst must be at least 1")
        for order in self.published_orders:
            if not isinstance(order.get("id"), str) or not order["id"]:
                raise ValueError("every published order needs a text id")
            try:
                datetime.date.fromisoformat(str(order.get("date"))[:10])
            except ValueError:
                raise ValueError(f"published order {order['id']} has no readable date") from None
