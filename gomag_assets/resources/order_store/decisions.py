"""What a sync run does with one order, given what the store already holds for it.

Pure rules, no SQL: :func:`decide` turns an order dict (CONTRACTS.md §5) and what the store
holds for it (:class:`StoredOrder`) into a :class:`Decision`; :func:`mark_malformed` turns an
order that crashed on insert into one the store can always keep.
"""

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

from gomag_assets.constants import OrderStatus, Verdict
from gomag_assets.resources.order_store.columns import OPTIONAL_FLAGS, ORDER_HEADER
from gomag_assets.resources.order_store.lossless_text import is_storable_text, storable_text
from gomag_assets.resources.order_store.schema import ROW_SHAPE_VERSION

NOTHING_TO_IMPORT = "nothing to import: only service lines"

_SQLITE_INTEGERS = range(-(2**63), 2**63)

# A payload seen before with the same hash keeps what the store decided for it then.
_UNCHANGED_STATUS = {
    OrderStatus.IMPORTED: OrderStatus.ALREADY_IMPORTED,
    OrderStatus.CANCELLED: OrderStatus.CANCELLED,
    OrderStatus.SKIPPED: OrderStatus.SKIPPED,
}


class StoredOrder(NamedTuple):
    """What the store holds for an order it has seen."""

    status: str
    payload_sha256: str | None
    row_schema: int | None
    """The schema version that wrote the row; None for rows of version 1."""

    def holds(self, order: Mapping[str, Any]) -> bool:
        """True when the row holds this very payload in the store's current shape; a row written
        before the store kept the whole order holds only part of it."""
        return (
            self.payload_sha256 == order.get("payload_sha256")
            and self.row_schema is not None
            and self.row_schema >= ROW_SHAPE_VERSION
        )


@dataclass(frozen=True, slots=True)
class Decision:
    """One order's status in this run, and whether its stored row and child rows are
    rewritten."""

    order: Mapping[str, Any]
    status: OrderStatus
    error_message: str | None = None
    write: bool = True
    """False: the run only records ``status``; the order's stored row stays as it is."""
    replaces: bool = True
    """False for an order the store has never held: it has no child rows to delete first."""

    @property
    def order_id(self) -> str:
        return self.order["order_id"]


def decide(order: Mapping[str, Any], stored: StoredOrder | None) -> Decision:
    """Decide one order; ``stored`` is None for an order the store has never seen.

    An unchanged order is not written again, unless its row is from before the store kept the
    whole order (see ``StoredOrder.holds``): then it is rewritten once, with every field and
    child row the dict carries, and reported as what it is now (IMPORTED for an imported order).
    """
    if stored is None:
        return replace(_decide(order, None), replaces=False)
    return _decide(order, stored)


def _decide(order: Mapping[str, Any], stored: StoredOrder | None) -> Decision:
    if stored is not None and stored.status == OrderStatus.DELETED_IN_ROA:
        return Decision(order, OrderStatus.DELETED_IN_ROA, write=False)
    if order.get("verdict") == Verdict.MALFORMED:
        return Decision(order, OrderStatus.MALFORMED, order.get("error_message"))
    if stored is not None and stored.status in _UNCHANGED_STATUS and stored.holds(order):
        status = _UNCHANGED_STATUS[OrderStatus(stored.status)]
        return Decision(order, status, _reason_for(status), write=False)
    if order.get("is_cancelled"):
        return Decision(order, OrderStatus.CANCELLED)
    if order.get("nothing_to_import"):
        return Decision(order, OrderStatus.SKIPPED, NOTHING_TO_IMPORT)
    return Decision(order, OrderStatus.IMPORTED)


def mark_malformed(order: Mapping[str, Any], reason: str) -> dict[str, Any]:
    """A MALFORMED copy of ``order`` that the store can always write; ``order`` is not touched.

    Values SQLite cannot hold exactly (objects, huge integers, lone surrogates) or flags other
    than True/False/0/1 become ``None``; its lines are not written, since a MALFORMED order keeps
    only its order row (``rows_of``). A validation reason already on the order is kept in front;
    a lone surrogate in a reason is written as its ``\\udXXX`` escape.
    """
    earlier = order.get("error_message") if order.get("verdict") == Verdict.MALFORMED else None
    present = {key: value if _is_storable(key, value) else None for key, value in order.items()}
    marked = dict.fromkeys(ORDER_HEADER) | present  # a dict missing some still gets its row
    reasons = (str(part) for part in (earlier, reason) if part)
    marked["error_message"] = storable_text("; ".join(reasons))
    return marked


def crash_reason(error: BaseException) -> str:
    """How a runtime failure reads in ``error_message``: the exception's class and message."""
    return f"{type(error).__name__}: {error}"


def _reason_for(status: OrderStatus) -> str | None:
    return NOTHING_TO_IMPORT if status is OrderStatus.SKIPPED else None


def _is_storable(key: str, value: object) -> bool:
    if key in OPTIONAL_FLAGS:  # their CHECK takes 0, 1 or NULL
        return value is None or (isinstance(value, int) and value in (0, 1))
    if value is None or isinstance(value, float):
        return True
    if isinstance(value, int):
        return value in _SQLITE_INTEGERS
    return is_storable_text(value)
