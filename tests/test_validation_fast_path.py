"""The compiled decoder's fast path (``validation.shapes``) reads every payload exactly as the
stdlib reference path does: the same values of the same types (a JSON number is the ``bytes`` of
its source text), the same rows, the same reasons. Payloads it cannot read that way (NaN, lone
surrogates, numbers where GoMag sends text, ...) go the reference way, so the two agree on any
input: proven over GoMag's published orders, the benchmark's orders, the defect catalogue, the
edge cases below and the hostile strategies of the property and hostile-input tests."""

import json
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from order_payloads import address, billing, company, discount, order, product, published_orders
from reliability.test_hostile_input import landings
from support.order_defects import (
    CATALOGUE,
    VARIATIONS,
    apply,
    base_order,
    payload_text,
    raw,
    without_missing,
)
from test_validation_properties import (
    PROPERTY_SETTINGS,
    landed_orders,
    mutated_orders,
    payload_texts,
)

from benchmarks import synthetic
from gomag_assets.validation.normalize import NormalizedPayloads, Rows, normalize_payloads
from gomag_assets.validation.shapes import read_shaped

FAST_PATH_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=150)


def read_both_ways(raw_orders: list[tuple[str, str]]) -> dict:
    """Normalize ``raw_orders`` the fast and the reference way; fails unless they agree."""
    fast = comparable(normalize_payloads(raw_orders))
    reference = comparable(normalize_payloads(raw_orders, fast=False))
    assert fast == reference
    return fast


def comparable(payloads: NormalizedPayloads) -> dict:
    """Everything normalize gives, each value as its ``repr``: ``b"1"``, ``"1"``, ``1`` and
    ``True`` all differ."""
    return {
        "order_ids": payloads.order_ids,
        "payload_sha256": payloads.payload_sha256,
        "order_fields": _columns(payloads.order_fields),
        "unreadable": payloads.unreadable,
        "may_hold_lone_surrogates": payloads.may_hold_lone_surrogates,
        "items": _rows(payloads.items),
        "discounts": _rows(payloads.discounts),
        "addresses": _rows(payloads.addresses),
        "reasons": payloads.reasons,
    }


def _columns(fields: dict) -> dict[str, list[str]]:
    return {field: list(map(repr, column)) for field, column in fields.items()}


def _rows(rows: Rows) -> tuple:
    return rows.order.tolist(), list(map(repr, rows.key)), _columns(rows.fields)


def fast_share(texts: list[str]) -> float:
    """The share of ``texts`` the fast path reads itself."""
    return sum(read_shaped(text.encode()) is not None for text in texts) / len(texts)


def with_token(document: dict, ensure_ascii: bool = True) -> str:
    return payload_text(document, ensure_ascii=ensure_ascii)


def test_gomags_published_orders_and_the_benchmarks_read_alike_all_the_fast_way():
    texts = [json.dumps(each) for each in published_orders().values()]
    texts += [text for _, text in synthetic.landed_payloads(300)]
    normalized = read_both_ways([(str(number), text) for number, text in enumerate(texts)])
    assert len(normalized["order_ids"]) == len(texts) == 303
    assert fast_share(texts) == 1.0


NUMBERS = [
    "-0",
    "-0.0",
    "0",
    "1E5",
    "1e+5",
    "0.1e-400",
    "1e400",
    "249.90",
    "9" * 30,
    "-" + "9" * 400,
]
EDGE_CASES_READ_FAST = {
    **{f"delivery total {token}": order(delivery={"total": raw(token)}) for token in NUMBERS},
    **{f"locker id {token}": order(delivery={"lockerId": raw(token)}) for token in NUMBERS},
    "customer id -0": order(billing=billing(customerId=raw("-0"))),
    "customer id 30 digits": order(billing=billing(customerId=raw("1" * 30))),
    "customer id as text": order(billing=billing(customerId="12")),
    "customer id null": order(billing=billing(customerId=None)),
    "locker id escaped text": order(delivery={"lockerId": "L\u0219-1"}),
    "invoice as []": order(invoice=[]),
    "invoice as empty text": order(invoice=""),
    "payment as blank text": order(payment="  "),
    "delivery as text": order(delivery="curier"),
    "carrier as a list": order(carrier=[1, "x"]),
    "shipping as []": order(shipping=[]),
    "billing as text": order(billing="x"),
    "no billing": order(billing=None),
    "items keyed by number": order(items={"0": product(), "1": product(sku="B-2")}),
    "items keyed twice": order(items={"1": product(), "0": product(sku="B-2")}),
    "items as {}": order(items={}),
    "items as []": order(items=[]),
    "items as text": order(items=""),
    "items null": order(items=None),
    "discounts as {}": order(discounts={}),
    "discounts keyed by number": order(discounts={"0": discount()}),
    "discounts as empty text": order(discounts=""),
    "discounts as text": order(discounts="x"),
    "company as []": order(billing=billing(company=[])),
    "company as text": order(billing=billing(company="Firma SRL")),
    "company of billing": order(billing=billing(company=company())),
    "company with a field missing": order(billing=billing(company={"name": "X SRL"})),
    "shipping company as []": order(shipping=address(company=[])),
    "paired surrogates escaped": order(observation="🛒 la poarta"),
    "a field GoMag does not send": order(extra={"nested": [1, 2.5, -0.0]}),
}
EDGE_CASES_READ_THE_REFERENCE_WAY = {
    "a number where GoMag sends text": order(total=raw("109.90")),
    "a number in an item line": order(items=[product(price=raw("-0"))]),
    "true where GoMag sends a number": order(delivery={"total": raw("true")}),
    "a list where GoMag sends a number": order(delivery={"lockerId": [raw("-0")]}),
    "an object where GoMag sends text": order(status={"id": raw("7")}),
    "a number as a block": order(invoice=raw("5")),
    "a non-empty company list": order(billing=billing(company=[raw("1")])),
    "a company object on shipping": order(shipping=address(company=company())),
    "an item line no object": order(items=[product(), raw("5")]),
    "an item line null": order(items={"0": None}),
    "lone surrogate escaped": order(items=[product(name="\ud800")]),
    "lone surrogate in a number field": order(billing=billing(customerId="\udfff")),
    "NaN in a field GoMag does not send": order(extra=raw("NaN")),
    "-Infinity where GoMag sends a number": order(delivery={"total": raw("-Infinity")}),
}


@pytest.mark.parametrize("name", EDGE_CASES_READ_FAST)
def test_an_edge_case_the_fast_path_takes_reads_as_the_reference_does(name):
    texts = [with_token(EDGE_CASES_READ_FAST[name], ascii_only) for ascii_only in (True, False)]
    read_both_ways([("1", texts[0]), ("2", texts[1])])
    assert fast_share(texts) == 1.0


@pytest.mark.parametrize("name", EDGE_CASES_READ_THE_REFERENCE_WAY)
def test_an_edge_case_the_fast_path_declines_reads_as_the_reference_does(name):
    text = with_token(EDGE_CASES_READ_THE_REFERENCE_WAY[name])
    read_both_ways([("1", text)])
    assert fast_share([text]) == 0.0


def test_texts_the_fast_path_declines_read_as_the_reference_does():
    text = with_token(order())
    texts = [
        text.replace('"status": ', '"status": "Anulata", "status": ', 1),  # the last one counts
        text.replace('"status"', '"st\\u0061tus"', 1),
        "\ufeff" + text,
        " \n" + text + "\t",
        text[:-1],
        text + "x",
        json.dumps(order(observation="x\ud800y"), ensure_ascii=False),
        "[" + text + "]",
        '{"items": ' + "[" * 600 + "]" * 600 + "}",
        "",
        "null",
    ]
    normalized = read_both_ways([(str(number), each) for number, each in enumerate(texts)])
    assert len(normalized["order_ids"]) == len(texts)


@pytest.mark.parametrize("opening, closing", [("[", "]"), ('{"a": ', "}")])
def test_nesting_near_the_stack_limit_reads_as_the_reference_does(opening, closing):
    """Where the stdlib decoder runs out of stack depends on the depth it is called at: every
    nesting up to past the limit, in a field GoMag does not send and in a block."""
    text = with_token(order())
    texts = []
    for depth in range(sys.getrecursionlimit() // 2, sys.getrecursionlimit() + 10):
        nested = opening * depth + ("1" if closing == "}" else "") + closing * depth
        texts += [
            '{"extra": ' + nested + ", " + text[1:],
            '{"carrier": ' + nested + ", " + text[1:],
        ]
    normalized = read_both_ways([(str(number), each) for number, each in enumerate(texts)])
    assert "payload: nested too deeply to read" in {reason.text for reason in normalized["reasons"]}


def test_the_defect_catalogue_and_harmless_variations_read_alike():
    texts = []
    for change in [
        *(lambda doc, d=d: apply(d, doc) for d in CATALOGUE),
        *(v.change for v in VARIATIONS),
    ]:
        document = base_order()
        change(document)
        texts.append(with_token(without_missing(document)))
    read_both_ways([(str(number), text) for number, text in enumerate(texts)])
    assert 0.5 < fast_share(texts) < 1.0


@FAST_PATH_SETTINGS
@given(st.lists(landed_orders, max_size=16))
def test_hostile_payloads_of_the_property_tests_read_alike(raw_orders):
    read_both_ways(raw_orders)


@FAST_PATH_SETTINGS
@given(st.lists(payload_texts(mutated_orders()), min_size=1, max_size=12))
def test_mutated_orders_read_alike(texts):
    read_both_ways([(str(number), text) for number, text in enumerate(texts)])


@FAST_PATH_SETTINGS
@given(landings)
def test_hostile_landings_read_alike(raw_orders):
    read_both_ways(raw_orders)
