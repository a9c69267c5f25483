"""The words of the run log and the UI: plurals that agree, shares as percentages."""

import pytest

from gomag_assets.wording import counted, percent


@pytest.mark.parametrize(
    ("count", "words"),
    [(0, "0 pages"), (1, "1 page"), (2, "2 pages"), (11, "11 pages")],
)
def test_a_count_takes_its_noun_in_the_right_number(count, words):
    assert counted(count, "page") == words


def test_an_irregular_plural_is_given_and_a_phrase_keeps_its_words():
    assert counted(1, "retry", "retries") == "1 retry"
    assert counted(3, "retry", "retries") == "3 retries"
    assert counted(1, "new MALFORMED order") == "1 new MALFORMED order"
    assert counted(2, "order does", "orders do") == "2 orders do"


@pytest.mark.parametrize(
    ("share", "words"), [(0.0, "0.0%"), (1 / 36, "2.8%"), (0.05, "5.0%"), (1.0, "100.0%")]
)
def test_a_share_reads_as_a_percentage(share, words):
    assert percent(share) == words
