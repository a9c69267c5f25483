"""The least it costs to write what the order store keeps of a backfill, whatever the code.

A CLI backfill keeps, per day, the landed payloads, the validation frames, the whole orders and
the run's record of every order: about four times the rows the floor pipeline keeps (its orders
and item lines). ``rewrite`` reads those rows back from a finished run's database and writes
them, day by day, into a new file with the store's schema by bare ``executemany`` (one
transaction per day, the store's journal settings, no foreign-key checks, no decisions): a
lower bound of the writing in that run, which no change to fetching, validating or the tiered
import can go under.
"""

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.writers import ceiling_connection, empty_store

_OF_THE_DAY = "WHERE partition_date = ?"
_OF_THE_DAYS_ORDERS = "WHERE order_id IN (SELECT order_id FROM orders WHERE partition_date = ?)"
KEPT_TABLES = (
    ("raw_orders", _OF_THE_DAY),
    ("validated_orders", _OF_THE_DAY),
    ("validated_items", _OF_THE_DAY),
    ("validated_discounts", _OF_THE_DAY),
    ("validated_addresses", _OF_THE_DAY),
    ("orders", _OF_THE_DAY),
    ("order_items", _OF_THE_DAYS_ORDERS),
    ("order_discounts", _OF_THE_DAYS_ORDERS),
    ("order_addresses", _OF_THE_DAYS_ORDERS),
    ("sync_run_orders", _OF_THE_DAY),
)
"""Each table a day's run writes rows into, parents before children, and which rows are the
day's (``sync_runs`` holds one row per run and is left out)."""


@dataclass(frozen=True)
class KeptRows:
    days: int
    rows: int
    wall: float
    """Seconds spent in the writes and commits only (reading the rows back is not counted)."""


def rewrite(source: Path, target: Path) -> KeptRows:
    """Write the rows ``source`` keeps into a new store file at ``target``, a day at a time;
    raises unless every kept row was read back by its day and written."""
    reader = sqlite3.connect(source)
    days = [day for (day,) in reader.execute("SELECT DISTINCT partition_date FROM orders")]
    writer = ceiling_connection(empty_store(target))
    rows = 0
    wall = 0.0
    for day in days:
        day_rows = [
            (table, reader.execute(f"SELECT * FROM {table} {which}", (day,)).fetchall())
            for table, which in KEPT_TABLES
        ]
        started = time.perf_counter()
        writer.execute("BEGIN IMMEDIATE")
        for table, table_rows in day_rows:
            if table_rows:
                marks = ", ".join("?" * len(table_rows[0]))
                writer.executemany(f"INSERT INTO {table} VALUES ({marks})", table_rows)
        writer.execute("COMMIT")
        wall += time.perf_counter() - started
        rows += sum(len(table_rows) for _, table_rows in day_rows)
    written = sum(_count(writer, table) for table, _ in KEPT_TABLES)
    kept = sum(_count(reader, table) for table, _ in KEPT_TABLES)
    writer.close()
    reader.close()
    if not rows == written == kept:
        raise AssertionError(f"{kept} rows kept, {rows} read back by day, {written} written")
    return KeptRows(len(days), rows, wall)


def _count(conn: sqlite3.Connection, table: str) -> int:
    return conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
