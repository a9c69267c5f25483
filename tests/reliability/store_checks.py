"""What "nothing lost, nothing imported twice, nothing half-written" means, read from the file.

Everything here reads the SQLite file and the errors log directly, never through the store.
"""

import sqlite3
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

LOG_FIELDS = 5
"""time, run id, order id, order number, reason (see ``errors_log``)."""


@dataclass(frozen=True)
class StoreAccount:
    """How a batch stands in the store: each order whole, absent, or broken."""

    whole: int
    """Valid orders IMPORTED with exactly their items; MALFORMED ones kept with a reason and
    no items."""
    absent: int
    """Not in ``orders`` at all (or ERROR with no items): a rerun imports them."""
    broken: list[str]
    """Half-written, duplicated or wrongly decided orders, each described: must stay empty."""


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
    assert dangling == [], f"items without their order: {dangling[:5]}"


def expected_items(order: dict) -> list[tuple]:
    return [
        (
            item["line_no"],
            item["sku"],
            item["name"],
            item["quantity"],
            item["price"],
            item["vat"],
            int(item["is_service"]),
        )
        for item in order["items"]
    ]


def account(db_path: str | Path, batch: Sequence[dict], malformed: Iterable[str]) -> StoreAccount:
    """Judge every order of ``batch``; ``malformed`` are the ids that must end MALFORMED."""
    malformed = set(malformed)
    with sqlite3.connect(db_path) as conn:
        rows = conn.execute("SELECT order_id, status, error_message FROM orders").fetchall()
        items: defaultdict[str, list[tuple]] = defaultdict(list)
        for order_id, *item in conn.execute(
            "SELECT order_id, line_no, sku, name, quantity, price, vat, is_service "
            "FROM order_items ORDER BY order_id, line_no"
        ):
            items[order_id].append(tuple(item))
    stored = {order_id: (status, reason) for order_id, status, reason in rows}
    batch_ids = {order["order_id"] for order in batch}
    broken = [f"{order_id}: not in the batch" for order_id in stored.keys() - batch_ids]
    broken += [f"{order_id}: items without an order" for order_id in items.keys() - stored.keys()]
    whole = absent = 0
    for order in batch:
        order_id = order["order_id"]
        status, reason = stored.get(order_id, (None, None))
        if status is None or (status == "ERROR" and not items[order_id]):
            absent += 1
        elif order_id in malformed:
            if status == "MALFORMED" and reason and not items[order_id]:
                whole += 1
            else:
                broken.append(f"{order_id}: {status} {reason!r} with {len(items[order_id])} items")
        elif status == "IMPORTED" and items[order_id] == expected_items(order):
            whole += 1
        else:
            broken.append(f"{order_id}: {status} with items {items[order_id][:2]}...")
    return StoreAccount(whole, absent, broken)


def log_records(log_path: str | Path) -> list[list[str]]:
    """The errors log as records; fails on a torn line (no newline, or the wrong field count)."""
    path = Path(log_path)
    if not path.exists():
        return []
    text = path.read_bytes().decode("utf-8")
    assert text == "" or text.endswith("\n"), f"torn last line: {text[-120:]!r}"
    records = [line.split("\t") for line in text.splitlines()]
    torn = [record for record in records if len(record) != LOG_FIELDS]
    assert not torn, f"{len(torn)} torn lines, first: {torn[0]}"
    return records
