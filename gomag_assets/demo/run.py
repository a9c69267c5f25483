"""``make demo``: import the last few days from the bundled demo shop and print what happened.

Runs the real job (all three assets, one single-run backfill over the days) against a demo
shop on loopback, into a local SQLite file, on the Dagster instance in ``$DAGSTER_HOME`` when
set (so the runs show up in ``dagster dev``) or an ephemeral one otherwise.
"""

import argparse
import datetime as dt
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

from dagster import DagsterInstance, ExecuteInProcessResult

from gomag_assets.constants import OrderStatus
from gomag_assets.demo import DemoShop, DemoShopConfig
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import GoMagSettingError, Settings, load_settings


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m gomag_assets.demo.run", description=__doc__)
    parser.add_argument("--days", type=int, default=3, help="how many days up to today")
    parser.add_argument("--orders-per-day", type=int, default=40)
    parser.add_argument("--db", default="data/demo.sqlite", help="the SQLite order store file")
    return parser.parse_args(argv)


def _print_summary(
    store: OrderStore,
    result: ExecuteInProcessResult,
    first: dt.date,
    last: dt.date,
    settings: Settings,
) -> None:
    """Orders per status for this run, the MALFORMED ones with reasons, and where to look next."""
    outcome = "SUCCESS" if result.success else "FAILED"
    print(f"\nGoMag demo: days {first}..{last}, run {result.run_id}: {outcome}")
    print(f"{'status':<18}orders")
    for status, count in sorted(store.status_counts(run_id=result.run_id).items()):
        print(f"{status:<18}{count}")
    decided = store.run_orders(result.run_id)
    malformed = [o for o in decided if o["status"] == OrderStatus.MALFORMED]
    for order in malformed[:5]:
        print(f"  MALFORMED {order['order_id']}: {order['error_message']}")
    tools = Path(sys.executable).parent
    print(f"\norder store:   {Path(store.db_path).resolve()}")
    print(f"MALFORMED log: {Path(settings.errors_log).resolve()}")
    print(f"an order's history: {tools / 'gomag-orders'} --db {store.db_path} history ORDER_ID")
    print("the Dagster UI:     make ui, then open http://127.0.0.1:3000")


def run_demo(days: int, orders_per_day: int, db_path: str) -> int:
    """Serve a demo shop, run the job over the last ``days`` days, print a summary."""
    from gomag_assets.definitions import build_definitions

    shop = DemoShop(DemoShopConfig(orders_per_day=orders_per_day))
    with shop.serving():
        os.environ.update(
            GOMAG_API_URL=shop.base_url,
            GOMAG_API_KEY=shop.api_key,
            GOMAG_API_SHOP=shop.config.api_shop,
            GOMAG_DB_PATH=db_path,
        )
        settings = load_settings()
        definitions = build_definitions(settings)
        today = dt.datetime.now(ZoneInfo(settings.timezone)).date()
        first = today - dt.timedelta(days=days - 1)
        instance = DagsterInstance.get() if os.environ.get("DAGSTER_HOME") else None
        result = definitions.resolve_job_def("gomag_orders_job").execute_in_process(
            instance=instance or DagsterInstance.ephemeral(),
            tags={
                "dagster/asset_partition_range_start": first.isoformat(),
                "dagster/asset_partition_range_end": today.isoformat(),
            },
            run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
            raise_on_error=False,
        )
        _print_summary(definitions.resources["order_store"], result, first, today, settings)
        return 0 if result.success else 1


def main(argv: list[str] | None = None) -> int:
    args = _parse_args(argv)
    try:
        return run_demo(args.days, args.orders_per_day, args.db)
    except GoMagSettingError as exc:
        print(f"gomag-assets: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
