"""How the benchmarks time work and read memory.

Timed runs are interleaved: each round runs every contender once, so drift in the machine's
load falls on all of them alike, and the best round of each counts (the least disturbed one).
Every run starts after a full garbage collection, so none pays for another's garbage. CPU time
is kept beside wall time: on a busy machine it is the steadier of the two.
"""

import gc
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Timing:
    """The best wall-clock and the best CPU seconds of a contender over its rounds."""

    wall: float
    cpu: float

    def rate(self, count: int) -> float:
        """``count`` things per wall-clock second."""
        return count / self.wall


def best_of(rounds: int, contenders: Mapping[str, Callable[[], object]]) -> dict[str, Timing]:
    """Run every contender once per round, ``rounds`` times; the best wall and CPU of each."""
    walls: dict[str, list[float]] = {name: [] for name in contenders}
    cpus: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, run in contenders.items():
            gc.collect()
            started, started_cpu = time.perf_counter(), time.process_time()
            run()
            walls[name].append(time.perf_counter() - started)
            cpus[name].append(time.process_time() - started_cpu)
    return {name: Timing(min(walls[name]), min(cpus[name])) for name in contenders}


def memory_kib(field: str = "VmHWM") -> int:
    """This process's peak (``VmHWM``) or current (``VmRSS``) resident memory, in KiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")
