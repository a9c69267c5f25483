"""A batch the compiled decoder reads whole (``NormalizedPayloads.read_fast``) has its text
columns read without a look at each value's type, since that decoder gives only ``str`` or None
for a text field. Those readers give the same tables and reasons as the general ones: proven over
GoMag's published orders, the benchmark's orders, the fast path's edge cases, text fields blank
in every way, and the orders the fast path takes from the property and hostile-input strategies.
"""

from dataclasses import replace
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from order_payloads import address, billing, order, product, published_orders
from reliability.test_hostile_input import landings
from support.order_defects import payload_text, raw
from test_validation_fast_path import EDGE_CASES_READ_FAST, FAST_PATH_SETTINGS
from test_validation_properties import landed_orders, mutated_orders, payload_texts

from benchmarks import synthetic
from gomag_assets.constants import DEFAULT_CANCELLED_STATUSES
from gomag_assets.validation.normalize import NormalizedPayloads, normalize_payloads
from gomag_assets.validation.shapes import read_shaped
from gomag_assets.validation.tables import read_tables

BLANKS = ["", " ", "\t\n", "\u00a0", "\u2003 \u3000", "x ", " \u00a0x"]
"""Blank text of every kind (Unicode spaces too), and text around spaces that is not blank."""


def read_alike(raw_orders: list[tuple[str, str]]) -> int:
    """Read the orders of ``raw_orders`` the fast path takes into tables both ways; fails
    unless the tables and reasons agree. Returns how many orders were compared."""
    taken = [(order_id, text) for order_id, text in raw_orders if is_read_fast(text)]
    if not taken:
        return 0
    payloads = normalize_payloads(taken)
    assert payloads.read_fast
    general = replace(normalize_payloads(taken), read_fast=False)
    assert tables_as_text(payloads) == tables_as_text(general)
    return len(taken)


def tables_as_text(payloads: NormalizedPayloads) -> dict:
    """The tables read from ``payloads``, each value as its ``repr`` (``"1"``, ``b"1"`` and
    ``None`` all differ), with the rows' owners and the reasons."""
    tables = read_tables(payloads, ZoneInfo("Europe/Bucharest"), DEFAULT_CANCELLED_STATUSES, [" 7"])
    names = ("orders", "items", "discounts", "addresses")
    return {
        **{
            name: {column: list(map(repr, values)) for column, values in table.items()}
            for name in names
            for table in [getattr(tables, name)]
        },
        "owners": {name: owner.tolist() for name, owner in tables.owners.items()},
        "reasons": tables.reasons,
    }


def is_read_fast(text: str) -> bool:
    """Whether the compiled decoder reads ``text`` itself."""
    try:
        return read_shaped(text.encode()) is not None
    except UnicodeEncodeError:
        return False


def test_a_batch_is_read_fast_only_when_the_compiled_decoder_reads_every_payload():
    taken = payload_text(order(observation=" \u00a0 ", sales_agent=""))
    declined = payload_text(order(total=raw("109.90")))
    assert normalize_payloads([("1", taken)]).read_fast
    assert not normalize_payloads([("1", taken), ("2", declined)]).read_fast
    assert not normalize_payloads([("1", taken), ("2", "not json")]).read_fast
    assert not normalize_payloads([("1", taken)], fast=False).read_fast


def test_gomags_published_orders_and_the_benchmarks_read_alike():
    texts = [payload_text(each) for each in published_orders().values()]
    texts += [text for _, text in synthetic.landed_payloads(300)]
    assert read_alike([(str(number), text) for number, text in enumerate(texts)]) == 303


@pytest.mark.parametrize("blank", BLANKS)
def test_text_fields_blank_in_any_way_read_alike(blank):
    person = {"firstname": blank, "company": blank, "phone": blank, "zipcode": blank}
    document = order(
        number=blank,
        status=blank,
        statusId=blank,
        observation=blank,
        sales_agent=blank,
        carrier={"name": blank, "awb": blank},
        invoice={"series": blank, "number": blank},
        items=[product(sku=blank, ean=blank, name=blank), product(id=blank, name=" ")],
        discounts=[{"value": "1", "name": blank, "voucher": blank}],
        billing=billing(**person),
        shipping=address(**person),
    )
    texts = [payload_text(document, ensure_ascii=ascii_only) for ascii_only in (True, False)]
    assert read_alike([("1", texts[0]), ("2", texts[1])]) == 2


def test_the_fast_paths_edge_cases_read_alike():
    texts = [
        payload_text(document, ensure_ascii=ascii_only)
        for document in EDGE_CASES_READ_FAST.values()
        for ascii_only in (True, False)
    ]
    compared = read_alike([(str(number), text) for number, text in enumerate(texts)])
    assert compared == len(texts) == 2 * len(EDGE_CASES_READ_FAST)


@FAST_PATH_SETTINGS
@given(st.lists(landed_orders, max_size=16))
def test_orders_of_the_property_tests_read_alike(raw_orders):
    read_alike(raw_orders)


@FAST_PATH_SETTINGS
@given(st.lists(payload_texts(mutated_orders()), min_size=1, max_size=12))
def test_mutated_orders_read_alike(texts):
    read_alike([(str(number), text) for number, text in enumerate(texts)])


@FAST_PATH_SETTINGS
@given(landings)
def test_hostile_landings_read_alike(raw_orders):
    read_alike(raw_orders)
