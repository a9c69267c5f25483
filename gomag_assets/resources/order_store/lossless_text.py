"""Text that the database gives back exactly as Python handed it over.

JSON may spell a lone surrogate (``"\\ud800"``) and Python keeps it in a ``str``, but such a string
has no UTF-8 form, so the sqlite3 driver refuses to bind it. Those strings are stored as a BLOB of
their ``surrogatepass`` bytes; a BLOB in a text column therefore always means "decode me back".
PostgreSQL holds neither lone surrogates nor NUL in text: such strings are kept escaped
(:func:`to_postgres`). Each dialect's :class:`TextCodec` says which way it keeps them.
"""

import json
from collections.abc import Callable
from typing import Any, NamedTuple, TypeGuard


def to_sqlite(text: str | None) -> str | bytes | None:
    """The value to bind for ``text``: the string itself when UTF-8 can hold it, else a BLOB."""
    if text is None or text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")
    return text


def from_sqlite(value: str | bytes | None) -> str | None:
    """The string that :func:`to_sqlite` was given."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogatepass")
    return value


def is_storable_text(text: object) -> TypeGuard[str]:
    """True for a ``str`` that SQLite can hold as TEXT (no lone surrogates)."""
    return isinstance(text, str) and to_sqlite(text) is text


def storable_text(text: str) -> str:
    """``text`` with each lone surrogate written as its ``\\udXXX`` escape: for messages, where
    readable beats exact."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


ESCAPED = "\uffff"
"""Starts a PostgreSQL text value that holds the JSON string of the real one (see
:func:`to_postgres`); a noncharacter, and escaped itself when text begins with it."""


def to_postgres(text: str | None) -> str | None:
    """The value to bind for ``text`` in PostgreSQL, which holds no NUL and no lone surrogate:
    the string itself, or ``ESCAPED`` and its ASCII JSON form when it holds either (or begins
    with ``ESCAPED``)."""
    if text is None or (text.isascii() and "\x00" not in text):
        return text
    if "\x00" in text or text.startswith(ESCAPED) or to_sqlite(text) is not text:
        return ESCAPED + json.dumps(text)
    return text


def from_postgres(value: Any) -> Any:
    """The string that :func:`to_postgres` was given (other values as they are)."""
    if isinstance(value, str) and value.startswith(ESCAPED):
        return json.loads(value[len(ESCAPED) :])
    return value


class TextCodec(NamedTuple):
    """How a dialect keeps any Python string exactly: ``store`` before binding, ``load`` after
    reading, and ``in_row`` telling whether a row read holds a value that ``load`` changes."""

    store: Callable[[str | None], Any]
    load: Callable[[Any], Any]
    in_row: Callable[[tuple[Any, ...]], bool]


SQLITE_TEXT = TextCodec(to_sqlite, from_sqlite, lambda row: bytes in map(type, row))
POSTGRES_TEXT = TextCodec(
    to_postgres,
    from_postgres,
    lambda row: any(type(value) is str and value[:1] == ESCAPED for value in row),
)
