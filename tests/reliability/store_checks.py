"""What "nothing lost, nothing imported twice, nothing half-written" means, read from the
database.

Everything here reads the SQLite file (or the store's PostgreSQL database) and the errors log
directly, never through the store's methods.
"""

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from store_fixtures import Where, reading

LOG_FIELDS = 6
"""time, run id, order id, order number, reason (see ``errors_log``)."""


@dataclass(frozen=True)
class StoreAccount:
    """How a batch stands in the store: each order whole, absent, or broken."""

    whole: int
    """Valid orders IMPORTED (or CANCELLED or SKIPPED, as their verdict says) with exactly their
    items, discounts and addresses; MALFORMED ones kept with a reason and no child rows."""
    absent: int
    """Not in ``orders`` at all (or ERROR with no child rows): a rerun imports them."""
    broken: list[str]
    """Half-written, duplicated or wrongly decided orders, each described: must stay empty."""


CHILD_TABLES = {
    "items": (
        "order_items",
        ("line_no", "product_id", "sku", "ean", "name", "quantity", "price", "base_price")
        + ("vat", "is_service"),
    ),
    "discounts": ("order_discounts", ("line_no", "name", "voucher", "value")),
    "addresses": (
        "order_addresses",
        ("kind", "firstname", "lastname", "company", "phone", "email", "address", "city")
        + ("region", "country", "zipcode", "company_name", "company_code", "registration_no")
        + ("bank", "iban"),
    ),
}
"""The child tables of ``orders`` and the columns that must hold exactly the order's lines
(a flag stored 0/1 equals the bool it stands for)."""


def integrity(db_path: str | Path) -> tuple[list[tuple], list[tuple]]:
    """``PRAGMA integrity_check`` and ``PRAGMA foreign_key_check`` rows of the file."""
    with sqlite3.connect(db_path) as conn:
        return (
            conn.execute("PRAGMA integrity_check").fetchall(),
            conn.execute("PRAGMA foreign_key_check").fetchall(),
        )


def assert_file_is_sound(db_path: str | Path) -> None:
    checked, dangling = integrity(db_path)
    assert checked == [("ok",)], checked
    assert dangling == [], f"child rows without their order: {dangling[:5]}"


def expected_lines(order: dict) -> dict[str, list[tuple]]:
    """The rows each child table must hold for ``order``, as :func:`stored_lines` reads them."""
    return {
        key: [tuple(line.get(column) for column in columns) for line in order.get(key, [])]
        for key, (_, columns) in CHILD_TABLES.items()
    }


def stored_lines(conn: Any) -> dict[str, defaultdict[str, list[tuple]]]:
    """Every child row in the file, by table and order id, ordered as :func:`expected_lines`."""
    lines: dict[str, defaultdict[str, list[tuple]]] = {}
    for key, (table, columns) in CHILD_TABLES.items():
        by_order = lines[key] = defaultdict(list)
        for order_id, *row in conn.execute(
            f"SELECT order_id, {', '.join(columns)} FROM {table} ORDER BY order_id, {columns[0]}"
        ):
            by_order[order_id].append(tuple(row))
    return lines


def account(db_path: Where, batch: Sequence[dict], malformed: Iterable[str]) -> StoreAccount:
    """Judge every order of ``batch``; ``malformed`` are the ids that must end MALFORMED."""
    malformed = set(malformed)
    with reading(db_path) as conn:
        rows = conn.execute("SELECT order_id, status, error_message FROM orders").fetchall()
        lines = stored_lines(conn)
    stored = {order_id: (status, reason) for order_id, status, reason in rows}
    batch_ids = {order["order_id"] for order in batch}
    broken = [f"{order_id}: not in the batch" for order_id in stored.keys() - batch_ids]
    for key, by_order in lines.items():
        broken += [f"{order_id}: {key} without an order" for order_id in by_order - stored.keys()]
    whole = absent = 0
    for order in batch:
        order_id = order["order_id"]
        status, reason = stored.get(order_id, (None, None))
        has = {key: by_order[order_id] for key, by_order in lines.items()}
        if status is None or (status == "ERROR" and not any(has.values())):
            absent += 1
        elif order_id in malformed:
            if status == "MALFORMED" and reason and not any(has.values()):
                whole += 1
            else:
                counts = {key: len(rows) for key, rows in has.items()}
                broken.append(f"{order_id}: {status} {reason!r} with {counts}")
        elif status == _decided(order) and has == expected_lines(order):
            whole += 1
        else:
            broken.append(f"{order_id}: {status} with items {has['items'][:2]}...")
    return StoreAccount(whole, absent, broken)


def _decided(order: dict) -> str:
    """The status a valid order must end with: what its verdict says, else IMPORTED."""
    if order.get("is_cancelled"):
        return "CANCELLED"
    return "SKIPPED" if order.get("nothing_to_import") else "IMPORTED"


def imported_more_than_once(db_path: Where) -> int:
    """Orders that more than one run recorded as IMPORTED: each order is imported by one run."""
    with reading(db_path) as conn:
        return conn.execute(
            "SELECT count(*) FROM (SELECT order_id FROM sync_run_orders WHERE status = 'IMPORTED'"
            " GROUP BY order_id HAVING count(*) > 1) AS twice"
        ).fetchone()[0]


def crash_figures(
    where: Where, tried: int, after_kill: StoreAccount, after_rerun: StoreAccount
) -> dict[str, int]:
    """The figures of one kill and its rerun, counted from the store: whole right after the
    kill, redone by the rerun, lost, half-written and imported twice."""
    return {
        "orders_tried": tried,
        "orders_whole_after_kill": after_kill.whole,
        "orders_redone_by_rerun": after_kill.absent,
        "orders_lost": tried - after_rerun.whole,
        "half_written": len(after_kill.broken) + len(after_rerun.broken),
        "imported_twice": imported_more_than_once(where),
    }


@dataclass(frozen=True)
class ErrorsLog:
    """The errors log as it stands on disk."""

    records: list[list[str]]
    """Its whole lines, split into fields."""
    torn: int
    """Lines cut short: the last one without its newline, or any with the wrong field count."""


def read_log(log_path: str | Path) -> ErrorsLog:
    path = Path(log_path)
    if not path.exists():
        return ErrorsLog([], 0)
    *lines, unfinished = path.read_bytes().decode("utf-8").split("\n")
    fields = [line.split("\t") for line in lines]
    records = [record for record in fields if len(record) == LOG_FIELDS]
    return ErrorsLog(records, len(fields) - len(records) + (unfinished != ""))


def log_records(log_path: str | Path) -> list[list[str]]:
    """The errors log as records; fails on a torn line."""
    log = read_log(log_path)
    assert log.torn == 0, f"{log.torn} torn lines in {log_path}"
    return log.records
