"""The rows ``normalize`` finds, collected table by table into columns, equal values shared."""

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from operator import itemgetter

import numpy as np

from gomag_assets.validation.fields import (
    COMPANY_AT,
    COMPANY_KEYS,
    NO_COMPANY,
    PLAIN_ADDRESS_KEYS,
    with_company,
)

SHARED_VALUES = 65_536
"""Past this many distinct values a table's lookup table of shared values is emptied."""


@dataclass(frozen=True)
class Rows:
    """Rows of one child table (item lines, discount lines or address blocks) of the orders
    that could be read."""

    order: np.ndarray
    """Position of the order each row belongs to (ascending: rows come in payload order)."""
    key: np.ndarray
    """What tells the rows of one order apart: the line number, or the address kind."""
    fields: dict[str, np.ndarray]
    """Field -> its raw value per row."""


class Collector:
    """The rows of one table as they are found, payload after payload, kept as one flat list of
    values: extending a list with a row is cheap, and turning it into columns at the end walks
    memory in order (per-row tuples, scattered over the heap, would be visited once per field).

    A value equal to an earlier one of its table is replaced by it: statuses, VAT rates,
    products and cities repeat, so every later pass over a column visits a few objects again
    and again rather than one per row scattered over the heap, and memory holds each once. The
    lookup table is emptied past ``SHARED_VALUES`` values, so unique values (order numbers,
    e-mails) never make it large and slow, while the values that repeat come back at once."""

    def __init__(self, fields: list[str]) -> None:
        self.fields = fields
        self.take = itemgetter(*fields)
        self.seen: dict[object, object] = {}
        self.values: list[object] = []
        self.order: list[int] = []
        self.key: list[object] = []

    def append(self, row: tuple) -> None:
        """Add one row's values, each equal to an earlier one replaced by it."""
        values, seen = self.values, self.seen
        if len(seen) > SHARED_VALUES:
            seen.clear()
        start = len(values)
        try:
            values.extend(map(seen.setdefault, row, row))
        except TypeError:  # an object or a list: unhashable, and kept as it is
            del values[start:]
            values.extend(row)

    def add_lines(self, lines: list, position: int) -> list[tuple[int, object]]:
        """Add each line of ``lines`` that is an object (a dict); the others, numbered, are
        returned for the caller to word."""
        take, fields, append = self.take, self.fields, self.append
        strays = []
        for number, line in enumerate(lines):
            if type(line) is not dict:
                strays.append((number, line))
                continue
            try:
                append(take(line))
            except KeyError:
                append(tuple(map(line.get, fields)))
            self.order.append(position)
            self.key.append(number)
        return strays

    def add_rows(self, rows: list[tuple], position: int, keys: Iterable[object] = ()) -> None:
        """Add an order's rows read by the fast path (text, number text or None: all hashable)
        in one pass, keyed by ``keys`` (by line number when none are given)."""
        seen = self.seen
        if len(seen) > SHARED_VALUES:
            seen.clear()
        self.values.extend(map(seen.setdefault, chain(*rows), chain(*rows)))
        self.order += [position] * len(rows)
        self.key += keys or range(len(rows))

    def columns(self) -> dict[str, np.ndarray]:
        """Field -> its value in each row, as an object array: unlike a list, the cyclic garbage
        collector never walks it (a million references, each a likely cache miss)."""
        width = len(self.fields)
        table = np.fromiter(self.values, dtype=object, count=len(self.values))
        table = table.reshape(len(self.values) // width, width)
        return {field: table[:, i] for i, field in enumerate(self.fields)}

    def result(self) -> Rows:
        order = np.asarray(self.order, dtype=np.intp)
        key = np.fromiter(self.key, dtype=object, count=len(self.key))
        return Rows(order, key, self.columns())


class AddressCollector(Collector):
    """Address rows: billing's ``company`` object is spread into ``company.*`` fields, and a
    company sent as PHP's empty array is no company."""

    def __init__(self) -> None:
        super().__init__([*PLAIN_ADDRESS_KEYS, *(f"company.{key}" for key in COMPANY_KEYS)])

    def add(self, position: int, kind: str, block: dict) -> None:
        row = tuple(map(block.get, PLAIN_ADDRESS_KEYS))
        company = row[COMPANY_AT]
        if kind == "billing" and type(company) is dict:
            row = with_company(row, map(company.get, COMPANY_KEYS))
        elif company == []:
            row = with_company(row)
        else:
            row += NO_COMPANY
        self.append(row)
        self.order.append(position)
        self.key.append(kind)
