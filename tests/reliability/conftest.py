"""Figures the reliability tests prove, summed per guarantee and printed after the run.

A test adds what it proved (``figures.add("crash consistency", kill_points=1, orders_lost=0)``);
the totals appear under "reliability figures" at the end of ``pytest`` output, for
RELIABILITY.md.
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
