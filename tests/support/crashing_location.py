"""The project's code location with an order store that kills its own process, by SIGKILL, at
the ``GOMAG_TEST_KILL_AT``-th ``INSERT INTO orders`` statement, writing ``GOMAG_TEST_CHUNK_SIZE``
orders per transaction.

A thin fault injector: a crash test points the CLI at this file to kill a run in the middle of an
import, wherever the run executes; everything else is ``gomag_assets.definitions`` as deployed.
"""

import os
import signal

from dagster import Definitions
from store_fixtures import FaultyStore

from gomag_assets.definitions import build_definitions
from gomag_assets.settings import load_settings

KILL_AT = int(os.environ["GOMAG_TEST_KILL_AT"])
_order_inserts = 0


def _die_at_the_chosen_insert(conn, sql: str, rows: list) -> bool:
    global _order_inserts
    if sql.lstrip().startswith("INSERT INTO orders "):
        _order_inserts += 1
        if _order_inserts == KILL_AT:
            os.kill(os.getpid(), signal.SIGKILL)
    return False


class CrashingStore(FaultyStore):
    """The faulty store whose one fault survives Dagster's copying of resources (a copy keeps
    the fields, not the faults added to an instance)."""

    @property
    def faults(self) -> list:
        return [_die_at_the_chosen_insert]


def _crashing(deployed: Definitions, store: FaultyStore) -> Definitions:
    """``deployed`` with ``store`` as its order store."""
    return Definitions(
        assets=deployed.assets,
        jobs=deployed.jobs,
        schedules=deployed.schedules,
        sensors=deployed.sensors,
        resources={**deployed.resources, "order_store": store},
        executor=deployed.executor,
    )


settings = load_settings()
store = CrashingStore(
    db_path=str(settings.db_path),
    errors_log=str(settings.errors_log),
    chunk_size=int(os.environ["GOMAG_TEST_CHUNK_SIZE"]),
)
defs = _crashing(build_definitions(settings), store)
