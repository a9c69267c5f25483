"""GoMag's order status list (``order/status/read/json``): status id -> the shop's own name.

GoMag shops name their statuses themselves ("Anulata", "Comanda Finalizata (Facturata)"), so
the ids are what a status means across shops. The endpoint's answer is read as an object keyed
by id, or a list, of ``{"id", "name"}``; GoMag publishes no example of it.
"""

import json
from typing import Any

from gomag_assets.resources.gomag_api.error_bodies import PageProblem, is_no_data, problem_in

_STAMPS = ("error", "status")
"""Keys a successful GoMag answer may carry beside its content (``"error": "200"``)."""


def read_status_list(body: str) -> dict[str, str]:
    """Status id -> name; NO DATA is an empty list. Raises ``PageProblem`` for an error body or
    an answer of another shape, ``ValueError`` for text that is not JSON."""
    document = json.loads(body)
    if isinstance(document, dict):
        if is_no_data(document):
            return {}
        problem = problem_in(document)
        if problem is not None:
            raise problem
        entries: list[tuple[Any, Any]] = [
            (key, entry) for key, entry in document.items() if key not in _STAMPS
        ]
    elif isinstance(document, list):
        entries = [(None, entry) for entry in document]
    else:
        raise PageProblem(f"the status list is neither an object nor a list: {body[:80]!r}")
    statuses = {}
    for key, entry in entries:
        the_id = entry.get("id", key) if isinstance(entry, dict) else None
        name = entry.get("name") if isinstance(entry, dict) else None
        if the_id is None or not isinstance(name, str):
            raise PageProblem(f"a status without an id or a name: {entry!r:.80}", retryable=False)
        statuses[str(the_id)] = name
    return statuses
