"""Validation results (CONTRACTS.md §4) as rows of ``validated_orders`` and its child tables
``validated_items``, ``validated_discounts`` and ``validated_addresses``, and back as the order
dicts of §5; or those dicts made from the frames themselves, for a run that imports what it just
validated (:func:`as_read_back`).

Text goes through :mod:`lossless_text`, so whatever validation produced comes back identical.
A frame without one of the store's columns (one made before schema 2) has it stored NULL.
"""

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from itertools import count, repeat
from typing import Any, NamedTuple

import pandas as pd

from gomag_assets.resources.order_store.columns import (
    ADDRESS_COLUMNS,
    DISCOUNT_COLUMNS,
    FLAGS,
    ITEM_COLUMNS,
    OPTIONAL_FLAGS,
    ORDER_COLUMNS,
    PERSONAL_FIELDS,
    as_flag,
)
from gomag_assets.resources.order_store.dialect import StoreConnection, insert_statement
from gomag_assets.resources.order_store.lossless_text import ESCAPED, TextCodec


class _ChildTable(NamedTuple):
    """A validation table of an order's lines, and the §5 key its lines are listed under."""

    name: str
    key: str
    columns: tuple[str, ...]
    order_by: str

    @property
    def select(self) -> str:
        return (
            f"SELECT {', '.join(self.columns)} FROM {self.name} "
            f"WHERE shop = ? AND partition_date = ? ORDER BY order_id, {self.order_by}"
        )


_CHILD_TABLES = (
    _ChildTable("validated_items", "items", ITEM_COLUMNS, "line_no"),
    _ChildTable("validated_discounts", "discounts", DISCOUNT_COLUMNS, "line_no"),
    _ChildTable("validated_addresses", "addresses", ADDRESS_COLUMNS, "kind"),  # billing first
)

_INSERT_ORDER = insert_statement(
    "validated_orders", ("shop", "partition_date", "run_id", "position", *ORDER_COLUMNS)
)
_SELECT_ORDERS = (
    f"SELECT {', '.join(ORDER_COLUMNS)} FROM validated_orders "
    "WHERE shop = ? AND partition_date = ? ORDER BY position"
)
_AS_GIVEN = TextCodec(lambda text: text, lambda value: value, lambda row: False)
"""Frames handed on in memory keep every string as it is: no database to keep it apart for."""
_SELECT_MALFORMED = """
    SELECT order_id, order_number, error_message FROM validated_orders
    WHERE shop = ? AND partition_date = ? AND verdict = 'MALFORMED' ORDER BY position
"""


def replace_partition(
    conn: StoreConnection,
    text: TextCodec,
    shop: str,
    partition_date: str,
    run_id: str,
    orders: pd.DataFrame,
    children: Sequence[pd.DataFrame | None],
    *,
    store_pii: bool,
) -> None:
    """Replace the shop's partition's validation rows; the caller owns the transaction.

    ``children`` are the items, discounts and addresses frames (None is empty); ``text`` keeps
    strings the database cannot hold as they are. ``store_pii`` False writes the addresses'
    ``PERSONAL_FIELDS`` NULL.
    """
    for table in _CHILD_TABLES:
        conn.execute(
            f"DELETE FROM {table.name} WHERE shop = ? AND partition_date = ?",
            (shop, partition_date),
        )
    conn.execute(
        "DELETE FROM validated_orders WHERE shop = ? AND partition_date = ?", (shop, partition_date)
    )
    day = (repeat(shop), repeat(partition_date))
    conn.executemany(
        _INSERT_ORDER, _rows(_columns(orders, ORDER_COLUMNS, text), *day, repeat(run_id), count())
    )
    for table, frame in zip(_CHILD_TABLES, children, strict=True):
        values = _columns(frame, table.columns, text, _hidden(table, store_pii))
        conn.executemany(
            insert_statement(table.name, ("shop", "partition_date", *table.columns)),
            _rows(values, *day),
        )


def read_partition(
    conn: StoreConnection, text: TextCodec, shop: str, partition_date: str
) -> list[dict[str, Any]]:
    """The shop's partition's orders as §5 dicts, in validation order; lines ordered by ``line_no``,
    addresses billing first."""
    shared: dict[str, str] = {}
    lines = {
        table.key: _lines_by_order(
            conn.execute(table.select, (shop, partition_date)),
            _reader(table.columns, text, shared),
        )
        for table in _CHILD_TABLES
    }
    read = _reader(ORDER_COLUMNS, text, shared)
    orders = [read(row) for row in conn.execute(_SELECT_ORDERS, (shop, partition_date))]
    _add_lines(orders, lines)
    return orders


def as_read_back(
    orders: pd.DataFrame, children: Sequence[pd.DataFrame | None], *, store_pii: bool
) -> list[dict[str, Any]]:
    """What :func:`read_partition` gives once :func:`replace_partition` has stored these frames
    (same values, types and order), built from the frames: a run that both validates and
    imports a day hands its orders on without reading them back. Equal texts are shared as the
    read-back shares them."""
    share = {}.setdefault
    lines = {}
    for table, frame in zip(_CHILD_TABLES, children, strict=True):
        values = _columns(frame, table.columns, _AS_GIVEN, _hidden(table, store_pii), share)
        values = _sorted_by(values, table.columns.index(table.order_by))  # as the SELECT
        by_order = lines[table.key] = defaultdict(list)
        if values:
            line_dicts = _dicts(table.columns[1:], values[1:])  # order_id (first) left out
            for order_id, line in zip(values[0], line_dicts, strict=True):
                by_order[order_id].append(line)
    handed_on = _dicts(ORDER_COLUMNS, _columns(orders, ORDER_COLUMNS, _AS_GIVEN, (), share))
    _add_lines(handed_on, lines)
    return handed_on


def _lines_by_order(
    rows: Iterable[tuple[Any, ...]], read: Callable[[tuple[Any, ...]], dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        line = read(row)
        by_order[line.pop("order_id")].append(line)
    return by_order


def _add_lines(orders: list[dict[str, Any]], lines: dict[str, dict[str, list]]) -> None:
    """Each order's lines of each child table, under the table's §5 key (none: empty list)."""
    for order in orders:
        for key, by_order in lines.items():
            order[key] = by_order.get(order["order_id"], [])


def _sorted_by(values: list[list[Any]], column: int) -> list[list[Any]]:
    """Columns of rows, the rows stably sorted by one column."""
    if not values:
        return values
    key = values[column]
    order = sorted(range(len(key)), key=key.__getitem__)
    return [list(map(each.__getitem__, order)) for each in values]


def _dicts(columns: tuple[str, ...], values: list[list[Any]]) -> list[dict[str, Any]]:
    """One dict per row of column-wise ``values``, its keys in the order of ``columns``."""
    return list(map(dict, map(zip, repeat(columns), zip(*values, strict=True))))


def read_malformed(
    conn: StoreConnection, text: TextCodec, shop: str, partition_date: str
) -> list[dict[str, Any]]:
    """MALFORMED verdicts of the partition: order_id, order_number, error_message."""
    read = _reader(("order_id", "order_number", "error_message"), text, {})
    return [read(row) for row in conn.execute(_SELECT_MALFORMED, (shop, partition_date))]


def _hidden(table: _ChildTable, store_pii: bool) -> Sequence[str]:
    """The table's columns stored NULL: the addresses' personal fields unless PII is kept."""
    return () if store_pii or table.key != "addresses" else PERSONAL_FIELDS


def _columns(
    frame: pd.DataFrame | None,
    columns: tuple[str, ...],
    text: TextCodec,
    hidden: Sequence[str] = (),
    share: Callable[[Any, Any], Any] | None = None,
) -> list[list[Any]]:
    """The frame's values to bind, column by column (a third of the cost of cell by cell); no
    lists for an empty frame. A column the frame lacks, or one of ``hidden``, is NULL. With
    ``share``, equal texts of a text column are given as one string."""
    if frame is None or frame.empty:
        return []
    return [
        _column_values(column, frame[column], text, share)
        if column in frame.columns and column not in hidden
        else [None] * len(frame)
        for column in columns
    ]


def _rows(values: list[list[Any]], *leading: Iterable[Any]) -> Iterable[tuple[Any, ...]]:
    """Rows of column-wise ``values``, each led by the next value of each of ``leading``
    (endless iterators: the values say where the rows end)."""
    return zip(*leading, *values, strict=False) if values else ()


def _column_values(
    column: str, series: pd.Series, text: TextCodec, share: Callable[[Any, Any], Any] | None
) -> list[Any]:
    values = series.tolist()
    if column in FLAGS:
        return [bool(value) for value in values]
    if column in OPTIONAL_FLAGS:
        return [None if _is_missing(value) else bool(value) for value in values]
    if column == "line_no":
        return [int(value) for value in values]
    if _plain_text(values):
        return values if share is None else list(map(share, values, values))
    return [_stored(value, text) for value in values]


_TEXT_OR_NONE = frozenset({str, type(None)})


def _plain_text(values: list[Any]) -> bool:
    """True when every value is None or text any database holds as it is (UTF-8, no NUL, no
    ``ESCAPED``): the usual column, bound as it is. One encode of the joined text settles it, as
    Python never pairs surrogates across strings."""
    if not set(map(type, values)) <= _TEXT_OR_NONE:
        return False
    joined = "".join(filter(None, values))
    if "\x00" in joined or ESCAPED in joined:
        return False
    try:
        joined.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _stored(value: Any, text: TextCodec) -> Any:
    if isinstance(value, str):
        return text.store(value)
    return None if _is_missing(value) else value


def _is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _reader(
    columns: tuple[str, ...], text: TextCodec, shared: dict[str, str]
) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
    """Turns a row of ``columns`` into its dict: flags as bool (or None), text as given (see
    ``lossless_text``). Only the flags and the rare kept-apart text are converted, since a day
    is read back as hundreds of thousands of values.

    Equal texts come back as one string, the first one ``shared`` met: a day's orders repeat
    their statuses, currencies, products, prices and places thousands of times, and one copy
    of each keeps the day's import a few megabytes smaller at its peak."""
    flags = [(column, bool) for column in columns if column in FLAGS]
    flags += [(column, as_flag) for column in columns if column in OPTIONAL_FLAGS]
    share = shared.setdefault

    def read(row: tuple[Any, ...]) -> dict[str, Any]:
        if text.in_row(row):
            row = tuple(map(text.load, row))
        row = [share(value, value) if type(value) is str else value for value in row]
        values = dict(zip(columns, row, strict=True))
        for column, to_flag in flags:
            values[column] = to_flag(values[column])
        return values

    return read
