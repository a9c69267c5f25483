"""What the order-sync assets share: their group, owners and the store's pool."""

ASSET_GROUP = "gomag_orders"
OWNERS = ["team:order-sync"]
ORDER_STORE_POOL = "gomag_order_store"
"""Every stage writes the SQLite store, which takes one writer at a time: the instance limits
this pool to 1 (deploy/local/dagster.yaml), so the steps of concurrent runs take turns instead
of failing."""
