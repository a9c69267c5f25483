"""A run that validates and imports a day hands the day's orders to the import in memory
(``ValidatedDay.orders_to_import``), instead of reading them back from the store. The import
must get exactly what the read-back gives: the same orders in the same order, every value of
the same type and value, every dict's keys in the same order. These tests compare both for
hostile landings (lone surrogates, NUL, 5,000-digit numbers, MALFORMED orders of every kind),
with and without personal data kept, on SQLite and PostgreSQL, and run the real multi-asset
with a store that cannot read verdicts back.
"""

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from order_payloads import NOW, address, billing, discount, order, product, service
from pipeline import materialize_day
from support.days import DAY as RUN_DAY

from gomag_assets.assets.validated_orders import ValidatedDay
from gomag_assets.resources.gomag_api.pages import RawOrder
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.resources.order_store.validation_frames import as_read_back
from gomag_assets.validation import validate_orders
from reliability.test_hostile_input import (
    LONG_DECIMAL,
    PROPERTY_SETTINGS,
    landings,
)

DAY = "2026-10-01"
LANDED_AT = "2026-10-01T12:00:00+00:00"


def exact(value: Any) -> Any:
    """``value`` with every type and every dict's key order made part of what ``==`` compares
    (``True == 1`` and ``{"a": 1, "b": 2} == {"b": 2, "a": 1}`` would hide a difference)."""
    if type(value) is dict:
        return ("dict", [(key, exact(item)) for key, item in value.items()])
    if type(value) is list:
        return ("list", [exact(item) for item in value])
    return (type(value).__name__, repr(value))


def handed_on_and_read_back(
    store: OrderStore, landing: list[tuple[str, str]]
) -> tuple[list[dict], list[dict], ValidatedDay]:
    """Land, validate and store the day as the assets do; the orders the import would get in
    memory, those it would read back, and the day's verdicts."""
    store.replace_raw_orders(DAY, "run-1", [RawOrder(*pair) for pair in landing], LANDED_AT)
    result = validate_orders(store.read_raw_orders(DAY), now=NOW)
    store.replace_validation(
        DAY, "run-1", result.orders, result.items, result.discounts, result.addresses
    )
    judged = ValidatedDay(DAY, result)
    return judged.orders_to_import(store.store_pii), store.read_validated_orders(DAY), judged


def assert_handed_on_as_read_back(store: OrderStore, landing: list[tuple[str, str]]) -> int:
    """The comparison, with the orders counted in and out; returns the MALFORMED count."""
    handed_on, read_back, judged = handed_on_and_read_back(store, landing)
    assert exact(handed_on) == exact(read_back)
    landed = store.count_raw_orders(DAY)
    assert len(handed_on) == landed == judged.valid + judged.malformed
    assert sum(each["verdict"] == "MALFORMED" for each in handed_on) == judged.malformed
    return judged.malformed


def whole_orders(hostile: str) -> list[tuple[str, str]]:
    """Whole orders (items, discounts, both addresses) carrying ``hostile`` text in each kind of
    line, 30-digit money, and one order that is MALFORMED."""
    lines = [product(name=hostile), product(sku=hostile, price=LONG_DECIMAL), service()]
    documents = [
        order("1", items=lines, discounts=[discount(name=hostile), discount(voucher=hostile)]),
        order("2", shipping=address(firstname=hostile), billing=billing(city=hostile)),
        order("3", total=LONG_DECIMAL, observation=hostile),
        order("4", items="no lines", date=hostile),
    ]
    return [
        (str(document["id"]), json.dumps(document, ensure_ascii=False)) for document in documents
    ]


@pytest.mark.both_backends
@pytest.mark.parametrize("store_pii", [True, False], ids=["with_pii", "without_pii"])
@pytest.mark.parametrize(
    ("hostile", "malformed"),
    [("\ud800", 4), ("a\x00b", 1), ("\ufffffirst", 1), ("9" * 5000, 1), ("🛒", 1)],
    ids=["lone_surrogate", "nul", "escape_mark", "5000_digits", "emoji"],
)
def test_whole_orders_with_hostile_text_are_handed_on_as_the_store_reads_them_back(
    make_store: Callable[..., OrderStore], store_pii: bool, hostile: str, malformed: int
):
    """A lone surrogate makes each order holding it MALFORMED; the other texts are kept."""
    store = make_store(store_pii=store_pii)
    assert assert_handed_on_as_read_back(store, whole_orders(hostile)) == malformed


@pytest.mark.both_backends
def test_lines_in_any_row_order_are_handed_on_in_the_order_the_store_reads_them(
    store: OrderStore,
):
    """Validation lists each order's lines in order today; the hand-on does not rely on it."""
    result = validate_orders(whole_orders("🛒"), now=NOW)
    children = [
        frame.iloc[::-1].reset_index(drop=True)
        for frame in (result.items, result.discounts, result.addresses)
    ]
    store.replace_validation(DAY, "run-1", result.orders, *children)
    read_back = store.read_validated_orders(DAY)
    handed_on = as_read_back(result.orders, children, store_pii=store.store_pii)
    assert exact(handed_on) == exact(read_back)
    assert [len(each["items"]) for each in read_back] == [3, 2, 2, 0]


@pytest.mark.both_backends
@settings(PROPERTY_SETTINGS, max_examples=80)
@given(landing=landings)
def test_any_hostile_landing_is_handed_on_as_the_store_reads_it_back(landing, store, backend):
    """Each example replaces the same day of one store."""
    if backend == "postgres":  # PostgreSQL text holds no NUL, and a landing key is plain text
        landing = [(order_id.replace("\x00", "<NUL>"), text) for order_id, text in landing]
    assert_handed_on_as_read_back(store, landing)


class UnreadableVerdicts(OrderStore):
    """The order store, except that reading a day's verdicts back fails."""

    def read_validated_orders(self, partition_date: str) -> list[dict[str, Any]]:
        raise AssertionError(f"the verdicts of {partition_date} were read back")


@pytest.mark.both_backends
def test_a_run_of_all_three_stages_imports_without_reading_the_verdicts_back(
    gomag_api, make_store: Callable[..., OrderStore]
):
    store = make_store(UnreadableVerdicts)
    result = materialize_day(RUN_DAY, gomag_api, store)
    assert result.success
    landed = store.count_raw_orders(RUN_DAY.isoformat())
    statuses = store.status_counts(run_id=result.run_id, partition_date=RUN_DAY.isoformat())
    assert landed > 0
    assert sum(statuses.values()) == landed

    alone = materialize_day(RUN_DAY, gomag_api, store, selection=["imported_orders"])
    assert not alone.success, "an import run on its own reads the stored verdicts"
