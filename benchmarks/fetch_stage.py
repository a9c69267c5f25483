"""Fetch: ``GoMagApi.fetch_orders`` against the demo shop's leaky bucket (R requests/s, burst B).

The ceiling is the rate limit itself: the bucket admits B requests at once, then R a second,
so P pages cannot come faster than (P - B)/R seconds, and a client that tries gets 429s. The
client keeps its default pacing (1 request/s) and is paced by the shop's rate-limit headers;
the target is a wall time within 1.1 × (P - B)/R (at least ~90% of the allowed rate) with not
one 429. Unpaced throughput is measured too, against the same shop with its limit lifted.
"""

import datetime as dt
import math
import time
from dataclasses import dataclass

from benchmarks.report import Comparison, StageReport, markdown_table, ratio
from gomag_assets.demo import DemoShop, DemoShopConfig
from gomag_assets.resources.gomag_api import MAX_PAGE_LIMIT, GoMagApi

FIRST_DAY = dt.date(2025, 9, 1)
DEFAULT_PACING = GoMagApi.model_fields["requests_per_second"].default
"""The client's own pacing until the shop's headers say otherwise."""


@dataclass(frozen=True)
class FetchSizes:
    requests_per_second: float = 10.0
    burst: int = 5
    pages: int = 50
    """At least this many pages: whole days are added to the window until it has them."""
    orders_per_day: int = 3_000


QUICK = FetchSizes(requests_per_second=20.0, burst=5, pages=6, orders_per_day=200)


def run(sizes: FetchSizes) -> StageReport:
    rate, burst = sizes.requests_per_second, sizes.burst
    shop = DemoShop(
        DemoShopConfig(
            orders_per_day=sizes.orders_per_day,
            rate_limit_per_second=rate,
            rate_limit_burst=burst,
        )
    )
    last_day, orders = _window(shop, sizes.pages)
    pages = math.ceil(orders / MAX_PAGE_LIMIT)
    with shop.serving():
        paced = _fetch(shop, last_day, requests_per_second=DEFAULT_PACING)
        paced_requests, rate_limited = shop.traffic.requests, shop.traffic.rate_limited
        shop.faults.rate_limit_per_second = None
        unpaced = _fetch(shop, last_day, requests_per_second=0)
    for _, result in (paced, unpaced):
        if len(result.orders) != orders or result.pages != pages:
            raise AssertionError(f"fetched {len(result.orders)} orders in {result.pages} pages")
    floor = max(pages - burst, 0) / rate
    report = StageReport()
    report.comparisons.append(
        Comparison(
            f"fetch, shop limited to R = {rate:g} requests/s, burst B = {burst}, P = {pages} pages",
            f"{paced[0]:.2f} s, {rate_limited} × 429 in {paced_requests} requests",
            f"(P − B)/R = {floor:.2f} s",
            paced[0] / floor if floor else math.inf,
            ratio(paced[0] / floor) if floor else "—",
            "≤ 1.1× and zero 429s",
            paced[0] <= 1.1 * floor and rate_limited == 0,
        )
    )
    report.figures.append(
        (
            "fetch, unpaced, from the demo shop on loopback",
            f"{orders / unpaced[0]:,.0f} orders/s ({pages / unpaced[0]:,.0f} pages/s)",
        )
    )
    report.details.append(
        "### Fetch\n\n"
        f"{orders:,} orders placed {FIRST_DAY}..{last_day} (about {sizes.orders_per_day:,} a "
        f"day), {MAX_PAGE_LIMIT} per page.\n\n"
        + markdown_table(
            ("client", "wall", "requests", "429s", "orders/s"),
            [
                (
                    f"paced by the shop's headers (configured {DEFAULT_PACING:g}/s), "
                    f"shop limited to {rate:g}/s, burst {burst}",
                    f"{paced[0]:.2f} s",
                    paced_requests,
                    rate_limited,
                    f"{orders / paced[0]:,.0f}",
                ),
                (
                    "unpaced, shop unlimited",
                    f"{unpaced[0]:.2f} s",
                    pages,
                    0,
                    f"{orders / unpaced[0]:,.0f}",
                ),
            ],
        )
    )
    return report


def _window(shop: DemoShop, pages: int) -> tuple[dt.date, int]:
    """The last day of the shortest window from ``FIRST_DAY`` that fills ``pages`` pages, and
    its order count; building the orders here keeps that work out of the timed fetch."""
    last_day = FIRST_DAY
    while len(shop.listing(FIRST_DAY, last_day)) < (pages - 1) * MAX_PAGE_LIMIT + 1:
        last_day += dt.timedelta(days=1)
    return last_day, len(shop.listing(FIRST_DAY, last_day))


def _fetch(shop: DemoShop, last_day: dt.date, *, requests_per_second: float):
    shop.traffic.reset()
    with GoMagApi(
        api_url=shop.base_url,
        api_key=shop.api_key,
        api_shop=shop.config.api_shop,
        requests_per_second=requests_per_second,
    ) as api:
        started = time.perf_counter()
        result = api.fetch_orders(FIRST_DAY, last_day)
        return time.perf_counter() - started, result
