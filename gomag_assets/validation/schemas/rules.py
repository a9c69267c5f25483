"""How the schemas' rules are declared, the limits they hold values to, and which of them
validation may skip on tables it has just read (``judge``)."""

import re
from collections.abc import Callable
from datetime import timedelta

import pandas as pd
import pandera.pandas as pa

from gomag_assets.constants import Verdict

EARLIEST_ORDER_DATE = "2000-01-01 00:00:00"
"""No GoMag order predates this; an earlier date is a broken clock or a placeholder."""

FUTURE_TOLERANCE = timedelta(days=2)
"""How far after the run's clock an order date may lie (shop clocks and time zones drift)."""

NOT_IN_FUTURE = "not_in_future"
"""Name of the date rule that needs the run's clock, added by ``order_schema``."""

FORM_CHECKS = frozenset({"date_text", "decimal_text", "sha256_hex", "isin"})
"""Checks of canonical forms that reading always produces: validation skips them on the tables
it has just built; the Dagster types keep them, for tables checked as a whole."""

TOTALS_CHECKS = frozenset({"totals_iff_valid"})
"""Checks of the totals, which validation computes once the verdicts are known: it skips them
on the tables it judges; the Dagster types keep them."""

TABLE_RULES: dict[str, tuple[str, ...]] = {}
"""Table-wide rule -> the columns it reads, the one it is about first."""

FLAG_VALUES = [True, False]
"""A flag GoMag may leave unsaid: True, False, or None."""

CURRENCY_CODE = re.compile(r"[A-Z]{3}")
DATE_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
SHA256_HEX = re.compile(r"[0-9a-f]{64}")


def table_rule(
    *, name: str, description: str, reads: tuple[str, ...]
) -> Callable[[Callable], classmethod]:
    """A dataframe check whose function returns a plain bool per row (pandera would otherwise
    null-mask the whole table for each such check, the costliest step of validation), about
    ``reads[0]`` and reading only ``reads``."""
    TABLE_RULES[name] = reads
    return pa.dataframe_check(name=name, description=description, ignore_na=False)


def value_rule(*columns: str, name: str, description: str) -> Callable[[Callable], classmethod]:
    """A column check that lets nulls pass by itself (as ``per_distinct`` does): pandera would
    otherwise look for nulls and drop them first, a pass over the column for every check."""
    return pa.check(*columns, name=name, description=description, ignore_na=False)


def is_valid(frame: pd.DataFrame) -> pd.Series:
    """Which rows are VALID."""
    return frame["verdict"] == Verdict.VALID.value


def is_positive(number: str) -> bool:
    return not number.startswith("-") and number != "0"


def is_not_negative(number: str) -> bool:
    return not number.startswith("-")


def is_percentage(number: str) -> bool:
    whole = number.partition(".")[0]
    return not number.startswith("-") and (len(whole) < 3 or number == "100")
