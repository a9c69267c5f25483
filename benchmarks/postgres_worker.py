"""Child process of the PostgreSQL concurrency benchmark: one day-run saving its own day.

    python -m benchmarks.postgres_worker URL DAY ORDERS FIRST_ID

Builds the day's orders (ids from ``FIRST_ID``, so no two days share one), prints ``ready``,
waits for a line on stdin (the parent starts every run at once), saves the day with
``save_orders_batch`` and prints one JSON line: when it started and ended on ``time.monotonic``
(one clock for every process on Linux), its CPU seconds, and the statuses it reported.
"""

import json
import sys
import time

from benchmarks import synthetic
from gomag_assets.resources.order_store import OrderStore


def main() -> None:
    url, day, count, first_id = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    orders = synthetic.validated_orders(count, seed=first_id, first_id=first_id)
    store = OrderStore(db_url=url)
    print("ready", flush=True)
    sys.stdin.readline()
    started, started_cpu = time.monotonic(), time.process_time()
    outcome = store.save_orders_batch(orders, run_id=f"bench-{day}", partition_date=day)
    measured = {
        "started": started,
        "ended": time.monotonic(),
        "cpu": time.process_time() - started_cpu,
        "statuses": {status: count for status, count in outcome.counts.items() if count},
    }
    print(json.dumps(measured), flush=True)


if __name__ == "__main__":
    main()
