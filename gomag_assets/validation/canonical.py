"""Canonical forms of GoMag field values: exact decimal text, shop-local date text, plain text.

Each reader takes the raw values of one field (as ``normalize`` found them in the payloads) and
returns a ``Reading``: an object array of canonical values, with None wherever a value is
missing or cannot be read as its kind, and the rows whose value was sent but cannot be read (so
an optional field can tell "not sent" from "unreadable"). The schemas then judge the canonical
values, and the words of a failure are chosen from the raw value (``reasons``).

Readers work once per distinct value (``pd.factorize``) where values repeat (quantities, VAT
rates, statuses across thousands of item lines) and in one pass over the values otherwise.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable
from datetime import datetime, tzinfo
from typing import NamedTuple

import numpy as np
import pandas as pd

_PLAIN_DECIMAL = re.compile(r"(-?)([0-9]+)(?:[.,]([0-9]+))?")
_CANONICAL_DECIMAL = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]*[1-9])?")
"""Text already canonical: no leading zeros, no trailing fractional zeros (``-0`` aside)."""
_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
"""Text in ``_DATE_FORMAT`` to the character: pandas, given that format, also reads other
spacing (``"2026-10-01  4:03:22"``, a tab for the space) and would keep that text as it is."""
_LONGEST_DATE_TEXT = 64
"""Longer text cannot be an ISO 8601 date; it is rejected before any parser sees it."""

NOT_SET_DATES = frozenset({"0000-00-00 00:00:00", "0000-00-00"})
"""GoMag's date "not set" (an unissued invoice, an unscheduled delivery): None, not a failure."""

NOT_SET_ID = "0"
"""GoMag's id or number "not set" (no locker, no customer account, no invoice yet)."""

_NOT_SET = NOT_SET_DATES | {NOT_SET_ID, NOT_SET_ID.encode()}
_TEXTS = (str, bytes)
"""Types of payload values that are text: strings, and JSON numbers (their source text)."""
_FLAGS = {"0": False, "1": True, b"0": False, b"1": True}


class Reading(NamedTuple):
    """A column read into canonical form."""

    values: np.ndarray
    """Canonical value per row; None where absent, blank, "not set", or unreadable."""
    unread: np.ndarray
    """Rows whose value was sent but cannot be read as the column's kind (ascending)."""


def objects(values: Iterable[object], count: int) -> np.ndarray:
    """A 1-D object array holding ``values`` as they are (lists stay elements, not rows)."""
    return np.fromiter(values, dtype=object, count=count)


def per_distinct(values: pd.Series, rule: Callable[[str], object]) -> pd.Series:
    """Apply ``rule`` once per distinct non-null value; null values pass (absence is judged
    by the "present" rules, not here)."""
    codes, distinct = pd.factorize(values)
    verdicts = np.fromiter(
        (bool(rule(value)) for value in distinct), dtype=bool, count=len(distinct)
    )
    return pd.Series(np.append(verdicts, True)[codes], index=values.index)


def is_decimal_text(text: str) -> bool:
    """Whether ``text`` is canonical decimal text already."""
    return _CANONICAL_DECIMAL.fullmatch(text) is not None and text != "-0"


def decimal_text(text: str) -> str | None:
    """The canonical decimal text of ``text`` (``"099,950"`` -> ``"99.95"``), or None when it is
    not a plain decimal number. Pure string work, so it is exact for any number of digits."""
    if is_decimal_text(text):
        return text
    match = _PLAIN_DECIMAL.fullmatch(text)
    if match is None:
        return None
    sign, whole, fraction = match.groups()
    whole = whole.lstrip("0") or "0"
    fraction = (fraction or "").rstrip("0")
    number = f"{whole}.{fraction}" if fraction else whole
    return f"-{number}" if sign and number != "0" else number


def decimal_texts(values: np.ndarray) -> Reading:
    """Canonical decimal text of each value; text and JSON numbers are read, anything else
    (booleans, objects, lists) is unreadable."""
    return _read_distinct(values, decimal_text)


def texts(values: np.ndarray, *, blank_is_missing: bool, only_text: bool = False) -> Reading:
    """Each value as plain text (JSON numbers as their source text); blank ones are None when
    ``blank_is_missing``; anything else (booleans, objects, lists) is unreadable. With
    ``only_text`` the caller vouches that every value is ``str`` or None (a field the compiled
    decoder reads as text), so no value's type is looked at."""
    if only_text:
        if not blank_is_missing:
            return Reading(values.copy(), _NO_ROWS)
        raw = values.tolist()
        read = [value if value and not value.isspace() else None for value in raw]
        return Reading(objects(read, len(read)), _NO_ROWS)
    strays = []

    def not_text(value: object) -> str | None:
        if type(value) is bytes:
            return value.decode()
        strays.append(value)
        return None

    raw = values.tolist()  # a list is iterated faster than an object array
    if blank_is_missing:
        read = [
            value
            if type(value) is str and value and not value.isspace()
            else None
            if value is None or type(value) is str
            else not_text(value)
            for value in raw
        ]
    else:
        read = [value if type(value) is str or value is None else not_text(value) for value in raw]
    canonical = objects(read, len(read))
    if not strays:
        return Reading(canonical, _NO_ROWS)
    unread = (value is not None and type(value) not in _TEXTS for value in raw)
    return Reading(canonical, np.flatnonzero(np.fromiter(unread, dtype=bool)))


def ids(values: np.ndarray) -> Reading:
    """Each value as text (JSON numbers as their source text: ``12345`` -> ``"12345"``); None
    when blank or ``NOT_SET_ID``."""
    reading = texts(values, blank_is_missing=True)
    reading.values[reading.values == NOT_SET_ID] = None
    return reading


def flags(values: np.ndarray) -> Reading:
    """Each value as True (``"1"``, ``1``, ``true``) or False (``"0"``, ``0``, ``false``);
    anything else that was sent is unreadable."""
    raw = values.tolist()
    read = [
        value if type(value) is bool else _FLAGS.get(value) if type(value) in _TEXTS else None
        for value in raw
    ]
    unread = (flag is None and _was_sent(value) for value, flag in zip(raw, read, strict=True))
    return Reading(objects(read, len(read)), np.flatnonzero(np.fromiter(unread, dtype=bool)))


_NO_ROWS = np.empty(0, dtype=np.intp)


def _was_sent(value: object) -> bool:
    """Whether a value was sent: not null, not blank text, not a "not set" placeholder."""
    if value is None:
        return False
    return type(value) not in _TEXTS or not (not value or value.isspace() or value in _NOT_SET)


def drop_invalid_unicode(column: np.ndarray, rows: Iterable[int]) -> np.ndarray:
    """Set to None, in place, the text of ``rows`` that holds lone surrogates (JSON allows
    ``"\\ud800"``): it cannot be encoded as UTF-8, so it cannot be stored. The caller names the
    rows that may hold one (``normalize`` finds their payloads), so most columns need no look.
    Returns the rows set to None."""
    dropped = [row for row in rows if column[row] is not None and not is_valid_unicode(column[row])]
    column[dropped] = None
    return np.asarray(dropped, dtype=np.intp)


def is_valid_unicode(text: str) -> bool:
    """Whether ``text`` encodes as UTF-8 (it holds no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shop_local_times(values: np.ndarray, zone: tzinfo) -> Reading:
    """Each value as shop-local ``YYYY-MM-DD HH:MM:SS`` text; None for GoMag's "not set" dates
    (``NOT_SET_DATES``); anything else that is not a date is unreadable.

    Text already in that form is checked with one vectorized ``pd.to_datetime``; anything else
    goes through ``datetime.fromisoformat`` (ISO 8601 with ``T``, fractions, offsets, ``Z``), once
    per distinct text, and a date carrying an offset is converted to the shop's time zone. JSON
    numbers are not dates.
    """
    raw = values.tolist()
    candidates = pd.Series(
        objects(
            [
                value
                if type(value) is str and value not in NOT_SET_DATES and _DATE_TEXT.fullmatch(value)
                else None
                for value in raw
            ],
            len(raw),
        )
    )
    unparsed = pd.to_datetime(candidates, format=_DATE_FORMAT, errors="coerce").isna().to_numpy()
    canonical = np.where(unparsed, None, candidates.to_numpy())
    rest = np.flatnonzero(unparsed)
    others = _read_distinct(
        values[rest], lambda text: _iso_shop_local_time(text, zone), numbers_are_text=False
    )
    canonical[rest] = others.values
    return Reading(canonical, rest[others.unread])


def _iso_shop_local_time(text: str, zone: tzinfo) -> str | None:
    if len(text) > _LONGEST_DATE_TEXT:
        return None
    try:
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is not None:
            moment = moment.astimezone(zone).replace(tzinfo=None)
    except (ValueError, OverflowError):
        return None
    return moment.isoformat(" ", "seconds")


def name_key(name: str) -> str:
    """A name compared without case, diacritics or surrounding space: "ANULATĂ " ~ "anulata"."""
    decomposed = unicodedata.normalize("NFKD", name.strip())
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def names_in(values: np.ndarray, names: Iterable[str]) -> np.ndarray:
    """Whether each value is text naming one of ``names`` (compared by ``name_key``)."""
    keys = {name_key(name) for name in names}
    return _read_distinct(values, lambda value: name_key(value) in keys).values.astype(bool)


def trimmed_in(values: np.ndarray, wanted: Iterable[str]) -> np.ndarray:
    """Whether each value is text equal to one of ``wanted`` once both are trimmed."""
    keys = {text.strip() for text in wanted}
    return _read_distinct(values, lambda value: value.strip() in keys).values.astype(bool)


def _read_distinct(
    values: np.ndarray, read: Callable[[str], object], *, numbers_are_text: bool = True
) -> Reading:
    """``read`` applied once per distinct text value (a JSON number as its source text, unless
    not ``numbers_are_text``); any other value that was sent is unreadable."""
    try:
        codes, distinct = pd.factorize(values)
        containers = _NO_ROWS
    except TypeError:  # a nested object or list is unhashable; it is not text anyway
        is_container = np.fromiter((type(value) in (dict, list) for value in values), dtype=bool)
        containers = np.flatnonzero(is_container)
        codes, distinct = pd.factorize(np.where(is_container, None, values))
    text_types = _TEXTS if numbers_are_text else (str,)
    read_values = [
        read(value if type(value) is str else value.decode()) if type(value) in text_types else None
        for value in distinct
    ]
    unread = [
        value is None and _was_sent(sent) for value, sent in zip(read_values, distinct, strict=True)
    ]
    canonical = objects([*read_values, None], len(read_values) + 1)[codes]
    unread_rows = np.flatnonzero(np.array([*unread, False], dtype=bool)[codes])
    if len(containers):
        unread_rows = np.union1d(unread_rows, containers)
    return Reading(canonical, unread_rows)
