"""Fetch: ``GoMagApi.fetch_orders`` against the demo shop rate-limited to R requests/s.

The ceiling is the rate limit itself: P pages cannot come faster than P/R seconds, and a
client that tries gets 429s. The client is paced at the shop's own R; the target is a wall time
within 1.1 × P/R with not one 429. Unpaced throughput is measured too, against the same shop
with its limit lifted.
"""

import datetime as dt
import math
import time
from dataclasses import dataclass

from benchmarks.report import Comparison, StageReport, markdown_table, ratio
from gomag_assets.demo import DemoShop, DemoShopConfig
from gomag_assets.resources.gomag_api import MAX_PAGE_LIMIT, GoMagApi

FIRST_DAY = dt.date(2025, 9, 1)


@dataclass(frozen=True)
class FetchSizes:
    requests_per_second: float = 10.0
    pages: int = 50
    """At least this many pages: whole days are added to the window until it has them."""
    orders_per_day: int = 3_000


QUICK = FetchSizes(requests_per_second=20.0, pages=6, orders_per_day=200)


def run(sizes: FetchSizes) -> StageReport:
    rate = sizes.requests_per_second
    shop = DemoShop(DemoShopConfig(orders_per_day=sizes.orders_per_day, rate_limit_per_second=rate))
    last_day, orders = _window(shop, sizes.pages)
    pages = math.ceil(orders / MAX_PAGE_LIMIT)
    with shop.serving():
        paced = _fetch(shop, last_day, requests_per_second=rate)
        paced_requests, rate_limited = shop.traffic.requests, shop.traffic.rate_limited
        shop.faults.rate_limit_per_second = None
        unpaced = _fetch(shop, last_day, requests_per_second=0)
    for _, result in (paced, unpaced):
        if len(result.orders) != orders or result.pages != pages:
            raise AssertionError(f"fetched {len(result.orders)} orders in {result.pages} pages")
    floor = pages / rate
    report = StageReport()
    report.comparisons.append(
        Comparison(
            f"fetch, shop limited to R = {rate:g} requests/s, P = {pages} pages",
            f"{paced[0]:.2f} s, {rate_limited} × 429 in {paced_requests} requests",
            f"P/R = {floor:.2f} s",
            paced[0] / floor,
            ratio(paced[0] / floor),
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
                    f"paced at {rate:g} requests/s, shop limited to {rate:g}/s",
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
