"""The GoMag API resource: every page of a window of orders, each kept as the JSON text sent."""

from gomag_assets.resources.gomag_api.client import (
    MAX_PAGE_LIMIT,
    FetchResult,
    GoMagApi,
    GoMagApiError,
    GoMagAuthError,
    GoMagRateLimited,
)
from gomag_assets.resources.gomag_api.pages import RawOrder

__all__ = [
    "MAX_PAGE_LIMIT",
    "FetchResult",
    "GoMagApi",
    "GoMagApiError",
    "GoMagAuthError",
    "GoMagRateLimited",
    "RawOrder",
]
