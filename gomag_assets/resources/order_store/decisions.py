"""What a sync run does with one order, given what the store already holds for it.

Pure rules, no SQL: :func:`decide` turns an order dict (CONTRACTS.md §5) and the stored
``(status, payload_sha256)`` into a :class:`Decision`; :func:`mark_malformed` turns an order that
crashed on insert into one the store can always keep.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from gomag_assets.constants import OrderStatus, Verdict
from gomag_assets.resources.order_store.lossless_text import is_storable_text, storable_text

NOTHING_TO_IMPORT = "nothing to import: only service lines"

_SQLITE_INTEGERS = range(-(2**63), 2**63)
_HEADER_KEYS = ("order_number", "order_date", "gomag_status", "currency", "total", "payload_sha256")
"""Header fields a MALFORMED row is written with; a dict missing some still gets its row."""

# A payload seen before with the same hash keeps what the store decided for it then.
_UNCHANGED_STATUS = {
    OrderStatus.IMPORTED: OrderStatus.ALREADY_IMPORTED,
    OrderStatus.CANCELLED: OrderStatus.CANCELLED,
    OrderStatus.SKIPPED: OrderStatus.SKIPPED,
}


@dataclass(frozen=True, slots=True)
class Decision:
    """One order's status in this run, and whether its stored row and items are rewritten."""

    order: Mapping[str, Any]
    status: OrderStatus
    error_message: str | None = None
    write: bool = True
    """False: the run only records ``status``; the order's stored row stays as it is."""

    @property
    def order_id(self) -> str:
        return self.order["order_id"]


def decide(order: Mapping[str, Any], stored_status: str | None, stored_sha: str | None) -> Decision:
    """Decide one order; ``stored_*`` are ``None`` for an order the store has never seen."""
    if stored_status == OrderStatus.DELETED_IN_ROA:
        return Decision(order, OrderStatus.DELETED_IN_ROA, write=False)
    if order.get("verdict") == Verdict.MALFORMED:
        return Decision(order, OrderStatus.MALFORMED, order.get("error_message"))
    if stored_status in _UNCHANGED_STATUS and stored_sha == order.get("payload_sha256"):
        status = _UNCHANGED_STATUS[OrderStatus(stored_status)]
        return Decision(order, status, _reason_for(status), write=False)
    if order.get("is_cancelled"):
        return Decision(order, OrderStatus.CANCELLED)
    if order.get("nothing_to_import"):
        return Decision(order, OrderStatus.SKIPPED, NOTHING_TO_IMPORT)
    return Decision(order, OrderStatus.IMPORTED)


def mark_malformed(order: Mapping[str, Any], reason: str) -> dict[str, Any]:
    """A MALFORMED copy of ``order`` that the store can always write; ``order`` is not touched.

    Items are dropped, and header values SQLite cannot hold exactly (objects, huge integers,
    lone surrogates) become ``None``. A validation reason already on the order is kept in front;
    a lone surrogate in a reason is written as its ``\\udXXX`` escape.
    """
    earlier = order.get("error_message") if order.get("verdict") == Verdict.MALFORMED else None
    present = {key: value if _is_storable(value) else None for key, value in order.items()}
    marked = dict.fromkeys(_HEADER_KEYS) | present
    marked["verdict"] = Verdict.MALFORMED.value
    reasons = (str(part) for part in (earlier, reason) if part)
    marked["error_message"] = storable_text("; ".join(reasons))
    marked["items"] = []
    return marked


def crash_reason(error: BaseException) -> str:
    """How a runtime failure reads in ``error_message``: the exception's class and message."""
    return f"{type(error).__name__}: {error}"


def _reason_for(status: OrderStatus) -> str | None:
    return NOTHING_TO_IMPORT if status is OrderStatus.SKIPPED else None


def _is_storable(value: object) -> bool:
    if value is None or isinstance(value, float):
        return True
    if isinstance(value, int):
        return value in _SQLITE_INTEGERS
    return is_storable_text(value)
