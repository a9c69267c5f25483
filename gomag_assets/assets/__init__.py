"""The three order-sync assets, upstream to downstream."""

from gomag_assets.assets.imported_orders import imported_orders
from gomag_assets.assets.raw_orders import raw_orders
from gomag_assets.assets.validated_orders import validated_orders

__all__ = ["raw_orders", "validated_orders", "imported_orders"]
