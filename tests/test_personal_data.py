"""``without_personal_data``: only the buyer's personal values change, every other byte stays."""

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support.days import DAY

from gomag_assets.demo import DemoShop
from gomag_assets.resources.gomag_api import GoMagApi, without_personal_data
from gomag_assets.resources.gomag_api.personal_data import ADDRESS_BLOCKS, PERSONAL_FIELDS

FIXTURES = Path(__file__).parent / "fixtures" / "gomag"

Segment = str | tuple[str, str]
"""Text as sent, or (a personal value as sent, the same value blanked)."""


def _render(segments: list[Segment], blanked: bool) -> str:
    return "".join(
        part if isinstance(part, str) else part[1 if blanked else 0] for part in segments
    )


def _blanked(order: Any) -> Any:
    """The parsed order as ``without_personal_data`` must leave it."""
    order = json.loads(json.dumps(order))
    for block in ADDRESS_BLOCKS:
        if isinstance(order.get(block), dict):
            for name in PERSONAL_FIELDS:
                if name in order[block]:
                    order[block][name] = ""
    return order


SPACE = st.sampled_from(["", " ", "\n  ", "\t", "\r\n"])
NUMBER_SPELLINGS = st.sampled_from(
    ["0", "-0", "1.50", "1E+3", "2e-2", "990.5", "12345678901234567890123456789", "0.10"]
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=6,
)


@st.composite
def _value(draw: st.DrawFn) -> str:
    """Any JSON value, spelled as a PHP or Python encoder might: escapes, spacing, numbers."""
    choice = draw(st.integers(0, 2))
    if choice == 0:
        return draw(NUMBER_SPELLINGS)
    indent = draw(st.sampled_from([None, 0, 2]))
    separators = draw(st.sampled_from([(",", ":"), (", ", ": "), (" ,", " : ")]))
    ascii_only = draw(st.booleans())
    source = draw(st.text()) if choice == 1 else draw(JSON_VALUES)
    return json.dumps(source, ensure_ascii=ascii_only, indent=indent, separators=separators)


@st.composite
def _key(draw: st.DrawFn, name: str) -> str:
    """A member name, sometimes spelled all in ``\\u`` escapes (it still is that name)."""
    if draw(st.booleans()):
        return json.dumps(name, ensure_ascii=draw(st.booleans()))
    return '"' + "".join(f"\\u{ord(c):04x}" if ord(c) < 0x10000 else c for c in name) + '"'


@st.composite
def _object(draw: st.DrawFn, names: list[str], personal: bool) -> list[Segment]:
    """An object whose members are ``names``; with ``personal``, its personal values are
    marked for blanking."""
    segments: list[Segment] = ["{", draw(SPACE)]
    for position, name in enumerate(names):
        if position:
            segments += [",", draw(SPACE)]
        segments += [draw(_key(name)), draw(SPACE), ":", draw(SPACE)]
        if name in ADDRESS_BLOCKS and not personal and draw(st.booleans()):
            inner = draw(st.lists(ADDRESS_NAMES, max_size=8))
            segments += draw(_object(inner, personal=True))
        elif name == "company" and draw(st.booleans()):
            segments += draw(_object(draw(st.lists(ADDRESS_NAMES, max_size=4)), personal=False))
        else:
            value = draw(_value())
            segments.append((value, '""') if personal and name in PERSONAL_FIELDS else value)
        segments.append(draw(SPACE))
    segments.append("}")
    return segments


ADDRESS_NAMES = st.sampled_from([*PERSONAL_FIELDS, "city", "country", "zipcode", "company"]) | (
    st.text(max_size=6)
)
ORDER_NAMES = st.lists(
    st.sampled_from([*ADDRESS_BLOCKS, "id", "total", "delivery", "items", "discounts"])
    | st.text(max_size=6),
    max_size=8,
)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_only_the_personal_values_of_billing_and_shipping_change(data: st.DataObject) -> None:
    segments = data.draw(_object(data.draw(ORDER_NAMES), personal=False))
    payload = _render(segments, blanked=False)
    json.loads(payload)  # the generator writes valid JSON

    assert without_personal_data(payload) == _render(segments, blanked=True)


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_text_that_is_not_one_json_object_comes_back_unchanged(data: st.DataObject) -> None:
    names = [*ADDRESS_BLOCKS, *data.draw(ORDER_NAMES)]
    payload = _render(data.draw(_object(names, personal=False)), blanked=False)
    cut = payload[: data.draw(st.integers(0, len(payload) - 1))]
    assert without_personal_data(cut) == cut
    assert without_personal_data(payload + ",{}") == payload + ",{}"
    listed = f"[{payload}]"
    assert without_personal_data(listed) == listed


@pytest.mark.parametrize(
    "payload",
    [
        '{"id": "1", "items": [{"email": "a@b.ro"}]}',
        '{"billing": ["Ana", "Pop"], "shipping": "Str. Lalelor 3"}',
        '{"delivery": {"firstname": "Ana"}, "billing": {"company": {"email": "x@y.ro"}}}',
    ],
)
def test_payloads_without_address_blocks_to_blank_are_unchanged(payload: str) -> None:
    assert without_personal_data(payload) == payload


@pytest.mark.parametrize("name", ["order_read_response.json", "order_schema_example.json"])
def test_published_orders_lose_names_and_contacts_but_nothing_else(name: str) -> None:
    text = (FIXTURES / name).read_text(encoding="utf-8")
    document = json.loads(text)
    orders = document["orders"].values() if "orders" in document else [document]
    for order in orders:
        payload = json.dumps(order, indent=2)
        blanked = without_personal_data(payload)
        assert json.loads(blanked) == _blanked(order)
        assert json.loads(blanked)["billing"]["city"] == order["billing"]["city"]
        assert len(payload) - len(blanked) == sum(
            len(json.dumps(order[block][field])) - 2
            for block in ADDRESS_BLOCKS
            for field in PERSONAL_FIELDS
            if field in order.get(block, {})
        )


def test_payloads_fetched_from_the_shop_keep_their_text_outside_the_blanked_values(
    demo_shop: DemoShop, gomag_api: GoMagApi
) -> None:
    for order in gomag_api.fetch_orders(DAY, DAY).orders:
        sent = json.loads(order.payload)
        blanked = without_personal_data(order.payload)
        assert json.loads(blanked) == _blanked(sent), order.order_id
        assert "@example.ro" not in blanked
