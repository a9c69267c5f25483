"""Asset checks: one verdict per day, on that day's page, in the words an operator reads.

Each check is declared on the order multi-asset (``CHECKS``) and evaluated by its op as each day
finishes, so a range run gives every day its own row and a failed day blocks only itself.
"""

from typing import TYPE_CHECKING

from dagster import AssetCheckEvaluation, AssetCheckSeverity, AssetKey

from gomag_assets.metadata import table
from gomag_assets.validation.schemas import ORDER_DAGSTER_TYPE
from gomag_assets.wording import counted, percent

if TYPE_CHECKING:
    from gomag_assets.assets.imported_orders import ImportedDay
    from gomag_assets.assets.validated_orders import ValidatedDay

MALFORMED_SHARE = "malformed_share"
COLUMN_SCHEMA = "column_schema"
CONSERVATION = "conservation"
TOTALS_RECONCILE = "totals_reconcile"

DESCRIPTIONS = {
    MALFORMED_SHARE: (
        "Warns when a day's MALFORMED share passes the threshold; fails, skipping that day's "
        "import, when every order of a non-empty day is MALFORMED (a feed change)."
    ),
    COLUMN_SCHEMA: (
        "Warns when the day's validated orders do not have the columns and types of the order "
        "contract (docs/CONTRACTS.md §4)."
    ),
    CONSERVATION: (
        "Every order landed for the day has exactly one status in this run: IMPORTED, "
        "ALREADY_IMPORTED, CANCELLED, SKIPPED, MALFORMED, DELETED_IN_ROA and ERROR add up to "
        "the orders landed."
    ),
    TOTALS_RECONCILE: (
        "Warns, listing them, about the day's orders whose total is not the sum of price × "
        "quantity, minus discounts, plus delivery (imported as sent, totals_match = 0)."
    ),
}
BLOCKING = {MALFORMED_SHARE, CONSERVATION}
"""Checks whose failure fails the run (after the rest of the range has run)."""


def malformed_share(key: AssetKey, day: "ValidatedDay", warn_share: float) -> AssetCheckEvaluation:
    """Fail a whole-MALFORMED day (a feed change beats importing garbage); warn above
    ``warn_share``."""
    total = day.valid + day.malformed
    if day.feed_changed:
        severity, words = AssetCheckSeverity.ERROR, f"every order of {day.day} is MALFORMED"
    else:
        severity = AssetCheckSeverity.WARN
        words = f"{day.malformed} of {counted(total, 'order')} MALFORMED ({percent(day.share)})"
    return _evaluation(
        key,
        MALFORMED_SHARE,
        day.day,
        passed=not day.feed_changed and day.share <= warn_share,
        severity=severity,
        description=words,
        metadata={
            "malformed_share": percent(day.share),
            "malformed_percent": round(100 * day.share, 1),
            "warn_above": percent(warn_share),
            "valid_orders": day.valid,
            "malformed_orders": day.malformed,
        },
    )


def column_schema(key: AssetKey, day: "ValidatedDay") -> AssetCheckEvaluation:
    """Compare the day's orders frame with the declared contract: pandas holds the contract's
    ``str`` columns as ``object``."""
    declared = {
        c.name: "object" if c.type == "str" else c.type
        for c in ORDER_DAGSTER_TYPE.metadata["schema"].value.columns
    }
    produced = {c.name: c.type for c in day.column_schema.columns}
    changes = [
        (name, declared.get(name, "(absent)"), produced.get(name, "(absent)"))
        for name in [*declared, *(n for n in produced if n not in declared)]
        if declared.get(name) != produced.get(name)
    ]
    return _evaluation(
        key,
        COLUMN_SCHEMA,
        day.day,
        passed=not changes,
        severity=AssetCheckSeverity.WARN,
        description=(
            f"{counted(len(changes), 'column')} differ from the contract"
            if changes
            else f"the {len(declared)} columns of the contract, with their types"
        ),
        metadata={
            "differences": table(
                (("column", "string"), ("contract", "string"), ("produced", "string")), changes
            )
        },
    )


def conservation(key: AssetKey, day: "ImportedDay") -> AssetCheckEvaluation:
    """Pass only when every landed order of the day got exactly one status in this run."""
    return _evaluation(
        key,
        CONSERVATION,
        day.day,
        passed=day.balanced,
        severity=AssetCheckSeverity.ERROR,
        description=(
            f"{counted(day.landed, 'order')} landed, {day.accounted} accounted for: "
            + ("each has exactly one status" if day.balanced else "orders lost or counted twice")
        ),
        metadata={"landed": day.landed, "accounted": day.accounted, **day.statuses},
    )


def totals_reconcile(key: AssetKey, day: "ImportedDay") -> AssetCheckEvaluation:
    """Warn about orders imported as GoMag sent them although their own figures disagree: an
    accountant should see them, but nothing was lost or mangled."""
    off = day.unreconciled
    return _evaluation(
        key,
        TOTALS_RECONCILE,
        day.day,
        passed=not off,
        severity=AssetCheckSeverity.WARN,
        description=(
            f"{counted(len(off), 'order does', 'orders do')} not add up"
            if off
            else "every order's total is its items − discounts + delivery"
        ),
        metadata={
            "orders_not_adding_up": len(off),
            "orders": table(
                (
                    ("order", "string"),
                    ("status", "string"),
                    ("total", "float"),
                    ("computed total", "float"),
                    ("difference", "float"),
                ),
                [
                    (
                        o.order_id,
                        o.status,
                        float(o.total),
                        float(o.computed_total),
                        float(o.difference),
                    )
                    for o in off
                ],
            ),
        },
    )


def _evaluation(key: AssetKey, name: str, day: str, **verdict: object) -> AssetCheckEvaluation:
    return AssetCheckEvaluation(
        asset_key=key, check_name=name, partition=day, blocking=name in BLOCKING, **verdict
    )
