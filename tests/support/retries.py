"""GoMagApi settings that keep retry tests fast: no pacing, millisecond backoffs."""

FAST_RETRIES = {
    "requests_per_second": 0.0,
    "backoff_base_seconds": 0.01,
    "backoff_max_seconds": 0.05,
    "timeout_seconds": 2.0,
}

SLOW_PAGE_SECONDS = 10.0
"""How long the demo shop's ``slow`` fault stalls: always past the client timeout above, which is
itself far above what a normal page takes on a busy machine (a shorter timeout made a normal
page time out under load, and a test counting retries saw one too many)."""
