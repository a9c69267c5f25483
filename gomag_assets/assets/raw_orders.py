"""raw_orders: a day of GoMag orders, landed verbatim in the order store (CONTRACTS.md §3)."""

import datetime as dt
import logging
import time
from dataclasses import dataclass

from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.gomag_api.personal_data import as_landed
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.wording import counted

DESCRIPTION = (
    "Every order GoMag reports for the day, each payload's JSON text as received. "
    "Re-materializing a day replaces that day's landing. A day that fails to fetch completely "
    "lands nothing: a partial page set is never stored as if complete. Orders GoMag sends dated "
    "outside the day are left out and counted. With GOMAG_STORE_PII off, the payloads are "
    "landed without the buyer's personal data."
)


@dataclass(frozen=True)
class LandedDay:
    """What landing one day fetched and stored."""

    day: str
    landed: int
    reported_total: int | None
    pages: int
    retries: int
    duplicates: int
    out_of_window: int
    seconds: float

    def summary(self) -> str:
        """The day's landing in words, for the run's one line per day."""
        extras = [
            counted(self.retries, "retry", "retries") if self.retries else "",
            counted(self.duplicates, "duplicate") + " across pages" if self.duplicates else "",
            f"{self.out_of_window} dated outside the day left out" if self.out_of_window else "",
        ]
        extra = ", ".join(filter(None, extras))
        return f"landed {counted(self.landed, 'order')} from {counted(self.pages, 'page')}" + (
            f" ({extra})" if extra else ""
        )

    def metadata(self) -> dict[str, object]:
        return {
            "dagster/row_count": self.landed,
            **({} if self.reported_total is None else {"gomag_total": self.reported_total}),
            "pages_fetched": self.pages,
            "retries": self.retries,
            "duplicates_across_pages": self.duplicates,
            "out_of_window": self.out_of_window,
            "duration_seconds": round(self.seconds, 3),
        }


def land_day(
    day: str, gomag_api: GoMagApi, order_store: OrderStore, run_id: str, log: logging.Logger
) -> LandedDay:
    """Fetch every page of ``day`` and replace that day's landing with what was fetched."""
    started = time.monotonic()
    date = dt.date.fromisoformat(day)
    fetched = gomag_api.fetch_orders(date, date, log=log)
    fetched_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    orders = as_landed(fetched.orders, keep_personal_data=order_store.store_pii)
    landed = order_store.replace_raw_orders(day, run_id, orders, fetched_at)
    return LandedDay(
        day=day,
        landed=landed,
        reported_total=fetched.reported_total,
        pages=fetched.pages,
        retries=fetched.retries,
        duplicates=fetched.duplicates,
        out_of_window=fetched.out_of_window,
        seconds=time.monotonic() - started,
    )
