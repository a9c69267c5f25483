"""The order-sync assets: raw_orders -> validated_orders -> imported_orders, one multi-asset."""

from gomag_assets.assets.pipeline import (
    IMPORTED,
    IMPORTED_TODAY,
    RAW,
    VALIDATED,
    build_order_assets,
)

__all__ = ["IMPORTED", "IMPORTED_TODAY", "RAW", "VALIDATED", "build_order_assets"]
