"""Dagster's CLI, as the ``dagster`` script runs it, reporting its own peak memory at exit.

    python -m benchmarks.cli_launcher PEAK_FILE asset materialize ...

With the in-process executor the run executes inside the CLI process, so this process's
``VmHWM`` is the run's true peak resident memory, read by the process itself after the run, not
``ru_maxrss`` of a child forked from a larger parent. ``PEAK_FILE`` gets the figure in KiB, also
when the command fails.
"""

import sys
from pathlib import Path

from dagster._cli import main as dagster_main

from benchmarks.timing import memory_kib


def main() -> int:
    peak_file, arguments = Path(sys.argv[1]), sys.argv[2:]
    sys.argv = ["dagster", *arguments]
    try:
        return dagster_main()
    finally:
        peak_file.write_text(str(memory_kib("VmHWM")))


if __name__ == "__main__":
    sys.exit(main())
