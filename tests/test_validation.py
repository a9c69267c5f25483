"""validate_orders: one verdict per landed order, plain-words reasons, exact money."""

import json
from hashlib import sha256

import pandas as pd
import pytest
from dagster import check_dagster_type
from order_payloads import MISSING, NOW, landed, order, product, service

from gomag_assets.constants import SYNTHETIC_ID_PREFIX, Verdict
from gomag_assets.validation import ITEM_COLUMNS, ORDER_COLUMNS, ValidationResult, validate_orders
from gomag_assets.validation.schemas import ITEM_DAGSTER_TYPE, ORDER_DAGSTER_TYPE, ItemLine, Order


def validate(raw: list[tuple[str, str]], **options) -> ValidationResult:
    return validate_orders(raw, now=NOW, **options)


def reasons(result: ValidationResult) -> dict[str, str]:
    """MALFORMED order id -> its error message."""
    return dict(zip(result.malformed["order_id"], result.malformed["error_message"], strict=True))


def only_order(result: ValidationResult) -> dict:
    assert len(result.orders) == 1
    return result.orders.iloc[0].to_dict()


def assert_malformed(raw: list[tuple[str, str]], expected: dict[str, str]) -> None:
    """Exactly the orders in ``expected`` end MALFORMED, each with exactly that message; a
    valid control order is added to every batch and must stay VALID."""
    result = validate([*raw, *landed(order("control"))])
    assert reasons(result) == expected
    assert result.valid_count == len(result.orders) - len(expected)


# --- one test per malformed kind ---------------------------------------------------------


def test_missing_date_is_malformed():
    assert_malformed(landed(order("1", date=MISSING)), {"1": "date: missing"})


def test_unparseable_date_is_malformed():
    raw = landed(order("1", date="ieri"), order("2", date="2026-02-30 10:00:00"))
    assert_malformed(
        raw,
        {
            "1": "date: 'ieri' is not a date",
            "2": "date: '2026-02-30 10:00:00' is not a date",
        },
    )


def test_dates_before_2000_or_far_in_the_future_are_malformed():
    raw = landed(
        order("1", date="1999-12-31 23:59:59"),
        order("2", date="2026-10-04 12:00:01"),
        order("3", date="9999-01-01T00:00:00"),
        order("4", date="2026-10-04 12:00:00"),  # exactly now + 2 days: still fine
    )
    assert_malformed(
        raw,
        {
            "1": "date: '1999-12-31 23:59:59' is before 2000-01-01",
            "2": "date: '2026-10-04 12:00:01' is more than 2 days in the future",
            "3": "date: '9999-01-01T00:00:00' is more than 2 days in the future",
        },
    )


def test_non_numeric_quantity_is_malformed():
    raw = landed(
        order("1", items=[product(quantity="abc")]),
        order("2", items=[product(quantity=True)]),
        order("3", items=[product(quantity={"value": 2})]),
        order("4", items=[product(quantity="1.234,56")]),
    )
    assert_malformed(
        raw,
        {
            "1": "items[0].quantity: 'abc' is not a number",
            "2": "items[0].quantity: true is not a number",
            "3": "items[0].quantity: {…} is not a number",
            "4": "items[0].quantity: '1.234,56' is not a number",
        },
    )


def test_zero_or_negative_quantity_is_malformed():
    raw = landed(
        order("1", items=[product(quantity="0")]),
        order("2", items=[service(), product(quantity="-1")]),
        order("3", items=[product(quantity="-0.00")]),
    )
    assert_malformed(
        raw,
        {
            "1": "items[0].quantity: '0' is not greater than 0",
            "2": "items[1].quantity: '-1' is not greater than 0",
            "3": "items[0].quantity: '-0.00' is not greater than 0",
        },
    )


def test_missing_price_is_malformed():
    raw = landed(order("1", items=[product(price=MISSING)]), order("2", items=[product(price="")]))
    assert_malformed(raw, {"1": "items[0].price: missing", "2": "items[0].price: missing"})


def test_negative_price_is_malformed():
    raw = landed(order("1", items=[product(), product(price="-5.00")]))
    assert_malformed(raw, {"1": "items[1].price: '-5.00' is negative"})


def test_vat_outside_0_to_100_is_malformed():
    raw = landed(
        order("1", items=[product(vat="101")]),
        order("2", items=[product(vat="-1")]),
        order("3", items=[product(vat="100.01")]),
        order("4", items=[product(vat="100"), product(vat="0")]),
    )
    assert_malformed(
        raw,
        {
            "1": "items[0].vat: '101' is not between 0 and 100",
            "2": "items[0].vat: '-1' is not between 0 and 100",
            "3": "items[0].vat: '100.01' is not between 0 and 100",
        },
    )


def test_order_without_item_lines_is_malformed():
    raw = landed(order("1", items=[]), order("2", items={}), order("3", items=MISSING))
    assert_malformed(
        raw,
        {"1": "items: no item lines", "2": "items: no item lines", "3": "items: missing"},
    )


def test_items_that_are_neither_list_nor_object_are_malformed():
    raw = landed(order("1", items="x"), order("2", items=5), order("3", items=[product(), "x"]))
    assert_malformed(
        raw,
        {
            "1": "items: 'x' is not a list or an object",
            "2": "items: 5 is not a list or an object",
            "3": "items[1]: 'x' is not an object",
        },
    )


def test_missing_order_number_is_malformed():
    raw = landed(order("1", number=MISSING), order("2", number="  "), order("3", number=[1]))
    assert_malformed(
        raw, {"1": "number: missing", "2": "number: missing", "3": "number: […] is not text"}
    )


def test_currency_that_is_not_a_3_letter_upper_case_code_is_malformed():
    raw = landed(
        order("1", currency="ron"),
        order("2", currency="EURO"),
        order("3", currency=MISSING),
        order("4", currency="RON\n"),
    )
    assert_malformed(
        raw,
        {
            "1": "currency: 'ron' is not a 3-letter upper-case currency code",
            "2": "currency: 'EURO' is not a 3-letter upper-case currency code",
            "3": "currency: missing",
            "4": "currency: 'RON\\n' is not a 3-letter upper-case currency code",
        },
    )


def test_product_line_without_sku_is_malformed_but_service_line_needs_none():
    raw = landed(
        order("1", items=[product(sku="")]),
        order("2", items=[product(sku=MISSING)]),
        order("3", items=[product(type=MISSING, sku=" ")]),
        order("4", items=[product(), service(sku=MISSING)]),
    )
    assert_malformed(
        raw,
        {"1": "items[0].sku: missing", "2": "items[0].sku: missing", "3": "items[0].sku: missing"},
    )


def test_payload_that_is_not_json_is_malformed():
    raw = [("1", "not json"), ("2", '{"id": "2", "items": [}'), ("3", ""), ("4", "[" * 100_000)]
    assert_malformed(
        raw,
        {
            "1": "payload: not valid JSON (Expecting value at line 1 column 1)",
            "2": "payload: not valid JSON (Expecting value at line 1 column 23)",
            "3": "payload: not valid JSON (Expecting value at line 1 column 1)",
            "4": "payload: nested too deeply to read",
        },
    )


def test_payload_that_is_not_a_json_object_is_malformed():
    raw = [("1", "[1, 2]"), ("2", '"text"'), ("3", "42"), ("4", "null")]
    assert_malformed(
        raw,
        {
            "1": "payload: […] is not a JSON object",
            "2": "payload: 'text' is not a JSON object",
            "3": "payload: 42 is not a JSON object",
            "4": "payload: null is not a JSON object",
        },
    )


def test_synthetic_id_means_the_payload_had_no_id():
    synthetic = f"{SYNTHETIC_ID_PREFIX}0123456789abcdef"
    payload = json.dumps(order(id=MISSING))
    assert_malformed([(synthetic, payload)], {synthetic: "id: missing"})


def test_every_order_sharing_an_id_in_the_input_is_malformed():
    result = validate(landed(order("7"), order("8"), order("7", status="Anulata")))
    assert result.orders["verdict"].tolist() == ["MALFORMED", "VALID", "MALFORMED"]
    assert result.malformed.to_dict("records") == [
        {"order_id": "7", "order_number": "GM-7", "error_message": message}
        for message in ["id: '7' appears 2 times in the input"] * 2
    ]


def test_an_order_with_several_failures_lists_all_order_level_first_then_by_line():
    raw = landed(
        order(
            "1",
            date=MISSING,
            currency="lei",
            items=[
                product(price="-1", vat="250"),
                service(quantity="abc"),
                product(quantity="0", sku=""),
            ],
        )
    )
    assert_malformed(
        raw,
        {
            "1": "date: missing; "
            "currency: 'lei' is not a 3-letter upper-case currency code; "
            "items[0].price: '-1' is negative; "
            "items[0].vat: '250' is not between 0 and 100; "
            "items[1].quantity: 'abc' is not a number; "
            "items[2].sku: missing; "
            "items[2].quantity: '0' is not greater than 0"
        },
    )


# --- the shape of a reason -----------------------------------------------------------------


def test_a_1_mb_value_makes_a_short_reason():
    raw = landed(order("1", items=[product(quantity="9x" * 500_000)]))
    message = reasons(validate(raw))["1"]
    assert message.startswith("items[0].quantity: '9x9x")
    assert message.endswith("…' is not a number")
    assert len(message) < 100


def test_control_characters_and_lone_surrogates_are_escaped_in_reasons():
    raw = [("1", json.dumps(order("1", date="\x00\ud800")))]
    message = reasons(validate(raw))["1"]
    assert message == "date: '\\x00\\ud800' is not a date"
    message.encode("utf-8")  # storable


def test_text_with_a_lone_surrogate_cannot_be_stored_so_it_is_malformed():
    raw = [("1", json.dumps(order("1", items=[product(name="Tricou \ud83d")])))]
    assert reasons(validate(raw)) == {
        "1": "items[0].name: 'Tricou \\ud83d' is not valid Unicode text"
    }


def test_reasons_stop_after_twenty_and_count_the_rest():
    raw = landed(order("1", items=[product(quantity="x")] * 25))
    message = reasons(validate(raw))["1"]
    assert message.count("is not a number") == 20
    assert message.endswith("items[19].quantity: 'x' is not a number; and 5 more")


def test_a_malformed_order_keeps_the_values_that_obeyed_their_rules():
    raw = landed(order("1", currency="lei", date="1999-01-01 00:00:00", total="12,50"))
    row = only_order(validate(raw))
    assert row["verdict"] == "MALFORMED"
    assert (row["order_number"], row["total"]) == ("GM-1", "12.5")
    assert (row["currency"], row["order_date"]) == (None, None)


# --- valid orders ----------------------------------------------------------------------------


def test_numbers_as_text_are_read_exactly():
    result = validate(landed(order("1")))
    row = only_order(result)
    assert row["verdict"] == Verdict.VALID
    assert row["error_message"] is None
    assert (row["total"], row["currency"], row["order_date"]) == (
        "249.9",
        "RON",
        "2026-10-01 14:03:22",
    )
    assert result.items.to_dict("records") == [
        {
            "order_id": "1",
            "line_no": 0,
            "sku": "TRC-001",
            "name": "Tricou bărbați",
            "quantity": "2",
            "price": "49.95",
            "vat": "19",
            "is_service": False,
        },
        {
            "order_id": "1",
            "line_no": 1,
            "sku": None,
            "name": "Ambalare cadou",
            "quantity": "1",
            "price": "5",
            "vat": "19",
            "is_service": True,
        },
    ]


def test_json_numbers_are_read_from_their_source_text():
    payload = (
        '{"id": 5, "number": 100234, "date": "2026-10-01 14:03:22", "currency": "RON",'
        ' "total": 249.90, "items": [{"type": "product", "sku": "A", "name": "Tricou",'
        ' "quantity": 2, "price": 49.950, "vat": 19}]}'
    )
    result = validate([("5", payload)])
    row = only_order(result)
    assert (row["verdict"], row["order_number"], row["total"]) == ("VALID", "100234", "249.9")
    line = result.items.iloc[0]
    assert (line["quantity"], line["price"], line["vat"]) == ("2", "49.95", "19")


def test_json_number_edge_cases_never_pass_through_float():
    huge = "9" * 5000
    payload = (
        '{"number": "1", "date": "2026-10-01 14:03:22", "currency": "RON", "total": '
        + huge
        + ', "items": [{"sku": "A", "name": "x", "quantity": 1e3, "price": -0.0, "vat": NaN}]}'
    )
    result = validate([("1", payload)])
    assert reasons(result) == {
        "1": "items[0].quantity: 1e3 is not a number; items[0].vat: NaN is not a number"
    }
    assert result.orders.loc[0, "total"] == huge


def test_a_single_comma_is_the_decimal_separator():
    raw = landed(order("1", total="99,95", items=[product(price="0,50", quantity="1,5")]))
    result = validate(raw)
    assert result.orders.loc[0, "total"] == "99.95"
    line = result.items.iloc[0]
    assert (line["price"], line["quantity"]) == ("0.5", "1.5")


@pytest.mark.parametrize(
    ("sent", "canonical"),
    [
        ("0.1", "0.1"),
        ("0.2", "0.2"),
        ("0.30000000000000004", "0.30000000000000004"),
        ("99.950", "99.95"),
        ("0099.95", "99.95"),
        ("100.00", "100"),
        ("100", "100"),
        ("-0", "0"),
        ("-0.000", "0"),
        ("0.5", "0.5"),
        ("123456789012345678901234567890.123456789", "123456789012345678901234567890.123456789"),
    ],
)
def test_money_is_canonical_exact_decimal_text(sent: str, canonical: str):
    result = validate(landed(order("1", total=sent, items=[product(price=sent)])))
    assert result.orders.loc[0, "total"] == canonical
    assert result.items.loc[0, "price"] == canonical


def test_items_as_object_keyed_by_position_keep_payload_order():
    items = {"0": product(sku="A"), "1": service(), "2": product(sku="C")}
    result = validate(landed(order("1", items=items)))
    assert result.items["line_no"].tolist() == [0, 1, 2]
    assert result.items["sku"].tolist() == ["A", None, "C"]


def test_cancelled_status_is_valid_and_flagged_whatever_its_case_or_diacritics():
    raw = landed(
        order("1", status="Anulata"),
        order("2", status="ANULATĂ"),
        order("3", status=" anulată "),
        order("4", status="Comanda noua"),
        order("5", status=MISSING),
    )
    result = validate(raw)
    assert result.malformed_count == 0
    assert result.orders["is_cancelled"].tolist() == [True, True, True, False, False]
    assert result.orders["gomag_status"].tolist()[:2] == ["Anulata", "ANULATĂ"]


def test_cancelled_statuses_can_be_chosen_by_the_caller():
    raw = landed(order("1", status="Refuzata"), order("2", status="Anulata"))
    result = validate(raw, cancelled_statuses=["Refuzată"])
    assert result.orders["is_cancelled"].tolist() == [True, False]


def test_service_only_order_is_valid_with_nothing_to_import():
    raw = landed(order("1", items=[service(), service(type="Service")]), order("2"))
    result = validate(raw)
    assert result.malformed_count == 0
    assert result.orders["nothing_to_import"].tolist() == [True, False]
    assert result.items.loc[result.items["order_id"] == "1", "is_service"].tolist() == [True, True]


@pytest.mark.parametrize(
    ("sent", "shop_local"),
    [
        ("2026-10-01 14:03:22", "2026-10-01 14:03:22"),
        ("2026-10-01T14:03:22", "2026-10-01 14:03:22"),
        ("2026-10-01T11:03:22Z", "2026-10-01 14:03:22"),
        ("2026-10-01T13:03:22.750+02:00", "2026-10-01 14:03:22"),
        ("2026-01-15T10:00:00+00:00", "2026-01-15 12:00:00"),
        ("2026-10-01", "2026-10-01 00:00:00"),
    ],
)
def test_iso_8601_dates_become_shop_local_text(sent: str, shop_local: str):
    result = validate(landed(order("1", date=sent)))
    assert result.orders.loc[0, "order_date"] == shop_local


def test_a_naive_now_is_shop_local_and_an_aware_one_is_converted():
    raw = landed(order("1", date="2026-10-04 13:00:00"))
    assert validate_orders(raw, now=NOW).malformed_count == 1
    aware_now = pd.Timestamp("2026-10-02 12:00:00", tz="UTC").to_pydatetime()  # 15:00 local
    assert validate_orders(raw, now=aware_now).malformed_count == 0


def test_payload_sha256_hashes_the_exact_text_even_with_lone_surrogates():
    text = '{"id": "1", "name": "\ud800"}'
    result = validate([("1", text)])
    expected = sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    assert result.orders.loc[0, "payload_sha256"] == expected


# --- the tables ------------------------------------------------------------------------------


def test_every_input_order_appears_once_and_items_only_for_valid_orders():
    raw = [
        *landed(order("1"), order("2", date=MISSING), order("3", items={"0": product()})),
        ("4", "{"),
        *landed(order("5", items=[product(), product(price="x")])),
    ]
    result = validate_orders(iter(raw), now=NOW)
    assert result.orders["order_id"].tolist() == ["1", "2", "3", "4", "5"]
    assert result.orders["verdict"].tolist() == [
        "VALID",
        "MALFORMED",
        "VALID",
        "MALFORMED",
        "MALFORMED",
    ]
    assert result.items["order_id"].tolist() == ["1", "1", "3"]
    assert (result.valid_count, result.malformed_count) == (2, 3)
    assert result.malformed.columns.tolist() == ["order_id", "order_number", "error_message"]


def test_tables_have_the_contract_columns_and_dtypes():
    result = validate(landed(order("1"), order("2", date="x")))
    assert tuple(result.orders.columns) == ORDER_COLUMNS
    assert ORDER_COLUMNS == (
        "order_id",
        "order_number",
        "order_date",
        "gomag_status",
        "currency",
        "total",
        "is_cancelled",
        "nothing_to_import",
        "payload_sha256",
        "verdict",
        "error_message",
    )
    assert tuple(result.items.columns) == ITEM_COLUMNS
    assert ITEM_COLUMNS == (
        "order_id",
        "line_no",
        "sku",
        "name",
        "quantity",
        "price",
        "vat",
        "is_service",
    )
    flags = {"is_cancelled", "nothing_to_import"}
    for column in ORDER_COLUMNS:
        expected = "bool" if column in flags else "object"
        assert result.orders[column].dtype == expected, column
    assert result.items["line_no"].dtype == "int64"
    assert result.items["is_service"].dtype == "bool"
    assert result.orders.loc[1, "order_date"] is None  # None, never NaN


def test_empty_input_gives_empty_tables_with_the_contract_columns():
    result = validate([])
    assert tuple(result.orders.columns) == ORDER_COLUMNS
    assert tuple(result.items.columns) == ITEM_COLUMNS
    assert (result.valid_count, result.malformed_count) == (0, 0)


def test_result_tables_pass_their_own_schemas_and_dagster_types():
    raw = [
        *landed(order("1"), order("2", currency="lei"), order("3", items=[service()])),
        ("4", "[]"),
        (f"{SYNTHETIC_ID_PREFIX}x", json.dumps(order(id=MISSING))),
    ]
    result = validate(raw)
    Order.validate(result.orders, lazy=True)
    ItemLine.validate(result.items, lazy=True)
    assert check_dagster_type(ORDER_DAGSTER_TYPE, result.orders).success
    assert check_dagster_type(ITEM_DAGSTER_TYPE, result.items).success


def test_dagster_types_carry_the_table_schemas_and_reject_a_broken_table():
    columns = [column.name for column in ORDER_DAGSTER_TYPE.metadata["schema"].schema.columns]
    assert tuple(columns) == ORDER_COLUMNS
    broken = validate(landed(order("1"))).orders.assign(total="1.50")
    assert not check_dagster_type(ORDER_DAGSTER_TYPE, broken).success
