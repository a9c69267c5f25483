"""CPU time beyond the benchmark's own process: a PostgreSQL server's, and the whole machine's.

A server's work happens in its processes, not the client's, so ``time.process_time`` misses it.
"""

import os
from pathlib import Path

import psycopg

_TICKS_PER_SECOND = os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """The machine's busy and total CPU ticks so far, over every core (``/proc/stat``)."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return sum(fields) - idle, sum(fields)


class ServerCpu:
    """CPU seconds a PostgreSQL server on this machine has used: its postmaster and every
    process it started, those that have exited included (their time moves to the parent)."""

    def __init__(self, url: str) -> None:
        with psycopg.connect(url) as conn:
            (backend,) = conn.execute("SELECT pg_backend_pid()").fetchone()
            stat = _stat(backend)  # while the backend lives
        self._postmaster = stat and stat["ppid"]
        if self._postmaster and _comm(self._postmaster) != "postgres":
            self._postmaster = None  # a server elsewhere whose pid means another process here
        if self._postmaster and not _children_file(self._postmaster).exists():
            self._postmaster = None

    @property
    def visible(self) -> bool:
        """False when the server is on another machine (or container): nothing to count."""
        return self._postmaster is not None

    def seconds(self) -> float:
        """Used so far; 0 when the server is not :attr:`visible`."""
        if self._postmaster is None:
            return 0.0
        postmaster = self._postmaster
        children = _children_file(postmaster).read_text().split()
        ticks = _ticks(_stat(postmaster)) + sum(_ticks(_stat(int(pid))) for pid in children)
        return ticks / _TICKS_PER_SECOND


def _children_file(pid: int) -> Path:
    return Path(f"/proc/{pid}/task/{pid}/children")


def _stat(pid: int) -> dict[str, int] | None:
    """``ppid`` and the four CPU fields of ``/proc/<pid>/stat``; None if it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
    names = ("utime", "stime", "cutime", "cstime")
    return {"ppid": int(fields[1])} | {name: int(fields[11 + n]) for n, name in enumerate(names)}


def _ticks(stat: dict[str, int] | None) -> int:
    if stat is None:
        return 0
    return stat["utime"] + stat["stime"] + stat["cutime"] + stat["cstime"]


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except FileNotFoundError:
        return ""
