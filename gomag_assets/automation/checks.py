"""Asset checks: verdicts on a run's days that an operator reads on the asset page."""

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from dagster import AssetCheckResult, AssetChecksDefinition, AssetCheckSeverity, asset_check

from gomag_assets.metadata import markdown_table, table
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.resources.order_store.reports import UnreconciledOrder
from gomag_assets.settings import Settings


@dataclass(frozen=True)
class DayCounts:
    """How one day's landed orders were judged by validation."""

    day: str
    valid: int
    malformed: int

    @property
    def share(self) -> float:
        total = self.valid + self.malformed
        return self.malformed / total if total else 0.0


def malformed_share_result(days: Sequence[DayCounts], warn_share: float) -> AssetCheckResult:
    """Warn above ``warn_share``; fail hard when a non-empty day is entirely MALFORMED.

    A whole day of MALFORMED orders means GoMag changed its feed, not that shoppers sent bad
    orders, so importing nothing and alerting beats importing garbage.
    """
    all_bad = [d.day for d in days if d.malformed and not d.valid]
    too_many = [d.day for d in days if d.share > warn_share]
    table = markdown_table(
        ("day", "valid", "MALFORMED", "share"),
        [(d.day, d.valid, d.malformed, f"{d.share:.1%}") for d in days],
    )
    metadata = {
        "worst_share": max((d.share for d in days), default=0.0),
        "warn_share": warn_share,
        "days": table,
    }
    if all_bad:
        metadata["feed_changed_days"] = ", ".join(all_bad)
        return AssetCheckResult(
            check_name="malformed_share",
            passed=False,
            severity=AssetCheckSeverity.ERROR,
            description=f"every order is MALFORMED on {', '.join(all_bad)}",
            metadata=metadata,
        )
    return AssetCheckResult(
        check_name="malformed_share",
        passed=not too_many,
        severity=AssetCheckSeverity.WARN,
        description=(
            f"MALFORMED share above {warn_share:.0%} on {', '.join(too_many)}"
            if too_many
            else f"MALFORMED share at most {warn_share:.0%} on every day"
        ),
        metadata=metadata,
    )


@dataclass(frozen=True)
class DayAccount:
    """One day of an import run: orders landed raw against orders given a status."""

    day: str
    landed: int
    statuses: dict[str, int]

    @property
    def accounted(self) -> int:
        return sum(self.statuses.values())


def conservation_result(days: Sequence[DayAccount]) -> AssetCheckResult:
    """Pass only when every landed order of every day got exactly one status in this run."""
    off = [d for d in days if d.accounted != d.landed]
    table = markdown_table(
        ("day", "landed", "accounted", "statuses"),
        [
            (
                d.day,
                d.landed,
                d.accounted,
                ", ".join(f"{k} {v}" for k, v in sorted(d.statuses.items())),
            )
            for d in days
        ],
    )
    return AssetCheckResult(
        check_name="conservation",
        passed=not off,
        severity=AssetCheckSeverity.ERROR,
        description=(
            "orders lost or counted twice on " + ", ".join(d.day for d in off)
            if off
            else "every landed order has exactly one status"
        ),
        metadata={
            "landed": sum(d.landed for d in days),
            "accounted": sum(d.accounted for d in days),
            "days": table,
        },
    )


def totals_reconcile_result(
    days: Sequence[tuple[str, Sequence[UnreconciledOrder]]],
) -> AssetCheckResult:
    """Warn, listing them per day, about orders whose total is not Σ price × quantity − discounts
    + delivery. Such an order is imported as GoMag sent it (``totals_match = 0``): the shop's
    own figures disagree, which an accountant should see, but nothing was lost or mangled."""
    off = [(day, order) for day, orders in days for order in orders]
    return AssetCheckResult(
        check_name="totals_reconcile",
        passed=not off,
        severity=AssetCheckSeverity.WARN,
        description=(
            f"{len(off)} {'order does' if len(off) == 1 else 'orders do'} not add up on "
            + ", ".join(sorted({day for day, _ in off}))
            if off
            else "every order's total is its items − discounts + delivery"
        ),
        metadata={
            "orders_not_adding_up": len(off),
            "orders": table(
                (
                    ("day", "string"),
                    ("order", "string"),
                    ("status", "string"),
                    ("total", "float"),
                    ("computed total", "float"),
                    ("difference", "float"),
                ),
                [
                    (
                        day,
                        order.order_id,
                        order.status,
                        float(order.total),
                        float(order.computed_total),
                        float(order.difference),
                    )
                    for day, order in off
                ],
            ),
        },
    )


def build_freshness_check(
    settings: Settings, *, clock: Callable[[], dt.datetime] | None = None
) -> AssetChecksDefinition:
    """Today's partition must have been imported successfully within the configured lag.

    ``clock`` (aware "now"; default the system clock) decides the shop's today.
    """
    max_lag = dt.timedelta(minutes=settings.freshness_lag_minutes)
    timezone = ZoneInfo(settings.timezone)
    now_of = clock or (lambda: dt.datetime.now(dt.UTC))

    @asset_check(
        asset="imported_orders",
        name="today_is_fresh",
        description=(
            f"Fails when today's orders were last imported more than "
            f"{settings.freshness_lag_minutes} minutes ago, or never (GOMAG_FRESHNESS_LAG)."
        ),
    )
    def today_is_fresh(order_store: OrderStore) -> AssetCheckResult:
        now = now_of().astimezone(timezone)
        last = order_store.last_successful_import(now.date().isoformat())
        lag = now - last if last else None
        return AssetCheckResult(
            passed=lag is not None and lag <= max_lag,
            severity=AssetCheckSeverity.WARN,
            description=(
                f"today ({now.date()}) last imported {last.isoformat(timespec='seconds')}"
                if last
                else f"today ({now.date()}) has never been imported"
            ),
            metadata={
                "lag_minutes": round(lag.total_seconds() / 60, 1) if lag else -1.0,
                "max_lag_minutes": settings.freshness_lag_minutes,
            },
        )

    return today_is_fresh
