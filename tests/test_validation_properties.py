"""Properties of validate_orders over hostile payloads: it never raises, every landed order comes
out exactly once, every MALFORMED order says why, child rows exist only for VALID orders, the four
tables obey their own schemas, and every verdict is the one an independent reference judge
(``support.validation_oracle``) gives, down to the fields blamed and the money of VALID orders.
Orders built with a known defect (``support.order_defects``) are MALFORMED naming exactly it."""

import json
import re
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from order_payloads import NOW, address, billing, company, discount, order, product, service
from support.order_defects import (
    CATALOGUE,
    VARIATIONS,
    apply,
    base_order,
    constructed_orders,
    payload_text,
    without_missing,
)
from support.validation_oracle import judge_landing
from support.verdict_agreement import blamed_by, disagreements

from gomag_assets.validation import ValidationResult, validate_orders
from gomag_assets.validation.canonical import decimal_text
from gomag_assets.validation.schemas import Address, Discount, ItemLine, Order

PROPERTY_SETTINGS = settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SCHEMA_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=50)
"""Checking the tables against their schemas costs ten times validating them, whatever their
length: those batches are fewer and longer."""

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
    st.from_regex(
        r"(19|20)[0-9]{2}-[ 01][0-9]-[ 0-3][0-9][ T\t]{1,2}[ 012]?[0-9]:[0-5][0-9]:[0-5][0-9]"
        r"(\.[0-9]{1,3})?(Z|[+-][01][0-9]:[03]0)?",
        fullmatch=True,
    ),
)
EDGE_VALUES = [
    *["-1", "-0.01", "0", "-0", "-0.00", "0.001", "1,5", "1.234,56", "1e3", "+1", ".5"],
    *["99.99", "100", "100.00", "100.01", "101", "999", "0000-00-00 00:00:00", "0000-00-00"],
    *["2026-10-04 12:00:00", "2026-10-04 12:00:01", "2000-01-01 00:00:00", "1999-12-31 23:59:59"],
    *["2026-10-01T11:03:22Z", "2026-10-01  4:03:22", "ron", "RON", "EURO", "service", "SERVICE"],
    *["", " ", "0", "1", "yes", "\ud800", [], {}],
]
"""Values on either side of a rule's boundary, for any field."""
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
    fields, block fields, item or discount fields dropped or replaced by a value on the edge of
    a rule or by arbitrary JSON."""
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
            target[field] = draw(st.one_of(st.sampled_from(EDGE_VALUES), json_values))
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


def assert_conserves_and_judges_right(raw: list[tuple[str, str]]) -> ValidationResult:
    """Every order once, MALFORMED ones with a reason, child rows only of VALID ones, and each
    verdict, blamed field and VALID order's money as the reference judge has them."""
    result = validate_orders(raw, now=NOW)
    orders = result.orders
    assert orders["order_id"].tolist() == [order_id for order_id, _ in raw]
    valid = orders["verdict"] == "VALID"
    assert valid.sum() + (orders["verdict"] == "MALFORMED").sum() == len(raw)
    assert orders.loc[valid, "error_message"].isna().all()
    for message in orders.loc[~valid, "error_message"]:
        assert isinstance(message, str) and message
        message.encode("utf-8")
        assert len(message) < 20 * 300
    for child in (result.items, result.discounts, result.addresses):
        assert set(child["order_id"]) <= set(orders.loc[valid, "order_id"])
    assert not disagreements(judge_landing(raw, now=NOW), orders.to_dict("records"))
    return result


def assert_tables_obey_their_schemas(result: ValidationResult) -> None:
    """Canonical forms and columns: the models that gave the verdicts cannot say whether one is
    right (the reference judge does), only that the tables have the contract's shape."""
    Order.validate(result.orders, lazy=True)
    ItemLine.validate(result.items, lazy=True)
    Discount.validate(result.discounts, lazy=True)
    Address.validate(result.addresses, lazy=True)


@SCHEMA_SETTINGS
@given(st.lists(landed_orders, max_size=24))
def test_hostile_payloads_never_raise_and_every_order_is_accounted_for(raw):
    assert_tables_obey_their_schemas(assert_conserves_and_judges_right(raw))


@PROPERTY_SETTINGS
@given(st.lists(payload_texts(mutated_orders()), min_size=1, max_size=12))
def test_mutated_orders_keep_one_verdict_each_and_items_only_when_valid(texts):
    raw = [(str(position), text) for position, text in enumerate(texts)]
    result = assert_conserves_and_judges_right(raw)
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


def assert_verdicts_known_by_construction(
    constructed: list[tuple[str | None, str, frozenset[str]]],
) -> None:
    """Each ``(landing_key, payload_text, fields_to_blame)`` is VALID when it has none to blame,
    else MALFORMED naming exactly those fields, in the real verdicts and the reference judge's."""
    raw = [
        (key if key is not None else f"order-{n}", text)
        for n, (key, text, _) in enumerate(constructed)
    ]
    rows = validate_orders(raw, now=NOW).orders.to_dict("records")
    judged = judge_landing(raw, now=NOW)
    wrong = []  # a MALFORMED verdict names a field or more, so VALID is an empty set
    for (_, text), (*_, blamed), row, judgement in zip(raw, constructed, rows, judged, strict=True):
        named = blamed_by(row["error_message"])[0] if row["verdict"] == "MALFORMED" else set()
        if named != blamed or judgement.blamed != blamed:
            wrong.append(
                f"{text[:300]}\n  by construction {sorted(blamed)}, "
                f"real {row['error_message']}, oracle {sorted(judgement.blamed)}"
            )
    assert not wrong, "\n".join(wrong)
    assert not disagreements(judged, rows)


def test_each_defect_of_the_catalogue_makes_the_order_malformed_naming_that_field_alone():
    base = payload_text(base_order())
    constructed = [(None, base, frozenset()), *[("twice", base, frozenset({"id"}))] * 2]
    for defect in CATALOGUE:
        document = base_order()
        key = apply(defect, document)
        constructed.append((key, payload_text(document), frozenset({defect.field})))
    assert_verdicts_known_by_construction(constructed)


def test_each_harmless_variation_keeps_the_order_valid_with_the_judges_money():
    constructed = []
    for variation in VARIATIONS:
        document = base_order()
        variation.change(document)
        constructed.append((None, payload_text(without_missing(document)), frozenset()))
    assert_verdicts_known_by_construction(constructed)


@settings(PROPERTY_SETTINGS, max_examples=200)
@given(st.lists(constructed_orders(), min_size=1, max_size=8))
def test_a_valid_order_varied_harmlessly_stays_valid_and_one_defect_is_named_alone(constructed):
    assert_verdicts_known_by_construction(constructed)
