"""Figures the reliability tests measure, summed per guarantee and printed after the run.

A test counts its figures from the store, the log or the files after the fact, and adds them
before it asserts anything (``figures.add("crash consistency", orders_lost=len(batch) -
settled.whole)``), so a regression prints a non-zero figure as well as failing. The totals
appear under "reliability figures" at the end of ``pytest`` output, for RELIABILITY.md.
"""

from collections import Counter, defaultdict

import pytest

_TOTALS: defaultdict[str, Counter] = defaultdict(Counter)


class Figures:
    """Adds one test's figures to its guarantee's totals."""

    def add(self, guarantee: str, **figures: int) -> None:
        _TOTALS[guarantee].update(figures)  # a zero figure is kept, and shown


@pytest.fixture
def figures() -> Figures:
    return Figures()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not _TOTALS:
        return
    terminalreporter.section("reliability figures")
    for guarantee, totals in _TOTALS.items():
        line = ", ".join(f"{name} {value}" for name, value in totals.items())
        terminalreporter.write_line(f"{guarantee}: {line}")
