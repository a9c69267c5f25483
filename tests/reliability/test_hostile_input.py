"""Hostile payloads through the real pipeline stages: nothing crashes, nothing is altered.

Thousands of generated payloads (SQL-injection strings, NUL bytes, lone surrogates, 1 MB
strings, 500-deep nesting, 1e400, -0, NaN/Infinity spelled every way, duplicate ids with
different content) go through the stages exactly as the assets chain them:
``replace_raw_orders`` -> ``read_raw_orders`` -> ``validate_orders`` -> ``replace_validation``
-> ``read_validated_orders`` -> ``save_orders_batch``. A sample also travels over real HTTP,
from the demo shop through the assets. Each run proves:

* the landed payload text reads back identical to what was received, code point for code point;
* every landed order has exactly one status in the run, and every MALFORMED one a reason;
* each verdict is the one an independent reference judge (``support.validation_oracle``) gives,
  with the same fields blamed and, for a VALID order, the same money;
* the errors log holds one line per MALFORMED order, and the database is intact.

Each test adds its figures to the "hostile input" totals (``figures`` fixture).
"""

import datetime as dt
import json
import sqlite3
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from order_payloads import NOW, order, product, service
from pipeline import materializations, materialize_day
from support.loopback import Answer, LoopbackServer
from support.validation_oracle import judge_landing
from support.verdict_agreement import disagreements

from gomag_assets.demo import DemoShop
from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.gomag_api.pages import RawOrder
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.validation import validate_orders

GUARANTEE = "hostile input"
DAY = dt.date(2026, 10, 1)
ONE_MB = "Ș" + "x" * (1 << 20)
SQL_INJECTIONS = [
    "'); DROP TABLE orders;--",
    "1' OR '1'='1",
    '"; DELETE FROM raw_orders; --',
    "x'); UPDATE orders SET status='IMPORTED';--",
    "%' UNION SELECT payload FROM raw_orders --",
]
HOSTILE_TEXT = [
    *SQL_INJECTIONS,
    "\x00",
    "a\x00b",
    "\ud800",
    "\udfff",
    "x\udbffy",
    "\u202egnirts",
    "\ufeffBOM",
    "e\u0301",
    "🛒",
    "\r\n\t",
    "\\",
    '"',
    "",
    " ",
    "NaN",
    "Infinity",
    "-0",
    "1e400",
    ONE_MB,
]
"""Values placed in payload strings (json.dumps spells them as JSON strings)."""
LONG_DECIMAL = "123456789012345678901234567890.123456789"
NUMBER_SPELLINGS = [
    "1e400",
    "-1e400",
    "1E+400",
    "0.1e-400",
    "-0",
    "-0.0",
    "NaN",
    "Infinity",
    "-Infinity",
    '"NaN"',
    '"Infinity"',
    '"-0"',
    '"1e400"',
    "9" * 5000,
    "-" + "9" * 400,
    LONG_DECIMAL,
    "true",
    "null",
    "[]",
    "{}",
    "[" * 500 + "]" * 500,
    "{" + '"a":{' * 499 + "}" * 500,
]
"""Raw JSON tokens placed verbatim in the payload text: numbers no float holds, constants
Python's parser accepts and strict JSON does not, and 500-deep nesting."""
ORDER_FIELDS = ["id", "number", "date", "status", "currency", "total", "items"]
ITEM_FIELDS = ["type", "sku", "name", "quantity", "price", "vat"]
ID_POOL = ["1", "2", "3", "4", *SQL_INJECTIONS[:2], "\x00", "NOID-0123456789abcdef", "9" * 40]
"""Landing keys, few enough that one landing often meets an id twice with different text."""
PROPERTY_SETTINGS = settings(
    max_examples=120,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,  # ``figures`` only adds up; it keeps no state
    ],
)
STRICT_NUMBERS = json.JSONDecoder(parse_int=str, parse_float=str, parse_constant=str)


def _one_of(values: list[str]) -> st.SearchStrategy[str]:
    """``sampled_from`` that does not print its 1 MB members in every report."""
    return st.integers(0, len(values) - 1).map(values.__getitem__)


@st.composite
def hostile_documents(draw: st.DrawFn) -> str:
    """A valid order with a few fields removed or replaced by hostile text or raw tokens."""
    lines = draw(st.lists(st.sampled_from([product, service]), min_size=1, max_size=3))
    document = order(draw(st.sampled_from(ID_POOL)), items=[make() for make in lines])
    tokens: list[str] = []
    for _ in range(draw(st.integers(0, 4))):
        items = document.get("items")
        lines = [line for line in items if type(line) is dict] if type(items) is list else []
        line = draw(st.sampled_from(lines)) if lines and draw(st.booleans()) else None
        target = document if line is None else line
        field = draw(st.sampled_from(ORDER_FIELDS if line is None else ITEM_FIELDS))
        change = draw(st.sampled_from(["drop", "text", "token", "generated"]))
        if change == "drop":
            target.pop(field, None)
        elif change == "text":
            target[field] = draw(_one_of(HOSTILE_TEXT))
        elif change == "generated":
            target[field] = draw(st.text(max_size=12))
        else:
            target[field] = f"@@token{len(tokens)}@@"
            tokens.append(draw(_one_of(NUMBER_SPELLINGS)))
    text = json.dumps(document, ensure_ascii=draw(st.booleans()))
    for position, token in enumerate(tokens):
        text = text.replace(f'"@@token{position}@@"', token)
    return text


payload_texts = st.one_of(
    hostile_documents(),
    hostile_documents().flatmap(lambda text: st.integers(0, len(text)).map(lambda n: text[:n])),
    _one_of(HOSTILE_TEXT),
    _one_of(NUMBER_SPELLINGS),
    st.text(max_size=40),
)
"""Mostly hostile orders; also orders cut short, bare strings and tokens that are no object."""
landing_ids = st.one_of(st.sampled_from(ID_POOL), st.integers(100, 999).map(str))
"""Half from the small pool (repeats are common), half plain ids (repeats are rare)."""
landings = st.lists(st.tuples(landing_ids, payload_texts), min_size=20, max_size=60)


def _pipeline(store: OrderStore, raw: list[RawOrder], run_id: str) -> list[tuple[str, str]]:
    """The stages as the assets chain them; returns what was landed."""
    day = DAY.isoformat()
    store.replace_raw_orders(day, run_id, raw, "2026-10-01T12:00:00+00:00")
    landed = store.read_raw_orders(day)
    result = validate_orders(landed, now=NOW)
    store.replace_validation(day, run_id, result.orders, result.items)
    store.begin_sync_run(run_id, day, day)
    store.save_orders_batch(store.read_validated_orders(day), run_id=run_id, partition_date=day)
    store.finish_sync_run(run_id, "SUCCESS")
    return landed


def _assert_accounted_for(
    store: OrderStore, run_id: str, landed: list[tuple[str, str]], now: dt.datetime = NOW
) -> int:
    """Every landed order has one status in the run, MALFORMED ones a reason and one errors-log
    line; the valid ones' item names are the payload's, verbatim; every verdict is the reference
    judge's for the run's clock ``now``. Returns the MALFORMED count."""
    with sqlite3.connect(store.db_path) as conn:
        decided = conn.execute(
            "SELECT order_id, status, error_message FROM sync_run_orders WHERE run_id = ?",
            (run_id,),
        ).fetchall()
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert {"raw_orders", "orders", "order_items", "sync_run_orders"} <= tables
    ids = [order_id for order_id, _, _ in decided]
    assert sorted(ids) == sorted(order_id for order_id, _ in landed), "one status per order"
    malformed = [message for _, status, message in decided if status == "MALFORMED"]
    assert all(isinstance(message, str) and message.strip() for message in malformed)
    log = store.errors_log_path
    records = log.read_text(encoding="utf-8").splitlines() if log.exists() else []
    assert sum(f"\t{run_id}\t" in record for record in records) == len(malformed)
    payloads = dict(landed)
    validated_orders = store.read_validated_orders(DAY.isoformat())
    by_id = {validated["order_id"]: validated for validated in validated_orders}
    verdicts = [by_id[order_id] for order_id, _ in landed]
    assert not disagreements(judge_landing(landed, now=now), verdicts)
    for validated in validated_orders:
        if validated["verdict"] == "VALID":
            lines = STRICT_NUMBERS.decode(payloads[validated["order_id"]])["items"]
            lines = list(lines.values()) if isinstance(lines, dict) else lines
            assert [item["name"] for item in validated["items"]] == [line["name"] for line in lines]
    return len(malformed)


@PROPERTY_SETTINGS
@given(landing=landings)
def test_any_landing_reads_back_verbatim_and_every_order_gets_one_status(landing, figures):
    raw = [RawOrder(order_id, text) for order_id, text in landing]
    with tempfile.TemporaryDirectory() as directory:
        store = OrderStore(db_path=str(Path(directory) / "gomag.sqlite"))

        landed = _pipeline(store, raw, "run-1")

        expected: dict[str, str] = {}
        for order_id, text in landing:  # an id met twice keeps its first place, last text
            expected[order_id] = text
        assert landed == list(expected.items())
        assert [text.encode("utf-8", "surrogatepass") for _, text in landed] == [
            text.encode("utf-8", "surrogatepass") for text in expected.values()
        ]
        malformed = _assert_accounted_for(store, "run-1", landed)
        again = _pipeline(store, raw, "run-2")  # the same landing re-run: still one status each
        assert again == landed
        _assert_accounted_for(store, "run-2", landed)
    figures.add(
        GUARANTEE,
        payloads_tried=len(landing),
        payloads_landed=len(landed),
        duplicate_ids=len(landing) - len(expected),
        malformed=malformed,
        orders_lost=len(expected) - len(landed),
    )


def test_each_named_hostile_kind_lands_verbatim_and_is_judged(tmp_path, figures):
    """The listed kinds one by one, so none depends on the generator's luck."""
    texts = [
        json.dumps(order("sql", number=SQL_INJECTIONS[0], status=SQL_INJECTIONS[1])),
        json.dumps(order("nul", number="GM-\x00-1"), ensure_ascii=False),
        json.dumps(order("nul-raw")).replace("GM-nul-raw", "GM-\x00"),  # unescaped: not JSON
        json.dumps(order("surrogate", number="\ud800")),
        json.dumps(order("surrogate-raw", number="\udfff"), ensure_ascii=False),
        json.dumps(order("one-mb", number=ONE_MB, items=[product(name=ONE_MB)])),
        json.dumps(order("deep-500", note="@")).replace('"@"', "[" * 500 + "]" * 500),
        json.dumps(order("deep-5000", note="@")).replace('"@"', "[" * 5000 + "]" * 5000),
        *(
            json.dumps(order(f"total-{n}", total="@")).replace('"@"', spelling)
            for n, spelling in enumerate(NUMBER_SPELLINGS)
        ),
        json.dumps(order("dup", number="GM-first")),
        json.dumps(order("dup", number="GM-second", total="1.00")),
    ]
    raw = [RawOrder(_id_of(text), text) for text in texts]
    store = OrderStore(db_path=str(tmp_path / "gomag.sqlite"))

    landed = _pipeline(store, raw, "run-1")

    expected = {item.order_id: item.payload for item in raw}
    assert landed == list(expected.items())
    assert dict(landed)["dup"] == texts[-1], "the last text of a repeated id is kept"
    malformed = _assert_accounted_for(store, "run-1", landed)
    statuses = {row["order_id"]: row for row in store.run_orders("run-1")}
    assert statuses["sql"]["status"] == "IMPORTED", "SQL in a value is only text"
    assert store.get_order("sql")["order_number"] == SQL_INJECTIONS[0]
    assert statuses["one-mb"]["status"] == "IMPORTED"
    assert store.get_order("one-mb")["items"][0]["name"] == ONE_MB
    assert statuses["deep-500"]["status"] == "IMPORTED", "a field nobody reads may be deep"
    assert statuses["deep-5000"]["error_message"] == "payload: nested too deeply to read"
    assert statuses["nul-raw"]["error_message"].startswith(
        "payload: not valid JSON (Invalid control character at line 1 column"
    )
    assert statuses["surrogate"]["error_message"] == "number: '\\ud800' is not valid Unicode text"
    number_verdicts = {
        spelling: statuses[f"total-{n}"]["status"] for n, spelling in enumerate(NUMBER_SPELLINGS)
    }
    plain_decimals = {"-0", "-0.0", '"-0"', "9" * 5000, "-" + "9" * 400, LONG_DECIMAL}
    assert number_verdicts == {
        spelling: "IMPORTED" if spelling in plain_decimals else "MALFORMED"
        for spelling in NUMBER_SPELLINGS
    }
    minus_zero = f"total-{NUMBER_SPELLINGS.index('-0')}"
    assert store.get_order(minus_zero)["total"] == "0", "-0 is stored as 0"
    figures.add(GUARANTEE, payloads_tried=len(texts), malformed=malformed, orders_lost=0)


def _id_of(text: str) -> str:
    start = text.index('"id": "') + len('"id": "')
    return text[start : text.index('"', start)]


# Over HTTP: the demo shop serves hostile orders, the assets land and judge them.


def _expected_landing(shop: DemoShop, page_limit: int) -> dict[str, str]:
    """What the landing must hold, derived from the shop: each order's text as served, keyed
    by its ``id`` (else its key), an id met twice keeping its first place and its last text."""
    listing = shop.listing(DAY, DAY)
    expected: dict[str, str] = {}
    for start in range(0, len(listing), page_limit):
        for key, document in listing[start : start + page_limit]:
            the_id = document.get("id")
            usable = isinstance(the_id, str | int) and str(the_id).strip()
            the_id = str(the_id) if usable and _encodes(str(the_id)) else key
            expected[the_id] = json.dumps(document, ensure_ascii=shop.config.escape_unicode)
    return expected


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def test_hostile_orders_served_over_http_land_verbatim_and_each_gets_one_status(
    shop_factory, api_factory, store: OrderStore, figures
):
    shop = shop_factory(escape_unicode=True)  # as PHP's json_encode: lone surrogates escaped
    paged = [the_id for the_id, _ in shop.listing(DAY, DAY)]  # newest first, 10 to a page
    edits = [
        {"number": SQL_INJECTIONS[0], "status": SQL_INJECTIONS[3]},
        {"number": "GM-\x00", "billing": {"firstname": "\x00\x00", "city": SQL_INJECTIONS[2]}},
        {"number": "\ud800", "status": "\udfff"},
        {"items": [product(name="\ud83d"), product(sku="\x00", name="🛒")]},
        {"note": ONE_MB, "items": [product(name=ONE_MB)]},
        {"note": json.loads("[" * 200 + "]" * 200)},  # the shop deep-copies; 500 below
        {"total": float("nan")},
        {"total": float("inf")},
        {"total": float("-inf")},
        {"total": -0.0, "items": [product(quantity=-0.0)]},
        {"total": "NaN", "items": [product(price="Infinity")]},
        {"total": 10**300, "items": [product(quantity=1e308 * 10)]},
        {"id": SQL_INJECTIONS[0]},
        {"id": "\ud800"},  # not an id: the order keeps its key
        {"id": ""},
    ]
    for the_id, changes in zip(paged[-len(edits) :], edits, strict=True):  # the last pages
        shop.edit_order(the_id, **changes)
    shop.edit_order(paged[12], id=paged[0], number="GM-same-id-other-page")  # page 2 and 1
    shop.edit_order(paged[15], id=paged[13], number="GM-same-id-same-page")  # page 2, twice
    api = api_factory(shop, page_limit=10)
    expected = _expected_landing(shop, 10)

    run_clock = dt.datetime.now(dt.UTC)  # validated_orders judges dates by the real clock
    result = materialize_day(DAY, api, store)

    assert result.success
    landed = dict(store.read_raw_orders(DAY.isoformat()))
    assert landed == expected
    assert "GM-same-id-other-page" in landed[paged[0]], "the later page's text is kept"
    assert "GM-same-id-same-page" in landed[paged[13]], "the later text on the page is kept"
    meta = materializations(result, "raw_orders")[0].metadata
    assert meta["duplicates_across_pages"].value == 2
    malformed = _assert_accounted_for(store, result.run_id, list(landed.items()), run_clock)
    assert store.get_order(SQL_INJECTIONS[0])["status"] in {"IMPORTED", "CANCELLED", "SKIPPED"}
    with sqlite3.connect(store.db_path) as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == len(landed)
    figures.add(
        GUARANTEE,
        payloads_tried=len(shop.listing(DAY, DAY)),
        hostile_over_http=len(edits) + 2,
        malformed=malformed,
        orders_lost=len(expected.keys() - landed.keys()),
    )


@pytest.fixture
def fixed_body(loopback) -> Callable[[str], LoopbackServer]:
    """A loopback "shop" answering every request with one fixed body: for text no demo shop
    (or PHP) would encode, which a broken proxy or a hand-rolled server still might send."""

    def serve(body: str) -> LoopbackServer:
        page = Answer(200, body.encode("utf-8"), {"Content-Type": "application/json"})
        return loopback(lambda request: page)

    return serve


def _page_of(*orders: str) -> str:
    members = ", ".join(f'"{n}": {text}' for n, text in enumerate(orders, start=1))
    return f'{{"total": "{len(orders)}", "page": "1", "pages": "1", "orders": {{{members}}}}}'


def test_orders_the_demo_shop_cannot_encode_land_verbatim_and_are_judged(
    fixed_body, store: OrderStore, figures
):
    """A number past Python's 4,300-digit limit, 500-deep nesting (PHP's json_encode stops at
    512) and 1e400 are each one order's business, never a failed page or day."""
    huge = json.dumps(order("1", total="@")).replace('"@"', "9" * 5000)
    deep = json.dumps(order("2", note="@")).replace('"@"', "[" * 500 + "]" * 500)
    inf = json.dumps(order("3", total="@")).replace('"@"', "1e400")
    fine = json.dumps(order("4"), ensure_ascii=False)
    server = fixed_body(_page_of(huge, deep, inf, fine))
    api = GoMagApi(api_url=server.url, api_key="k", requests_per_second=0, max_attempts=2)

    result = materialize_day(DAY, api, store)

    assert result.success
    assert store.read_raw_orders(DAY.isoformat()) == [
        ("1", huge),
        ("2", deep),
        ("3", inf),
        ("4", fine),
    ]
    decided = {row["order_id"]: row for row in store.run_orders(result.run_id)}
    assert {the_id: row["status"] for the_id, row in decided.items()} == {
        "1": "IMPORTED",
        "2": "IMPORTED",
        "3": "MALFORMED",
        "4": "IMPORTED",
    }
    assert store.get_order("1")["total"] == "9" * 5000, "exact, every digit"
    assert decided["3"]["error_message"] == "total: 1e400 is not a number"
    figures.add(GUARANTEE, payloads_tried=4, malformed=1, orders_lost=0)


def test_a_body_nested_past_the_parsers_depth_fails_the_run_naming_the_window(
    fixed_body, store: OrderStore, figures
):
    depth = 100_000
    server = fixed_body(_page_of('{"id": "1", "x": ' + "[" * depth + "]" * depth + "}"))
    api = GoMagApi(api_url=server.url, api_key="k", requests_per_second=0, max_attempts=3)

    result = materialize_day(DAY, api, store, selection=["raw_orders"])

    assert not result.success
    (failure,) = result.get_step_failure_events()
    error = failure.step_failure_data.error.cause
    assert error.cls_name == "GoMagApiError"
    assert f"page 1 of window {DAY}..{DAY}: JSON nested too deeply to read" in error.message
    assert len(server.requests) == 1, "the same body again would not help"
    assert store.count_raw_orders(DAY.isoformat()) == 0
    figures.add(GUARANTEE, payloads_tried=1, orders_lost=0)
