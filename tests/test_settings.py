"""The operator's settings: each read with its default, each fault one line naming the variable."""

import pytest

from gomag_assets.constants import DEFAULT_CANCELLED_STATUSES
from gomag_assets.settings import GoMagSettingError, load_settings


def test_defaults_keep_personal_data_and_cancel_by_name_only():
    settings = load_settings({})
    assert settings.store_pii is True
    assert settings.cancelled_statuses == DEFAULT_CANCELLED_STATUSES
    assert settings.cancelled_status_ids == ()


@pytest.mark.parametrize(
    ("text", "kept"), [("0", False), ("off", False), ("No", False), ("1", True), ("yes", True)]
)
def test_the_personal_data_switch_reads_the_usual_spellings(text, kept):
    assert load_settings({"GOMAG_STORE_PII": text}).store_pii is kept


def test_a_personal_data_switch_that_is_not_one_is_a_clear_error():
    with pytest.raises(GoMagSettingError) as error:
        load_settings({"GOMAG_STORE_PII": "maybe"})
    assert str(error.value).startswith("GOMAG_STORE_PII='maybe' is invalid: expected a switch")
    assert "\n" not in str(error.value)


def test_cancelled_statuses_and_ids_are_lists_separated_by_commas():
    settings = load_settings(
        {"GOMAG_CANCELLED_STATUSES": "Anulata, Returnata ,", "GOMAG_CANCELLED_STATUS_IDS": "7,12"}
    )
    assert settings.cancelled_statuses == ("Anulata", "Returnata")
    assert settings.cancelled_status_ids == ("7", "12")
