"""The order store: raw landings, validation verdicts, imported orders and run history."""

from gomag_assets.resources.order_store.reports import DaySummary, UnreconciledOrder
from gomag_assets.resources.order_store.sqlite import StoreUnavailable
from gomag_assets.resources.order_store.store import BatchOutcome, OrderStore, RawOrderLike

__all__ = [
    "BatchOutcome",
    "DaySummary",
    "OrderStore",
    "RawOrderLike",
    "StoreUnavailable",
    "UnreconciledOrder",
]
