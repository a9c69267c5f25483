"""The shops file (``GOMAG_SHOPS_FILE``): every shop read with its defaults, every problem one
line naming the shop and the key, and no file meaning the one shop of the ``GOMAG_API_*``
settings."""

import datetime as dt

import pytest

from gomag_assets.settings import load_settings
from gomag_assets.shops import Shop, ShopsFileError, default_shop, load_shops

ENV = {"GOMAG_KEY_VENDING": "k-vending", "GOMAG_KEY_BAKERY": "k-bakery"}
VENDING = """
[[shops]]
name = "vending_ro"
api_shop = "https://www.vending.ro"
api_key_env = "GOMAG_KEY_VENDING"
timezone = "Europe/Bucharest"
start_date = "2025-01-01"
"""
BAKERY = """
[[shops]]
name = "bakery_md"
api_url = "http://127.0.0.1:8765/api/v1/"
api_shop = "https://bakery.md"
api_key_env = "GOMAG_KEY_BAKERY"
timezone = "Europe/Chisinau"
start_date = 2025-03-01
cancelled_statuses = ["Anulata", "Refuzata"]
cancelled_status_ids = [7, "12"]
schedules_on = true
"""


def _shops(tmp_path, text: str, env: dict[str, str] = ENV) -> tuple[Shop, ...]:
    path = tmp_path / "shops.toml"
    path.write_text(text, encoding="utf-8")
    env = env | {"GOMAG_SHOPS_FILE": str(path)}
    return load_shops(load_settings(env), env)


def _problems(tmp_path, text: str, env: dict[str, str] = ENV) -> list[str]:
    with pytest.raises(ShopsFileError) as error:
        _shops(tmp_path, text, env)
    lines = str(error.value).splitlines()
    path = str(tmp_path / "shops.toml")
    assert all(line.startswith(f"GOMAG_SHOPS_FILE={path!r}: ") for line in lines)
    return [line.split(": ", 1)[1] for line in lines]


def test_each_shop_is_read_with_the_deployment_settings_as_its_defaults(tmp_path):
    env = ENV | {"GOMAG_TIMEZONE": "Europe/Bucharest", "GOMAG_CANCELLED_STATUSES": "Anulata"}
    vending, bakery = _shops(tmp_path, VENDING + BAKERY, env)

    assert vending == Shop(
        name="vending_ro",
        api_url="https://api.gomag.ro/api/v1",
        api_shop="https://www.vending.ro",
        api_key_env="GOMAG_KEY_VENDING",
        timezone="Europe/Bucharest",
        start_date=dt.date(2025, 1, 1),
        cancelled_statuses=("Anulata",),
        cancelled_status_ids=(),
        schedules_on=False,
    )
    assert bakery == Shop(
        name="bakery_md",
        api_url="http://127.0.0.1:8765/api/v1",
        api_shop="https://bakery.md",
        api_key_env="GOMAG_KEY_BAKERY",
        timezone="Europe/Chisinau",
        start_date=dt.date(2025, 3, 1),
        cancelled_statuses=("Anulata", "Refuzata"),
        cancelled_status_ids=("7", "12"),
        schedules_on=True,
    )


def test_no_file_is_no_shop_entry_and_the_default_shop_comes_from_the_gomag_api_settings():
    env = {
        "GOMAG_API_URL": "http://127.0.0.1:9/api/v1",
        "GOMAG_API_SHOP": "https://shop.ro",
        "GOMAG_TIMEZONE": "Europe/Chisinau",
        "GOMAG_START_DATE": "2025-02-03",
    }
    assert load_shops(load_settings(env), env) == ()
    shop = default_shop(load_settings(env))
    assert (shop.name, shop.api_url, shop.api_shop, shop.api_key_env) == (
        "default",
        "http://127.0.0.1:9/api/v1",
        "https://shop.ro",
        "GOMAG_API_KEY",
    )
    assert (shop.timezone, shop.start_date, shop.schedules_on) == (
        "Europe/Chisinau",
        dt.date(2025, 2, 3),
        False,
    )


def test_the_api_key_itself_is_never_read_into_a_shop(tmp_path):
    shops = _shops(tmp_path, VENDING + BAKERY)
    assert not any(key in repr(shops) for key in ENV.values())


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        (("timezone", "regionn"), "shop 'vending_ro': unknown key 'regionn'"),
        (
            ('"GOMAG_KEY_VENDING"', '"GOMAG_KEY_NOWHERE"'),
            "shop 'vending_ro': api_key_env: environment variable GOMAG_KEY_NOWHERE is not set",
        ),
        (
            ('"2025-01-01"', '"2025-13-01"'),
            "shop 'vending_ro': start_date: '2025-13-01' is invalid, expected a date YYYY-MM-DD",
        ),
        (
            ('"Europe/Bucharest"', '"Europe/Bucuresti"'),
            "shop 'vending_ro': timezone: 'Europe/Bucuresti' is invalid, expected an IANA timezone",
        ),
        (
            ('"vending_ro"', '"vending-ro"'),
            "shop 'vending-ro': name: 'vending-ro' is invalid, "
            "expected letters, digits and underscores",
        ),
        (
            ('api_shop = "https://www.vending.ro"', 'api_url = "ftp://gomag.ro"'),
            "shop 'vending_ro': api_url: 'ftp://gomag.ro' is invalid, expected an http(s) URL",
        ),
        (
            ('timezone = "Europe/Bucharest"', "schedules_on = 1"),
            "shop 'vending_ro': schedules_on: 1 is invalid, expected true or false",
        ),
        (
            ('name = "vending_ro"', ""),
            "shop #1: name: missing, expected letters, digits and underscores",
        ),
    ],
    ids=[
        "unknown_key",
        "missing_env_var",
        "bad_date",
        "bad_timezone",
        "bad_name",
        "bad_url",
        "bad_switch",
        "no_name",
    ],
)
def test_each_problem_is_one_line_naming_the_shop_and_the_key(tmp_path, edit, problem):
    text = VENDING.replace(*edit)
    assert text != VENDING
    problems = _problems(tmp_path, text)
    assert problems[0] == problem
    assert len(problems) == 1 + ("api_shop" in edit[0]), problems


def test_a_duplicate_name_is_reported_on_the_second_entry(tmp_path):
    assert _problems(tmp_path, VENDING + VENDING) == ["shop 'vending_ro': name: duplicate name"]


def test_every_problem_of_the_file_is_reported_at_once(tmp_path):
    text = VENDING.replace('"2025-01-01"', '"yesterday"') + BAKERY.replace(
        '"GOMAG_KEY_BAKERY"', '"GOMAG_KEY_GONE"'
    )
    assert _problems(tmp_path, text + "\n[extra]\n") == [
        "unknown key 'extra'",
        "shop 'vending_ro': start_date: 'yesterday' is invalid, expected a date YYYY-MM-DD",
        "shop 'bakery_md': api_key_env: environment variable GOMAG_KEY_GONE is not set",
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [("", "no [[shops]] entry"), ("[[shops]\n", "is not TOML"), ("shops = 3", "no [[shops]]")],
    ids=["empty", "not_toml", "shops_not_a_list"],
)
def test_a_file_without_shops_is_one_clear_line(tmp_path, text, problem):
    (line,) = _problems(tmp_path, text)
    assert line.startswith(problem)


def test_a_missing_file_is_one_clear_line(tmp_path):
    env = {"GOMAG_SHOPS_FILE": str(tmp_path / "nowhere.toml")}
    with pytest.raises(ShopsFileError, match=r"nowhere.toml'\: cannot be read \(No such file"):
        load_shops(load_settings(env), env)
