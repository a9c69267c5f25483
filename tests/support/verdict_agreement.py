"""Holding the real verdicts to the reference judge (``validation_oracle``): verdict by verdict,
and blamed field by blamed field."""

import re
from collections.abc import Mapping, Sequence

from support.validation_oracle import Judgement

VALID_VALUES = [
    "total",
    "items_total",
    "discount_total",
    "totals_match",
    "is_cancelled",
    "nothing_to_import",
]
"""What the judge works out for a VALID order, by the names of the orders table."""

_NEXT_REASON = re.compile(r"; (?=[A-Za-z_]+(?:\[[0-9]+\])?(?:\.[A-Za-z_]+)*: |and [0-9]+ more$)")
_MORE = re.compile(r"and ([0-9]+) more")


def blamed_by(message: str) -> tuple[set[str], int]:
    """The fields an error message names (``date: missing; items[0].price: 'x' is not a
    number`` names ``date`` and ``items[0].price``), and how many reasons it leaves unlisted
    (``...; and 5 more``)."""
    reasons = _NEXT_REASON.split(message)
    unlisted = _MORE.fullmatch(reasons[-1])
    if unlisted:
        reasons.pop()
    return {reason.partition(": ")[0] for reason in reasons}, int(unlisted[1]) if unlisted else 0


def disagreements(judgements: Sequence[Judgement], rows: Sequence[Mapping]) -> list[str]:
    """How each real row (an orders row, or a validated order as the store reads it back)
    differs from its judgement, in words; empty when they agree on every order."""
    assert len(judgements) == len(rows), "one judgement per row"
    found = []
    for judgement, row in zip(judgements, rows, strict=True):
        said = f"{row['order_id']!r}: real {row['verdict']} ({row['error_message']}), oracle"
        if row["verdict"] != judgement.verdict:
            found.append(f"{said} {judgement.verdict} blaming {sorted(judgement.blamed)}")
        elif judgement.verdict == "MALFORMED":
            named, unlisted = blamed_by(row["error_message"])
            listed_all = named == judgement.blamed
            cut_short = unlisted and named < judgement.blamed
            if not (listed_all or cut_short and len(named) + unlisted >= len(judgement.blamed)):
                found.append(f"{said} blames {sorted(judgement.blamed)}")
        else:
            expected = {name: getattr(judgement, name) for name in VALID_VALUES}
            real = {name: row[name] for name in VALID_VALUES}
            if real != expected or row["error_message"] is not None:
                found.append(f"{said} values {expected}, real {real}")
    return found
