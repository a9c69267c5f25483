"""The GoMag API resource: every page of a window of orders, each kept as the JSON text sent."""

from gomag_assets.resources.gomag_api.client import MAX_PAGE_LIMIT, FetchResult, GoMagApi
from gomag_assets.resources.gomag_api.errors import (
    GoMagApiError,
    GoMagAuthError,
    GoMagFilterIgnored,
    GoMagRateLimited,
    GoMagRequestRejected,
)
from gomag_assets.resources.gomag_api.pages import RawOrder
from gomag_assets.resources.gomag_api.personal_data import without_personal_data

__all__ = [
    "MAX_PAGE_LIMIT",
    "FetchResult",
    "GoMagApi",
    "GoMagApiError",
    "GoMagAuthError",
    "GoMagFilterIgnored",
    "GoMagRateLimited",
    "GoMagRequestRejected",
    "RawOrder",
    "without_personal_data",
]
