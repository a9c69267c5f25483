"""GoMag's errors sent with HTTP 200, and which of them a retry can fix.

GoMag documents these bodies (all with HTTP 200):

* ``{"error": "404", "message": ["NO DATA"]}``: nothing to list. Not an error: an order page
  reads it as "no orders" (``OrderPage`` decides whether that ends the window).
* ``{"error": 100, "message": "Missing Api User"}``: credentials. ``GoMagAuthError``, not retried.
* ``{"error": "600", "message": ["MISSING_ORDER_ID"]}``: GoMag rejects the request itself (600s,
  ``MISSING_*``/``INVALID_*``). ``GoMagRequestRejected``, not retried: the same request gets
  the same answer.
* ``{"error": 1, "status": "404", "errorMessage": "..."}``: GoMag cannot find what was asked
  for (a wrong endpoint or id). **Decision:** not retried, for the same reason
  (``GoMagRequestRejected``).
* ``{"error": 1}`` alone: says nothing about the request. **Decision:** retried like a server
  error: the attempts are bounded, and a request that is truly wrong still ends in a
  ``GoMagApiError`` naming the page.

Some successful answers carry ``"error": "200"`` or ``"status": "200"``: those are normal
answers. Any other ``error`` value (e.g. ``"500"``) is a server error and is retried.
"""

from typing import Any

from gomag_assets.resources.gomag_api.errors import (
    GoMagApiError,
    GoMagAuthError,
    GoMagRateLimited,
    GoMagRequestRejected,
)

NO_ERROR = (None, False, 0, "0", "", 200, "200")
"""``error`` values of a normal answer."""


class PageProblem(Exception):
    """Why one attempt failed; ``GoMagApi`` retries it or raises ``error`` with its page."""

    def __init__(
        self,
        cause: str,
        *,
        retryable: bool = True,
        error: type[GoMagApiError] = GoMagApiError,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(cause)
        self.cause = cause
        self.retryable = retryable
        self.error = error
        self.retry_after = retry_after

    @classmethod
    def auth(cls, cause: str) -> "PageProblem":
        return cls(cause, retryable=False, error=GoMagAuthError)

    @classmethod
    def rejected(cls, cause: str) -> "PageProblem":
        return cls(cause, retryable=False, error=GoMagRequestRejected)

    @classmethod
    def rate_limited(cls, retry_after: float | None) -> "PageProblem":
        return cls("HTTP 429 Too Many Requests", error=GoMagRateLimited, retry_after=retry_after)


def is_no_data(document: dict[str, Any]) -> bool:
    """GoMag's "nothing to list" answer."""
    return document.get("error") not in NO_ERROR and any(
        "NO DATA" in message.upper() for message in _messages(document)
    )


def problem_in(document: dict[str, Any]) -> PageProblem | None:
    """The problem a JSON answer reports, or None for a normal answer (NO DATA included)."""
    error = document.get("error")
    if error in NO_ERROR or is_no_data(document):
        return None
    messages = _messages(document)
    status = document.get("status")
    said = f"GoMag error {error!r}" + (f" (status {status!r})" if status is not None else "")
    said += f": {'; '.join(messages) or 'no message'}"
    if str(error) == "100" or any(_names_credentials(message) for message in messages):
        return PageProblem.auth(said)
    if _is_rejection(str(error), messages) or "404" in (str(error), str(status)):
        return PageProblem.rejected(said)
    return PageProblem(said)


def _messages(document: dict[str, Any]) -> list[str]:
    found: list[str] = []
    for key in ("message", "errorMessage"):
        value = document.get(key)
        if isinstance(value, list):
            found += [str(part) for part in value]
        elif value is not None:
            found.append(str(value))
    return found


def _names_credentials(message: str) -> bool:
    lowered = message.lower()
    return any(word in lowered for word in ("api user", "api key", "apikey", "unauthorized"))


def _is_rejection(error: str, messages: list[str]) -> bool:
    codes = ("MISSING_", "INVALID_")
    return (len(error) == 3 and error.startswith("6")) or any(
        message.upper().startswith(codes) for message in messages
    )
