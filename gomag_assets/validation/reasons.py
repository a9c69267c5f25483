"""The plain words of each failure: ``items[2].quantity: 'abc' is not a number``.

A failure names a check of ``schemas`` (or an optional value that cannot be read); its words
come from the *raw* payload value, so a reader sees what GoMag sent rather than its canonical
form, and "missing" is told apart from "not a number". Each table's rows are mapped back to
where they came from in the payload (``PayloadFields``), so a reason names the field as GoMag
does: ``delivery.total``, ``discounts[0].value``, ``shipping.company``. Offending values are
shown short and escaped (``normalize.shown``).
"""

from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from gomag_assets.validation.canonical import is_valid_unicode
from gomag_assets.validation.fields import (
    ADDRESS_FIELDS,
    DISCOUNT_FIELDS,
    ITEM_FIELDS,
    ORDER_FIELDS,
    RANK_OF_SUBJECT,
    Section,
)
from gomag_assets.validation.judge import Failure
from gomag_assets.validation.normalize import Reason, Rows, shown
from gomag_assets.validation.schemas import (
    EARLIEST_ORDER_DATE,
    FUTURE_TOLERANCE,
    NOT_IN_FUTURE,
)

MAX_REASONS = 20
"""Reasons listed per order; more are counted, so a broken 1 MB payload stays a short message."""

_KIND_OF_COLUMN = {
    "order_date": "a date",
    "delivery_date": "a date",
    "invoice_date": "a date",
    "total": "a number",
    "delivery_total": "a number",
    "quantity": "a number",
    "price": "a number",
    "base_price": "a number",
    "vat": "a number",
    "value": "a number",
    "payment_online": "0 or 1",
    "payment_completed": "0 or 1",
}
"""What a column's raw value must be readable as, when not text; a value that is not reads as
None."""

_PRESENCE_RULES = {
    "not_nullable",
    "valid_order_has_number",
    "valid_order_has_date",
    "valid_order_has_currency",
    "valid_order_has_total",
    "product_line_has_sku",
}
"""Rules broken by a None value: a payload value that is missing or unreadable as its kind."""

_RULE_WORDS: dict[str, Callable[[str], str]] = {
    "positive": lambda value: f"{value} is not greater than 0",
    "not_negative": lambda value: f"{value} is negative",
    "percentage": lambda value: f"{value} is not between 0 and 100",
    "currency_code": lambda value: f"{value} is not a 3-letter upper-case currency code",
    "not_before_2000": lambda value: f"{value} is before {EARLIEST_ORDER_DATE[:10]}",
    NOT_IN_FUTURE: lambda value: f"{value} is more than {FUTURE_TOLERANCE.days} days in the future",
}
"""Rules broken by a present value: check name -> words about the raw value."""


class PayloadFields(ABC):
    """Where the rows of a validated table came from in the payloads: the raw value behind each
    cell, and how a reason about it is worded and placed."""

    @abstractmethod
    def values(self, column: str) -> np.ndarray:
        """The raw payload values read into ``column``, one per row."""

    @abstractmethod
    def reason(self, row: int, column: str, words: str) -> Reason:
        """``words`` about ``column`` of ``row``, named as in the payload."""

    def words(self, row: int, column: str, rule: str) -> str:
        """Why ``column`` of ``row`` broke ``rule``."""
        return _words(rule, column, self.values(column)[row])


@dataclass(frozen=True)
class OrderFields(PayloadFields):
    """The orders table: row i is input order i."""

    order_ids: Sequence[str]
    raw: dict[str, np.ndarray]
    """Payload field (``ORDER_FIELDS`` values) -> its raw value per order."""

    def values(self, column: str) -> np.ndarray:
        return self.raw[ORDER_FIELDS[column]]

    def reason(self, row: int, column: str, words: str) -> Reason:
        path = ORDER_FIELDS[column]
        return Reason(row, Section.ORDER, -1, RANK_OF_SUBJECT[path], f"{path}: {words}")

    def words(self, row: int, column: str, rule: str) -> str:
        if rule == "valid_order_has_id":
            return "missing"
        if rule == "valid_order_id_unique":
            order_id = self.order_ids[row]
            return f"{shown(order_id)} appears {self._id_counts[order_id]} times in the input"
        return super().words(row, column, rule)

    @cached_property
    def _id_counts(self) -> Counter:
        return Counter(self.order_ids)


@dataclass(frozen=True)
class LineFields(PayloadFields):
    """A table of lines (``items`` or ``discounts``): each row is one line of an order."""

    container: str
    section: Section
    fields: dict[str, str]
    """Column -> the line field it is read from, in the order reasons are listed."""
    rows: Rows

    def values(self, column: str) -> np.ndarray:
        return self.rows.fields[self.fields[column]]

    def reason(self, row: int, column: str, words: str) -> Reason:
        field, line = self.fields[column], self.rows.key[row]
        rank = list(self.fields).index(column)
        text = f"{self.container}[{line}].{field}: {words}"
        return Reason(int(self.rows.order[row]), self.section, line, rank, text)


def item_fields(rows: Rows) -> LineFields:
    """The items table as the ``items`` of the payloads."""
    return LineFields("items", Section.ITEMS, ITEM_FIELDS, rows)


def discount_fields(rows: Rows) -> LineFields:
    """The discounts table as the ``discounts`` of the payloads."""
    return LineFields("discounts", Section.DISCOUNTS, DISCOUNT_FIELDS, rows)


@dataclass(frozen=True)
class AddressFields(PayloadFields):
    """The addresses table: each row is the ``billing`` or ``shipping`` block of an order."""

    rows: Rows

    def values(self, column: str) -> np.ndarray:
        return self.rows.fields[ADDRESS_FIELDS[column]]

    def reason(self, row: int, column: str, words: str) -> Reason:
        subject = f"{self.rows.key[row]}.{ADDRESS_FIELDS[column]}"
        rank = RANK_OF_SUBJECT[subject]
        return Reason(int(self.rows.order[row]), Section.ORDER, -1, rank, f"{subject}: {words}")


def schema_reasons(failures: Iterable[Failure], payload: PayloadFields) -> list[Reason]:
    """Reasons for the failures of a model's rules on the table read from ``payload``."""
    return [
        payload.reason(failure.row, failure.column, payload.words(*failure)) for failure in failures
    ]


def unread_reasons(payload: PayloadFields, column: str, rows: Iterable[int]) -> list[Reason]:
    """Reasons for optional values that were sent but could not be read as their kind."""
    kind, values = _KIND_OF_COLUMN.get(column, "text"), payload.values(column)
    return [payload.reason(row, column, _unreadable_words(values[row], kind)) for row in rows]


def error_messages(reasons: Iterable[Reason]) -> dict[int, str]:
    """Order position -> its reasons joined by "; ": the order's own first, then by item line,
    then by discount line. A reason found twice is listed once (a product line's SKU that is
    not text is both unreadable and missing)."""
    by_order: dict[int, set[Reason]] = {}
    for reason in reasons:
        by_order.setdefault(reason.order, set()).add(reason)
    messages = {}
    for order, listed in by_order.items():
        texts = [reason.text for reason in sorted(listed)]
        if len(texts) > MAX_REASONS:
            texts[MAX_REASONS:] = [f"and {len(texts) - MAX_REASONS} more"]
        messages[order] = "; ".join(texts)
    return messages


def _words(rule: str, column: str, raw: object) -> str:
    if rule in _PRESENCE_RULES:
        return _unreadable_words(raw, _KIND_OF_COLUMN.get(column, "text"))
    if rule in _RULE_WORDS:
        return _RULE_WORDS[rule](shown(raw))
    raise RuntimeError(f"rule {rule!r} on {column!r} failed but has no words in reasons.py")


def _unreadable_words(raw: object, kind: str) -> str:
    """Why ``raw`` could not be read as ``kind``."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return "missing"
    if kind == "text" and isinstance(raw, str) and not is_valid_unicode(raw):
        return f"{shown(raw)} is not valid Unicode text"
    return f"{shown(raw)} is not {kind}"
