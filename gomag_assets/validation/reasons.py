"""The plain words of each schema failure: ``items[2].quantity: 'abc' is not a number``.

A failure names a check of ``schemas``; its words come from the *raw* payload value, so a
reader sees what GoMag sent rather than its canonical form, and "missing" is told apart from
"not a number". Offending values are shown short and escaped (``normalize.shown``).
"""

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence

import pandas as pd
import pandera.pandas as pa

from gomag_assets.validation.canonical import is_valid_unicode
from gomag_assets.validation.normalize import ITEM_FIELDS, ORDER_FIELDS, Reason, shown
from gomag_assets.validation.schemas import EARLIEST_ORDER_DATE, FUTURE_TOLERANCE, NOT_IN_FUTURE

MAX_REASONS = 20
"""Reasons listed per order; more are counted, so a broken 1 MB payload stays a short message."""

_KIND_OF_COLUMN = {
    "order_number": "text",
    "order_date": "a date",
    "currency": "text",
    "total": "a number",
    "sku": "text",
    "name": "text",
    "quantity": "a number",
    "price": "a number",
    "vat": "a number",
}
"""What a column's raw value must be readable as; a value that is not reads as None."""

_SUBJECT_OF_TABLE_RULE = {
    "valid_order_has_id": "order_id",
    "valid_order_id_unique": "order_id",
    "valid_order_has_number": "order_number",
    "valid_order_has_date": "order_date",
    "valid_order_has_currency": "currency",
    "valid_order_has_total": "total",
    "product_line_has_sku": "sku",
}
"""Dataframe-wide rule -> the column it is about (pandera reports every column of the row)."""

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


def order_reasons(
    failure_cases: pd.DataFrame,
    schema: pa.DataFrameSchema,
    order_ids: Sequence[str],
    raw_fields: dict[str, list[object]],
) -> list[Reason]:
    """Reasons for the failures of the ``Order`` rules (rows are input positions)."""
    id_counts = Counter(order_ids)
    ranks = {column: rank for rank, column in enumerate(ORDER_FIELDS)}
    reasons = []
    for row, column, rule in _failures(failure_cases, schema):
        if rule == "valid_order_has_id":
            words = "missing"
        elif rule == "valid_order_id_unique":
            order_id = order_ids[row]
            words = f"{shown(order_id)} appears {id_counts[order_id]} times in the input"
        else:
            words = _words(rule, column, raw_fields[ORDER_FIELDS[column]][row])
        reasons.append(Reason(row, -1, ranks[column], f"{ORDER_FIELDS[column]}: {words}"))
    return reasons


def item_reasons(
    failure_cases: pd.DataFrame,
    schema: pa.DataFrameSchema,
    item_order: Sequence[int],
    line_no: Sequence[int],
    raw_fields: dict[str, list[object]],
) -> list[Reason]:
    """Reasons for the failures of the ``ItemLine`` rules (rows are item line positions)."""
    ranks = {column: rank for rank, column in enumerate(ITEM_FIELDS)}
    reasons = []
    for row, column, rule in _failures(failure_cases, schema):
        field = ITEM_FIELDS[column]
        words = _words(rule, column, raw_fields[field][row])
        line = line_no[row]
        reasons.append(
            Reason(item_order[row], line, ranks[column], f"items[{line}].{field}: {words}")
        )
    return reasons


def error_messages(reasons: Iterable[Reason]) -> dict[int, str]:
    """Order position -> its reasons joined by "; ", order-level first, then by item line."""
    by_order: dict[int, list[Reason]] = {}
    for reason in reasons:
        by_order.setdefault(reason.order, []).append(reason)
    messages = {}
    for order, listed in by_order.items():
        texts = [reason.text for reason in sorted(listed)]
        if len(texts) > MAX_REASONS:
            texts[MAX_REASONS:] = [f"and {len(texts) - MAX_REASONS} more"]
        messages[order] = "; ".join(texts)
    return messages


def _failures(
    failure_cases: pd.DataFrame, schema: pa.DataFrameSchema
) -> Iterator[tuple[int, str, str]]:
    """Each ``(row, column, check name)`` that failed, once; a dataframe-wide check reports
    every column of a failing row, and is given here the one column it is about."""
    seen = set()
    for context, column, check, number, row in zip(
        failure_cases["schema_context"],
        failure_cases["column"],
        failure_cases["check"],
        failure_cases["check_number"],
        failure_cases["index"],
        strict=True,
    ):
        if pd.isna(row):
            raise RuntimeError(f"{schema.name}: table-wide failure {check!r} on {column!r}")
        if pd.notna(number):
            checks = (
                schema.checks if context == "DataFrameSchema" else schema.columns[column].checks
            )
            check = checks[int(number)].name
        if context == "DataFrameSchema":
            if check not in _SUBJECT_OF_TABLE_RULE:
                raise RuntimeError(f"rule {check!r} failed but has no words in reasons.py")
            column = _SUBJECT_OF_TABLE_RULE[check]
        if (row, column, check) not in seen:
            seen.add((row, column, check))
            yield int(row), column, check


def _words(rule: str, column: str, raw: object) -> str:
    if rule in _PRESENCE_RULES:
        return _unreadable_words(raw, _KIND_OF_COLUMN[column])
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
