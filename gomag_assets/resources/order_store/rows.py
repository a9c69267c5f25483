"""How decisions become rows of ``orders``, its child tables and ``sync_run_orders``.

Every function here runs inside a transaction the caller owns and writes a whole group of orders
with one ``executemany`` per table, so the caller can wrap the group in a savepoint. When a row
fails, :class:`GroupWriteFailed` says which order of the group it belonged to (when the
database can tell: SQLite's change counter, PostgreSQL's ``COPY`` line), so the caller can set
that order apart instead of bisecting blindly.

An order dict from before schema 2 (no ``discounts``, ``addresses`` or detail keys) is written
with those read as empty or None; a key the first schema already required still must be there.
"""

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from operator import itemgetter
from typing import Any, NamedTuple

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store.columns import (
    ADDRESS_COLUMNS,
    ITEM_DETAILS,
    ORDER_DETAILS,
    ORDER_HEADER,
    PERSONAL_FIELDS,
)
from gomag_assets.resources.order_store.decisions import (
    Decision,
    StoredOrder,
    crash_reason,
    decide,
)
from gomag_assets.resources.order_store.dialect import (
    Dialect,
    Insert,
    RowsFailed,
    StoreConnection,
    placeholders,
    upsert,
)
from gomag_assets.resources.order_store.lossless_text import is_storable_text
from gomag_assets.resources.order_store.schema import ROW_SCHEMA, ROW_SHAPE_VERSION

SHAPE_ERRORS = (KeyError, TypeError, ValueError, OverflowError)
"""What building an order's rows raises for a dict missing a key or holding a wrong shape."""

_READ_STORED = (
    f"SELECT order_id, status, payload_sha256, {ROW_SCHEMA} FROM orders "
    "WHERE shop = ? AND order_id IN "
)

_ORDER_ROW = (
    "shop",
    "order_id",
    "status",
    "error_message",
    "partition_date",
    *ORDER_HEADER,
    *ORDER_DETAILS,
    "first_run_id",
    "last_run_id",
    "updated_at",
    ROW_SCHEMA,
)
_UPSERT_ORDER = upsert("orders", _ORDER_ROW, key=("shop", "order_id"), kept=("first_run_id",))


class _ChildTable:
    """A table of an order's lines: ``required`` keys must be in each line dict (the first
    schema's), ``optional`` ones read as None when missing."""

    def __init__(self, name: str, required: tuple[str, ...], optional: tuple[str, ...]) -> None:
        self.insert = Insert(name, ("shop", "order_id", *required, *optional))
        self.delete = f"DELETE FROM {name} WHERE shop = ? AND order_id IN "
        self._required = _getter(required)
        self._optional = optional
        self._first_optional = 2 + len(required)

    def rows(
        self,
        key: tuple[str, str],
        lines: Iterable[Mapping[str, Any]],
        hidden: Sequence[str] = (),
    ) -> list[tuple[Any, ...]]:
        """One row per line of the order ``key`` (shop, order id); ``hidden`` columns are
        written NULL."""
        rows = [(*key, *self._required(line), *map(line.get, self._optional)) for line in lines]
        if hidden and rows:
            blanks = {self._first_optional + self._optional.index(column) for column in hidden}
            rows = [tuple(None if n in blanks else v for n, v in enumerate(row)) for row in rows]
        return rows


def _getter(keys: tuple[str, ...]) -> Callable[[Mapping[str, Any]], tuple[Any, ...]]:
    """``mapping -> (mapping[key], ...)``, a tuple even for one key; ``KeyError`` when one is
    missing, ``TypeError`` when ``mapping`` is no mapping."""
    if len(keys) == 1:
        (key,) = keys
        return lambda mapping: (mapping[key],)
    return itemgetter(*keys)


_ITEMS = _ChildTable(
    "order_items",
    ("line_no", "sku", "name", "quantity", "price", "vat", "is_service"),
    ITEM_DETAILS,
)
_DISCOUNTS = _ChildTable("order_discounts", ("line_no", "value"), ("name", "voucher"))
_ADDRESSES = _ChildTable("order_addresses", ("kind",), ADDRESS_COLUMNS[2:])
CHILD_TABLES = (_ITEMS, _DISCOUNTS, _ADDRESSES)
"""An order's child tables, in the order a group writes them; ``OrderRows.children`` follows it."""

_RECORD_RUN_ORDER = upsert(
    "sync_run_orders",
    ("shop", "run_id", "order_id", "partition_date", "status", "error_message", "decided_at"),
    key=("shop", "run_id", "order_id"),
)

BULK_INSERTS = (*(table.insert for table in CHILD_TABLES), _UPSERT_ORDER, _RECORD_RUN_ORDER)
"""Every insert :func:`write_rows` writes in bulk."""

# An ERROR keeps the order's last good row and child rows; the status alone sends it back to the
# next run. An order an operator deleted downstream stays deleted.
_UPSERT_ERROR = """
    INSERT INTO orders (
        shop, order_id, order_number, status, error_message, partition_date,
        first_run_id, last_run_id, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (shop, order_id) DO UPDATE SET
        status = excluded.status,
        error_message = excluded.error_message,
        last_run_id = excluded.last_run_id,
        updated_at = excluded.updated_at
    WHERE orders.status <> 'DELETED_IN_ROA'
"""


@dataclass(frozen=True, slots=True)
class RunSlice:
    """Which run writes, for which shop and partition, at what time, and whether it keeps
    personal data: the same for every row it writes."""

    shop: str
    run_id: str
    partition_date: str
    decided_at: str
    store_pii: bool = True
    """False: addresses keep no ``PERSONAL_FIELDS`` (they are written NULL)."""


class OrderRows(NamedTuple):
    """One decision as the rows it writes, built once and reused when its group is retried.

    A named tuple rather than a frozen dataclass: one is built per order on the hot path.
    """

    order_id: str
    order_row: tuple[Any, ...] | None
    """``None`` when the stored order stays as it is and only the run row is written."""
    children: tuple[Sequence[tuple[Any, ...]], ...]
    """Rows of each of ``CHILD_TABLES``; none for a MALFORMED order."""
    run_row: tuple[Any, ...]
    replaces: bool = True
    """Whether child rows the store may hold for the order are deleted first."""


def decide_all(
    conn: StoreConnection, shop: str, orders: Sequence[Mapping[str, Any]]
) -> list[Decision]:
    """Decide every order against what the store holds for it in ``shop`` now."""
    ids = [order["order_id"] for order in orders]
    found = conn.execute(_READ_STORED + _id_list(ids), [shop, *ids])
    stored = {row[0]: StoredOrder(*row[1:]) for row in found}
    return [decide(order, stored.get(order["order_id"])) for order in orders]


_NO_CHILDREN: tuple[Sequence[tuple[Any, ...]], ...] = ((), (), ())
_ORDER_HEADER = _getter(ORDER_HEADER)


def rows_of(decision: Decision, run: RunSlice) -> OrderRows:
    """The rows of one decision; raises ``KeyError``/``TypeError`` for a dict missing its parts."""
    order = decision.order
    order_id = order["order_id"]
    run_row = (
        run.shop,
        run.run_id,
        order_id,
        run.partition_date,
        decision.status,
        decision.error_message,
        run.decided_at,
    )
    if not decision.write:
        return OrderRows(order_id, None, _NO_CHILDREN, run_row, False)
    order_row = (
        run.shop,
        order_id,
        decision.status,
        decision.error_message,
        run.partition_date,
        *_ORDER_HEADER(order),
        *map(order.get, ORDER_DETAILS),
        run.run_id,
        run.run_id,
        run.decided_at,
        ROW_SHAPE_VERSION,
    )
    if decision.status is OrderStatus.MALFORMED:
        return OrderRows(order_id, order_row, _NO_CHILDREN, run_row, decision.replaces)
    addresses = order.get("addresses") or ()
    children = (
        _ITEMS.rows((run.shop, order_id), order["items"]),
        _DISCOUNTS.rows((run.shop, order_id), order.get("discounts") or ()),
        _ADDRESSES.rows((run.shop, order_id), addresses, () if run.store_pii else PERSONAL_FIELDS),
    )
    return OrderRows(order_id, order_row, children, run_row, decision.replaces)


class GroupWriteFailed(Exception):
    """A row of a group failed on its values; the group's writes must be undone.

    ``position`` is the place in the group of the order the failing row belongs to, or ``None``
    when it cannot be told.
    """

    def __init__(self, position: int | None, cause: BaseException) -> None:
        super().__init__(f"order at position {position} of its group: {crash_reason(cause)}")
        self.position = position
        self.cause = cause


def write_rows(
    dialect: Dialect, conn: StoreConnection, shop: str, group: Sequence[OrderRows]
) -> None:
    """Write a group of the shop's orders: rewritten orders get their row and all their child
    rows replaced (deleted first only for orders the store held), every order gets a run row.

    Child rows go in before their order rows (the foreign keys are checked at commit): line
    values are where most rows fail, and a group that fails early wastes less work before its
    retry.
    """
    write = partial(_write_stage, dialect, conn)
    rewritten = [position for position, rows in enumerate(group) if rows.order_row is not None]
    if rewritten:
        ids = [group[position].order_id for position in rewritten if group[position].replaces]
        for table in CHILD_TABLES if ids else ():
            write(table.delete + _id_list(ids), [[shop, *ids]], _position_unknown)
        for index, table in enumerate(CHILD_TABLES):
            rows = [row for position in rewritten for row in group[position].children[index]]
            write(table.insert, rows, partial(_child_owner, group, rewritten, index))
        order_rows = [group[position].order_row for position in rewritten]
        write(_UPSERT_ORDER, order_rows, rewritten.__getitem__)
    write(_RECORD_RUN_ORDER, [rows.run_row for rows in group], _same_position)


def _id_list(ids: Sequence[str]) -> str:
    return f"({placeholders(len(ids))})"


def _write_stage(
    dialect: Dialect,
    conn: StoreConnection,
    statement: Insert | str,
    rows: Sequence[Sequence[Any]],
    position_of_row: Callable[[int], int | None],
) -> None:
    """The dialect's bulk write; on a per-row failure, tell which order the row belongs to."""
    if not rows:
        return
    try:
        dialect.write_many(conn, statement, rows)
    except RowsFailed as failure:
        position = None if failure.row is None else position_of_row(failure.row)
        raise GroupWriteFailed(position, failure.cause) from failure.cause


def _child_owner(
    group: Sequence[OrderRows], rewritten: list[int], table: int, row_index: int
) -> int | None:
    """The position of the order whose rows of ``CHILD_TABLES[table]`` hold row ``row_index``."""
    for position in rewritten:
        row_index -= len(group[position].children[table])
        if row_index < 0:
            return position
    return None


def _same_position(row_index: int) -> int:
    return row_index


def _position_unknown(row_index: int) -> None:
    return None


def write_errors(conn: StoreConnection, errors: Sequence[Decision], run: RunSlice) -> None:
    """Record orders whose write the database lost twice as ERROR, to be retried next run."""
    conn.executemany(
        _UPSERT_ERROR,
        [
            (
                run.shop,
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
    run_rows = [rows_of(decision, run).run_row for decision in errors]
    conn.executemany(_RECORD_RUN_ORDER.sql, run_rows)


def _storable_text_or_none(value: object) -> str | None:
    return value if is_storable_text(value) else None
