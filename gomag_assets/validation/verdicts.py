"""Judge landed GoMag payloads: a verdict for every order, and the item lines of the valid ones.

The pipeline is vectorized over the whole batch: payloads are decoded and flattened once
(``normalize``), each field is read into canonical form column by column (``canonical``), the
``schemas`` models judge both tables lazily so every failure of every order is collected in one
pass, and the failures are mapped back to orders as plain words (``reasons``).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
import pandera.pandas as pa

from gomag_assets.constants import DEFAULT_CANCELLED_STATUSES, Verdict
from gomag_assets.validation.canonical import (
    decimal_texts,
    drop_invalid_unicode,
    names_in,
    objects,
    shop_local_times,
    texts,
)
from gomag_assets.validation.normalize import NormalizedPayloads, normalize_payloads
from gomag_assets.validation.reasons import error_messages, item_reasons, order_reasons
from gomag_assets.validation.schemas import (
    FORM_CHECKS,
    FUTURE_TOLERANCE,
    ITEM_COLUMNS,
    ORDER_COLUMNS,
    ItemLine,
    order_schema,
)

__all__ = ["ITEM_COLUMNS", "ORDER_COLUMNS", "ValidationResult", "validate_orders"]


@dataclass(frozen=True, eq=False)
class ValidationResult:
    """Every input order with its verdict, and the item lines of the VALID ones.

    ``orders`` has ``ORDER_COLUMNS`` and ``items`` has ``ITEM_COLUMNS`` (docs/CONTRACTS.md §4):
    text columns hold ``str`` or None (object dtype), money is exact decimal text, flags are
    ``bool``, ``line_no`` is ``int64``.
    """

    orders: pd.DataFrame
    items: pd.DataFrame

    @property
    def valid_count(self) -> int:
        return int((self.orders["verdict"] == Verdict.VALID.value).sum())

    @property
    def malformed_count(self) -> int:
        return int((self.orders["verdict"] == Verdict.MALFORMED.value).sum())

    @property
    def malformed(self) -> pd.DataFrame:
        """The MALFORMED orders: ``order_id, order_number, error_message``."""
        rows = self.orders["verdict"] == Verdict.MALFORMED.value
        columns = ["order_id", "order_number", "error_message"]
        return self.orders.loc[rows, columns].reset_index(drop=True)


def validate_orders(
    raw: Iterable[tuple[str, str]],
    *,
    cancelled_statuses: Iterable[str] = DEFAULT_CANCELLED_STATUSES,
    timezone: str = "Europe/Bucharest",
    now: datetime | None = None,
) -> ValidationResult:
    """Judge ``(order_id, payload_text)`` pairs as landed (``RawOrder``); never raises on a payload.

    ``order_id`` is the landing key; one starting with ``SYNTHETIC_ID_PREFIX`` means the payload
    had no id. ``cancelled_statuses`` are compared without case or diacritics. ``timezone`` is
    the shop's: dates with an offset are converted to it. ``now`` (default: the clock; a naive
    value is taken as shop-local) bounds how far in the future an order date may be.
    """
    zone = ZoneInfo(timezone)
    payloads = normalize_payloads(raw)
    orders = _read_orders(payloads, zone, cancelled_statuses)
    items = _read_items(payloads, orders["order_id"])

    schema = _order_rules(_latest_order_date(now, zone))
    reasons = list(payloads.reasons)
    order_failures = _failures(orders, schema)
    if order_failures is not None:
        ids, fields = payloads.order_ids, payloads.order_fields
        reasons += order_reasons(order_failures, schema, ids, fields)
        _drop_failed_values(orders, order_failures)
    item_failures = _failures(items, _ITEM_RULES)
    if item_failures is not None:
        reasons += item_reasons(
            item_failures, _ITEM_RULES, payloads.item_order, payloads.line_no, payloads.item_fields
        )
    return _result(orders, items, error_messages(reasons), payloads.item_order)


def _read_orders(
    payloads: NormalizedPayloads, zone: tzinfo, cancelled_statuses: Iterable[str]
) -> dict[str, np.ndarray]:
    """The orders table in canonical form, every order provisionally VALID unless its payload
    could not be read at all (then the schema's VALID-only rules leave it alone)."""
    count = len(payloads.order_ids)
    fields = payloads.order_fields
    orders = {
        "order_id": objects(payloads.order_ids, count),
        "order_number": texts(fields["number"], blank_is_missing=True),
        "order_date": shop_local_times(fields["date"], zone),
        "gomag_status": texts(fields["status"], blank_is_missing=True),
        "currency": texts(fields["currency"], blank_is_missing=True),
        "total": decimal_texts(fields["total"]),
        "is_cancelled": names_in(fields["status"], cancelled_statuses),
        "nothing_to_import": np.zeros(count, dtype=bool),
        "payload_sha256": objects(payloads.payload_sha256, count),
        "verdict": np.full(count, Verdict.VALID.value, dtype=object),
        "error_message": np.full(count, None, dtype=object),
    }
    for reason in payloads.reasons:
        if reason.order in payloads.unreadable:
            orders["verdict"][reason.order] = Verdict.MALFORMED.value
            orders["error_message"][reason.order] = reason.text
    for column in ("order_number", "gomag_status", "currency"):
        drop_invalid_unicode(orders[column])
    return orders


def _read_items(payloads: NormalizedPayloads, order_ids: np.ndarray) -> dict[str, np.ndarray]:
    """The item lines of every readable order, in canonical form."""
    item_order = np.asarray(payloads.item_order, dtype=np.intp)
    fields = payloads.item_fields
    items = {
        "order_id": order_ids[item_order],
        "line_no": np.asarray(payloads.line_no, dtype=np.int64),
        "sku": texts(fields["sku"], blank_is_missing=True),
        "name": texts(fields["name"], blank_is_missing=False),
        "quantity": decimal_texts(fields["quantity"]),
        "price": decimal_texts(fields["price"]),
        "vat": decimal_texts(fields["vat"]),
        "is_service": names_in(fields["type"], ["service"]),
    }
    for column in ("sku", "name"):
        drop_invalid_unicode(items[column])
    return items


def _rules_for_fresh_tables(schema: pa.DataFrameSchema) -> pa.DataFrameSchema:
    """``schema`` without what building the tables here guarantees: the dtypes (pandera proves
    a ``str`` column by visiting every element, half the cost of validation) and the canonical
    forms (``FORM_CHECKS``)."""
    return schema.update_columns(
        {
            name: {
                "dtype": None,
                "checks": [check for check in column.checks if check.name not in FORM_CHECKS],
            }
            for name, column in schema.columns.items()
        }
    )


_ITEM_RULES = _rules_for_fresh_tables(ItemLine.to_schema())


@lru_cache(maxsize=8)
def _order_rules(latest_order_date: str) -> pa.DataFrameSchema:
    """The order rules for a run's clock; building them deep-copies the schema, so runs that
    share a clock (to the second) share them."""
    return _rules_for_fresh_tables(order_schema(latest_order_date))


def _failures(table: dict[str, np.ndarray], schema: pa.DataFrameSchema) -> pd.DataFrame | None:
    """Every failure of ``schema`` on ``table`` (pandera's ``failure_cases``), or None."""
    try:
        schema.validate(pd.DataFrame(table, copy=False), lazy=True, inplace=True)
    except pa.errors.SchemaErrors as errors:
        return errors.failure_cases
    return None


def _drop_failed_values(orders: dict[str, np.ndarray], failure_cases: pd.DataFrame) -> None:
    """Set to None each value that broke a column rule, so a MALFORMED row keeps only values
    that obeyed theirs (and the table still satisfies ``Order``)."""
    column_failures = failure_cases[failure_cases["schema_context"] == "Column"]
    for column, rows in column_failures.groupby("column")["index"]:
        orders[column][rows.to_numpy(dtype=np.intp)] = None


def _latest_order_date(now: datetime | None, zone: tzinfo) -> str:
    """The latest acceptable order date, as shop-local text."""
    if now is None:
        now = datetime.now(zone)
    elif now.tzinfo is not None:
        now = now.astimezone(zone)
    return (now.replace(tzinfo=None) + FUTURE_TOLERANCE).isoformat(" ", "seconds")


def _result(
    orders: dict[str, np.ndarray],
    items: dict[str, np.ndarray],
    messages: dict[int, str],
    item_order: list[int],
) -> ValidationResult:
    count = len(orders["order_id"])
    malformed = np.zeros(count, dtype=bool)
    malformed[list(messages)] = True
    for position, message in messages.items():
        orders["error_message"][position] = message
    orders["verdict"] = np.where(malformed, Verdict.MALFORMED.value, Verdict.VALID.value).astype(
        object
    )

    owner = np.asarray(item_order, dtype=np.intp)
    lines = np.bincount(owner, minlength=count)
    services = np.bincount(owner, weights=items["is_service"], minlength=count)
    orders["nothing_to_import"] = ~malformed & (lines > 0) & (services == lines)

    kept = ~malformed[owner]
    return ValidationResult(
        orders=pd.DataFrame(orders, columns=list(ORDER_COLUMNS)),
        items=pd.DataFrame(
            {column: values[kept] for column, values in items.items()}, columns=list(ITEM_COLUMNS)
        ),
    )
