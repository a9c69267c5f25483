"""imported_orders: a day's verdicts written to the order store in three tiers, every landed
order given exactly one status (CONTRACTS.md §5, §6)."""

from dataclasses import dataclass

from gomag_assets.constants import OrderStatus
from gomag_assets.metadata import table
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.resources.order_store.reports import DaySummary, UnreconciledOrder
from gomag_assets.wording import counted

DESCRIPTION = (
    "Each day's verdicts saved to the orders and order_items tables and recorded in sync_runs. "
    "Safe to re-run: unchanged orders come back ALREADY_IMPORTED and nothing is written twice."
)


@dataclass(frozen=True)
class ImportedDay:
    """One day of an import: what was landed, each status given, and the money as stored."""

    day: str
    landed: int
    statuses: dict[str, int]
    """Orders per status value given in this run, zeros left out."""
    reconnects: int
    money: DaySummary
    unreconciled: list[UnreconciledOrder]

    @property
    def accounted(self) -> int:
        return sum(self.statuses.values())

    @property
    def balanced(self) -> bool:
        """Every landed order got exactly one status (the conservation check)."""
        return self.accounted == self.landed

    def status_words(self) -> str:
        """The statuses given, largest first: "32 IMPORTED, 3 CANCELLED, 1 MALFORMED"."""
        ranked = sorted(self.statuses.items(), key=lambda pair: (-pair[1], pair[0]))
        return ", ".join(f"{count} {status}" for status, count in ranked) or "no orders"

    def summary(self) -> str:
        reconnects = counted(self.reconnects, "reconnect")
        return self.status_words() + (f" ({reconnects})" if self.reconnects else "")

    def metadata(self) -> dict[str, object]:
        money = self.money
        return {
            "dagster/row_count": self.accounted,
            **{status.value.lower(): self.statuses.get(status.value, 0) for status in OrderStatus},
            "orders_kept": money.orders,
            "revenue": float(money.revenue),
            "discounts": float(money.discounts),
            "delivery": float(money.delivery),
            "orders_per_sales_channel": table(
                (("sales channel", "string"), ("orders", "int")),
                sorted(money.by_sales_channel.items()),
            ),
            "orders_per_payment": table(
                (("payment", "string"), ("orders", "int")), sorted(money.by_payment.items())
            ),
        }


def import_day(
    day: str, order_store: OrderStore, run_id: str, validated: list[dict] | None = None
) -> ImportedDay:
    """Save the day's verdicts and count what each order became. ``validated`` are the verdicts
    this run just stored, handed on in memory; None reads them from the store."""
    if validated is None:
        validated = order_store.read_validated_orders(day)
    outcome = order_store.save_orders_batch(validated, run_id=run_id, partition_date=day)
    statuses = order_store.status_counts(run_id=run_id, partition_date=day)
    return ImportedDay(
        day=day,
        landed=order_store.count_raw_orders(day),
        statuses={status: count for status, count in statuses.items() if count},
        reconnects=outcome.reconnects,
        money=order_store.day_summary(day),
        unreconciled=order_store.unreconciled_orders(day),
    )
