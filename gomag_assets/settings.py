"""The environment a deployment configures, read once and checked with one clear line per fault.

Secrets (``GOMAG_API_KEY``, ``GOMAG_ALERT_WEBHOOK``) are not read here: resources take them
through ``dagster.EnvVar`` so their values never reach run config, logs or metadata.
``GOMAG_DB_URL`` may hold a password: it is checked here, without ever being repeated in a
message, and kept only as the location to show (password removed); the order store reads it
through ``EnvVar``.
"""

import datetime as dt
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gomag_assets.constants import DEFAULT_CANCELLED_STATUSES, ERRORS_LOG_NAME


class GoMagSettingError(ValueError):
    """A setting is missing or invalid; the message names the variable and what is wrong."""


@dataclass(frozen=True)
class Settings:
    api_url: str
    api_shop: str
    db_path: Path
    db_on_postgres: bool
    """True when ``GOMAG_DB_URL`` is set: the order store is in PostgreSQL, not at db_path."""
    db_location: str
    """Where the order store is, fit to show: ``GOMAG_DB_URL`` without its password, or
    ``db_path``."""
    errors_log: Path
    start_date: dt.date
    timezone: str
    intraday_cron: str
    nightly_cron: str
    alerts_file: Path
    late_update_lookback_days: int
    late_update_max_runs: int
    late_update_interval_seconds: int
    alert_interval_seconds: int
    """Seconds between the alert sensors' looks at failed runs and MALFORMED orders."""
    freshness_lag_minutes: int
    store_pii: bool
    cancelled_statuses: tuple[str, ...]
    cancelled_status_ids: tuple[str, ...]


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _timezone(text: str) -> str:
    ZoneInfo(text)
    return text


def _positive(text: str) -> int:
    number = int(text)
    if number <= 0:
        raise ValueError("must be a whole number above zero")
    return number


def _cron(text: str) -> str:
    if len(text.split()) != 5:
        raise ValueError("needs five fields: minute hour day month weekday")
    return text


def _url(text: str) -> str:
    if not text.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://")
    return text.rstrip("/")


_SWITCH = {"1": True, "true": True, "yes": True, "on": True}
_SWITCH |= {"0": False, "false": False, "no": False, "off": False}


def _switch(text: str) -> bool:
    try:
        return _SWITCH[text.lower()]
    except KeyError:
        raise ValueError("say 1 or 0 (true/false, yes/no, on/off)") from None


def _names(text: str) -> tuple[str, ...]:
    return tuple(name.strip() for name in text.split(",") if name.strip())


def _read(
    env: Mapping[str, str], name: str, default: str, parse: Callable[[str], object], expected: str
):
    text = env.get(name, "").strip() or default
    try:
        return parse(text)
    except (ValueError, ZoneInfoNotFoundError) as exc:
        raise GoMagSettingError(
            f"{name}={text!r} is invalid: expected {expected} ({exc})"
        ) from None


def _postgres_location(env: Mapping[str, str]) -> str | None:
    """``GOMAG_DB_URL`` without its password, or None when unset; an invalid URL is one line
    that does not repeat it."""
    text = env.get("GOMAG_DB_URL", "").strip()
    if not text:
        return None
    parts = urlsplit(text)
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is no number
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("postgresql", "postgres"):
        raise GoMagSettingError(
            "GOMAG_DB_URL is invalid: expected a postgresql:// or postgres:// URL "
            "(e.g. postgresql://user@host:5432/gomag)"
        )
    from gomag_assets.resources.order_store.postgres import shown_url  # psycopg: only now

    return shown_url(text)


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    """Read every ``GOMAG_*`` setting with its default, failing on the first invalid one."""
    env = os.environ if env is None else env
    db_path = Path(_read(env, "GOMAG_DB_PATH", "data/gomag.sqlite", str, "a file path"))
    errors_default = str(db_path.parent / ERRORS_LOG_NAME)
    alerts_default = str(db_path.parent / "alerts.log")
    postgres = _postgres_location(env)
    return Settings(
        api_url=_read(env, "GOMAG_API_URL", "https://api.gomag.ro/api/v1", _url, "an http(s) URL"),
        api_shop=env.get("GOMAG_API_SHOP", "").strip(),
        db_path=db_path,
        db_on_postgres=postgres is not None,
        db_location=postgres or str(db_path),
        errors_log=Path(_read(env, "GOMAG_ERRORS_LOG", errors_default, str, "a file path")),
        start_date=_read(env, "GOMAG_START_DATE", "2024-01-01", _date, "a date YYYY-MM-DD"),
        timezone=_read(env, "GOMAG_TIMEZONE", "Europe/Bucharest", _timezone, "an IANA timezone"),
        intraday_cron=_read(env, "GOMAG_INTRADAY_CRON", "*/15 * * * *", _cron, "a cron schedule"),
        nightly_cron=_read(env, "GOMAG_NIGHTLY_CRON", "30 0 * * *", _cron, "a cron schedule"),
        alerts_file=Path(_read(env, "GOMAG_ALERTS_FILE", alerts_default, str, "a file path")),
        late_update_lookback_days=_read(env, "GOMAG_LATE_UPDATE_DAYS", "7", _positive, "days > 0"),
        late_update_max_runs=_read(env, "GOMAG_LATE_UPDATE_MAX_RUNS", "10", _positive, "runs > 0"),
        late_update_interval_seconds=_read(
            env, "GOMAG_LATE_UPDATE_INTERVAL", "300", _positive, "seconds > 0"
        ),
        alert_interval_seconds=_read(env, "GOMAG_ALERT_INTERVAL", "30", _positive, "seconds > 0"),
        freshness_lag_minutes=_read(env, "GOMAG_FRESHNESS_LAG", "60", _positive, "minutes > 0"),
        store_pii=_read(env, "GOMAG_STORE_PII", "1", _switch, "a switch"),
        cancelled_statuses=_read(
            env,
            "GOMAG_CANCELLED_STATUSES",
            ",".join(DEFAULT_CANCELLED_STATUSES),
            _names,
            "status names separated by commas",
        ),
        cancelled_status_ids=_read(
            env, "GOMAG_CANCELLED_STATUS_IDS", "", _names, "status ids separated by commas"
        ),
    )
