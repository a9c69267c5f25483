"""Running the order assets for one day, as the asset, check and reliability tests all do."""

import datetime as dt

from dagster import (
    AssetCheckEvaluation,
    AssetMaterialization,
    DagsterInstance,
    ExecuteInProcessResult,
    materialize,
)

from gomag_assets.assets import build_order_assets
from gomag_assets.partitions import order_partitions
from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import load_settings

ASSETS = build_order_assets(order_partitions, load_settings())
"""The order multi-asset and the freshness asset, as the code location builds them."""


def materialize_day(
    day: dt.date, api: GoMagApi, store: OrderStore, **options
) -> ExecuteInProcessResult:
    """One real in-process run of the order assets for ``day``; failures are returned, not
    raised. ``selection=["raw_orders"]`` runs a subset, as the UI and the CLI can."""
    options.setdefault("instance", DagsterInstance.ephemeral())
    options.setdefault("raise_on_error", False)
    return materialize(
        ASSETS,
        partition_key=day.isoformat(),
        resources={"gomag_api": api, "order_store": store},
        **options,
    )


def materializations(result: ExecuteInProcessResult, asset: str) -> list[AssetMaterialization]:
    """The run's materializations of ``asset``, day by day as the op reported them."""
    return [
        m
        for m in result.asset_materializations_for_node("gomag_orders")
        if m.asset_key.to_user_string() == asset
    ]


def check_evaluations(result: ExecuteInProcessResult) -> dict[str, AssetCheckEvaluation]:
    """Check name -> the run's evaluation of it, for a one-day run."""
    evaluations = result.get_asset_check_evaluations()
    named = {e.check_name: e for e in evaluations}
    assert len(named) == len(evaluations), "one evaluation per check and day"
    return named
