"""The floor a backfill is held to: the least any program must do to copy the days into SQLite.

    python -m benchmarks.floor_pipeline --url URL --key KEY --first DAY --days N --db PATH

Per day: every page over httpx (100 orders a page), ``json.loads`` of each body, then one
``executemany`` of the orders (with each order's payload as JSON text) and one of their item
lines, committed once, on the store's journal settings (WAL, ``synchronous=NORMAL``). No
validation, no statuses, no run records, no orchestration. Run as a child process of its own, as
the CLI runs are; prints one JSON line: wall and CPU seconds, orders, items, pages, the seconds
spent writing them, peak RSS.
"""

import argparse
import datetime as dt
import json
import sqlite3
import time
from typing import Any

import httpx

from benchmarks.timing import memory_kib

PAGE_LIMIT = 100
_SCHEMA = (
    "CREATE TABLE orders (order_id TEXT PRIMARY KEY, number TEXT, placed_at TEXT, "
    "status TEXT, total TEXT, partition_date TEXT, payload TEXT)",
    "CREATE TABLE order_items (order_id TEXT, sku TEXT, name TEXT, price TEXT, quantity TEXT)",
)
_INSERT_ORDER = "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)"
_INSERT_ITEM = "INSERT INTO order_items VALUES (?, ?, ?, ?, ?)"


def copy_days(client: httpx.Client, conn: sqlite3.Connection, days: list[dt.date]) -> dict:
    """Every order of ``days`` copied, a day per transaction; what was copied, and the seconds
    spent writing it (the inserts and commits)."""
    orders = items = pages = 0
    writing = 0.0
    for day in days:
        fetched, day_pages = _day_orders(client, day)
        order_rows = [
            (
                order["id"],
                order.get("number"),
                order.get("date"),
                order.get("status"),
                order.get("total"),
                day.isoformat(),
                json.dumps(order, ensure_ascii=False),
            )
            for order in fetched
        ]
        item_rows = [
            (order["id"], *(line.get(field) for field in ("sku", "name", "price", "quantity")))
            for order in fetched
            for line in order.get("items") or ()
            if isinstance(line, dict)
        ]
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(_INSERT_ORDER, order_rows)
        conn.executemany(_INSERT_ITEM, item_rows)
        conn.execute("COMMIT")
        writing += time.perf_counter() - started
        orders += len(order_rows)
        items += len(item_rows)
        pages += day_pages
    return {
        "orders": orders,
        "items": items,
        "pages": pages,
        "writing": writing,
    }


def _day_orders(client: httpx.Client, day: dt.date) -> tuple[list[dict[str, Any]], int]:
    """The day's orders, page after page until GoMag's page count is reached."""
    query = {"startDate": day.isoformat(), "endDate": day.isoformat(), "limit": str(PAGE_LIMIT)}
    orders: list[dict[str, Any]] = []
    number = 0
    while True:
        number += 1
        response = client.get("/order/read/json", params=query | {"page": str(number)})
        response.raise_for_status()
        body = json.loads(response.content)
        listed = body.get("orders") or []
        orders += listed.values() if isinstance(listed, dict) else listed
        if number >= int(body.get("pages") or 1):
            return orders, number


def connect(path: str) -> sqlite3.Connection:
    """A new database with the floor's two tables, on the store's journal settings."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    for statement in _SCHEMA:
        conn.execute(statement)
    return conn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--first", type=dt.date.fromisoformat, required=True)
    parser.add_argument("--days", type=int, required=True)
    parser.add_argument("--db", required=True)
    args = parser.parse_args()
    days = [args.first + dt.timedelta(days=n) for n in range(args.days)]
    started, started_cpu = time.perf_counter(), time.process_time()
    with httpx.Client(base_url=args.url, headers={"Apikey": args.key}) as client:
        conn = connect(args.db)
        copied = copy_days(client, conn, days)
        conn.close()
    wall, cpu = time.perf_counter() - started, time.process_time() - started_cpu
    print(json.dumps(copied | {"wall": wall, "cpu": cpu, "peak_kib": memory_kib("VmHWM")}))


if __name__ == "__main__":
    main()
