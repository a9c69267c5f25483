"""Canonical forms of GoMag field values: exact decimal text, shop-local date text, plain text.

Each reader takes the raw values of one field (as ``normalize`` found them in the payloads) and
returns an object array of canonical values, with None wherever a value is missing or cannot be
read as its kind; the schemas then judge the canonical values, and the words of a failure are
chosen from the raw value (``reasons``).

Readers work once per distinct value (``pd.factorize``) or with one vectorized pass, because the
same few quantities, VAT rates and statuses repeat across thousands of item lines.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, tzinfo

import numpy as np
import pandas as pd

_PLAIN_DECIMAL = re.compile(r"(-?)([0-9]+)(?:[.,]([0-9]+))?")
_DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
_CANONICAL_DATE_LENGTH = len("2026-10-01 14:03:22")
_LONGEST_DATE_TEXT = 64
"""Longer text cannot be an ISO 8601 date; it is rejected before any parser sees it."""


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


def decimal_text(text: str) -> str | None:
    """The canonical decimal text of ``text`` (``"099,950"`` -> ``"99.95"``), or None when it is
    not a plain decimal number. Pure string work, so it is exact for any number of digits."""
    match = _PLAIN_DECIMAL.fullmatch(text)
    if match is None:
        return None
    sign, whole, fraction = match.groups()
    whole = whole.lstrip("0") or "0"
    fraction = (fraction or "").rstrip("0")
    number = f"{whole}.{fraction}" if fraction else whole
    return f"-{number}" if sign and number != "0" else number


def decimal_texts(values: Sequence[object]) -> np.ndarray:
    """Canonical decimal text of each value; text and JSON numbers are read, anything else
    (booleans, objects, lists) is None."""
    return _read_distinct(values, decimal_text)


def texts(values: Sequence[object], *, blank_is_missing: bool) -> np.ndarray:
    """Each value as plain text (JSON numbers as their source text); non-text values are None,
    and so are blank ones when ``blank_is_missing``."""
    if blank_is_missing:
        read = [
            value if type(value) is str and value and not value.isspace() else _text(value, True)
            for value in values
        ]
    else:
        read = [value if type(value) is str else _text(value, False) for value in values]
    return objects(read, len(read))


def _text(value: object, blank_is_missing: bool) -> str | None:
    if not isinstance(value, str) or (blank_is_missing and not value.strip()):
        return None
    return str(value)


def drop_invalid_unicode(column: np.ndarray) -> None:
    """Set to None, in place, text holding lone surrogates (JSON allows ``"\\ud800"``): it cannot
    be encoded as UTF-8, so it cannot be stored. One encode of the whole column clears the
    usual case, since Python never pairs surrogates across joined strings."""
    if is_valid_unicode("".join(filter(None, column))):
        return
    for row, value in enumerate(column):
        if value is not None and not is_valid_unicode(value):
            column[row] = None


def is_valid_unicode(text: str) -> bool:
    """Whether ``text`` encodes as UTF-8 (it holds no lone surrogate)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def shop_local_times(values: Sequence[object], zone: tzinfo) -> np.ndarray:
    """Each value as shop-local ``YYYY-MM-DD HH:MM:SS`` text, or None.

    Text already in that form is checked with one vectorized ``pd.to_datetime``; anything else
    goes through ``datetime.fromisoformat`` (ISO 8601 with ``T``, fractions, offsets, ``Z``), and
    a date carrying an offset is converted to the shop's time zone. JSON numbers are not dates.
    """
    candidates = pd.Series(
        objects(
            [
                value
                if type(value) is str and value.isascii() and len(value) == _CANONICAL_DATE_LENGTH
                else None
                for value in values
            ],
            len(values),
        )
    )
    parsed = pd.to_datetime(candidates, format=_DATE_FORMAT, errors="coerce")
    canonical = np.where(parsed.notna().to_numpy(), candidates.to_numpy(), None)
    for row in np.flatnonzero(parsed.isna().to_numpy()):
        value = values[row]
        if type(value) is str:
            canonical[row] = _iso_shop_local_time(value, zone)
    return canonical


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


def names_in(values: Sequence[object], names: Iterable[str]) -> np.ndarray:
    """Whether each value is text naming one of ``names`` (compared by ``name_key``)."""
    keys = {name_key(name) for name in names}
    return _read_distinct(values, lambda value: name_key(value) in keys).astype(bool)


def _read_distinct(values: Sequence[object], read: Callable[[str], object]) -> np.ndarray:
    """``read`` applied once per distinct text value; non-text values read as None."""
    column = objects(values, len(values))
    try:
        codes, distinct = pd.factorize(column)
    except TypeError:  # a nested object or list is unhashable; it is not text anyway
        texts_only = (value if isinstance(value, str) else None for value in values)
        codes, distinct = pd.factorize(objects(texts_only, len(values)))
    read_values = [read(value) if isinstance(value, str) else None for value in distinct]
    return objects([*read_values, None], len(read_values) + 1)[codes]
