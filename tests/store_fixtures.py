"""Test orders for the order store, and the one fake the store tests allow: a connection wrapper
that raises ``sqlite3.OperationalError`` at a moment a test chooses."""

import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from pydantic import PrivateAttr

from gomag_assets.resources.order_store import BatchOutcome, OrderStore

PARTITION = "2026-10-01"

PRODUCTS = (
    ("TRC-001", "Tricou bărbați, mărimea L"),
    ("PNT-014", "Pantofi din piele întoarsă"),
    ("CAN-207", 'Cană „Dor de Iași" 330 ml'),
    ("FUL-033", "Fular lână merinos 🧣"),
    ("CRT-118", "Carte: Amintiri din copilărie — Ion Creangă"),
    ("SAP-052", "Săpun natural cu lavandă"),
)
CUSTOMERS = ("Ștefan Bălan", "Ioana Țăranu", "Mădălina Mureșan", "Răzvan Ștefănescu")


def make_item(line_no: int, **overrides: Any) -> dict[str, Any]:
    """One product line as validation hands it over (CONTRACTS.md §5)."""
    sku, name = PRODUCTS[line_no % len(PRODUCTS)]
    item = {
        "line_no": line_no,
        "sku": sku,
        "name": name,
        "quantity": str(1 + line_no % 3),
        "price": f"{19 + 10 * line_no}.90",
        "vat": "21",
        "is_service": False,
    }
    return item | overrides


def make_order(number: int, *, item_count: int = 3, version: int = 1, **overrides: Any) -> dict:
    """A VALID order dict; ``version`` changes its payload hash as an edit in GoMag would."""
    order_id = str(100_000 + number)
    items = [make_item(line_no) for line_no in range(item_count)]
    order = {
        "order_id": order_id,
        "order_number": f"GM-{order_id}",
        "order_date": "2026-10-01 14:03:22",
        "gomag_status": "Comanda noua",
        "currency": "RON",
        "total": f"{sum(float(i['price']) * int(i['quantity']) for i in items):.2f}",
        "payload_sha256": hashlib.sha256(f"{order_id}/{version}".encode()).hexdigest(),
        "verdict": "VALID",
        "error_message": None,
        "is_cancelled": False,
        "nothing_to_import": False,
        "items": items,
    }
    return order | overrides


def make_malformed(number: int, reason: str = "date: missing") -> dict:
    """An order validation judged MALFORMED: kept with its reason, never with items."""
    return make_order(number, verdict="MALFORMED", error_message=reason, items=[])


def make_orders(count: int, start: int = 0) -> list[dict]:
    return [make_order(number) for number in range(start, start + count)]


def row_count(db_path: str | Path, table: str, where: str = "1", *params: Any) -> int:
    """Rows of ``table`` read straight from the file, not through the store."""
    with sqlite3.connect(db_path) as conn:
        return conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", params).fetchone()[0]


def stored_items(db_path: str | Path, order_id: str) -> list[tuple]:
    with sqlite3.connect(db_path) as conn:
        return conn.execute(
            "SELECT line_no, sku, name, quantity, price, vat, is_service FROM order_items "
            "WHERE order_id = ? ORDER BY line_no",
            (order_id,),
        ).fetchall()


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

    def __init__(self, conn: sqlite3.Connection, number: int, store: "FaultyStore") -> None:
        self._conn = conn
        self.number = number
        self.broken = False
        self._store = store

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        self._check(sql, [params])
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> sqlite3.Cursor:
        rows = list(rows)
        self._check(sql, rows)
        cursor = self._conn.executemany(sql, rows)
        if "INSERT INTO order_items" in sql:
            self._store.items_written.extend((self.number, row[0]) for row in rows)
        return cursor

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)

    def _check(self, sql: str, rows: list) -> None:
        if self.broken or any(fault(self, sql, rows) for fault in self._store.faults):
            raise sqlite3.OperationalError(f"disk I/O error (injected at {sql.split()[0]})")


class FaultyStore(OrderStore):
    """The order store with faults injected into its connections; connections count from 1."""

    _faults: list[Fault] = PrivateAttr(default_factory=list)
    _opened: int = PrivateAttr(default=0)
    _items_written: list[tuple[int, str]] = PrivateAttr(default_factory=list)

    @property
    def faults(self) -> list[Fault]:
        return self._faults

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
