"""The schemas' rules applied to the tables validation has just read: every failure, as a
``Failure(row, column, rule)``.

Pandera judges the column rules lazily: every failure of every row in one pass. The table-wide
rules ("a VALID order has a date") are applied directly (``Check.__call__``) and their failing
rows read off the boolean result, because pandera reports a failing row of a table-wide rule by
reshaping the row cell by cell (about 0.2 ms a row): a day of thousands of MALFORMED orders
would spend seconds on reporting alone.
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd
import pandera.pandas as pa

from gomag_assets.validation.schemas import FORM_CHECKS, TABLE_RULES, TOTALS_CHECKS


class Failure(NamedTuple):
    """One rule broken by one row."""

    row: int
    column: str
    """The column the rule is about."""
    rule: str
    """The check's name (``not_nullable`` for a missing required value)."""


@dataclass(frozen=True)
class FreshRules:
    """What is left to judge of a model on a table validation has just read."""

    columns: pa.DataFrameSchema
    """The column rules."""
    table: list[pa.Check]
    """The table-wide rules."""
    reads: frozenset[str]
    """The columns these rules read."""


def fresh_rules(schema: pa.DataFrameSchema, read_from_payload: Iterable[str]) -> FreshRules:
    """``schema`` without what building the tables guarantees: the rules of the columns
    validation fills itself (the landing key, line numbers, verdicts), the columns' order, the
    dtypes (pandera proves a ``str`` column by visiting every element) and the canonical forms
    (``FORM_CHECKS``); and without the totals' rules, for the totals come after the verdicts.
    A column left with nothing to judge (optional, no rule on its value) is not visited."""
    read_from_payload = set(read_from_payload)
    judged = {}
    for name, column in schema.columns.items():
        checks = [check for check in column.checks if check.name not in FORM_CHECKS]
        if name in read_from_payload and (checks or not column.nullable):
            judged[name] = {"dtype": None, "checks": checks}
    columns = schema.update_columns(judged).remove_columns(
        [name for name in schema.columns if name not in judged]
    )
    columns.checks = []
    columns.strict = columns.ordered = False
    table = [check for check in schema.checks if check.name not in TOTALS_CHECKS]
    reads = frozenset(judged).union(*(TABLE_RULES[check.name] for check in table))
    return FreshRules(columns, table, reads)


def judge(table: dict[str, np.ndarray], rules: FreshRules) -> list[Failure]:
    """Every failure of ``rules`` on ``table`` (rows are positions in the table)."""
    read = {name: values for name, values in table.items() if name in rules.reads}
    frame = pd.DataFrame(read, copy=False)
    failures = []
    try:
        rules.columns.validate(frame, lazy=True, inplace=True)
    except pa.errors.SchemaErrors as errors:
        failures += _column_failures(errors.failure_cases, rules.columns)
    for check in rules.table:
        passed = check(frame).check_output.to_numpy(dtype=bool)
        about = TABLE_RULES[check.name][0]
        failures += (Failure(int(row), about, check.name) for row in np.flatnonzero(~passed))
    return failures


def _column_failures(failure_cases: pd.DataFrame, schema: pa.DataFrameSchema) -> Iterator[Failure]:
    """Each failure in pandera's ``failure_cases``, once, named by its check."""
    seen = set()
    for column, check, number, row in zip(
        failure_cases["column"],
        failure_cases["check"],
        failure_cases["check_number"],
        failure_cases["index"],
        strict=True,
    ):
        if pd.isna(row):
            raise RuntimeError(f"{schema.name}: column-wide failure {check!r} on {column!r}")
        if pd.notna(number):
            check = schema.columns[column].checks[int(number)].name
        if (row, column, check) not in seen:
            seen.add((row, column, check))
            yield Failure(int(row), column, check)
