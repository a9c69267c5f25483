"""``sync_runs``: which window each run imported, when it finished and how. The caller owns the
connection and the transaction."""

import datetime as dt
import json

from gomag_assets.resources.order_store import reports
from gomag_assets.resources.order_store.dialect import StoreConnection, utc_now

_BEGIN = """
    INSERT INTO sync_runs (shop, run_id, window_start, window_end, started_at)
    VALUES (?, ?, ?, ?, ?)
    ON CONFLICT (shop, run_id) DO UPDATE SET
        window_start = excluded.window_start,
        window_end = excluded.window_end,
        finished_at = NULL,
        outcome = NULL,
        counts_json = NULL
"""
_FINISH = """
    UPDATE sync_runs SET finished_at = ?, outcome = ?, counts_json = ? WHERE shop = ? AND run_id = ?
"""
_LAST_SUCCESS = """
    SELECT max(finished_at) FROM sync_runs
    WHERE shop = ? AND outcome = 'SUCCESS' AND window_start <= ? AND ? <= window_end
"""


def begin(
    conn: StoreConnection, shop: str, run_id: str, window_start: str, window_end: str
) -> None:
    conn.execute(_BEGIN, (shop, run_id, window_start, window_end, utc_now()))


def finish(conn: StoreConnection, shop: str, run_id: str, outcome: str) -> dict[str, int]:
    """Close the run; its orders per status, stored with it. ``LookupError`` if it never began."""
    counts = reports.status_counts(conn, shop, run_id)
    finished = (utc_now(), outcome, json.dumps(counts), shop, run_id)
    if conn.execute(_FINISH, finished).rowcount == 0:
        raise LookupError(f"unknown sync run {run_id!r}: begin_sync_run was not called")
    return counts


def last_success(conn: StoreConnection, shop: str, partition_date: str) -> dt.datetime | None:
    """When a successful run covering ``partition_date`` last finished, if ever."""
    (finished,) = conn.execute(_LAST_SUCCESS, (shop, partition_date, partition_date)).fetchone()
    return dt.datetime.fromisoformat(finished) if finished else None
