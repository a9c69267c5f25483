"""Running the three assets for one day, as the asset, check and reliability tests all do."""

import datetime as dt
from collections.abc import Sequence

from dagster import AssetsDefinition, DagsterInstance, ExecuteInProcessResult, materialize

from gomag_assets.assets import imported_orders, raw_orders, validated_orders
from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.order_store import OrderStore

ASSETS = [raw_orders, validated_orders, imported_orders]


def materialize_day(
    day: dt.date,
    api: GoMagApi,
    store: OrderStore,
    assets: Sequence[AssetsDefinition] = ASSETS,
    **options,
) -> ExecuteInProcessResult:
    """One real in-process run of ``assets`` for ``day``; failures are returned, not raised."""
    options.setdefault("instance", DagsterInstance.ephemeral())
    options.setdefault("raise_on_error", False)
    return materialize(
        assets,
        partition_key=day.isoformat(),
        resources={"gomag_api": api, "order_store": store},
        **options,
    )
