"""How decisions become rows of ``orders``, ``order_items`` and ``sync_run_orders``.

Every function here runs inside a transaction the caller owns and writes a whole group of orders
with one ``executemany`` per table, so the caller can wrap the group in a savepoint. When a row
fails, :class:`GroupWriteFailed` says which order of the group it belonged to (when SQLite's
change counter can tell), so the caller can set that order apart instead of bisecting blindly.
"""

import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, NamedTuple

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store.decisions import Decision, crash_reason, decide
from gomag_assets.resources.order_store.lossless_text import is_storable_text

PER_ROW_ERRORS = (
    sqlite3.IntegrityError,
    sqlite3.InterfaceError,
    sqlite3.ProgrammingError,
    sqlite3.DataError,
    ValueError,
    TypeError,
    OverflowError,
    KeyError,
)
"""Failures that belong to one order's values; anything else from SQLite is infrastructure."""

_READ_STORED = """
    SELECT order_id, status, payload_sha256 FROM orders
    WHERE order_id IN (SELECT value FROM json_each(?))
"""

_UPSERT_ORDER = """
    INSERT INTO orders (
        order_id, order_number, order_date, status, error_message, partition_date,
        gomag_status, currency, total, payload_sha256, first_run_id, last_run_id, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (order_id) DO UPDATE SET
        order_number = excluded.order_number,
        order_date = excluded.order_date,
        status = excluded.status,
        error_message = excluded.error_message,
        partition_date = excluded.partition_date,
        gomag_status = excluded.gomag_status,
        currency = excluded.currency,
        total = excluded.total,
        payload_sha256 = excluded.payload_sha256,
        last_run_id = excluded.last_run_id,
        updated_at = excluded.updated_at
"""

_DELETE_ITEMS = """
    DELETE FROM order_items WHERE order_id IN (SELECT value FROM json_each(?))
"""

_INSERT_ITEM = """
    INSERT INTO order_items (order_id, line_no, sku, name, quantity, price, vat, is_service)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""

_RECORD_RUN_ORDER = """
    INSERT INTO sync_run_orders (
        run_id, order_id, partition_date, status, error_message, decided_at)
    VALUES (?, ?, ?, ?, ?, ?)
    ON CONFLICT (run_id, order_id) DO UPDATE SET
        partition_date = excluded.partition_date,
        status = excluded.status,
        error_message = excluded.error_message,
        decided_at = excluded.decided_at
"""

# An ERROR keeps the order's last good header and items; the status alone sends it back to the
# next run. An order an operator deleted downstream stays deleted.
_UPSERT_ERROR = """
    INSERT INTO orders (
        order_id, order_number, status, error_message, partition_date,
        first_run_id, last_run_id, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (order_id) DO UPDATE SET
        status = excluded.status,
        error_message = excluded.error_message,
        last_run_id = excluded.last_run_id,
        updated_at = excluded.updated_at
    WHERE orders.status <> 'DELETED_IN_ROA'
"""


@dataclass(frozen=True, slots=True)
class RunSlice:
    """Which run writes, for which partition, at what time: the same for every row it writes."""

    run_id: str
    partition_date: str
    decided_at: str


class OrderRows(NamedTuple):
    """One decision as the rows it writes, built once and reused when its group is retried.

    A named tuple rather than a frozen dataclass: one is built per order on the hot path.
    """

    order_id: str
    order_row: tuple[Any, ...] | None
    """``None`` when the stored order stays as it is and only the run row is written."""
    item_rows: list[tuple[Any, ...]]
    run_row: tuple[Any, ...]


def decide_all(conn: sqlite3.Connection, orders: Sequence[Mapping[str, Any]]) -> list[Decision]:
    """Decide every order against what the store holds for it now."""
    ids = json.dumps([order["order_id"] for order in orders])
    stored = {row[0]: (row[1], row[2]) for row in conn.execute(_READ_STORED, (ids,))}
    return [decide(order, *stored.get(order["order_id"], (None, None))) for order in orders]


def rows_of(decision: Decision, run: RunSlice) -> OrderRows:
    """The rows of one decision; raises ``KeyError``/``TypeError`` for a dict missing its parts."""
    order = decision.order
    order_id = order["order_id"]
    run_row = (
        run.run_id,
        order_id,
        run.partition_date,
        decision.status,
        decision.error_message,
        run.decided_at,
    )
    if not decision.write:
        return OrderRows(order_id, None, [], run_row)
    order_row = (
        order_id,
        order["order_number"],
        order["order_date"],
        decision.status,
        decision.error_message,
        run.partition_date,
        order["gomag_status"],
        order["currency"],
        order["total"],
        order["payload_sha256"],
        run.run_id,
        run.run_id,
        run.decided_at,
    )
    items = [] if decision.status is OrderStatus.MALFORMED else order["items"]
    item_rows = [
        (
            order_id,
            item["line_no"],
            item["sku"],
            item["name"],
            item["quantity"],
            item["price"],
            item["vat"],
            item["is_service"],
        )
        for item in items
    ]
    return OrderRows(order_id, order_row, item_rows, run_row)


class GroupWriteFailed(Exception):
    """A row of a group failed (see ``PER_ROW_ERRORS``); the group's writes must be undone.

    ``position`` is the place in the group of the order the failing row belongs to, or ``None``
    when it cannot be told.
    """

    def __init__(self, position: int | None, cause: BaseException) -> None:
        super().__init__(f"order at position {position} of its group: {crash_reason(cause)}")
        self.position = position
        self.cause = cause


def write_rows(conn: sqlite3.Connection, group: Sequence[OrderRows]) -> None:
    """Write a group: rewritten orders get their row and items replaced, all get a run row.

    Items go in before their order rows (the foreign key is checked at commit): item values are
    where most rows fail, and a group that fails early wastes less work before its retry.
    """
    rewritten = [position for position, rows in enumerate(group) if rows.order_row is not None]
    if rewritten:
        ids = json.dumps([group[position].order_id for position in rewritten])
        _write_stage(conn, _DELETE_ITEMS, [(ids,)], _position_unknown)
        items = [item for position in rewritten for item in group[position].item_rows]
        _write_stage(conn, _INSERT_ITEM, items, partial(_item_owner, group, rewritten))
        order_rows = [group[position].order_row for position in rewritten]
        _write_stage(conn, _UPSERT_ORDER, order_rows, rewritten.__getitem__)
    _write_stage(conn, _RECORD_RUN_ORDER, [rows.run_row for rows in group], _same_position)


def _write_stage(
    conn: sqlite3.Connection,
    statement: str,
    rows: Sequence[Sequence[Any]],
    position_of_row: Callable[[int], int | None],
) -> None:
    """``executemany``; on a per-row failure, tell which order the failing row belongs to.

    Rows before the failing one have each changed exactly one row, so the change counter's
    growth is the index of the failing row.
    """
    before = conn.total_changes
    try:
        conn.executemany(statement, rows)
    except PER_ROW_ERRORS as error:
        failed_row = conn.total_changes - before
        position = position_of_row(failed_row) if failed_row < len(rows) else None
        raise GroupWriteFailed(position, error) from error


def _item_owner(group: Sequence[OrderRows], rewritten: list[int], item_index: int) -> int | None:
    for position in rewritten:
        item_index -= len(group[position].item_rows)
        if item_index < 0:
            return position
    return None


def _same_position(row_index: int) -> int:
    return row_index


def _position_unknown(row_index: int) -> None:
    return None


def write_errors(conn: sqlite3.Connection, errors: Sequence[Decision], run: RunSlice) -> None:
    """Record orders whose write the database lost twice as ERROR, to be retried next run."""
    conn.executemany(
        _UPSERT_ERROR,
        [
            (
                decision.order_id,
                _storable_text_or_none(decision.order.get("order_number")),
                OrderStatus.ERROR,
                decision.error_message,
                run.partition_date,
                run.run_id,
                run.run_id,
                run.decided_at,
            )
            for decision in errors
        ],
    )
    conn.executemany(_RECORD_RUN_ORDER, [rows_of(decision, run).run_row for decision in errors])


def _storable_text_or_none(value: object) -> str | None:
    return value if is_storable_text(value) else None
