"""Operator alerts: one clear text, written to the run log and the alerts file, POSTed if asked.

The webhook URL is a secret (it usually embeds a token), and so is the API key: the URL is read
from the environment at delivery time, and every alert text is scrubbed of both before it is
logged, written or sent. A failed POST is reported by its kind only, never with the URL.
"""

import datetime as dt
import logging
import os
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

WEBHOOK_ENV = "GOMAG_ALERT_WEBHOOK"
API_KEY_ENV = "GOMAG_API_KEY"
REDACTED = "***"


@dataclass(frozen=True)
class Alert:
    """What went wrong, on which partition, why, and for which orders."""

    title: str
    partition: str | None = None
    reasons: Sequence[str] = ()
    """Plain-words causes, e.g. the error of each failed step."""
    orders: Sequence[tuple[str, str]] = ()
    """(order id, reason) pairs the operator should escalate."""

    def text(self) -> str:
        """The alert as one block of text, with any secret replaced by ``***``."""
        lines = [f"[gomag-assets] {self.title}"]
        if self.partition:
            lines.append(f"partition: {self.partition}")
        lines += [f"  reason: {reason}" for reason in self.reasons]
        lines += [f"  order {order_id}: {reason}" for order_id, reason in self.orders]
        return redact("\n".join(lines))


def redact(text: str) -> str:
    """``text`` without the API key, the webhook URL or the URL's path (where tokens live)."""
    for secret in _secrets():
        text = text.replace(secret, REDACTED)
    return text


def deliver(alert: Alert, alerts_file: Path, log: logging.Logger, *, timeout: float = 10.0) -> bool:
    """Log the alert, append it to ``alerts_file`` and POST it to the webhook when one is set.

    Returns whether the webhook accepted it (False also when none is configured). A failed POST
    is logged without the URL and never raises: the file copy is the durable record.
    """
    text = alert.text()
    log.warning(text)
    alerts_file.parent.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with alerts_file.open("a", encoding="utf-8", errors="backslashreplace") as out:
        out.write(f"--- {stamp}\n{text}\n")
    url = os.environ.get(WEBHOOK_ENV, "").strip()
    if not url:
        return False
    failure = _post(url, {"text": text}, timeout)
    if failure is not None:
        log.error(f"alert webhook ({WEBHOOK_ENV}) POST failed: {failure}")
        return False
    return True


def _post(url: str, document: dict[str, str], timeout: float) -> str | None:
    """POST ``document`` as JSON; None on a 2xx answer, else why not, in words without the URL.

    Goes through the transport rather than ``httpx.Client``, whose INFO log line names the full
    request URL, token included.
    """
    try:
        request = httpx.Request(
            "POST",
            url,
            json=document,
            extensions={"timeout": httpx.Timeout(timeout).as_dict()},
        )
        with httpx.HTTPTransport() as transport:
            response = transport.handle_request(request)
            try:
                response.read()
            finally:
                response.close()
    except Exception as exc:  # noqa: BLE001 - best effort; the alert is already in the file
        return type(exc).__name__
    if not response.is_success:
        return f"HTTP {response.status_code}"
    return None


def _secrets() -> list[str]:
    """The strings to scrub, longest first so a URL goes before its parts: the API key, the
    webhook URL, its path and query, and its last path segment (where services put the token).
    """
    secrets = [os.environ.get(API_KEY_ENV, "").strip()]
    url = os.environ.get(WEBHOOK_ENV, "").strip()
    if url:
        parts = urllib.parse.urlsplit(url)
        token = parts.path.rstrip("/").rsplit("/", 1)[-1]
        secrets += [url, parts.path + (f"?{parts.query}" if parts.query else ""), parts.query]
        secrets.append(token if len(token) >= 8 else "")
    return sorted({s for s in secrets if len(s) > 1}, key=len, reverse=True)
