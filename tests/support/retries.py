"""GoMagApi settings that keep retry tests fast: no pacing, millisecond backoffs."""

FAST_RETRIES = {
    "requests_per_second": 0.0,
    "backoff_base_seconds": 0.01,
    "backoff_max_seconds": 0.05,
    "timeout_seconds": 2.0,
}
