"""``raw_orders``: a day of GoMag orders, landed verbatim in the order store."""

import datetime as dt
import time

from dagster import AssetExecutionContext, MaterializeResult, MetadataValue, asset

from gomag_assets.assets.common import (
    ASSET_GROUP,
    ORDER_STORE_POOL,
    OWNERS,
    SINGLE_RUN,
    days_of_run,
)
from gomag_assets.metadata import markdown_table
from gomag_assets.partitions import order_partitions
from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.gomag_api.personal_data import as_landed
from gomag_assets.resources.order_store import OrderStore


@asset(
    partitions_def=order_partitions,
    backfill_policy=SINGLE_RUN,
    group_name=ASSET_GROUP,
    owners=OWNERS,
    pool=ORDER_STORE_POOL,
    kinds={"httpx", "sqlite"},
)
def raw_orders(
    context: AssetExecutionContext, gomag_api: GoMagApi, order_store: OrderStore
) -> MaterializeResult:
    """Every order GoMag reports for the partition's day, each payload's JSON text as received.

    Re-materializing a day replaces that day's landing. A day that fails to fetch completely
    lands nothing: a partial page set is never stored as if complete. Orders GoMag sends dated
    outside the day are left out and counted. With ``GOMAG_STORE_PII`` off, the payloads are
    landed without the buyer's personal data (``as_landed``).
    """
    started = time.monotonic()
    per_day, pages, retries, duplicates, outside = [], 0, 0, 0, 0
    for key in days_of_run(context):
        day = dt.date.fromisoformat(key)
        fetched = gomag_api.fetch_orders(day, day, log=context.log)
        fetched_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        orders = as_landed(fetched.orders, keep_personal_data=order_store.store_pii)
        landed = order_store.replace_raw_orders(key, context.run.run_id, orders, fetched_at)
        context.log.info(
            f"{key}: landed {landed} orders from {fetched.pages} pages "
            f"({fetched.retries} retries, {fetched.duplicates} duplicates across pages, "
            f"{fetched.out_of_window} dated outside the day left out)"
        )
        per_day.append(
            (
                key,
                landed,
                fetched.reported_total,
                fetched.out_of_window,
                fetched.pages,
                fetched.retries,
            )
        )
        pages += fetched.pages
        retries += fetched.retries
        duplicates += fetched.duplicates
        outside += fetched.out_of_window
    return MaterializeResult(
        metadata={
            "dagster/row_count": sum(day[1] for day in per_day),
            "pages_fetched": pages,
            "retries": retries,
            "duplicates_across_pages": duplicates,
            "out_of_window": outside,
            "duration_seconds": round(time.monotonic() - started, 3),
            "orders_per_day": markdown_table(
                ("day", "orders landed", "GoMag total", "outside the day", "pages", "retries"),
                per_day,
            ),
            "database": MetadataValue.path(order_store.location),
        }
    )
