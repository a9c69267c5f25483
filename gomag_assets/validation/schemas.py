"""What a valid GoMag order is: pandera models of the validated tables (docs/CONTRACTS.md §4).

Each field and check below reads as a rule. The same models judge freshly read orders (in
``validation``) and, as Dagster types (``dagster-pandera``), give the asset its column schema
in the UI and type-check whole tables (the tests do), so they hold for every row:

* A VALID row obeys every rule. Rules that only bind a valid order ("has a date", "its id is
  unique in the input") are dataframe checks conditional on ``verdict``.
* A MALFORMED row keeps the values that obeyed their rules; a value that broke one is None, and
  ``error_message`` names every failure in plain words.

Values reach the models in canonical form (``canonical``); a value that cannot be read as its
kind arrives as None, so "has a date" means present *and* readable. The words of each failure
(``reasons``) tell missing from unreadable by looking at the raw payload value.

Numbers (money, quantities, VAT) are exact decimal text, never float. GoMag sends text such as
``"99.95"``; JSON numbers are read from their source text. A number is an optional minus, digits,
and optionally one decimal separator followed by digits. **Decision on commas:** a single comma
is the decimal separator when there is no dot (``"99,95"`` is 99.95, as written in Romania, so
``"1,234"`` is 1.234); text with both separators (``"1.234,56"``) is ambiguous and rejected, as
are exponents (``"1e3"``), a leading ``+``, bare ``".5"``, surrounding spaces, NaN/Infinity and
booleans. Canonical text has no leading zeros, no trailing fractional zeros and no negative zero:
``"099.950"`` is ``"99.95"``, ``"100.00"`` is ``"100"``, ``"-0"`` is ``"0"``.

Dates are shop-local ``YYYY-MM-DD HH:MM:SS``. Payloads may use that form or ISO 8601 (``T``,
fractions, ``Z`` or an offset); a date with an offset is converted to the shop's time zone,
one without is taken as shop-local. Fractions of a second are dropped.
"""

import re
import warnings
from collections.abc import Callable
from datetime import timedelta

import numpy as np
import pandas as pd
import pandera.pandas as pa
from dagster import BetaWarning
from dagster_pandera import pandera_schema_to_dagster_type
from pandera.typing import Series

from gomag_assets.constants import SYNTHETIC_ID_PREFIX, Verdict
from gomag_assets.validation.canonical import is_decimal_text, per_distinct
from gomag_assets.validation.fields import ADDRESS_FIELDS, ADDRESS_KINDS

EARLIEST_ORDER_DATE = "2000-01-01 00:00:00"
"""No GoMag order predates this; an earlier date is a broken clock or a placeholder."""

FUTURE_TOLERANCE = timedelta(days=2)
"""How far after the run's clock an order date may lie (shop clocks and time zones drift)."""

NOT_IN_FUTURE = "not_in_future"
"""Name of the date rule that needs the run's clock, added by ``order_schema``."""

FORM_CHECKS = frozenset({"date_text", "decimal_text", "sha256_hex", "isin"})
"""Checks of canonical forms that reading always produces: validation skips them on the tables
it has just built; the Dagster types keep them, for tables checked as a whole."""

TOTALS_CHECKS = frozenset({"totals_iff_valid"})
"""Checks of the totals, which validation computes once the verdicts are known: it skips them
on the tables it judges; the Dagster types keep them."""

FLAG_VALUES = [True, False]

_TOTALS = ("items_total", "discount_total", "totals_match")
_ADDRESS_VALUES = tuple(ADDRESS_FIELDS)
_CURRENCY_CODE = re.compile(r"[A-Z]{3}")
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def _is_positive(number: str) -> bool:
    return not number.startswith("-") and number != "0"


def _is_not_negative(number: str) -> bool:
    return not number.startswith("-")


def _is_percentage(number: str) -> bool:
    whole = number.partition(".")[0]
    return not number.startswith("-") and (len(whole) < 3 or number == "100")


TABLE_RULES: dict[str, tuple[str, ...]] = {}
"""Table-wide rule -> the columns it reads, the one it is about first."""


def _table_rule(
    *, name: str, description: str, reads: tuple[str, ...]
) -> Callable[[Callable], classmethod]:
    """A dataframe check whose function returns a plain bool per row (pandera would otherwise
    null-mask the whole table for each such check, the costliest step of validation), about
    ``reads[0]`` and reading only ``reads``."""
    TABLE_RULES[name] = reads
    return pa.dataframe_check(name=name, description=description, ignore_na=False)


def _value_rule(*columns: str, name: str, description: str) -> Callable[[Callable], classmethod]:
    """A column check that lets nulls pass by itself (as ``per_distinct`` does): pandera would
    otherwise look for nulls and drop them first, a pass over the column for every check."""
    return pa.check(*columns, name=name, description=description, ignore_na=False)


def _is_valid(frame: pd.DataFrame) -> pd.Series:
    return frame["verdict"] == Verdict.VALID.value


class Order(pa.DataFrameModel):
    """One landed GoMag order, read into canonical form, and what validation said of it."""

    order_id: Series[str] = pa.Field(
        description="Landing key: the payload's id, or a synthetic key when it had none."
    )
    order_number: Series[str] = pa.Field(nullable=True, description="The shop's order number.")
    order_date: Series[str] = pa.Field(
        nullable=True, description="When the order was placed, shop-local YYYY-MM-DD HH:MM:SS."
    )
    gomag_status: Series[str] = pa.Field(nullable=True, description="GoMag's status name.")
    status_id: Series[str] = pa.Field(nullable=True, description="GoMag's status id (statusId).")
    currency: Series[str] = pa.Field(nullable=True, description="ISO 4217 code, e.g. RON.")
    total: Series[str] = pa.Field(nullable=True, description="Order total, exact decimal text.")
    source: Series[str] = pa.Field(nullable=True, description="Where the order was entered.")
    sales_channel: Series[str] = pa.Field(nullable=True, description="E.g. Website, EasySales.")
    sales_agent: Series[str] = pa.Field(nullable=True, description="Who took the order.")
    observation: Series[str] = pa.Field(nullable=True, description="The customer's note.")
    payment_name: Series[str] = pa.Field(nullable=True, description="Payment method.")
    payment_online: Series[object] = pa.Field(
        nullable=True, isin=FLAG_VALUES, description="Paid online; None when GoMag did not say."
    )
    payment_completed: Series[object] = pa.Field(
        nullable=True, isin=FLAG_VALUES, description="Payment received; None when not said."
    )
    delivery_name: Series[str] = pa.Field(nullable=True, description="Delivery method.")
    delivery_total: Series[str] = pa.Field(
        nullable=True, description="Delivery charge, exact decimal text; None when not sent."
    )
    delivery_date: Series[str] = pa.Field(
        nullable=True, description="Delivery date, shop-local; None when not set."
    )
    locker_id: Series[str] = pa.Field(nullable=True, description="Parcel locker; None when 0.")
    carrier_name: Series[str] = pa.Field(nullable=True, description="The carrier.")
    carrier_awb: Series[str] = pa.Field(nullable=True, description="The carrier's waybill.")
    invoice_series: Series[str] = pa.Field(nullable=True, description="Invoice series.")
    invoice_number: Series[str] = pa.Field(
        nullable=True, description="Invoice number; None when 0 (not invoiced)."
    )
    invoice_date: Series[str] = pa.Field(
        nullable=True, description="Invoice date, shop-local; None when not set."
    )
    customer_id: Series[str] = pa.Field(
        nullable=True, description="GoMag's customer account (billing.customerId); None when 0."
    )
    items_total: Series[str] = pa.Field(
        nullable=True, description="Σ price × quantity of the item lines (VALID orders only)."
    )
    discount_total: Series[str] = pa.Field(
        nullable=True, description="Σ value of the discount lines (VALID orders only)."
    )
    totals_match: Series[object] = pa.Field(
        nullable=True,
        isin=FLAG_VALUES,
        description="total = items_total - discount_total + delivery_total, to the cent.",
    )
    is_cancelled: Series[bool] = pa.Field(description="The status is a cancelled status.")
    nothing_to_import: Series[bool] = pa.Field(
        description="A valid order whose only item lines are services."
    )
    payload_sha256: Series[str] = pa.Field(description="sha256 hex of the payload text (UTF-8).")
    verdict: Series[str] = pa.Field(isin=[verdict.value for verdict in Verdict])
    error_message: Series[str] = pa.Field(
        nullable=True, description="Every failure of a MALFORMED order, in plain words."
    )

    class Config:
        name = "GoMagOrders"
        strict = True
        ordered = True

    @_value_rule(
        "order_date",
        "delivery_date",
        "invoice_date",
        name="date_text",
        description="YYYY-MM-DD HH:MM:SS",
    )
    def _date_text(cls, date: Series[str]) -> Series[bool]:
        return per_distinct(date, _DATE_TEXT.fullmatch)

    @_value_rule("order_date", name="not_before_2000", description=f">= {EARLIEST_ORDER_DATE}")
    def _not_before_2000(cls, order_date: Series[str]) -> Series[bool]:
        return order_date.isna() | (order_date >= EARLIEST_ORDER_DATE)

    @_value_rule("currency", name="currency_code", description="3-letter upper-case code, e.g. RON")
    def _currency_code(cls, currency: Series[str]) -> Series[bool]:
        return per_distinct(currency, _CURRENCY_CODE.fullmatch)

    @_value_rule(
        "total",
        "delivery_total",
        "items_total",
        "discount_total",
        name="decimal_text",
        description="canonical decimal text, e.g. 99.95",
    )
    def _money_decimal_text(cls, money: Series[str]) -> Series[bool]:
        return per_distinct(money, is_decimal_text)

    @_value_rule("delivery_total", name="not_negative", description=">= 0")
    def _delivery_not_negative(cls, delivery_total: Series[str]) -> Series[bool]:
        return per_distinct(delivery_total, _is_not_negative)

    @_value_rule("payload_sha256", name="sha256_hex", description="64 lower-case hex digits")
    def _sha256_hex(cls, digest: Series[str]) -> Series[bool]:
        return per_distinct(digest, _SHA256_HEX.fullmatch)

    @_table_rule(
        name="valid_order_has_id",
        description="a VALID order has a real id",
        reads=("order_id", "verdict"),
    )
    def _valid_order_has_id(cls, frame: pd.DataFrame) -> Series[bool]:
        real_id = [
            order_id != "" and not order_id.startswith(SYNTHETIC_ID_PREFIX)
            for order_id in frame["order_id"].tolist()
        ]
        return ~_is_valid(frame) | np.array(real_id, dtype=bool)

    @_table_rule(
        name="valid_order_id_unique",
        description="a VALID order's id is unique in its batch",
        reads=("order_id", "verdict"),
    )
    def _valid_order_id_unique(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~_is_valid(frame) | ~frame["order_id"].duplicated(keep=False)

    @_table_rule(
        name="valid_order_has_number",
        description="a VALID order has a number",
        reads=("order_number", "verdict"),
    )
    def _valid_order_has_number(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~_is_valid(frame) | frame["order_number"].notna()

    @_table_rule(
        name="valid_order_has_date",
        description="a VALID order has a date",
        reads=("order_date", "verdict"),
    )
    def _valid_order_has_date(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~_is_valid(frame) | frame["order_date"].notna()

    @_table_rule(
        name="valid_order_has_currency",
        description="a VALID order has a currency",
        reads=("currency", "verdict"),
    )
    def _valid_order_has_currency(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~_is_valid(frame) | frame["currency"].notna()

    @_table_rule(
        name="valid_order_has_total",
        description="a VALID order has a total",
        reads=("total", "verdict"),
    )
    def _valid_order_has_total(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~_is_valid(frame) | frame["total"].notna()

    @_table_rule(
        name="totals_iff_valid",
        description="a VALID order has its totals and their match; a MALFORMED one has none",
        reads=(*_TOTALS, "verdict"),
    )
    def _totals_iff_valid(cls, frame: pd.DataFrame) -> Series[bool]:
        valid, totals = _is_valid(frame), frame[list(_TOTALS)].notna()
        return (valid & totals.all(axis=1)) | (~valid & ~totals.any(axis=1))

    @_table_rule(
        name="error_message_iff_malformed",
        description="error_message is set iff MALFORMED",
        reads=("error_message", "verdict"),
    )
    def _error_message_iff_malformed(cls, frame: pd.DataFrame) -> Series[bool]:
        return _is_valid(frame) == frame["error_message"].isna()


class ItemLine(pa.DataFrameModel):
    """One item line of a VALID order (lines of MALFORMED orders are not kept)."""

    order_id: Series[str]
    line_no: Series[int] = pa.Field(ge=0, description="0-based position in the payload's items.")
    product_id: Series[str] = pa.Field(nullable=True, description="GoMag's product id.")
    sku: Series[str] = pa.Field(nullable=True, description="None only on service lines.")
    ean: Series[str] = pa.Field(nullable=True, description="Barcode; None when blank.")
    name: Series[str] = pa.Field(description="Product name, verbatim.")
    quantity: Series[str] = pa.Field(description="Units ordered, exact decimal text.")
    price: Series[str] = pa.Field(description="Unit price, exact decimal text.")
    base_price: Series[str] = pa.Field(
        nullable=True, description="Unit price before discounts (baseprice), exact decimal text."
    )
    vat: Series[str] = pa.Field(description="VAT rate in percent, exact decimal text.")
    is_service: Series[bool] = pa.Field(description='The line\'s type is "service".')

    class Config:
        name = "GoMagOrderItems"
        strict = True
        ordered = True

    @_value_rule(
        "quantity",
        "price",
        "base_price",
        "vat",
        name="decimal_text",
        description="canonical decimal text",
    )
    def _decimal_text(cls, number: Series[str]) -> Series[bool]:
        return per_distinct(number, is_decimal_text)

    @_value_rule("quantity", name="positive", description="> 0")
    def _positive(cls, quantity: Series[str]) -> Series[bool]:
        return per_distinct(quantity, _is_positive)

    @_value_rule("price", name="not_negative", description=">= 0")
    def _not_negative(cls, price: Series[str]) -> Series[bool]:
        return per_distinct(price, _is_not_negative)

    @_value_rule("vat", name="percentage", description="between 0 and 100")
    def _percentage(cls, vat: Series[str]) -> Series[bool]:
        return per_distinct(vat, _is_percentage)

    @_table_rule(
        name="product_line_has_sku",
        description="a product line has a SKU",
        reads=("sku", "is_service"),
    )
    def _product_line_has_sku(cls, frame: pd.DataFrame) -> Series[bool]:
        return frame["is_service"] | frame["sku"].notna()


class Discount(pa.DataFrameModel):
    """One discount line of a VALID order (a voucher, a promotion): it lowers the total."""

    order_id: Series[str]
    line_no: Series[int] = pa.Field(ge=0, description="0-based position in the discounts.")
    name: Series[str] = pa.Field(nullable=True, description="The discount's name.")
    voucher: Series[str] = pa.Field(nullable=True, description="The voucher code used, if any.")
    value: Series[str] = pa.Field(description="Amount taken off the total, exact decimal text.")

    class Config:
        name = "GoMagOrderDiscounts"
        strict = True
        ordered = True

    @_value_rule("value", name="decimal_text", description="canonical decimal text")
    def _decimal_text(cls, value: Series[str]) -> Series[bool]:
        return per_distinct(value, is_decimal_text)

    @_value_rule("value", name="not_negative", description=">= 0")
    def _not_negative(cls, value: Series[str]) -> Series[bool]:
        return per_distinct(value, _is_not_negative)


class Address(pa.DataFrameModel):
    """The billing or shipping address of a VALID order. Every value is optional text (None when
    blank); a block holding only blanks has no row."""

    order_id: Series[str]
    kind: Series[str] = pa.Field(isin=list(ADDRESS_KINDS), description="billing or shipping.")
    firstname: Series[str] = pa.Field(nullable=True)
    lastname: Series[str] = pa.Field(nullable=True)
    company: Series[str] = pa.Field(nullable=True, description="The company, sent as text.")
    phone: Series[str] = pa.Field(nullable=True)
    email: Series[str] = pa.Field(nullable=True)
    address: Series[str] = pa.Field(nullable=True, description="Street, number, building.")
    city: Series[str] = pa.Field(nullable=True)
    region: Series[str] = pa.Field(nullable=True, description="County (judet).")
    country: Series[str] = pa.Field(nullable=True)
    zipcode: Series[str] = pa.Field(nullable=True)
    company_name: Series[str] = pa.Field(nullable=True, description="Billing company.name.")
    company_code: Series[str] = pa.Field(nullable=True, description="Fiscal code (CUI).")
    registration_no: Series[str] = pa.Field(nullable=True, description="Trade register number.")
    bank: Series[str] = pa.Field(nullable=True, description="The company's bank.")
    iban: Series[str] = pa.Field(nullable=True, description="The company's IBAN.")

    class Config:
        name = "GoMagOrderAddresses"
        strict = True
        ordered = True

    @_table_rule(
        name="address_has_a_value",
        description="an address holds at least one value",
        reads=_ADDRESS_VALUES,
    )
    def _address_has_a_value(cls, frame: pd.DataFrame) -> Series[bool]:
        return frame[list(_ADDRESS_VALUES)].notna().any(axis=1)


ORDER_COLUMNS: tuple[str, ...] = tuple(Order.to_schema().columns)
"""Columns of ``ValidationResult.orders``, in order."""

ITEM_COLUMNS: tuple[str, ...] = tuple(ItemLine.to_schema().columns)
"""Columns of ``ValidationResult.items``, in order."""

DISCOUNT_COLUMNS: tuple[str, ...] = tuple(Discount.to_schema().columns)
"""Columns of ``ValidationResult.discounts``, in order."""

ADDRESS_COLUMNS: tuple[str, ...] = tuple(Address.to_schema().columns)
"""Columns of ``ValidationResult.addresses``, in order."""


def order_schema(latest_order_date: str) -> pa.DataFrameSchema:
    """``Order`` plus the rule that needs the run's clock: no order date after
    ``latest_order_date`` (the run's now plus ``FUTURE_TOLERANCE``, shop-local text)."""
    schema = Order.to_schema()
    not_in_future = pa.Check(
        lambda order_date: order_date.isna() | (order_date <= latest_order_date),
        ignore_na=False,
        name=NOT_IN_FUTURE,
        description=f"<= {latest_order_date}",
    )
    checks = [*schema.columns["order_date"].checks, not_in_future]
    return schema.update_column("order_date", checks=checks)


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
