"""Processes saving one batch each at the same moment, trial after trial (the concurrency tests).

Run with ``tests`` on ``PYTHONPATH`` (:func:`save_side_by_side` does it)::

    python -m reliability.concurrent_saves DB_DIR --run-id RUN [--partition DAY] [--first N]
        [--db-urls URL ...]

Trial K saves to its own file, ``DB_DIR/trial-K/gomag.sqlite``, or with ``--db-urls`` to the
K-th PostgreSQL database (its errors log still in ``DB_DIR/trial-K``). Before each trial every
process says it is ready and waits for the parent's go (``support.lockstep``), so the processes
of one trial start their saves together however long each took to get there.
"""

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from store_fixtures import PARTITION, make_malformed, make_orders
from support.lockstep import Lockstep, wait_for_go

from gomag_assets.resources.order_store import OrderStore

ORDERS = 200
MALFORMED = 2


def batch_of(first: int) -> list[dict]:
    """The batch a process started with ``--first FIRST`` saves: valid orders, then MALFORMED."""
    orders = make_orders(ORDERS, start=first)
    return orders + [make_malformed(first + ORDERS + n) for n in range(MALFORMED)]


def malformed_of(first: int) -> set[str]:
    return {str(100_000 + first + ORDERS + n) for n in range(MALFORMED)}


def save_side_by_side(
    db_dir: str, *runs: list[str], trials: int, db_urls: Sequence[str] = ()
) -> list[list[dict[str, Any]]]:
    """One process per run (its extra arguments), the processes of each trial released
    together; each process's results, trial by trial. ``db_urls``: one PostgreSQL database
    per trial instead of SQLite files."""
    command = [sys.executable, "-m", "reliability.concurrent_saves", db_dir]
    if db_urls:
        command += ["--db-urls", *db_urls]
    with Lockstep([[*command, "--trials", str(trials), *run] for run in runs]) as lockstep:
        for _ in range(trials):
            lockstep.release()
        return [json.loads(output) for output in lockstep.finish()]


def saves(args: argparse.Namespace) -> list[dict[str, Any]]:
    """Save the batch once per trial, each time on a new file, starting on the parent's go.

    A failed save is reported, with its error, rather than raised: the test counts it.
    """
    orders = batch_of(args.first)
    results = []
    for trial in range(args.trials):
        db_path = str(Path(args.db_dir) / f"trial-{trial}" / "gomag.sqlite")
        db_url = args.db_urls[trial] if args.db_urls else ""
        store = OrderStore(db_path=db_path, db_url=db_url, busy_timeout_ms=args.busy_timeout_ms)
        wait_for_go()
        started = time.time()
        try:
            outcome = store.save_orders_batch(
                orders, run_id=args.run_id, partition_date=args.partition
            )
            result = {"counts": outcome.counts, "statuses": len(outcome.statuses)}
        except Exception as error:  # reported to the test, which counts and fails on it
            result = {"error": f"{type(error).__name__}: {error}"}
        result |= {"db_path": db_path, "db_url": db_url}
        result |= {"started": started, "finished": time.time()}
        results.append(result)
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m reliability.concurrent_saves")
    parser.add_argument("db_dir")
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--partition", default=PARTITION)
    parser.add_argument("--first", type=int, default=0)
    parser.add_argument("--trials", type=int, default=1)
    parser.add_argument("--busy-timeout-ms", type=int, default=30000)
    parser.add_argument("--db-urls", nargs="*", default=[])
    print(json.dumps(saves(parser.parse_args(argv))))


if __name__ == "__main__":
    main()
