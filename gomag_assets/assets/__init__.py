"""The order-sync assets: raw_orders -> validated_orders -> imported_orders, one multi-asset."""

from gomag_assets.assets.pipeline import build_order_assets
from gomag_assets.assets.sync import IMPORTED, IMPORTED_TODAY, RAW, VALIDATED, OrderKeys

__all__ = ["IMPORTED", "IMPORTED_TODAY", "RAW", "VALIDATED", "OrderKeys", "build_order_assets"]
