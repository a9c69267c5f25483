"""Text that SQLite gives back exactly as Python handed it over.

JSON may spell a lone surrogate (``"\\ud800"``) and Python keeps it in a ``str``, but such a string
has no UTF-8 form, so the sqlite3 driver refuses to bind it. Those strings are stored as a BLOB of
their ``surrogatepass`` bytes; a BLOB in a text column therefore always means "decode me back".
"""

from typing import TypeGuard


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
