"""Words of the order-sync domain shared by every stage."""

from enum import StrEnum


class OrderStatus(StrEnum):
    """What a sync decided for one GoMag order; always stored as ``.value``."""

    IMPORTED = "IMPORTED"
    """Stored in this run: new, or changed since the last import."""
    ALREADY_IMPORTED = "ALREADY_IMPORTED"
    """Seen again unchanged: nothing was written twice."""
    SKIPPED = "SKIPPED"
    """Nothing to import (e.g. only service lines); the reason is in ``error_message``."""
    ERROR = "ERROR"
    """Infrastructure failure for this order (the database failed even after a reconnect)."""
    CANCELLED = "CANCELLED"
    """GoMag says the order is cancelled."""
    DELETED_IN_ROA = "DELETED_IN_ROA"
    """An operator removed the order downstream; a sync reports it and never resurrects it."""
    MALFORMED = "MALFORMED"
    """Structurally unusable payload or a runtime insert crash: kept with a reason, no items."""


class Verdict(StrEnum):
    """What validation said of one landed payload."""

    VALID = "VALID"
    MALFORMED = "MALFORMED"


SYNTHETIC_ID_PREFIX = "NOID-"
"""Prefix of the stable key given to a payload that carries no order id."""

DEFAULT_CANCELLED_STATUSES = ("Anulata", "Anulată", "Cancelled", "Canceled")
"""GoMag status names that mean the shop cancelled the order."""

ERRORS_LOG_NAME = "sync_errors_history.log"
"""Default name of the append-only MALFORMED log, kept beside the order store."""
