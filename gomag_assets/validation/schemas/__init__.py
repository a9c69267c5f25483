"""What a valid GoMag order is: pandera models of the four validated tables (docs/CONTRACTS.md
§4): ``Order`` (``order``), and the rows a valid order holds, ``ItemLine``, ``Discount`` and
``Address`` (``lines``).

Each field and check reads as a rule. The same models judge freshly read orders (``judge``) and,
as Dagster types (``dagster-pandera``), give the asset its column schema in the UI and
type-check whole tables (the tests do), so they hold for every row:

* A VALID row obeys every rule. Rules that only bind a valid order ("has a date", "its id is
  unique in the input") are dataframe checks conditional on ``verdict``.
* A MALFORMED row keeps the values that obeyed their rules; a value that broke one is None, and
  ``error_message`` names every failure in plain words. Its item lines, discount lines and
  addresses are not kept, and its totals are None.

Values reach the models in canonical form (``canonical``); a value that cannot be read as its
kind arrives as None, so "has a date" means present *and* readable. An optional value (a
delivery charge, an invoice date, a payment flag) may be None, so whether one that was sent can
be read is judged when it is read (``tables``), with the same words. GoMag's "not set" values
(the date ``0000-00-00 00:00:00``, invoice number, locker or customer ``0``) and blank text are
None, never a failure. The words of each failure (``reasons``) tell missing from unreadable by
looking at the raw payload value.

Numbers (money, quantities, VAT) are exact decimal text, never float. GoMag sends text such as
``"99.95"``; JSON numbers (``"total": 0.5``) are read from their source text. A number is an
optional minus, digits, and optionally one decimal separator followed by digits. **Decision on
commas:** a single comma is the decimal separator when there is no dot (``"99,95"`` is 99.95, as
written in Romania, so ``"1,234"`` is 1.234); text with both separators (``"1.234,56"``) is
ambiguous and rejected, as are exponents (``"1e3"``), a leading ``+``, bare ``".5"``,
surrounding spaces, NaN/Infinity and booleans. Canonical text has no leading zeros, no trailing
fractional zeros and no negative zero: ``"099.950"`` is ``"99.95"``, ``"100.00"`` is ``"100"``,
``"-0"`` is ``"0"``. Totals that do not add up are not a failure: ``totals_match`` says so.

Dates are shop-local ``YYYY-MM-DD HH:MM:SS``. Payloads may use that form or ISO 8601 (``T``,
fractions, ``Z`` or an offset); a date with an offset is converted to the shop's time zone,
one without is taken as shop-local. Fractions of a second are dropped.
"""

import warnings

from dagster import BetaWarning
from dagster_pandera import pandera_schema_to_dagster_type

from gomag_assets.validation.schemas.lines import Address, Discount, ItemLine
from gomag_assets.validation.schemas.order import Order, order_schema
from gomag_assets.validation.schemas.rules import (
    EARLIEST_ORDER_DATE,
    FORM_CHECKS,
    FUTURE_TOLERANCE,
    NOT_IN_FUTURE,
    TABLE_RULES,
    TOTALS_CHECKS,
)

__all__ = [
    "ADDRESS_COLUMNS",
    "ADDRESS_DAGSTER_TYPE",
    "DISCOUNT_COLUMNS",
    "DISCOUNT_DAGSTER_TYPE",
    "EARLIEST_ORDER_DATE",
    "FORM_CHECKS",
    "FUTURE_TOLERANCE",
    "ITEM_COLUMNS",
    "ITEM_DAGSTER_TYPE",
    "NOT_IN_FUTURE",
    "ORDER_COLUMNS",
    "ORDER_DAGSTER_TYPE",
    "TABLE_RULES",
    "TOTALS_CHECKS",
    "Address",
    "Discount",
    "ItemLine",
    "Order",
    "order_schema",
]

ORDER_COLUMNS: tuple[str, ...] = tuple(Order.to_schema().columns)
"""Columns of ``ValidationResult.orders``, in order."""

ITEM_COLUMNS: tuple[str, ...] = tuple(ItemLine.to_schema().columns)
"""Columns of ``ValidationResult.items``, in order."""

DISCOUNT_COLUMNS: tuple[str, ...] = tuple(Discount.to_schema().columns)
"""Columns of ``ValidationResult.discounts``, in order."""

ADDRESS_COLUMNS: tuple[str, ...] = tuple(Address.to_schema().columns)
"""Columns of ``ValidationResult.addresses``, in order."""


with warnings.catch_warnings():
    # pandera_schema_to_dagster_type is marked beta; we pin dagster-pandera, so the
    # warning tells us nothing on every import.
    warnings.simplefilter("ignore", BetaWarning)
    ORDER_DAGSTER_TYPE = pandera_schema_to_dagster_type(Order)
    """Dagster type of ``ValidationResult.orders``; ``metadata["schema"]`` is its TableSchema."""
    ITEM_DAGSTER_TYPE = pandera_schema_to_dagster_type(ItemLine)
    """Dagster type of ``ValidationResult.items``; ``metadata["schema"]`` is its TableSchema."""
    DISCOUNT_DAGSTER_TYPE = pandera_schema_to_dagster_type(Discount)
    """Dagster type of ``ValidationResult.discounts``."""
    ADDRESS_DAGSTER_TYPE = pandera_schema_to_dagster_type(Address)
    """Dagster type of ``ValidationResult.addresses``."""
