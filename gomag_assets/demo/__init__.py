"""A bundled GoMag-compatible shop on loopback, for demos, tests and benchmarks.

Its orders follow from a seed (same seed, same bytes); a share of them is deliberately
malformed, and tests can make it throttle, fail, stall or cut answers short on demand.
"""

from gomag_assets.demo.catalog import STATUSES
from gomag_assets.demo.config import DemoShopConfig
from gomag_assets.demo.faults import ONE_SHOT_FAULTS, FaultSwitches, RecordedRequest, Traffic
from gomag_assets.demo.malformed import MALFORMED_KINDS
from gomag_assets.demo.orders import malformed_orders, order_id, orders_for_day
from gomag_assets.demo.shop import DemoShop

__all__ = [
    "MALFORMED_KINDS",
    "ONE_SHOT_FAULTS",
    "STATUSES",
    "DemoShop",
    "DemoShopConfig",
    "FaultSwitches",
    "RecordedRequest",
    "Traffic",
    "malformed_orders",
    "order_id",
    "orders_for_day",
]
