"""What a valid GoMag order is, and the verdict on each landed payload."""

from gomag_assets.validation.verdicts import (
    ITEM_COLUMNS,
    ORDER_COLUMNS,
    ValidationResult,
    validate_orders,
)

__all__ = ["ITEM_COLUMNS", "ORDER_COLUMNS", "ValidationResult", "validate_orders"]
