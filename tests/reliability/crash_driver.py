"""Run ``OrderStore.save_orders_batch`` in processes that die by SIGKILL at chosen statements.

Run with ``tests`` on ``PYTHONPATH`` (the reliability tests do)::

    python -m reliability.crash_driver plan WORKDIR [--postgres URL]  # census, points, children
    python -m reliability.crash_driver kill DB N [--mid]  # one run that dies at statement N

With ``--postgres`` every run writes a fresh database of that server (its URL is in the plan);
its points are fewer (``POSTGRES_POINTS_PER_PATH``), and none is inside a statement, which needs
SQLite's progress handler.

Every run writes the same batch (:func:`crash_batch`): MALFORMED verdicts for the pre-flight,
poison orders that crash at insert time for the isolation fallback, and one injected
``ROLLBACK TO`` failure for the reconnect guard. Statements are counted by a fault of
``store_fixtures.FaultyStore`` that never fails, so statement N is the same statement in every
run, and the path it belongs to is read off the store's own call stack.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from unittest import mock

from store_fixtures import PARTITION, FaultyStore, make_malformed, make_orders, nth_statement
from support.lockstep import child_env
from support.postgres import LocalPostgres

from gomag_assets.resources.order_store import errors_log

BATCH_SIZE = 600
MALFORMED_REASONS = (
    "date: missing",
    "items[2].quantity: 'abc' is not a number",
    "total: missing; billing: not an object",
    "items: empty\tand a tab in the reason",
)
POISONED = {
    100: "unbindable quantity",
    250: "duplicate address kind",
    420: "line overflow",
    530: "number",
}
"""Positions in the batch of orders that crash at insert time, and how."""

PATHS = ("preflight", "bulk", "fallback", "reconnect")
POINTS_PER_PATH = {"preflight": 3, "bulk": 8, "fallback": 12, "reconnect": 10}
POSTGRES_POINTS_PER_PATH = {"preflight": 1, "bulk": 2, "fallback": 3, "reconnect": 3}
BOUNDARIES = {"reconnect": ("ROLLBACK TO", "COMMIT", "BEGIN")}
"""Statements always chosen: the guard dropping the group in flight, committing the survivors,
and the first statement on the fresh connection."""
MID_STATEMENT_POINTS = ("bulk", "fallback", "reconnect")
"""Paths that also get one kill inside a large ``executemany`` rather than before a statement."""
POINT_IDS = (
    [f"{path}-{n}" for path in PATHS for n in range(POINTS_PER_PATH[path])]
    + [f"mid-{path}" for path in MID_STATEMENT_POINTS]
    + ["log-torn"]
)
POSTGRES_POINT_IDS = [
    f"{path}-{n}" for path in PATHS for n in range(POSTGRES_POINTS_PER_PATH[path])
] + ["log-torn"]
MID_STATEMENT_OPS = 5
"""SQLite VM instructions between progress-handler calls in a statement killed mid-way."""
PARALLEL_CHILDREN = 2
DEATH_NOTE = "died_in_statement"


def crash_batch() -> list[dict]:
    """The batch every crash run writes: 4 MALFORMED verdicts, then 600 orders, 4 of them poison."""
    orders = make_orders(BATCH_SIZE)
    orders[100]["items"][0]["quantity"] = object()  # ProgrammingError at bind time
    # IntegrityError in the last child table, after items and discounts of the group went in
    orders[250]["addresses"][1]["kind"] = "billing"
    orders[420]["items"][1]["line_no"] = 2**70  # OverflowError at bind time
    orders[530]["order_number"] = None  # CHECK constraint on the order row
    malformed = [make_malformed(900 + n, reason) for n, reason in enumerate(MALFORMED_REASONS)]
    return malformed + orders


def poison_ids() -> set[str]:
    return {str(100_000 + position) for position in POISONED}


def malformed_ids() -> set[str]:
    return {str(100_900 + n) for n in range(len(MALFORMED_REASONS))}


def die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class StatementClock:
    """A fault that never fails: numbers each statement, notes its path, dies at one of them.

    Before dying it writes the number of the statement it dies in to ``death_note``, so a test
    can tell a kill inside a statement from one that slipped to a later statement.
    """

    def __init__(
        self, kill_at: int | None = None, *, mid: bool = False, death_note: Path | None = None
    ) -> None:
        self.kill_at = kill_at
        self.mid = mid
        self.death_note = death_note
        self.count = 0
        self.statements: list[tuple[int, str, str]] = []
        self.rows: list[int] = []
        """Rows given to each statement (``executemany``), by statement number - 1."""
        self._in_fallback = False

    def __call__(self, conn: Any, sql: str, rows: list) -> bool:
        self.count += 1
        words = " ".join(sql.split()[:3])
        path = self._path_of(words)
        self.statements.append((self.count, path, words))
        self.rows.append(len(rows))
        if self.count == self.kill_at:
            if self.mid:  # about a third of the way through the rows, at ~25 instructions a row
                ticks = iter(range(len(rows) * 25 // 3 // MID_STATEMENT_OPS))
                handler = lambda: next(ticks, None) is None and self._die()  # noqa: E731
                conn.set_progress_handler(handler, MID_STATEMENT_OPS)
            else:
                self._die()
        return False

    def _die(self) -> None:
        if self.death_note is not None:
            self.death_note.write_text(str(self.count))
        die()

    def _path_of(self, words: str) -> str:
        """preflight: the MALFORMED tier; reconnect: anything under the reconnect guard;
        fallback: a transaction from its first ``ROLLBACK TO`` on; bulk: the rest."""
        frames = _store_frames()
        if words.startswith("BEGIN"):
            self._in_fallback = False
        if words.startswith("ROLLBACK TO"):
            self._in_fallback = True
        names = {frame.f_code.co_name for frame in frames}
        if names & {"_safe_reconnect", "_retry_lost", "_record_errors"}:
            return "reconnect"
        writes = [frame for frame in frames if frame.f_code.co_name == "write"]
        if writes and all(o["verdict"] == "MALFORMED" for o in writes[0].f_locals["orders"]):
            return "preflight"
        return "fallback" if self._in_fallback else "bulk"


def _store_frames() -> list[Any]:
    frames = []
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename.endswith("tiers.py"):
            frames.append(frame)
        frame = frame.f_back
    return frames


def crashing_store(db_path: str, clock: StatementClock, db_url: str = "") -> FaultyStore:
    """The store of a crash run: the statement clock first, then the injected rollback failure."""
    store = FaultyStore(db_path=db_path, db_url=db_url)
    # ROLLBACK TO #1 undoes chunk 1 at the first poison; #2, for that order alone, fails, so
    # the rest of the chunk goes through the reconnect guard.
    store.faults.extend([clock, nth_statement("ROLLBACK TO", 2)])
    return store


def run_batch(db_path: str, clock: StatementClock, run_id: str = "killed", db_url: str = "") -> Any:
    store = crashing_store(db_path, clock, db_url)
    return store.save_orders_batch(crash_batch(), run_id=run_id, partition_date=PARTITION)


def census(db_path: str, db_url: str = "") -> tuple[StatementClock, dict[str, int]]:
    """One run to the end without a kill: every statement numbered with its path."""
    clock = StatementClock()
    outcome = run_batch(db_path, clock, run_id="census", db_url=db_url)
    return clock, outcome.counts


def choose_points(clock: StatementClock, on_postgres: bool = False) -> list[dict[str, Any]]:
    """``POINT_IDS`` as statements: evenly spread over each path, mid-statement kills in the
    largest item insert of a path, and a torn errors-log append after the last statement."""
    by_path: dict[str, list[tuple[int, str]]] = {path: [] for path in PATHS}
    for number, path, words in clock.statements:
        by_path[path].append((number, words))
    points = []
    for path in PATHS:
        statements = by_path[path]
        chosen = [_first(statements, words) for words in BOUNDARIES.get(path, ())]
        rest = [statement for statement in statements if statement not in chosen]
        wanted = (POSTGRES_POINTS_PER_PATH if on_postgres else POINTS_PER_PATH)[path]
        chosen = chosen[:wanted]
        spread = wanted - len(chosen)
        chosen += [rest[int((n + 0.5) * len(rest) / spread)] for n in range(spread)]
        for n, (number, words) in enumerate(chosen):
            points.append(_point(f"{path}-{n}", path, number, words, "before"))
    for path in () if on_postgres else MID_STATEMENT_POINTS:
        inserts = [
            (number, words)
            for number, words in by_path[path]
            if words.startswith("INSERT INTO order_items")
            and not clock.statements[number][2].startswith("ROLLBACK TO")  # it ran to its end
        ]
        number, words = max(inserts, key=lambda insert: clock.rows[insert[0] - 1])
        points.append(_point(f"mid-{path}", path, number, words, "mid"))
    points.append(_point("log-torn", "errors log", clock.count + 1, "errors log append", "torn"))
    return points


def _first(statements: list[tuple[int, str]], words: str) -> tuple[int, str]:
    return next(statement for statement in statements if statement[1].startswith(words))


def _point(point_id: str, path: str, number: int, words: str, mode: str) -> dict[str, Any]:
    return {"id": point_id, "path": path, "statement": number, "sql": words, "mode": mode}


def kill_run(db_path: str, point: dict[str, Any], db_url: str = "") -> None:
    """Run the batch until ``point`` kills the process; returning means the point was missed."""
    if point["mode"] == "torn":
        with mock.patch.object(errors_log, "open", _torn_open, create=True):
            run_batch(db_path, StatementClock(), db_url=db_url)
    else:
        note = Path(db_path).with_name(DEATH_NOTE)
        clock = StatementClock(point["statement"], mid=point["mode"] == "mid", death_note=note)
        run_batch(db_path, clock, db_url=db_url)


def _torn_open(path: str, mode: str, *args: Any, **kwargs: Any) -> Any:
    """``open`` whose files die half-way through their first write: what SIGKILL (or a full
    disk) leaves when a write is cut short."""
    real = open(path, mode, *args, **kwargs)  # noqa: SIM115 - returned to the caller
    write = real.write

    def torn_write(data: Any) -> int:
        write(data[: len(data) // 2])
        real.flush()
        die()
        return 0

    real.write = torn_write
    return real


def plan(workdir: Path, postgres: str = "") -> dict[str, Any]:
    """Census, then one forked child per point, at most ``PARALLEL_CHILDREN`` at a time; on
    ``postgres`` (a server's URL) each in a fresh database of its own."""
    workdir.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    fresh = LocalPostgres(url=postgres).fresh_database if postgres else lambda: ""
    census_path = workdir / "census" / "gomag.sqlite"
    census_path.parent.mkdir(parents=True)
    clock, counts = census(str(census_path), fresh())
    points = choose_points(clock, on_postgres=bool(postgres))
    running: dict[int, dict[str, Any]] = {}
    for point in points:
        if len(running) >= PARALLEL_CHILDREN:
            _reap(running)
        point["db_path"] = str(workdir / point["id"] / "gomag.sqlite")
        Path(point["db_path"]).parent.mkdir(parents=True)
        point["db_url"] = fresh()
        pid = os.fork()
        if pid == 0:
            try:
                kill_run(point["db_path"], point, point["db_url"])
            finally:
                os._exit(3)
        running[pid] = point
    while running:
        _reap(running)
    per_path = {path: sum(1 for _, p, _ in clock.statements if p == path) for path in PATHS}
    return {
        "census": {"statements": clock.count, "per_path": per_path, "counts": counts},
        "points": points,
        "seconds": round(time.monotonic() - started, 2),
    }


def _reap(running: dict[int, dict[str, Any]]) -> None:
    pid, status = os.wait()
    point = running.pop(pid)
    point["signal"] = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    point["exit_code"] = os.WEXITSTATUS(status) if os.WIFEXITED(status) else None


def run_driver(*args: str, timeout: float = 120) -> Any:
    """Run this module in a fresh interpreter with ``args``; returns what it printed (JSON)."""
    finished = subprocess.run(
        [sys.executable, "-m", "reliability.crash_driver", *args],
        env=child_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=True,
    )
    return json.loads(finished.stdout)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m reliability.crash_driver")
    commands = parser.add_subparsers(dest="command", required=True)
    plan_parser = commands.add_parser("plan", help="census, choose points, kill a child at each")
    plan_parser.add_argument("workdir", type=Path)
    plan_parser.add_argument("--postgres", default="", help="a server URL: runs on PostgreSQL")
    kill_parser = commands.add_parser("kill", help="one run that dies at statement N")
    kill_parser.add_argument("db_path")
    kill_parser.add_argument("statement", type=int)
    kill_parser.add_argument("--mid", action="store_true", help="die inside the statement")
    args = parser.parse_args(argv)
    commands_run: dict[str, Callable[[], Any]] = {
        "plan": lambda: plan(args.workdir, args.postgres),
        "kill": lambda: kill_run(args.db_path, _point("cli", "?", args.statement, "", _mode(args))),
    }
    print(json.dumps(commands_run[args.command]()))


def _mode(args: argparse.Namespace) -> str:
    return "mid" if args.mid else "before"


if __name__ == "__main__":
    main()
