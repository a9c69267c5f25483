"""The backfill benchmark's lower bound writes exactly the rows a real run kept, nothing else."""

import datetime as dt
import sqlite3
from pathlib import Path

from pipeline import materialize_day

from benchmarks.kept_rows import KEPT_TABLES, rewrite
from gomag_assets.resources.order_store import OrderStore

DAYS = (dt.date(2026, 10, 1), dt.date(2026, 10, 2))


def _rows(path, table: str) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return sorted(conn.execute(f"SELECT * FROM {table}").fetchall(), key=repr)


def test_every_row_a_run_kept_is_written_again_by_its_day(
    demo_shop, api_factory, db_path, tmp_path
):
    store = OrderStore(db_path=db_path)
    for day in DAYS:
        assert materialize_day(day, api_factory(demo_shop), store).success
    target = tmp_path / "kept.sqlite"

    kept = rewrite(Path(db_path), target)

    orders = sum(len(demo_shop.orders_for_day(day)) for day in DAYS)
    assert kept.days == len(DAYS)
    assert len(_rows(target, "orders")) == len(_rows(target, "raw_orders")) == orders
    with sqlite3.connect(db_path) as conn:
        tables = [
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        ]
    holding_rows = {table for table in tables if _rows(db_path, table)}
    assert holding_rows - {table for table, _ in KEPT_TABLES} == {"sync_runs"}  # none left out
    for table, _ in KEPT_TABLES:
        assert _rows(target, table) == _rows(db_path, table), table
    assert kept.rows == sum(len(_rows(target, table)) for table, _ in KEPT_TABLES)
