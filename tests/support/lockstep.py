"""Child processes released together: each says when it is ready, then all are told to go.

A start time fixed in advance ("in 4 s both interpreters will have imported the store") fails
on a busy machine, where starting an interpreter can take longer than that. Here the parent
waits for every child's ``ready`` line, however long that takes, and only then tells them all
to go; a child can wait at the barrier again for each round of a test. Between rounds a child
prints nothing but its ``ready`` line: it prints its results after the last round.

Children run with ``tests`` on ``PYTHONPATH``, so they import the test helpers as the tests do.
"""

import os
import selectors
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType

TESTS_DIR = Path(__file__).resolve().parents[1]
READY = "ready"
GO = "go"
READY_TIMEOUT = 300.0
"""Seconds a child may take to reach the barrier: generous, since only a hang should hit it."""


def wait_for_go() -> None:
    """In a child: say it is ready, then block until the parent says go."""
    print(READY, flush=True)
    if sys.stdin.readline().strip() != GO:
        raise SystemExit("lockstep: the parent went away before saying go")


def child_env() -> dict[str, str]:
    """This process's environment with ``tests`` first on ``PYTHONPATH``."""
    paths = [str(TESTS_DIR), os.environ.get("PYTHONPATH", "")]
    return os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, paths))}


class Lockstep:
    """Start ``commands`` as children; :meth:`release` lets each round begin for all at once.

    Use as a context manager: children still running at the end are killed.
    """

    def __init__(self, commands: Sequence[Sequence[str]]) -> None:
        self._errors = [tempfile.TemporaryFile(mode="w+") for _ in commands]  # noqa: SIM115
        self.processes = [
            subprocess.Popen(
                list(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                env=child_env(),
            )
            for command, errors in zip(commands, self._errors, strict=True)
        ]

    def release(self) -> None:
        """Wait until every child has said it is ready, then tell them all to go."""
        for number in range(len(self.processes)):
            line = self._read_line(number)
            if line.strip() != READY:
                raise AssertionError(
                    f"child {number} said {line!r}, not {READY!r}:\n{self._stderr(number)}"
                )
        for process in self.processes:
            process.stdin.write(GO + "\n")
            process.stdin.flush()

    def finish(self, timeout: float = READY_TIMEOUT) -> list[str]:
        """What each child printed after its last round; fails unless every child exits 0."""
        outputs = [process.communicate(timeout=timeout)[0] for process in self.processes]
        for number, process in enumerate(self.processes):
            if process.returncode != 0:
                raise AssertionError(
                    f"child {number} exited {process.returncode}:\n{self._stderr(number)}"
                )
        return outputs

    def __enter__(self) -> "Lockstep":
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                stream.close()
        for errors in self._errors:
            errors.close()

    def _read_line(self, number: int) -> str:
        """The child's next line, or a failure naming it after ``READY_TIMEOUT`` seconds."""
        stdout = self.processes[number].stdout
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            if not selector.select(READY_TIMEOUT):
                raise AssertionError(
                    f"child {number} was not ready after {READY_TIMEOUT:.0f}s:\n"
                    + self._stderr(number)
                )
        return stdout.readline()

    def _stderr(self, number: int) -> str:
        errors = self._errors[number]
        errors.seek(0)
        return errors.read()[-4000:]
