"""The page scanner and judge, on bodies written by hand: what GoMag sends that the demo shop
never does (no ``total``, no ``pages``, odd ids, every documented error body), in milliseconds."""

import datetime
import hashlib

import pytest

from gomag_assets.constants import SYNTHETIC_ID_PREFIX
from gomag_assets.resources.gomag_api import (
    GoMagApiError,
    GoMagAuthError,
    GoMagRateLimited,
    GoMagRequestRejected,
)
from gomag_assets.resources.gomag_api.error_bodies import PageProblem, is_no_data, problem_in
from gomag_assets.resources.gomag_api.pages import OrderPage, PageOrder, RawOrder, scan_envelope

DAY = datetime.date(2026, 10, 1)


def test_an_envelope_with_whitespace_around_it_keeps_each_orders_exact_text() -> None:
    first = '{"id": "5", "total": 12.50, "date": "2026-10-01 10:00:00"}'
    second = '{ "id" : 6 ,"date":"ieri"}'
    body = f' \n\t{{"total": "2", "pages": 1,\r\n "orders": {{"a": {first},"b":  {second} }} }}\n '

    envelope = scan_envelope(body)

    assert envelope["orders"] == [
        PageOrder(RawOrder("5", first), DAY),
        PageOrder(RawOrder("6", second), None),
    ]
    assert (envelope["total"], envelope["pages"]) == ("2", 1)


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("[1, 2]", "the body is not a JSON object"),
        ("  ", "the body is not a JSON object"),
        ('{"orders": []}[]', "unexpected text after the JSON object at char 14"),
        ('{"orders": [] "pages": 1}', "expected ',' or '}' at char 14"),
        ('{"orders": [1 2]}', "expected ',' or ']' at char 14"),
        ("{orders: []}", "expected a key at char 1"),
        ('{"orders" []}', "expected ':' at char 10"),
    ],
)
def test_what_is_not_one_json_object_is_refused_saying_where(body: str, says: str) -> None:
    with pytest.raises(ValueError) as refused:
        scan_envelope(body)
    assert str(refused.value) == says


def test_an_order_without_a_usable_id_gets_its_key_else_a_hash_of_its_text() -> None:
    """Blank, boolean and lone-surrogate ids are no ids; an order that is no object has none."""
    keyed = '{"orders": {"k1": {"id": "  "}, "k2": {"id": "\\ud800"}, "k3": {"id": true}, '
    keyed += '"k4": {"id": 12, "date": "2026-13-01"}, "k5": 7}}'
    listed = ['{"id": "\\ud800"}', '"just text"', "[1, 2]", '{"note": "\ud800"}']

    from_keys = scan_envelope(keyed)["orders"]
    from_list = scan_envelope('{"orders": [' + ", ".join(listed) + "]}")["orders"]

    assert [(o.order.order_id, o.day) for o in from_keys] == [
        ("k1", None),
        ("k2", None),
        ("k3", None),
        ("12", None),
        ("k5", None),
    ]
    digests = [
        hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16] for text in listed
    ]
    assert [o.order for o in from_list] == [
        RawOrder(SYNTHETIC_ID_PREFIX + digest, text)
        for digest, text in zip(digests, listed, strict=True)
    ]


def test_a_page_envelope_reads_its_counts_as_whole_numbers_only() -> None:
    read = OrderPage.from_envelope

    assert read({"orders": [], "pages": "3", "total": " 25 "})[1:] == (3, 25, False)
    assert read({"orders": [], "pages": 2, "total": 0})[1:] == (2, 0, False)
    assert read({"orders": [], "pages": True, "total": "2.5"})[1:] == (None, None, False)
    assert read({"orders": []})[1:] == (None, None, False)


@pytest.mark.parametrize(
    ("envelope", "says"),
    [
        ({"total": "0", "pages": 1}, "the page has no 'orders' field"),
        ({"orders": "none"}, "'orders' is neither an object nor a list: 'none'"),
        ({"error": "500", "message": "Eroare interna"}, "GoMag error '500': Eroare interna"),
    ],
)
def test_a_page_without_orders_is_a_problem_to_retry(envelope: dict, says: str) -> None:
    with pytest.raises(PageProblem) as problem:
        OrderPage.from_envelope(envelope)
    assert (problem.value.cause, problem.value.retryable) == (says, True)


def test_no_data_is_an_empty_page_that_ends_the_window_only_past_the_promised_pages() -> None:
    page = OrderPage.from_envelope({"error": "404", "message": ["NO DATA"]})

    assert (page.orders, page.no_data) == ([], True)
    assert page.is_last(2, 10)
    assert page.gap(2, 10, 3) == "NO DATA for page 2 of 3"
    assert page.gap(3, 10, 3) == "NO DATA for page 3 of 3"
    assert page.gap(4, 10, 3) is None
    assert page.gap(1, 10, None) is None


def _page(orders: int, pages: int | None, total: int | None) -> OrderPage:
    order = PageOrder(RawOrder("1", "{}"), None)
    return OrderPage([order] * orders, pages, total)


@pytest.mark.parametrize(
    ("page", "number", "pages_expected", "gap"),
    [
        (_page(10, 5, 44), 3, None, None),
        (_page(5, 5, 44), 3, None, "5 orders on page 3 of 5, expected 10"),
        (_page(4, 5, 44), 5, 5, None),
        (_page(2, 5, 44), 5, 5, "2 orders on page 5 of 5, expected 4"),
        (_page(5, None, 44), 2, None, "5 orders on page 2, expected 10"),
        (_page(5, 3, None), 2, None, "5 orders on page 2 of 3, expected 10"),
        (_page(5, 3, None), 3, None, None),
        (_page(5, None, None), 2, 3, "5 orders on page 2 of 3, expected 10"),
        (_page(5, None, None), 3, 3, None),
        (_page(5, None, None), 2, None, None),
    ],
)
def test_a_page_short_of_its_counts_says_how_short(
    page: OrderPage, number: int, pages_expected: int | None, gap: str | None
) -> None:
    """The promise is ``total``, else this page's ``pages``, else the previous page's."""
    assert page.gap(number, 10, pages_expected) == gap


@pytest.mark.parametrize(
    ("page", "number", "last"),
    [
        (_page(10, 5, 44), 4, False),
        (_page(10, 5, 44), 5, True),
        (_page(10, None, None), 7, False),
        (_page(9, None, None), 1, True),
    ],
)
def test_the_window_ends_on_the_last_promised_page_or_a_page_not_full(
    page: OrderPage, number: int, last: bool
) -> None:
    assert page.is_last(number, 10) is last


NORMAL_ANSWERS = [None, False, 0, "0", "", 200, "200"]


@pytest.mark.parametrize("error", NORMAL_ANSWERS)
def test_an_answer_stamped_with_a_normal_error_value_is_no_problem(error: object) -> None:
    document = {"error": error, "message": "NO DATA"}
    assert (problem_in(document), is_no_data(document)) == (None, False)


@pytest.mark.parametrize(
    ("document", "error", "says"),
    [
        ({"error": 100, "message": "Missing Api User"}, GoMagAuthError, "100: Missing Api User"),
        ({"error": 100, "message": "Eroare"}, GoMagAuthError, "100: Eroare"),
        ({"error": "2", "message": "Missing Api User"}, GoMagAuthError, "'2': Missing Api User"),
        ({"error": "2", "message": "Wrong API key"}, GoMagAuthError, "'2': Wrong API key"),
        ({"error": "2", "message": "ApiKey lipsa"}, GoMagAuthError, "'2': ApiKey lipsa"),
        ({"error": "2", "message": "Unauthorized"}, GoMagAuthError, "'2': Unauthorized"),
        ({"error": "600", "message": ["MISSING_ORDER_ID"]}, GoMagRequestRejected, "'600': M"),
        ({"error": "650"}, GoMagRequestRejected, "'650': no message"),
        ({"error": "2", "message": ["invalid_date"]}, GoMagRequestRejected, "'2': invalid_date"),
        ({"error": "2", "message": "MISSING_X"}, GoMagRequestRejected, "'2': MISSING_X"),
        ({"error": "404", "message": "Not found"}, GoMagRequestRejected, "'404': Not found"),
        (
            {"error": 1, "status": "404", "errorMessage": "Resursa nu a fost gasita"},
            GoMagRequestRejected,
            "1 (status '404'): Resursa nu a fost gasita",
        ),
        ({"error": 1}, GoMagApiError, "1: no message"),
        ({"error": "6"}, GoMagApiError, "'6': no message"),
        ({"error": "6000", "message": ["Eroare"]}, GoMagApiError, "'6000': Eroare"),
        (
            {"error": "500", "message": "Eroare interna", "errorMessage": ["a", "b"]},
            GoMagApiError,
            "'500': Eroare interna; a; b",
        ),
    ],
)
def test_each_error_body_is_told_apart(document: dict, error: type, says: str) -> None:
    """A retry cures only a server error; credentials and rejected requests fail at once."""
    problem = problem_in(document)

    assert problem is not None and problem.cause.startswith(f"GoMag error {says}")
    assert problem.error is error
    assert problem.retryable is (error is GoMagApiError)
    assert not is_no_data(document)


@pytest.mark.parametrize("message", [["NO DATA"], "No data", ["x", "no data for the period"]])
def test_no_data_in_any_case_or_place_is_nothing_to_list(message: object) -> None:
    document = {"error": "404", "message": message}
    assert (is_no_data(document), problem_in(document)) == (True, None)


def test_a_rate_limit_is_retried_after_the_time_gomag_asks() -> None:
    problem = PageProblem.rate_limited(2.5)

    assert (problem.cause, problem.error, problem.retry_after) == (
        "HTTP 429 Too Many Requests",
        GoMagRateLimited,
        2.5,
    )
    assert problem.retryable
