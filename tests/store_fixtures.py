"""Test orders for the order store, and the one fake the store tests allow: a connection wrapper
that raises the driver's ``OperationalError`` (``sqlite3``'s or psycopg's) at a moment a test
chooses."""

import hashlib
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pydantic import PrivateAttr
from support.days import PARTITION as PARTITION  # the day the store tests import into

from gomag_assets.resources.order_store import BatchOutcome, OrderStore

DELIVERY_TOTAL = "15.00"

PRODUCTS = (
    ("TRC-001", "Tricou bărbați, mărimea L"),
    ("PNT-014", "Pantofi din piele întoarsă"),
    ("CAN-207", 'Cană „Dor de Iași" 330 ml'),
    ("FUL-033", "Fular lână merinos 🧣"),
    ("CRT-118", "Carte: Amintiri din copilărie — Ion Creangă"),
    ("SAP-052", "Săpun natural cu lavandă"),
)
CUSTOMERS = (
    ("Ștefan", "Bălan", "Iași"),
    ("Ioana", "Țăranu", "Brașov"),
    ("Mădălina", "Mureșan", "Cluj-Napoca"),
    ("Răzvan", "Ștefănescu", "Timișoara"),
)


def make_item(line_no: int, **overrides: Any) -> dict[str, Any]:
    """One product line as validation hands it over (CONTRACTS.md §5)."""
    sku, name = PRODUCTS[line_no % len(PRODUCTS)]
    item = {
        "line_no": line_no,
        "product_id": str(700 + line_no % len(PRODUCTS)),
        "sku": sku,
        "ean": f"594{line_no:010d}",
        "name": name,
        "quantity": str(1 + line_no % 3),
        "price": f"{19 + 10 * line_no}.90",
        "base_price": f"{24 + 10 * line_no}.90",
        "vat": "21",
        "is_service": False,
    }
    return item | overrides


def make_discount(line_no: int, **overrides: Any) -> dict[str, Any]:
    """One discount line: a voucher worth 10 RON."""
    discount = {
        "line_no": line_no,
        "name": "Reducere de toamnă",
        "voucher": "TOAMNĂ10",
        "value": "10.00",
    }
    return discount | overrides


def make_address(kind: str, customer: int = 0, **overrides: Any) -> dict[str, Any]:
    """One address block of a private customer (no company)."""
    firstname, lastname, city = CUSTOMERS[customer % len(CUSTOMERS)]
    address = {
        "kind": kind,
        "firstname": firstname,
        "lastname": lastname,
        "company": None,
        "phone": f"07{customer:08d}",
        "email": f"client{customer}@example.ro",
        "address": f"Str. Mihai Eminescu nr. {1 + customer % 90}",
        "city": city,
        "region": city,
        "country": "Romania",
        "zipcode": f"{700_000 + customer % 1000}",
        "company_name": None,
        "company_code": None,
        "registration_no": None,
        "bank": None,
        "iban": None,
    }
    return address | overrides


def make_order(number: int, *, item_count: int = 3, version: int = 1, **overrides: Any) -> dict:
    """A VALID order dict with every field of CONTRACTS.md §5; ``version`` changes its payload
    hash as an edit in GoMag would. Totals add up over the items and discounts it ends up with."""
    order_id = str(100_000 + number)
    items = overrides.get("items", [make_item(line_no) for line_no in range(item_count)])
    discounts = overrides.get("discounts", [make_discount(0)])
    items_total = sum((Decimal(i["price"]) * Decimal(i["quantity"]) for i in items), Decimal(0))
    discount_total = sum((Decimal(d["value"]) for d in discounts), Decimal(0))
    order = {
        "order_id": order_id,
        "order_number": f"GM-{order_id}",
        "order_date": "2026-10-01 14:03:22",
        "gomag_status": "Comanda noua",
        "status_id": "1",
        "currency": "RON",
        "total": str(items_total - discount_total + Decimal(DELIVERY_TOTAL)),
        "source": "web",
        "sales_channel": "Magazin online",
        "sales_agent": None,
        "observation": "Sunați înainte de livrare",
        "payment_name": "Ramburs",
        "payment_online": False,
        "payment_completed": False,
        "delivery_name": "Curier rapid",
        "delivery_total": DELIVERY_TOTAL,
        "delivery_date": None,
        "locker_id": None,
        "carrier_name": "FAN Courier",
        "carrier_awb": f"AWB{order_id}",
        "invoice_series": "GMF",
        "invoice_number": str(number + 1),
        "invoice_date": "2026-10-01 15:00:00",
        "customer_id": str(5_000 + number % 40),
        "items_total": str(items_total),
        "discount_total": str(discount_total),
        "totals_match": True,
        "is_cancelled": False,
        "nothing_to_import": False,
        "payload_sha256": hashlib.sha256(f"{order_id}/{version}".encode()).hexdigest(),
        "verdict": "VALID",
        "error_message": None,
        "items": items,
        "discounts": discounts,
        "addresses": [make_address("billing", number), make_address("shipping", number)],
    }
    return order | overrides


def make_malformed(number: int, reason: str = "date: missing") -> dict:
    """An order validation judged MALFORMED: kept with its reason, never with lines."""
    return make_order(
        number,
        verdict="MALFORMED",
        error_message=reason,
        items=[],
        discounts=[],
        addresses=[],
        items_total=None,
        discount_total=None,
        totals_match=None,
    )


def old_shape(order: dict) -> dict:
    """``order`` as a dict from before the whole order was kept: the first schema's keys only."""
    first = ("order_id", "order_number", "order_date", "gomag_status", "currency", "total")
    first += ("payload_sha256", "verdict", "error_message", "is_cancelled", "nothing_to_import")
    item_keys = ("line_no", "sku", "name", "quantity", "price", "vat", "is_service")
    items = [{key: item[key] for key in item_keys} for item in order["items"]]
    return {key: order[key] for key in first} | {"items": items}


def make_orders(count: int, start: int = 0) -> list[dict]:
    return [make_order(number) for number in range(start, start + count)]


BOTH_BACKENDS = pytest.mark.both_backends
"""``pytestmark = BOTH_BACKENDS``: every test of the module that uses a store runs on SQLite
and on PostgreSQL."""

Where = OrderStore | str | Path
"""A store, or the path of an SQLite file."""


@contextmanager
def reading(where: Where) -> Iterator[Any]:
    """A plain connection to the store's database: no fault of a ``FaultyStore`` reaches it."""
    conn = where._dialect().connect() if isinstance(where, OrderStore) else sqlite3.connect(where)
    try:
        yield conn
    finally:
        conn.close()


def query(where: Where, sql: str, *params: Any) -> list[tuple]:
    """Rows read straight from the database, not through the store's methods."""
    with reading(where) as conn:
        return [tuple(row) for row in conn.execute(sql, params).fetchall()]


def row_count(where: Where, table: str, condition: str = "1 = 1", *params: Any) -> int:
    """Rows of ``table`` read straight from the database, not through the store."""
    return query(where, f"SELECT count(*) FROM {table} WHERE {condition}", *params)[0][0]


def stored_items(where: Where, order_id: str) -> list[tuple]:
    return query(
        where,
        "SELECT line_no, sku, name, quantity, price, vat, is_service FROM order_items "
        "WHERE order_id = ? ORDER BY line_no",
        order_id,
    )


def child_rows(where: Where, order_id: str) -> dict[str, int]:
    """How many rows each child table of ``orders`` holds for the order."""
    return {table: row_count(where, table, "order_id = ?", order_id) for table in CHILD_TABLES}


CHILD_TABLES = ("order_items", "order_discounts", "order_addresses")


def assert_every_order_accounted(orders: Sequence[dict], outcome: BatchOutcome) -> None:
    """Orders in == orders out: one status per input order, and the counts add up."""
    assert list(outcome.statuses) == [order["order_id"] for order in orders]
    assert sum(outcome.counts.values()) == len(orders)


Fault = Callable[["FaultyConnection", str, list], bool]
"""Decides, before a statement runs, whether it fails: ``(connection, sql, rows) -> bool``."""


def nth_statement(prefix: str, *failing: int, breaks: bool = False) -> Fault:
    """Fail the listed occurrences (1-based, across connections) of statements starting with
    ``prefix``; ``breaks`` makes every later statement on that connection fail too."""
    seen = 0

    def fault(conn: "FaultyConnection", sql: str, rows: list) -> bool:
        nonlocal seen
        if not sql.lstrip().startswith(prefix):
            return False
        seen += 1
        if seen in failing:
            conn.broken = breaks
            return True
        return False

    return fault


def rows_mention(order_id: str, sql_part: str, times: int | None = None) -> Fault:
    """Fail statements containing ``sql_part`` whose rows carry ``order_id``, ``times`` times
    (always when ``None``): the database failing on that order's write."""
    left = times

    def fault(conn: "FaultyConnection", sql: str, rows: list) -> bool:
        nonlocal left
        if sql_part not in sql or not any(order_id in row for row in rows):
            return False
        if left is None:
            return True
        left -= 1
        return left >= 0

    return fault


class FaultyConnection:
    """A real connection that raises where a fault says so, and notes what it wrote."""

    def __init__(self, conn: Any, number: int, store: "FaultyStore") -> None:
        self._conn = conn
        self.number = number
        self.broken = False
        self._store = store

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._check(sql, [params])
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> Any:
        rows = list(rows)
        self._check(sql, rows)
        cursor = self._conn.executemany(sql, rows)
        self._note_items(sql, rows)
        return cursor

    def copy_in(self, insert: Any, rows: Sequence[Sequence[Any]]) -> None:
        """PostgreSQL's bulk insert: faults see it as the insert it stands for."""
        rows = list(rows)
        self._check(insert.sql, rows)
        self._conn.copy_in(insert, rows)
        self._note_items(insert.sql, rows)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def _note_items(self, sql: str, rows: list) -> None:
        if "INSERT INTO order_items" in sql:
            self._store.items_written.extend((self.number, row[1]) for row in rows)

    def _check(self, sql: str, rows: list) -> None:
        if self.broken or any(fault(self, sql, rows) for fault in self._store.faults):
            raise self._store.injected_error(f"disk I/O error (injected at {sql.split()[0]})")


class FaultyStore(OrderStore):
    """The order store with faults injected into its connections; connections count from 1."""

    _faults: list[Fault] = PrivateAttr(default_factory=list)
    _opened: int = PrivateAttr(default=0)
    _items_written: list[tuple[int, str]] = PrivateAttr(default_factory=list)

    @property
    def faults(self) -> list[Fault]:
        return self._faults

    _error: type[Exception] | None = PrivateAttr(default=None)

    @property
    def injected_error(self) -> type[Exception]:
        """What a fault raises: the driver's error for a failing connection, unless
        :meth:`inject` chose another."""
        if self._error is not None:
            return self._error
        return psycopg.OperationalError if self.db_url else sqlite3.OperationalError

    def inject(self, error: type[Exception]) -> None:
        """Make faults raise ``error`` from now on."""
        self._error = error

    @property
    def connections_opened(self) -> int:
        return self._opened

    @property
    def items_written(self) -> list[tuple[int, str]]:
        """``(connection number, order id)`` of every item row written without error."""
        return self._items_written

    def _open_connection(self) -> sqlite3.Connection:
        self._opened += 1
        return FaultyConnection(super()._open_connection(), self._opened, self)  # type: ignore[return-value]


class SignalsOpening(OrderStore):
    """The order store, saying when it starts opening a connection: a test holding the file
    locked lets go only then, so the store meets the lock whatever the machine's load."""

    _opening: threading.Event = PrivateAttr(default_factory=threading.Event)

    @property
    def opening(self) -> threading.Event:
        return self._opening

    def _open_connection(self) -> sqlite3.Connection:
        self._opening.set()
        return super()._open_connection()
