"""What the order-sync assets share: their group, owners and the store's pool."""

ASSET_GROUP = "gomag_orders"
OWNERS = ["team:order-sync"]
ORDER_STORE_POOL = "gomag_order_store"
"""Every stage writes the order store. SQLite takes one writer at a time: the local instance
limits this pool to 1 (deploy/local/dagster.yaml), so the steps of concurrent runs take turns
instead of failing. The limit of 1 is SQLite's only: on PostgreSQL (``GOMAG_DB_URL``) runs of
different days write at once, the same day fenced by the partition's tag concurrency and the
store's advisory lock per day; that instance (deploy/dagster.yaml) sets a higher limit."""
