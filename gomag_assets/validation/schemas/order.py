"""The orders table: one landed GoMag order per row, read into canonical form, and what
validation said of it (docs/CONTRACTS.md §4 ``orders``)."""

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from gomag_assets.constants import SYNTHETIC_ID_PREFIX, Verdict
from gomag_assets.validation.canonical import is_decimal_text, per_distinct
from gomag_assets.validation.schemas.rules import (
    CURRENCY_CODE,
    DATE_TEXT,
    EARLIEST_ORDER_DATE,
    FLAG_VALUES,
    NOT_IN_FUTURE,
    SHA256_HEX,
    is_not_negative,
    is_valid,
    table_rule,
    value_rule,
)

_TOTALS = ("items_total", "discount_total", "totals_match")


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

    @value_rule(
        "order_date",
        "delivery_date",
        "invoice_date",
        name="date_text",
        description="YYYY-MM-DD HH:MM:SS",
    )
    def _date_text(cls, date: Series[str]) -> Series[bool]:
        return per_distinct(date, DATE_TEXT.fullmatch)

    @value_rule("order_date", name="not_before_2000", description=f">= {EARLIEST_ORDER_DATE}")
    def _not_before_2000(cls, order_date: Series[str]) -> Series[bool]:
        return order_date.isna() | (order_date >= EARLIEST_ORDER_DATE)

    @value_rule("currency", name="currency_code", description="3-letter upper-case code, e.g. RON")
    def _currency_code(cls, currency: Series[str]) -> Series[bool]:
        return per_distinct(currency, CURRENCY_CODE.fullmatch)

    @value_rule(
        "total",
        "delivery_total",
        "items_total",
        "discount_total",
        name="decimal_text",
        description="canonical decimal text, e.g. 99.95",
    )
    def _money_decimal_text(cls, money: Series[str]) -> Series[bool]:
        return per_distinct(money, is_decimal_text)

    @value_rule("delivery_total", name="not_negative", description=">= 0")
    def _delivery_not_negative(cls, delivery_total: Series[str]) -> Series[bool]:
        return per_distinct(delivery_total, is_not_negative)

    @value_rule("payload_sha256", name="sha256_hex", description="64 lower-case hex digits")
    def _sha256_hex(cls, digest: Series[str]) -> Series[bool]:
        return per_distinct(digest, SHA256_HEX.fullmatch)

    @table_rule(
        name="valid_order_has_id",
        description="a VALID order has a real id",
        reads=("order_id", "verdict"),
    )
    def _valid_order_has_id(cls, frame: pd.DataFrame) -> Series[bool]:
        real_id = [
            order_id != "" and not order_id.startswith(SYNTHETIC_ID_PREFIX)
            for order_id in frame["order_id"].tolist()
        ]
        return ~is_valid(frame) | np.array(real_id, dtype=bool)

    @table_rule(
        name="valid_order_id_unique",
        description="a VALID order's id is unique in its batch",
        reads=("order_id", "verdict"),
    )
    def _valid_order_id_unique(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~is_valid(frame) | ~frame["order_id"].duplicated(keep=False)

    @table_rule(
        name="valid_order_has_number",
        description="a VALID order has a number",
        reads=("order_number", "verdict"),
    )
    def _valid_order_has_number(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~is_valid(frame) | frame["order_number"].notna()

    @table_rule(
        name="valid_order_has_date",
        description="a VALID order has a date",
        reads=("order_date", "verdict"),
    )
    def _valid_order_has_date(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~is_valid(frame) | frame["order_date"].notna()

    @table_rule(
        name="valid_order_has_currency",
        description="a VALID order has a currency",
        reads=("currency", "verdict"),
    )
    def _valid_order_has_currency(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~is_valid(frame) | frame["currency"].notna()

    @table_rule(
        name="valid_order_has_total",
        description="a VALID order has a total",
        reads=("total", "verdict"),
    )
    def _valid_order_has_total(cls, frame: pd.DataFrame) -> Series[bool]:
        return ~is_valid(frame) | frame["total"].notna()

    @table_rule(
        name="totals_iff_valid",
        description="a VALID order has its totals and their match; a MALFORMED one has none",
        reads=(*_TOTALS, "verdict"),
    )
    def _totals_iff_valid(cls, frame: pd.DataFrame) -> Series[bool]:
        valid, totals = is_valid(frame), frame[list(_TOTALS)].notna()
        return (valid & totals.all(axis=1)) | (~valid & ~totals.any(axis=1))

    @table_rule(
        name="error_message_iff_malformed",
        description="error_message is set iff MALFORMED",
        reads=("error_message", "verdict"),
    )
    def _error_message_iff_malformed(cls, frame: pd.DataFrame) -> Series[bool]:
        return is_valid(frame) == frame["error_message"].isna()


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
