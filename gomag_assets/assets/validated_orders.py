"""validated_orders: a day's landed payloads judged by the pandera schemas, each order VALID or
MALFORMED with its reasons (CONTRACTS.md §4)."""

from collections.abc import Sequence
from dataclasses import dataclass

from dagster import Config, TableSchema
from pydantic import Field, create_model

from gomag_assets.metadata import frame_column_schema, table
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.resources.order_store.validation_frames import as_read_back
from gomag_assets.settings import load_settings
from gomag_assets.validation import ValidationResult, validate_orders
from gomag_assets.validation.schemas import ORDER_DAGSTER_TYPE
from gomag_assets.wording import percent

ORDER_COLUMN_SCHEMA: TableSchema = ORDER_DAGSTER_TYPE.metadata["schema"].value
DESCRIPTION = (
    "Each landed order normalized into order and item rows and checked by the schemas. An order "
    "that fails any rule is kept as MALFORMED with every failure in plain words; it never blocks "
    "the rest of its day. Re-materializing a day replaces that day's verdicts."
)
_SETTINGS = load_settings()


class ValidationConfig(Config):
    cancelled_statuses: list[str] = Field(
        default=list(_SETTINGS.cancelled_statuses),
        description=(
            "GoMag status names that mean the order was cancelled (GOMAG_CANCELLED_STATUSES)."
        ),
    )
    cancelled_status_ids: list[str] = Field(
        default=list(_SETTINGS.cancelled_status_ids),
        description=(
            "The shop's status ids that mean the order was cancelled "
            "(GOMAG_CANCELLED_STATUS_IDS; see the README for how to find them)."
        ),
    )
    malformed_warn_share: float = Field(
        default=0.05, description="Warn when a day's MALFORMED share is above this (0..1)."
    )


def shop_validation_config(
    shop: str, cancelled_statuses: Sequence[str], cancelled_status_ids: Sequence[str]
) -> type[ValidationConfig]:
    """``ValidationConfig`` whose defaults are one shop's cancelled statuses (its entry in the
    shops file), so each shop's launchpad starts from its own."""
    fields = ValidationConfig.model_fields
    return create_model(
        f"ValidationConfig_{shop}",
        __base__=ValidationConfig,
        cancelled_statuses=(
            list[str],
            Field(list(cancelled_statuses), description=fields["cancelled_statuses"].description),
        ),
        cancelled_status_ids=(
            list[str],
            Field(
                list(cancelled_status_ids), description=fields["cancelled_status_ids"].description
            ),
        ),
    )


@dataclass(frozen=True)
class ValidatedDay:
    """One day's verdicts as validation produced them (and the store now holds them)."""

    day: str
    result: ValidationResult

    @property
    def valid(self) -> int:
        return self.result.valid_count

    @property
    def malformed(self) -> int:
        return self.result.malformed_count

    @property
    def share(self) -> float:
        """The day's MALFORMED share of its landed orders (0 for an empty day)."""
        total = self.valid + self.malformed
        return self.malformed / total if total else 0.0

    @property
    def feed_changed(self) -> bool:
        """Every order of a non-empty day is MALFORMED: GoMag changed its feed, so the day's
        import is skipped rather than importing nothing but rejects."""
        return self.malformed > 0 and self.valid == 0

    @property
    def column_schema(self) -> TableSchema:
        return frame_column_schema(self.result.orders)

    def summary(self) -> str:
        return f"{self.valid} valid, {self.malformed} MALFORMED"

    def orders_to_import(self, store_pii: bool) -> list[dict[str, object]]:
        """The day's orders exactly as ``OrderStore.read_validated_orders`` gives them back from
        a store keeping personal data as ``store_pii`` says, without reading them back."""
        result = self.result
        children = (result.items, result.discounts, result.addresses)
        return as_read_back(result.orders, children, store_pii=store_pii)

    def metadata(self) -> dict[str, object]:
        rows = self.result.malformed.itertuples(index=False)
        return {
            "dagster/row_count": self.valid + self.malformed,
            "dagster/column_schema": self.column_schema,
            "valid_orders": self.valid,
            "malformed_orders": self.malformed,
            "malformed_share": percent(self.share),
            "malformed": table(
                (("order id", "string"), ("number", "string"), ("reason", "string")),
                [(row.order_id, row.order_number, row.error_message) for row in rows],
            ),
        }


def validate_day(
    day: str, config: ValidationConfig, order_store: OrderStore, run_id: str, timezone: str
) -> ValidatedDay:
    """Judge the day's landing and replace the day's verdicts in the store."""
    result = validate_orders(
        order_store.read_raw_orders(day),
        cancelled_statuses=config.cancelled_statuses,
        cancelled_status_ids=config.cancelled_status_ids,
        timezone=timezone,
    )
    order_store.replace_validation(
        day, run_id, result.orders, result.items, result.discounts, result.addresses
    )
    return ValidatedDay(day, result)
