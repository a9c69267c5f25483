"""What the order-sync assets share: their group, owners and the store's pool, and how each
shop's definitions are named."""

from dataclasses import dataclass

from dagster import AssetKey

from gomag_assets.resources.order_store.shop_step import DEFAULT_SHOP

ASSET_GROUP = "gomag_orders"
OWNERS = ["team:order-sync"]
ORDER_STORE_POOL = "gomag_order_store"
"""Every stage writes the order store. SQLite takes one writer at a time: the local instance
limits this pool to 1 (deploy/local/dagster.yaml), so the steps of concurrent runs take turns
instead of failing. The limit of 1 is SQLite's only: on PostgreSQL (``GOMAG_DB_URL``) runs of
different days write at once, the same day fenced by the partition's tag concurrency and the
store's advisory lock per day; that instance (deploy/dagster.yaml) sets a higher limit."""

SHOP_TAG = "gomag/shop"
"""The run tag naming the shop a run syncs."""
SHOP_DAY_TAG = "gomag/shop_day"
"""The run tag ``shop/day`` of a run the schedules or sensors request for one day: the
deployment's instance lets one run per value at a time (the same day of two shops may run at
once)."""


@dataclass(frozen=True)
class ShopScope:
    """How one shop's definitions are named. A deployment without a shops file has one shop,
    ``default``, under today's names (unprefixed keys, group ``gomag_orders``, resources
    ``gomag_api`` and ``order_store``); a shop of the file prefixes them all with its name."""

    shop: str = DEFAULT_SHOP
    prefixed: bool = False

    @property
    def key_prefix(self) -> list[str]:
        return [self.shop] if self.prefixed else []

    def key(self, name: str) -> AssetKey:
        return AssetKey([*self.key_prefix, name])

    @property
    def group(self) -> str:
        return self.shop if self.prefixed else ASSET_GROUP

    def named(self, name: str) -> str:
        """A job, schedule, sensor or resource name, unique to the shop."""
        return f"{self.shop}__{name}" if self.prefixed else name

    @property
    def api_key(self) -> str:
        """The resource key of the shop's ``GoMagApi``."""
        return self.named("gomag_api")

    @property
    def store_key(self) -> str:
        """The resource key of the ``OrderStore`` bound to the shop."""
        return self.named("order_store")

    @property
    def tags(self) -> dict[str, str]:
        return {SHOP_TAG: self.shop}

    def day_tags(self, day: str) -> dict[str, str]:
        """The tags of a run requested for one of the shop's days."""
        return {SHOP_DAY_TAG: f"{self.shop}/{day}"}


DEFAULT_SCOPE = ShopScope()
