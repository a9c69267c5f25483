"""What a valid GoMag order is, and the verdict on each landed payload."""

from gomag_assets.validation.verdicts import (
    ADDRESS_COLUMNS,
    DISCOUNT_COLUMNS,
    ITEM_COLUMNS,
    ORDER_COLUMNS,
    ValidationResult,
    validate_orders,
)

__all__ = [
    "ADDRESS_COLUMNS",
    "DISCOUNT_COLUMNS",
    "ITEM_COLUMNS",
    "ORDER_COLUMNS",
    "ValidationResult",
    "validate_orders",
]
