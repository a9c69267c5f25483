"""Judge landed GoMag payloads: a verdict for every order, and the item lines, discount lines
and addresses of the valid ones.

The pipeline is vectorized over the whole batch: payloads are decoded and flattened once
(``normalize``), each field is read into canonical form column by column (``tables`` with the
readers of ``canonical``), the ``schemas`` models judge the tables (``judge``) so every failure
of every order is collected in one pass, the failures are mapped back to orders as plain words
(``reasons``), and the money of the valid orders is added up (``totals``).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from gomag_assets.constants import DEFAULT_CANCELLED_STATUSES, Verdict
from gomag_assets.validation.fields import DISCOUNT_FIELDS, ITEM_FIELDS, ORDER_FIELDS
from gomag_assets.validation.judge import Failure, FreshRules, fresh_rules, judge
from gomag_assets.validation.normalize import normalize_payloads
from gomag_assets.validation.reasons import error_messages, schema_reasons
from gomag_assets.validation.schemas import (
    ADDRESS_COLUMNS,
    DISCOUNT_COLUMNS,
    FUTURE_TOLERANCE,
    ITEM_COLUMNS,
    ORDER_COLUMNS,
    TABLE_RULES,
    Discount,
    ItemLine,
    order_schema,
)
from gomag_assets.validation.tables import Table, Tables, read_tables
from gomag_assets.validation.totals import add_totals

__all__ = [
    "ADDRESS_COLUMNS",
    "DISCOUNT_COLUMNS",
    "ITEM_COLUMNS",
    "ORDER_COLUMNS",
    "ValidationResult",
    "validate_orders",
]


@dataclass(frozen=True, eq=False)
class ValidationResult:
    """Every input order with its verdict, and the item lines, discount lines and addresses of
    the VALID ones.

    ``orders``, ``items``, ``discounts`` and ``addresses`` have ``ORDER_COLUMNS``,
    ``ITEM_COLUMNS``, ``DISCOUNT_COLUMNS`` and ``ADDRESS_COLUMNS`` (docs/CONTRACTS.md §4): text
    columns hold ``str`` or None (object dtype), money is exact decimal text, flags are ``bool``
    (True/False/None in object columns where GoMag may not say), ``line_no`` is ``int64``.
    """

    orders: pd.DataFrame
    items: pd.DataFrame
    discounts: pd.DataFrame
    addresses: pd.DataFrame

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
    cancelled_status_ids: Iterable[str] = (),
) -> ValidationResult:
    """Judge ``(order_id, payload_text)`` pairs as landed (``RawOrder``); never raises on a payload.

    ``order_id`` is the landing key; one starting with ``SYNTHETIC_ID_PREFIX`` means the payload
    had no id. An order is cancelled when its status name is one of ``cancelled_statuses``
    (compared without case or diacritics) or its ``statusId`` one of ``cancelled_status_ids``
    (compared as trimmed text). ``timezone`` is the shop's: dates with an offset are converted
    to it. ``now`` (default: the clock; a naive value is taken as shop-local) bounds how far in
    the future an order date may be.
    """
    zone = ZoneInfo(timezone)
    payloads = normalize_payloads(raw)
    tables = read_tables(payloads, zone, cancelled_statuses, cancelled_status_ids)

    reasons = [*payloads.reasons, *tables.reasons]
    order_failures = judge(tables.orders, _order_rules(_latest_order_date(now, zone)))
    reasons += schema_reasons(order_failures, tables.sources["orders"])
    _drop_failed_values(tables.orders, order_failures)
    for name, rules in (("items", _ITEM_RULES), ("discounts", _DISCOUNT_RULES)):
        reasons += schema_reasons(judge(getattr(tables, name), rules), tables.sources[name])
    return _result(tables, error_messages(reasons))


_ITEM_RULES = fresh_rules(ItemLine.to_schema(), ITEM_FIELDS)
_DISCOUNT_RULES = fresh_rules(Discount.to_schema(), DISCOUNT_FIELDS)
_ORDER_PAYLOAD_COLUMNS = set(ORDER_FIELDS) - {"order_id"}
"""Order columns read from the payload (the landing key is not: it is given)."""


@lru_cache(maxsize=8)
def _order_rules(latest_order_date: str) -> FreshRules:
    """The order rules for a run's clock; building them deep-copies the schema, so runs that
    share a clock (to the second) share them."""
    return fresh_rules(order_schema(latest_order_date), _ORDER_PAYLOAD_COLUMNS)


def _drop_failed_values(orders: Table, failures: Iterable[Failure]) -> None:
    """Set to None each value that broke a column rule, so a MALFORMED row keeps only values
    that obeyed theirs (and the table still satisfies ``Order``)."""
    for failure in failures:
        if failure.rule not in TABLE_RULES:
            orders[failure.column][failure.row] = None


def _latest_order_date(now: datetime | None, zone: tzinfo) -> str:
    """The latest acceptable order date, as shop-local text."""
    if now is None:
        now = datetime.now(zone)
    elif now.tzinfo is not None:
        now = now.astimezone(zone)
    return (now.replace(tzinfo=None) + FUTURE_TOLERANCE).isoformat(" ", "seconds")


def _result(tables: Tables, messages: dict[int, str]) -> ValidationResult:
    orders, owners = tables.orders, tables.owners
    count = len(orders["order_id"])
    malformed = np.zeros(count, dtype=bool)
    malformed[list(messages)] = True
    for position, message in messages.items():
        orders["error_message"][position] = message
    orders["verdict"] = np.where(malformed, Verdict.MALFORMED.value, Verdict.VALID.value).astype(
        object
    )

    owner = owners["items"]
    lines = np.bincount(owner, minlength=count)
    services = np.bincount(owner, weights=tables.items["is_service"], minlength=count)
    orders["nothing_to_import"] = ~malformed & (lines > 0) & (services == lines)
    add_totals(orders, tables.items, tables.discounts, owners, ~malformed)

    def of_valid_orders(name: str) -> pd.DataFrame:
        table, kept = getattr(tables, name), ~malformed[owners[name]]
        if not kept.all():
            table = {column: values[kept] for column, values in table.items()}
        return _frame(table)

    return ValidationResult(
        orders=_frame(orders),
        items=of_valid_orders("items"),
        discounts=of_valid_orders("discounts"),
        addresses=of_valid_orders("addresses"),
    )


def _frame(table: Table) -> pd.DataFrame:
    """``table`` as a DataFrame holding its arrays as they are, a block per column: pandas would
    otherwise copy every value once more to pack same-typed columns together."""
    return pd.DataFrame(table, copy=False)
