"""The rows a VALID order holds: its item lines, its discount lines and its addresses
(docs/CONTRACTS.md §4 ``items``, ``discounts``, ``addresses``); those of a MALFORMED order are
not kept."""

import pandas as pd
import pandera.pandas as pa
from pandera.typing import Series

from gomag_assets.validation.canonical import is_decimal_text, per_distinct
from gomag_assets.validation.fields import ADDRESS_FIELDS, ADDRESS_KINDS
from gomag_assets.validation.schemas.rules import (
    is_not_negative,
    is_percentage,
    is_positive,
    table_rule,
    value_rule,
)

_ADDRESS_VALUES = tuple(ADDRESS_FIELDS)


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

    @value_rule(
        "quantity",
        "price",
        "base_price",
        "vat",
        name="decimal_text",
        description="canonical decimal text",
    )
    def _decimal_text(cls, number: Series[str]) -> Series[bool]:
        return per_distinct(number, is_decimal_text)

    @value_rule("quantity", name="positive", description="> 0")
    def _positive(cls, quantity: Series[str]) -> Series[bool]:
        return per_distinct(quantity, is_positive)

    @value_rule("price", name="not_negative", description=">= 0")
    def _not_negative(cls, price: Series[str]) -> Series[bool]:
        return per_distinct(price, is_not_negative)

    @value_rule("vat", name="percentage", description="between 0 and 100")
    def _percentage(cls, vat: Series[str]) -> Series[bool]:
        return per_distinct(vat, is_percentage)

    @table_rule(
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

    @value_rule("value", name="decimal_text", description="canonical decimal text")
    def _decimal_text(cls, value: Series[str]) -> Series[bool]:
        return per_distinct(value, is_decimal_text)

    @value_rule("value", name="not_negative", description=">= 0")
    def _not_negative(cls, value: Series[str]) -> Series[bool]:
        return per_distinct(value, is_not_negative)


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

    @table_rule(
        name="address_has_a_value",
        description="an address holds at least one value",
        reads=_ADDRESS_VALUES,
    )
    def _address_has_a_value(cls, frame: pd.DataFrame) -> Series[bool]:
        return frame[list(_ADDRESS_VALUES)].notna().any(axis=1)
