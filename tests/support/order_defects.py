"""Orders whose verdict is known by construction: the valid order of ``order_payloads`` with
harmless variations (VALID), and with one defect from a catalogue (MALFORMED, naming exactly the
field the defect broke).

A defect is a field path as reasons name it (``items[0].quantity``, ``delivery.total``; ``id``
is the landing key) and the value put there: ``MISSING`` leaves the field out, ``raw("1e3")``
is written into the payload as a bare JSON token.
"""

import json
import re
from collections.abc import Callable
from dataclasses import dataclass

from hypothesis import strategies as st
from order_payloads import (
    MISSING,
    NOT_SET_DATE,
    address,
    billing,
    company,
    order,
    product,
    service,
)

RAW_TOKEN = re.compile(r'"@@raw:([^@"]*)@@"')


def raw(token: str) -> str:
    """``token`` written into the payload as it is: a JSON number, NaN, true, ..."""
    return f"@@raw:{token}@@"


def payload_text(document: dict, ensure_ascii: bool = True) -> str:
    return RAW_TOKEN.sub(r"\1", json.dumps(document, ensure_ascii=ensure_ascii))


@dataclass(frozen=True)
class Defect:
    field: str
    """The field blamed, as reasons name it."""
    value: object


ORDER_DEFECTS = {
    "number": [MISSING, "  ", [1], True, "\ud800"],
    "date": [MISSING, "", "ieri", "2026-02-30 10:00:00", "1999-12-31 23:59:59"],
    "currency": [MISSING, "ron", "EURO", "RON\n", raw("123"), {"code": "RON"}],
    "total": [MISSING, "abc", "1.234,56", "1e3", raw("1e3"), raw("NaN"), "+5", ".5", True],
    "statusId": [True, {"id": "7"}, "\ud800"],
    "observation": [{"text": "la poarta"}, ["x"], "\udfff"],
    "source": [False],
    "sales_channel": [[]],
    "sales_agent": [{"name": "Ana"}],
    "items": [MISSING, [], {}, "x", raw("5"), raw("null")],
    "discounts": ["x", raw("5"), raw("true")],
    "invoice": ["x", [address()], raw("5")],
    "payment": ["x", raw("1")],
    "delivery": ["x", [{"name": "Curier"}]],
    "carrier": ["x"],
    "billing": ["x", [billing()]],
    "shipping": ["x", [address()]],
}
"""Top-level field -> values that each make the order MALFORMED, naming that field."""
ORDER_DEFECTS["date"] += [
    NOT_SET_DATE,  # "not set" is no date for the order itself
    "2026-10-04 12:00:01",  # past the run's clock (tests' NOW) plus two days
    "9999-01-01T00:00:00",
    raw("20261001"),  # a JSON number is not a date
    "2026-10-01  4:03:22",  # not YYYY-MM-DD HH:MM:SS, though a lenient parser reads it
    "2026-10- 1 14:03:22",
]

FIELD_DEFECTS = {
    "items[0].quantity": [MISSING, "abc", "0", "-1", "-0.00", True, {"value": 2}, "1.234,56"],
    "items[0].price": [MISSING, "", "-5.00", "x", raw("NaN"), raw("-1e2")],
    "items[0].vat": [MISSING, "101", "-1", "100.01", raw("Infinity")],
    "items[0].sku": [MISSING, "", " ", ["TRC"], "\ud800"],
    "items[0].name": [MISSING, raw("null"), ["Tricou"], "Tricou \ud83d"],
    "items[0].baseprice": ["x", {"value": 1}, "-"],
    "items[0].ean": [["594"], True],
    "items[0].id": [{"id": 1}],
    "items[1].sku": [["x"], {"sku": "A"}, "\ud800"],  # a service line needs none, but readable
    "items[1].quantity": ["abc"],
    "items[1]": ["x", raw("5"), raw("null"), []],
    "discounts[0].value": [MISSING, "", raw("null"), "x", "-5", raw("-0.5")],
    "discounts[0].name": [{"ro": "Reducere"}],
    "discounts[0].voucher": [["NEWS10"]],
    "payment.online": ["yes", raw("2"), [], "true", raw("1.0")],
    "payment.completed": [raw("2")],
    "payment.name": [True],
    "delivery.total": ["abc", "-1", raw("-0.5"), True, "1e2"],
    "delivery.date": ["x", raw("20261001"), "2026-02-30 10:00:00"],
    "delivery.lockerId": [{"id": 4417}, [4417]],
    "delivery.name": [["Curier"]],
    "invoice.date": ["x", "2026-13-01"],
    "invoice.number": [[1042]],
    "invoice.series": [{"s": "FCT"}],
    "carrier.name": [["Curier"]],
    "carrier.awb": [True],
    "billing.customerId": [[12345], {"id": 1}],
    "billing.city": [["Iași"]],
    "billing.email": ["\ud800"],
    "shipping.company": [{"name": "SRL"}, True],
    "shipping.zipcode": [[700001]],
}
"""A field inside a block or a line -> values that each make the order MALFORMED, naming it."""

CATALOGUE = [
    Defect(field, value)
    for defects in (ORDER_DEFECTS, FIELD_DEFECTS)
    for field, values in defects.items()
    for value in values
]
CATALOGUE += [Defect("id", key) for key in ["", "NOID-0123456789abcdef"]]
"""Every known defect; ``id`` ones are landing keys (no id, or a synthetic one)."""


def base_order() -> dict:
    """The valid order defects and variations start from: a product line, then a service line."""
    return order("100", items=[product(), service()])


def apply(defect: Defect, document: dict) -> str | None:
    """Inject ``defect`` into ``document``; returns the landing key it sets (an ``id`` defect),
    else None."""
    if defect.field == "id":
        return defect.value
    inject(document, defect)
    return None


def inject(document: dict, defect: Defect) -> None:
    """Put ``defect.value`` at ``defect.field`` (``items[1]`` is the second line whether the
    lines come as a list or as an object keyed by position)."""
    *path, last = re.findall(r"[A-Za-z_]+|\[[0-9]+\]", defect.field)
    target = document
    for step in path:  # a block the order lacks (a carrier) gets one holding only the defect
        target = _line(target, step) if step.startswith("[") else target.setdefault(step, {})
    if last.startswith("["):
        position = int(last[1:-1])
        last = position if type(target) is list else list(target)[position]
    if defect.value is MISSING:
        target.pop(last, None)
    else:
        target[last] = defect.value


def _line(container: object, step: str) -> object:
    """The line at ``step`` (``[2]``) of a list or of an object keyed by position; None if
    there is none."""
    lines = list(container.values()) if type(container) is dict else container
    position = int(step[1:-1])
    return lines[position] if type(lines) is list and position < len(lines) else None


@dataclass(frozen=True)
class Variation:
    """A change that keeps an order valid."""

    change: Callable[[dict], None]
    replaces: str | None = None
    """The top-level field it replaces or removes, which a defect there would then miss."""


def _setting(**fields: object) -> Callable[[dict], None]:
    return lambda document: document.update(fields)


def _in(container: str, line: int | None = None, **fields: object) -> Callable[[dict], None]:
    """Change ``fields`` of a block, or of a line of ``container``, where there is one."""

    def change(document: dict) -> None:
        target = document.get(container)
        if line is not None:
            target = _line(target, f"[{line}]")
        if type(target) is dict:
            target.update(fields)

    return change


def _keyed_by_position(container: str) -> Callable[[dict], None]:
    """The lines sent as an object keyed "0", "1", ..., as GoMag's PHP sometimes does."""

    def change(document: dict) -> None:
        lines = document.get(container)
        if type(lines) is list:
            document[container] = {str(position): line for position, line in enumerate(lines)}

    return change


VARIATIONS = [
    Variation(_keyed_by_position("items")),
    Variation(_keyed_by_position("discounts")),
    *(Variation(_setting(discounts=empty), "discounts") for empty in [MISSING, [], "", {}]),
    Variation(_setting(total=raw("109.90"))),
    Variation(_setting(total="0109,900")),
    Variation(_setting(total="109.905")),  # half a ban off: the totals still match
    Variation(_setting(total="109.95")),  # five bani off: they do not, and the order is valid
    Variation(_in("items", 0, quantity=raw("2"), price=raw("49.950"), vat=raw("19"))),
    Variation(_in("items", 0, price="49,95", quantity="2,000", baseprice=MISSING, ean="")),
    Variation(_in("items", 0, id=raw("544"), type="PRODUCT", name="Tricou 🛒 \x00 ț")),
    Variation(_in("items", 1, type=" Service ", sku=MISSING, ean=" ", id="0")),
    Variation(_in("items", 1, vat="0", price="0", quantity="0.001", baseprice=raw("0"))),
    Variation(_in("discounts", 0, value=raw("10"), name="", voucher=" ")),
    *(
        Variation(_setting(date=date))
        for date in [
            "2026-10-01T14:03:22",
            "2026-10-01T11:03:22Z",
            "2026-10-01T14:03:22.999+03:00",
            "2026-10-01",
            "2026-10-04 12:00:00",  # exactly the run's clock plus two days
            "2000-01-01 00:00:00",
        ]
    ),
    Variation(_setting(status="ANULATĂ", statusId=raw("7"))),
    Variation(_setting(status=" Anulata\u0306 ")),  # decomposed ă, as some keyboards type it
    Variation(_setting(status="CANCELED")),
    Variation(_setting(sales_agent="", observation=" ", source="internal", currency="EUR")),
    Variation(_setting(observation="'); DROP TABLE orders;--", updated="2026-10-02")),
    Variation(_setting(note=[[[{"a": [1, 2]}]]], shippingAsProduct=True)),
    Variation(_in("invoice", number=raw("0"), date="0000-00-00", series=" ")),
    Variation(_in("invoice", series="FCT", number=raw("1042"), date="2025-11-04T10:02:11")),
    *(Variation(_setting(invoice=empty), "invoice") for empty in [MISSING, [], ""]),
    Variation(_in("delivery", total="15.00", lockerId="0", date="0")),
    Variation(_in("delivery", total="", lockerId=raw("4417"), date="2030-01-01 08:00:00")),
    Variation(_in("delivery", total=MISSING, name=MISSING, date="")),
    *(Variation(_setting(delivery=empty), "delivery") for empty in [MISSING, [], ""]),
    Variation(_in("payment", online=raw("1"), completed=True)),
    Variation(_in("payment", online=False, completed="", name=raw("5"))),
    Variation(_in("payment", online=NOT_SET_DATE, completed=MISSING)),
    *(Variation(_setting(payment=empty), "payment") for empty in [MISSING, []]),
    Variation(_setting(carrier={"name": "Curier rapid", "awb": raw("1234567890")})),
    Variation(_setting(carrier=[]), "carrier"),
    Variation(_in("billing", company=company(bank=""), customerId="0", zipcode=MISSING)),
    Variation(_in("billing", customerId=raw("0"), company=[], city=raw("5"))),
    Variation(_in("billing", customerId=" ", company=raw("5"))),
    Variation(_setting(billing={"company": []}), "billing"),
    Variation(_setting(billing=MISSING), "billing"),
    Variation(_in("shipping", company="Exemplu Distributie SRL", zipcode=MISSING)),
    Variation(_setting(shipping=dict.fromkeys(address(), " ")), "shipping"),
    Variation(_setting(shipping=""), "shipping"),
]
"""Harmless changes: GoMag's spellings of numbers, dates, "not set" values and empty blocks,
values no rule reads, and fields left out that may be."""


def without_missing(document: object) -> object:
    """``document`` without the fields set to ``MISSING``."""
    if isinstance(document, dict):
        kept = {key: value for key, value in document.items() if value is not MISSING}
        return {key: without_missing(value) for key, value in kept.items()}
    if isinstance(document, list):
        return [without_missing(value) for value in document]
    return document


@st.composite
def constructed_orders(draw: st.DrawFn) -> tuple[str | None, str, frozenset[str]]:
    """``(landing_key, payload_text, fields_to_blame)``: the valid order with a few harmless
    variations and, often, one defect; then MALFORMED naming exactly its field, else VALID. The
    landing key is None (any fresh key will do) but for a defect of the landing key."""
    defect = draw(st.one_of(st.none(), st.sampled_from(CATALOGUE)))
    where = None if defect is None else re.match(r"[A-Za-z_]+", defect.field)[0]
    fitting = [variation for variation in VARIATIONS if variation.replaces != where]
    document = base_order()
    for variation in draw(st.lists(st.sampled_from(fitting), max_size=4)):
        variation.change(document)
        document = without_missing(document)
    key = None if defect is None else apply(defect, document)
    blamed = frozenset() if defect is None else frozenset({defect.field})
    return key, payload_text(document, draw(st.booleans())), blamed
