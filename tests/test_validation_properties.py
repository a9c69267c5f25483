"""Properties of validate_orders over hostile payloads: it never raises, every landed order comes
out exactly once, every MALFORMED order says why, child rows exist only for VALID orders, and the
four tables obey their own schemas."""

import json
import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from order_payloads import NOW, address, billing, company, discount, order, product, service

from gomag_assets.validation import ValidationResult, validate_orders
from gomag_assets.validation.canonical import decimal_text
from gomag_assets.validation.schemas import Address, Discount, ItemLine, Order

PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

hostile_text = st.text(
    st.one_of(st.characters(), st.sampled_from(["\x00", "\ud800", "\udfff", "\u0301", ","])),
    max_size=30,
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**60), max_value=10**60),
    st.floats(allow_nan=True, allow_infinity=True),
    st.just(-0.0),
    hostile_text,
    st.from_regex(r"-?[0-9]{1,4}([.,][0-9]{1,3})?", fullmatch=True),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(hostile_text, children, max_size=4)
    ),
    max_leaves=12,
)

CANONICAL_DECIMAL = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]*[1-9])?")
"""No leading zeros, no trailing fractional zeros, no bare separator."""

BLOCK_FIELDS = {
    "invoice": ["series", "number", "date"],
    "payment": ["name", "online", "completed"],
    "delivery": ["name", "total", "date", "lockerId"],
    "carrier": ["name", "awb"],
    "billing": [*address(), "customerId"],
    "shipping": list(address()),
}
ORDER_FIELDS = [
    "id",
    "number",
    "date",
    "status",
    "statusId",
    "currency",
    "total",
    "source",
    "sales_channel",
    "sales_agent",
    "observation",
    "items",
    "discounts",
    *BLOCK_FIELDS,
]
ITEM_FIELDS = ["id", "type", "sku", "ean", "name", "quantity", "price", "baseprice", "vat"]
DISCOUNT_FIELDS = ["value", "name", "voucher"]


@st.composite
def mutated_orders(draw: st.DrawFn) -> dict:
    """A valid order in the published shape (sometimes with a carrier and a company) with a few
    fields, block fields, item or discount fields dropped or replaced by arbitrary JSON."""
    items = draw(st.lists(st.sampled_from([product(), service()]), min_size=1, max_size=3))
    discounts = draw(st.lists(st.just(discount()), max_size=2))
    document = order(
        str(draw(st.integers(0, 5))),
        items=[dict(line) for line in items],
        discounts=[dict(line) for line in discounts],
        shipping=address(),
        billing=billing(company=company()) if draw(st.booleans()) else billing(),
    )
    if draw(st.booleans()):
        document["carrier"] = {"name": "Curier rapid", "awb": "1234567890"}
    for _ in range(draw(st.integers(0, 3))):
        target, fields = draw(_targets(document))
        field = draw(st.sampled_from(fields))
        if draw(st.booleans()):
            target.pop(field, None)
        else:
            target[field] = draw(json_values)
    return document


def _targets(document: dict) -> st.SearchStrategy[tuple[dict, list[str]]]:
    """Where a mutation may land: the order itself, one of its blocks, item or discount lines."""
    targets = [(document, ORDER_FIELDS)]
    targets += [
        (document[block], fields)
        for block, fields in BLOCK_FIELDS.items()
        if type(document.get(block)) is dict
    ]
    for container, fields in (("items", ITEM_FIELDS), ("discounts", DISCOUNT_FIELDS)):
        lines = document.get(container)
        if type(lines) is list:
            targets += [(line, fields) for line in lines if type(line) is dict]
    return st.sampled_from(targets)


def payload_texts(documents: st.SearchStrategy) -> st.SearchStrategy[str]:
    return st.builds(
        lambda document, ascii_only: json.dumps(document, ensure_ascii=ascii_only),
        documents,
        st.booleans(),
    )


landed_orders = st.tuples(
    st.one_of(st.sampled_from(["1", "2", "NOID-abc", ""]), hostile_text),
    st.one_of(
        payload_texts(mutated_orders()),
        payload_texts(json_values),
        hostile_text,
        st.integers(4301, 5000).map(lambda digits: '{"total": ' + "9" * digits + "}"),
    ),
)


def assert_conserves_and_explains(raw: list[tuple[str, str]]) -> ValidationResult:
    result = validate_orders(raw, now=NOW)
    orders, items = result.orders, result.items
    assert orders["order_id"].tolist() == [order_id for order_id, _ in raw]
    valid = orders["verdict"] == "VALID"
    assert valid.sum() + (orders["verdict"] == "MALFORMED").sum() == len(raw)
    assert orders.loc[valid, "error_message"].isna().all()
    for message in orders.loc[~valid, "error_message"]:
        assert isinstance(message, str) and message
        message.encode("utf-8")
        assert len(message) < 20 * 300
    for child in (items, result.discounts, result.addresses):
        assert set(child["order_id"]) <= set(orders.loc[valid, "order_id"])
    assert orders.loc[valid, "totals_match"].isin([True, False]).all()
    Order.validate(orders, lazy=True)
    ItemLine.validate(items, lazy=True)
    Discount.validate(result.discounts, lazy=True)
    Address.validate(result.addresses, lazy=True)
    return result


@PROPERTY_SETTINGS
@given(st.lists(landed_orders, max_size=6))
def test_hostile_payloads_never_raise_and_every_order_is_accounted_for(raw):
    assert_conserves_and_explains(raw)


@PROPERTY_SETTINGS
@given(st.lists(payload_texts(mutated_orders()), min_size=1, max_size=6))
def test_mutated_orders_keep_one_verdict_each_and_items_only_when_valid(texts):
    raw = [(str(position), text) for position, text in enumerate(texts)]
    result = assert_conserves_and_explains(raw)
    for position, text in enumerate(texts):
        document = json.loads(text)
        valid = result.orders.loc[position, "verdict"] == "VALID"
        for container, frame in (("items", result.items), ("discounts", result.discounts)):
            kept = frame[frame["order_id"] == str(position)]
            lines = document.get(container) or []
            assert len(kept) == (len(lines) if valid else 0)


@settings(max_examples=300, deadline=None)
@given(
    st.from_regex(r"-?[0-9]{1,40}", fullmatch=True),
    st.one_of(st.none(), st.from_regex(r"[0-9]{1,40}", fullmatch=True)),
    st.sampled_from([".", ","]),
)
def test_decimal_text_is_exact_and_canonical(whole, fraction, separator):
    sent = whole if fraction is None else f"{whole}{separator}{fraction}"
    canonical = decimal_text(sent)
    assert Decimal(canonical) == Decimal(sent.replace(",", "."))  # exact, any number of digits
    assert CANONICAL_DECIMAL.fullmatch(canonical) and canonical != "-0"
    assert decimal_text(canonical) == canonical
