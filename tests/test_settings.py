"""The operator's settings: each read with its default, each fault one line naming the variable."""

import pytest
from dagster import AssetKey

from gomag_assets.constants import DEFAULT_CANCELLED_STATUSES
from gomag_assets.definitions import build_definitions
from gomag_assets.resources.order_store import OrderStore
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


def test_a_postgres_url_selects_the_server_store_shown_without_its_password():
    settings = load_settings({"GOMAG_DB_URL": "postgresql://gomag:s3cret@db.local:5432/gomag"})
    assert settings.db_on_postgres is True
    assert settings.db_location == "postgresql://gomag@db.local:5432/gomag"
    assert "s3cret" not in repr(settings)
    store = OrderStore(db_url="postgresql://gomag:s3cret@db.local:5432/gomag")
    assert store.location == "postgresql://gomag@db.local:5432/gomag"
    assert "s3cret" not in repr(store)


def test_without_a_postgres_url_the_store_is_the_sqlite_file():
    settings = load_settings({"GOMAG_DB_PATH": "/srv/gomag/orders.sqlite"})
    assert settings.db_on_postgres is False
    assert settings.db_location == "/srv/gomag/orders.sqlite"


@pytest.mark.parametrize(
    ("env", "kind"),
    [
        ({"GOMAG_DB_PATH": "orders.sqlite"}, "sqlite"),
        ({"GOMAG_DB_URL": "postgresql://db/g"}, "postgres"),
    ],
)
def test_every_order_asset_names_the_store_it_is_kept_in(env, kind):
    definitions = build_definitions(load_settings(env))
    for name in ("raw_orders", "validated_orders", "imported_orders"):
        kinds = definitions.get_assets_def(name).specs_by_key[AssetKey(name)].kinds
        assert kind in kinds and not kinds & ({"sqlite", "postgres"} - {kind}), kinds


@pytest.mark.parametrize(
    "url", ["mysql://u:s3cret@h/db", "s3cret", "postgresql://u:s3cret@h:port/db"]
)
def test_a_url_that_is_not_postgres_is_one_line_that_never_repeats_it(url):
    with pytest.raises(GoMagSettingError) as error:
        load_settings({"GOMAG_DB_URL": url})
    assert str(error.value).startswith("GOMAG_DB_URL is invalid: expected a postgresql://")
    assert "s3cret" not in str(error.value) and "\n" not in str(error.value)
