"""Whether a VALID order's money adds up: total = Σ price × quantity − Σ discounts + delivery.

GoMag's published orders add up exactly so; an order that does not is a fact worth keeping
(``totals_match`` False), not a MALFORMED one. Arithmetic is exact: ``decimal`` with a precision
no payload can reach, each distinct price or quantity turned into a ``Decimal`` once, and the
sums given back as canonical decimal text, like every other amount.
"""

from decimal import MAX_EMAX, MAX_PREC, MIN_EMIN, Context, Decimal, localcontext

import numpy as np
import pandas as pd

from gomag_assets.validation.canonical import objects

_EXACT = Context(prec=MAX_PREC, Emax=MAX_EMAX, Emin=MIN_EMIN)
"""No rounding: sums and products of decimal text stay exact at any length."""

_TOLERANCE = Decimal("0.01")
"""Totals match when they differ by less than a cent (ban)."""

_ZERO = Decimal(0)


def add_totals(
    orders: dict[str, np.ndarray],
    items: dict[str, np.ndarray],
    discounts: dict[str, np.ndarray],
    owners: dict[str, np.ndarray],
    valid: np.ndarray,
) -> None:
    """Set ``items_total``, ``discount_total`` and ``totals_match`` of the ``valid`` orders (a
    bool per order); ``owners`` gives the order of each item and discount line."""
    rows = np.flatnonzero(valid)
    if not len(rows):
        return
    count = len(valid)
    with localcontext(_EXACT):
        lines = valid[owners["items"]]
        amounts = _decimals(items["price"][lines]) * _decimals(items["quantity"][lines])
        items_total = _sums(amounts, owners["items"][lines], count)[rows]
        lines = valid[owners["discounts"]]
        discount_total = _sums(
            _decimals(discounts["value"][lines]), owners["discounts"][lines], count
        )[rows]
        expected = items_total - discount_total + _decimals(orders["delivery_total"][rows])
        matches = np.abs(_decimals(orders["total"][rows]) - expected) < _TOLERANCE
        orders["items_total"][rows] = _texts(items_total)
        orders["discount_total"][rows] = _texts(discount_total)
    orders["totals_match"][rows] = objects(matches.tolist(), len(rows))


def _decimals(texts: np.ndarray) -> np.ndarray:
    """Each canonical decimal text as a ``Decimal`` (None as 0), built once per distinct text."""
    codes, distinct = pd.factorize(texts)
    numbers = [*map(Decimal, distinct), _ZERO]
    return objects(numbers, len(numbers))[codes]


def _sums(amounts: np.ndarray, owner: np.ndarray, count: int) -> np.ndarray:
    """Σ of ``amounts`` per order (0 for an order with none); ``owner`` is ascending, since
    rows come in payload order."""
    sums = np.full(count, _ZERO, dtype=object)
    if len(amounts):
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        sums[owner[starts]] = np.add.reduceat(amounts, starts)
    return sums


def _texts(numbers: np.ndarray) -> np.ndarray:
    """Canonical decimal text: no trailing fractional zeros, no exponent. Sums of canonical
    decimal text are never negative and never have a positive exponent, so ``str`` gives plain
    digits but for tiny amounts (``1E-7``)."""
    return objects(map(_text, numbers), len(numbers))


def _text(number: Decimal) -> str:
    text = str(number)
    if "E" in text:
        text = format(number, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
