"""Operator alerts: one clear text, written to the run log and the alerts file, POSTed if asked.

The webhook URL is a secret (it usually embeds a token): it is read from the environment at
delivery time and never written to a log, an exception, the alerts file or Dagster metadata.
"""

import datetime as dt
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

WEBHOOK_ENV = "GOMAG_ALERT_WEBHOOK"


@dataclass(frozen=True)
class Alert:
    """What went wrong, on which partition, and for which orders."""

    title: str
    partition: str | None = None
    orders: Sequence[tuple[str, str]] = field(default_factory=tuple)
    """(order id, reason) pairs the operator should escalate."""

    def text(self) -> str:
        lines = [f"[gomag-assets] {self.title}"]
        if self.partition:
            lines.append(f"partition: {self.partition}")
        lines += [f"  order {order_id}: {reason}" for order_id, reason in self.orders]
        return "\n".join(lines)


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
    try:
        response = httpx.post(url, json={"text": text}, timeout=timeout)
    except httpx.HTTPError as exc:
        log.error(f"alert webhook POST failed: {type(exc).__name__}")
        return False
    if response.is_error:
        log.error(f"alert webhook POST failed: HTTP {response.status_code}")
        return False
    return True
