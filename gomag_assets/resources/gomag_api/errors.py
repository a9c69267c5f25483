"""The typed errors of the GoMag API resource: each names the page and the window it stopped at,
never the API key."""


class GoMagApiError(Exception):
    """A read could not be completed; ``page`` and ``window`` say where it stopped.

    ``window`` is ``start..end`` for orders; the status list has no window (``None``).
    """

    def __init__(self, cause: str, page: int, window: str | None) -> None:
        super().__init__(cause, page, window)
        self.cause = cause
        self.page = page
        self.window = window

    def __str__(self) -> str:
        if self.window is None:
            return f"GoMag status list read failed: {self.cause}"
        return f"GoMag order fetch failed on page {self.page} of window {self.window}: {self.cause}"


class GoMagAuthError(GoMagApiError):
    """GoMag rejected the credentials; retrying cannot help."""


class GoMagRateLimited(GoMagApiError):
    """GoMag kept answering 429 until the attempts ran out."""


class GoMagRequestRejected(GoMagApiError):
    """GoMag refused the request itself (``600 MISSING_*``, a 404 naming what it cannot find):
    asking again gets the same answer, so it is not retried."""


class GoMagFilterIgnored(GoMagApiError):
    """Most orders of a page lie outside the requested window: GoMag answered as if the date
    filter were not there (it ignores query keys it does not know). Nothing of the window is
    returned, so a landing of it is left as it was."""
