"""How fast ``OrderStore.save_orders_batch`` writes, next to the floor and the naive way.

Four ways of writing the same orders, each into a fresh database file:

  (a) bare ``executemany`` of the order and item rows in one transaction: the floor;
  (b) ``save_orders_batch`` on clean days;
  (c) the same days with 1% poison orders spread at random (each must end MALFORMED);
  (d) the naive loop: one durable commit (``synchronous=FULL``) per order, on fewer orders.

Run from the repository root: ``python benchmarks/bench_store.py [--orders 20000]``.
Targets: (b)/(a) >= 0.5, (c)/(b) >= 0.5, (b)/(d) >= 100.
"""

import argparse
import os
import random
import shutil
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from gomag_assets.demo.catalog import PRODUCTS
from gomag_assets.resources.order_store import OrderStore

ITEMS_PER_ORDER = 3
POISON_SHARE = 0.01

_ORDER_ROW = """
    INSERT INTO orders (order_id, order_number, order_date, status, error_message, partition_date,
        gomag_status, currency, total, payload_sha256, first_run_id, last_run_id, updated_at)
    VALUES (?, ?, ?, 'IMPORTED', NULL, ?, ?, ?, ?, ?, 'bench', 'bench', '2026-10-01T00:00:00')
"""
_ITEM_ROW = """
    INSERT INTO order_items (order_id, line_no, sku, name, quantity, price, vat, is_service)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""


def make_order(number: int, rng: random.Random) -> dict[str, Any]:
    """A valid order dict (CONTRACTS.md §5) with three product lines."""
    products = rng.sample(PRODUCTS, ITEMS_PER_ORDER)
    return {
        "order_id": str(100_000 + number),
        "order_number": f"GM-{100_000 + number}",
        "order_date": f"2026-10-{1 + number % 28:02d} 14:03:22",
        "gomag_status": "Comanda noua",
        "currency": "RON",
        "total": str(sum(product.price for product in products)),
        "payload_sha256": f"{number:064x}",
        "verdict": "VALID",
        "error_message": None,
        "is_cancelled": False,
        "nothing_to_import": False,
        "items": [
            {
                "line_no": line_no,
                "sku": product.sku,
                "name": product.name,
                "quantity": "1",
                "price": str(product.price),
                "vat": "21",
                "is_service": False,
            }
            for line_no, product in enumerate(products)
        ],
    }


def poison(order: dict[str, Any], kind: int) -> None:
    """Give an order one of the runtime crashes tier 3 must isolate."""
    if kind == 0:
        order["items"][1]["quantity"] = object()  # not bindable
    elif kind == 1:
        order["items"][2]["line_no"] = 2**70  # integer overflow
    else:
        order["order_number"] = None  # CHECK: an imported order has a number


def days_of(orders: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    return [orders[start : start + size] for start in range(0, len(orders), size)]


def bare_executemany(path: Path, orders: Sequence[dict[str, Any]]) -> None:
    """(a) The same order and item rows, no decisions, no run records, one transaction."""
    OrderStore(db_path=str(path)).status_counts()  # creates the schema
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("BEGIN IMMEDIATE")
    conn.executemany(
        _ORDER_ROW,
        [
            (
                order["order_id"],
                order["order_number"],
                order["order_date"],
                "2026-10-01",
                order["gomag_status"],
                order["currency"],
                order["total"],
                order["payload_sha256"],
            )
            for order in orders
        ],
    )
    conn.executemany(
        _ITEM_ROW,
        [
            (order["order_id"], *(item[key] for key in list(item)))
            for order in orders
            for item in order["items"]
        ],
    )
    conn.execute("COMMIT")
    conn.close()


def store_batches(path: Path, days: Sequence[Sequence[dict[str, Any]]]) -> dict[str, int]:
    """(b)/(c) ``save_orders_batch`` day by day; returns the statuses it reported."""
    store = OrderStore(db_path=str(path))
    totals: Counter[str] = Counter()
    for day_no, day in enumerate(days):
        outcome = store.save_orders_batch(day, run_id="bench", partition_date=f"day-{day_no}")
        totals.update(outcome.counts)
    return {status: count for status, count in totals.items() if count}


def naive_loop(path: Path, orders: Sequence[dict[str, Any]]) -> None:
    """(d) One transaction and one durable commit per order, with SQLite's default journal."""
    OrderStore(db_path=str(path)).status_counts()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.execute("PRAGMA synchronous = FULL")
    for order in orders:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute(
            _ORDER_ROW,
            (
                order["order_id"],
                order["order_number"],
                order["order_date"],
                "2026-10-01",
                order["gomag_status"],
                order["currency"],
                order["total"],
                order["payload_sha256"],
            ),
        )
        for item in order["items"]:
            conn.execute(_ITEM_ROW, (order["order_id"], *item.values()))
        conn.execute("COMMIT")
    conn.close()


def timed(
    label: str, workdir: Path, count: int, repeat: int, write: Callable[[Path], object]
) -> float:
    """Best orders per second of ``write`` over ``repeat`` runs, each on a fresh database file."""
    seconds = []
    for attempt in range(repeat):
        path = workdir / f"{label[1]}-{attempt}.sqlite"
        started = time.perf_counter()
        result = write(path)
        seconds.append(time.perf_counter() - started)
    rate = count / min(seconds)
    print(f"  {label:<36} {count:>6} orders {rate:>9,.0f} orders/s  {result or ''}")
    return rate


def fsync_latency_ms(workdir: Path) -> float:
    """What one durable write costs on this disk: the naive loop pays it on every commit."""
    path = workdir / "fsync.probe"
    with open(path, "wb") as probe:
        started = time.perf_counter()
        for _ in range(100):
            probe.write(b"x" * 4096)
            probe.flush()
            os.fsync(probe.fileno())
    return (time.perf_counter() - started) * 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--day-size", type=int, default=3_000)
    parser.add_argument("--naive-orders", type=int, default=500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs")
    parser.add_argument("--workdir", type=Path, default=Path("data"), help="a real disk, not tmpfs")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    clean = [make_order(number, rng) for number in range(args.orders)]
    poisoned = [make_order(number, rng) for number in range(args.orders)]
    for kind, index in enumerate(rng.sample(range(args.orders), int(args.orders * POISON_SHARE))):
        poison(poisoned[index], kind % 3)

    args.workdir.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="bench_store_", dir=args.workdir))
    print(
        f"{args.orders} orders x {ITEMS_PER_ORDER} items, days of {args.day_size}, best of "
        f"{args.repeat}; fsync takes {fsync_latency_ms(workdir):.2f} ms on this disk"
    )
    try:
        bare = timed(
            "(a) bare executemany",
            workdir,
            args.orders,
            args.repeat,
            lambda path: bare_executemany(path, clean),
        )
        store = timed(
            "(b) save_orders_batch, clean",
            workdir,
            args.orders,
            args.repeat,
            lambda path: store_batches(path, days_of(clean, args.day_size)),
        )
        poisoned_rate = timed(
            "(c) save_orders_batch, 1% poison",
            workdir,
            args.orders,
            args.repeat,
            lambda path: store_batches(path, days_of(poisoned, args.day_size)),
        )
        naive = timed(
            "(d) naive: durable commit per order",
            workdir,
            args.naive_orders,
            args.repeat,
            lambda path: naive_loop(path, clean[: args.naive_orders]),
        )
    finally:
        shutil.rmtree(workdir)
    print(f"(b)/(a) = {store / bare:5.2f}  target >= 0.5")
    print(f"(c)/(b) = {poisoned_rate / store:5.2f}  target >= 0.5")
    print(f"(b)/(d) = {store / naive:5.0f}  target >= 100")


if __name__ == "__main__":
    main()
