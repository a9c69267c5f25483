"""The shops a deployment syncs: the TOML file named by ``GOMAG_SHOPS_FILE``, or one shop,
``default``, from the ``GOMAG_API_*`` settings when there is no file.

Each ``[[shops]]`` entry names one GoMag shop. Its API key is never in the file: ``api_key_env``
names the environment variable that holds it, read by the resource through ``EnvVar``; here it
is only checked to be set. Every problem of the file is reported, each in one line naming the
shop and the key.
"""

import dataclasses
import datetime as dt
import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gomag_assets.resources.order_store.shop_step import DEFAULT_SHOP, SHOP_NAME
from gomag_assets.settings import GoMagSettingError, Settings

SHOPS_FILE_VARIABLE = "GOMAG_SHOPS_FILE"
DEFAULT_API_KEY_ENV = "GOMAG_API_KEY"


@dataclass(frozen=True)
class Shop:
    """One GoMag shop of the deployment."""

    name: str
    """Letters, digits and underscores: an asset key prefix, a group name, the store's shop."""
    api_url: str
    api_shop: str
    api_key_env: str
    """The environment variable holding the shop's API key (read through ``EnvVar`` only)."""
    timezone: str
    start_date: dt.date
    cancelled_statuses: tuple[str, ...]
    cancelled_status_ids: tuple[str, ...]
    schedules_on: bool
    """Whether the shop's schedules start running when the code location loads."""


class ShopsFileError(GoMagSettingError):
    """The shops file has problems: one line each, naming the shop and the key."""


def load_shops(settings: Settings, env: Mapping[str, str] | None = None) -> tuple[Shop, ...]:
    """The shops of ``GOMAG_SHOPS_FILE`` (the ``GOMAG_*`` settings give each shop's defaults);
    none without a file: the deployment's one shop is then :func:`default_shop`."""
    env = os.environ if env is None else env
    path = env.get(SHOPS_FILE_VARIABLE, "").strip()
    return read_shops_file(Path(path), settings, env) if path else ()


def default_shop(settings: Settings) -> Shop:
    """The one shop of a deployment without a shops file, configured by ``GOMAG_API_*``."""
    return Shop(
        name=DEFAULT_SHOP,
        api_url=settings.api_url,
        api_shop=settings.api_shop,
        api_key_env=DEFAULT_API_KEY_ENV,
        timezone=settings.timezone,
        start_date=settings.start_date,
        cancelled_statuses=settings.cancelled_statuses,
        cancelled_status_ids=settings.cancelled_status_ids,
        schedules_on=False,
    )


def shop_settings(shop: Shop, settings: Settings) -> Settings:
    """The deployment's ``settings`` with the shop's own API, timezone, start and statuses."""
    return dataclasses.replace(
        settings,
        api_url=shop.api_url,
        api_shop=shop.api_shop,
        timezone=shop.timezone,
        start_date=shop.start_date,
        cancelled_statuses=shop.cancelled_statuses,
        cancelled_status_ids=shop.cancelled_status_ids,
    )


def read_shops_file(path: Path, settings: Settings, env: Mapping[str, str]) -> tuple[Shop, ...]:
    """The shops of the file at ``path``; ``ShopsFileError`` listing every problem."""
    where = f"{SHOPS_FILE_VARIABLE}={str(path)!r}"
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise ShopsFileError(f"{where}: cannot be read ({error.strerror})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ShopsFileError(f"{where}: is not TOML ({error})") from None
    problems = [f"{where}: unknown key {key!r}" for key in document if key != "shops"]
    entries = document.get("shops")
    if not isinstance(entries, list) or not entries:
        problems.append(f"{where}: no [[shops]] entry")
        entries = []
    shops, seen = [], set()
    for number, entry in enumerate(entries, start=1):
        entry_problems: list[str] = []
        shop = _read_entry(entry, number, settings, env, entry_problems.append)
        if shop is not None and shop.name in seen:
            entry_problems.append(f"shop {shop.name!r}: name: duplicate name")
        problems += [f"{where}: {problem}" for problem in entry_problems]
        if shop is not None:
            seen.add(shop.name)
            shops.append(shop)
    if problems:
        raise ShopsFileError("\n".join(problems))
    return tuple(shops)


_KEYS = frozenset(
    {
        "name",
        "api_url",
        "api_shop",
        "api_key_env",
        "timezone",
        "start_date",
        "cancelled_statuses",
        "cancelled_status_ids",
        "schedules_on",
    }
)


def _read_entry(
    entry: object,
    number: int,
    settings: Settings,
    env: Mapping[str, str],
    problem: Callable[[str], None],
) -> Shop | None:
    """The entry as a ``Shop``, or None after reporting each of its problems."""
    if not isinstance(entry, dict):
        problem(f"shop #{number}: is not a table")
        return None
    name = entry.get("name")
    label = f"shop {name!r}" if isinstance(name, str) and name else f"shop #{number}"
    found: list[str] = []

    def field(key: str, default: Any, parse: Callable[[Any], Any], expected: str) -> Any:
        if key not in entry:
            if default is _REQUIRED:
                found.append(f"{label}: {key}: missing, expected {expected}")
            return default
        try:
            return parse(entry[key])
        except _Problem as error:
            found.append(f"{label}: {key}: {error}")
        except (TypeError, ValueError, ZoneInfoNotFoundError):
            found.append(f"{label}: {key}: {entry[key]!r} is invalid, expected {expected}")
        return None

    found += [f"{label}: unknown key {key!r}" for key in entry if key not in _KEYS]
    shop = Shop(
        name=field("name", _REQUIRED, _shop_name, "letters, digits and underscores"),
        api_url=field("api_url", settings.api_url, _url, "an http(s) URL"),
        api_shop=field("api_shop", _REQUIRED, _text, "the shop's address"),
        api_key_env=field(
            "api_key_env", _REQUIRED, _env_name(env), "the name of a set environment variable"
        ),
        timezone=field("timezone", settings.timezone, _timezone, "an IANA timezone"),
        start_date=field("start_date", settings.start_date, _date, "a date YYYY-MM-DD"),
        cancelled_statuses=field(
            "cancelled_statuses", settings.cancelled_statuses, _texts, "a list of status names"
        ),
        cancelled_status_ids=field(
            "cancelled_status_ids", settings.cancelled_status_ids, _ids, "a list of status ids"
        ),
        schedules_on=field("schedules_on", False, _bool, "true or false"),
    )
    for line in found:
        problem(line)
    return None if found else shop


_REQUIRED: Any = object()


class _Problem(ValueError):
    """A value's problem told in its own words, not as "invalid, expected ..."."""


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("not a non-empty string")
    return value.strip()


def _shop_name(value: Any) -> str:
    if not isinstance(value, str) or not SHOP_NAME.fullmatch(value):
        raise ValueError(value)
    return value


def _url(value: Any) -> str:
    text = _text(value)
    if not text.startswith(("http://", "https://")):
        raise ValueError(value)
    return text.rstrip("/")


def _env_name(env: Mapping[str, str]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        name = _text(value)
        if not env.get(name, "").strip():
            raise _Problem(f"environment variable {name} is not set")
        return name

    return parse


def _timezone(value: Any) -> str:
    ZoneInfo(_text(value))
    return value.strip()


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip())
    raise ValueError(value)


def _texts(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ValueError(value)
    return tuple(_text(item) for item in value)


def _ids(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or any(isinstance(item, bool) for item in value):
        raise ValueError(value)
    return tuple(str(item) if isinstance(item, int) else _text(item) for item in value)


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError(value)
    return value
