"""Child process of the end-to-end benchmark, so each measurement has its own peak memory.

    python -m benchmarks.backfill_worker job|stages --url URL --key KEY --first DAY --days N
        --db PATH [--profile PSTATS_PATH]

``job`` runs ``gomag_orders_job`` over the days as one single-run backfill (``execute_in_process``
with the partition-range tags); ``stages`` runs the three stages alone on the same days, each
timed on its own: fetch (``GoMagApi.fetch_orders``, unpaced), validate (``validate_orders``)
and import (``save_orders_batch``; the orders it takes are prepared untimed, as the store reads
them back). Either prints one JSON line: the times, the orders, and the process's memory.
"""

import argparse
import cProfile
import datetime as dt
import json
import time
import warnings
from pathlib import Path
from typing import Any

from dagster import BetaWarning, DagsterInstance

from benchmarks.timing import memory_kib
from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.settings import load_settings
from gomag_assets.validation import validate_orders


def run_job(api: GoMagApi, store: OrderStore, days: list[dt.date]) -> dict[str, Any]:
    from gomag_assets.definitions import build_definitions

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BetaWarning)
        job = build_definitions(load_settings()).resolve_job_def("gomag_orders_job")
    instance = DagsterInstance.ephemeral()
    rss_before = memory_kib("VmRSS")
    started, started_cpu = time.perf_counter(), time.process_time()
    result = job.execute_in_process(
        instance=instance,
        resources={"gomag_api": api, "order_store": store},
        tags={
            "dagster/asset_partition_range_start": days[0].isoformat(),
            "dagster/asset_partition_range_end": days[-1].isoformat(),
        },
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}},
        raise_on_error=True,
    )
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    statuses = store.status_counts(run_id=result.run_id)
    steps = {
        stats.step_key: stats.end_time - stats.start_time
        for stats in instance.get_run_step_stats(result.run_id)
        if stats.start_time is not None and stats.end_time is not None
    }
    return {
        "wall": wall,
        "cpu": cpu,
        "steps": steps,
        "orders": sum(statuses.values()),
        "statuses": {status: count for status, count in statuses.items() if count},
        "rss_before_kib": rss_before,
    }


def run_stages(api: GoMagApi, store: OrderStore, days: list[dt.date]) -> dict[str, Any]:
    timezone = load_settings().timezone
    scratch = OrderStore(db_path=str(Path(store.db_path).with_suffix(".scratch.sqlite")))
    rss_before = memory_kib("VmRSS")
    seconds = {"fetch": 0.0, "validate": 0.0, "import": 0.0}
    cpu = 0.0
    orders = items = pages = 0
    for day in days:
        key = day.isoformat()
        started, started_cpu = time.perf_counter(), time.process_time()
        fetched = api.fetch_orders(day, day)
        landed = [(order.order_id, order.payload) for order in fetched.orders]
        seconds["fetch"] += time.perf_counter() - started
        started = time.perf_counter()
        result = validate_orders(landed, timezone=timezone)
        seconds["validate"] += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        frames = (result.orders, result.items, result.discounts, result.addresses)
        scratch.replace_validation(key, "stages", *frames)
        validated = scratch.read_validated_orders(key)
        started, started_cpu = time.perf_counter(), time.process_time()
        store.save_orders_batch(validated, run_id="stages", partition_date=key)
        seconds["import"] += time.perf_counter() - started
        cpu += time.process_time() - started_cpu
        orders += len(landed)
        items += len(result.items)
        pages += fetched.pages
    return {
        **seconds,
        "wall": sum(seconds.values()),
        "cpu": cpu,
        "orders": orders,
        "items": items,
        "pages": pages,
        "rss_before_kib": rss_before,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=("job", "stages"))
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--first", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument("--db", required=True)
    parser.add_argument("--profile", help="write a cProfile of the run to this file")
    args = parser.parse_args()
    days = [args.first + dt.timedelta(days=n) for n in range(args.days)]
    api = GoMagApi(api_url=args.url, api_key=args.key, requests_per_second=0)
    store = OrderStore(db_path=args.db)
    work = run_job if args.what == "job" else run_stages
    if args.profile:
        profiler = cProfile.Profile()
        measured = profiler.runcall(work, api, store, days)
        profiler.dump_stats(args.profile)
    else:
        measured = work(api, store, days)
    print(json.dumps(measured | {"peak_kib": memory_kib("VmHWM")}))


if __name__ == "__main__":
    main()
