"""The results table: printed to the terminal and written into ``BENCHMARKS.md``.

Only the part between the two markers is generated; whatever ``BENCHMARKS.md`` holds around
it (how the numbers were read, what was changed because of them) is kept as written.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

BEGIN = "<!-- benchmarks/run.py writes from here -->"
END = "<!-- benchmarks/run.py writes up to here -->"


@dataclass(frozen=True)
class Comparison:
    """One target: a stage measured next to its ceiling or baseline, in the same run."""

    what: str
    measured: str
    against: str
    ratio: float
    ratio_text: str
    target: str
    holds: bool
    cpu_ratio_text: str = "—"
    """The same ratio on CPU seconds, steadier than wall time when the machine is busy."""


@dataclass
class StageReport:
    """What one stage measured: its targets, its absolute figures, and details in Markdown."""

    comparisons: list[Comparison] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)
    details: list[str] = field(default_factory=list)


def ratio(value: float, digits: int = 2) -> str:
    return f"{value:.{digits}f}×"


def at_least(
    what: str, measured: str, against: str, value: float, bound: float, cpu_ratio_text: str
) -> Comparison:
    """A target that holds when the ratio ``value`` is at least ``bound``."""
    return Comparison(
        what, measured, against, value, ratio(value), f"≥ {bound}×", value >= bound, cpu_ratio_text
    )


def at_most(
    what: str, measured: str, against: str, value: float, bound: float, cpu_ratio_text: str
) -> Comparison:
    """A target that holds when the ratio ``value`` is at most ``bound``."""
    return Comparison(
        what, measured, against, value, ratio(value), f"≤ {bound}×", value <= bound, cpu_ratio_text
    )


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def render(
    reports: Sequence[StageReport],
    machine: Sequence[tuple[str, str]],
    command: str,
    seconds: float,
) -> str:
    """The generated part of ``BENCHMARKS.md`` (also what the terminal shows)."""
    comparisons = [c for report in reports for c in report.comparisons]
    figures = [f for report in reports for f in report.figures]
    held = sum(c.holds for c in comparisons)
    stamp = dt.datetime.now().astimezone().isoformat(timespec="minutes")
    parts = [
        f"Measured {stamp} by `{command}` in {seconds / 60:.1f} minutes.",
        "## Targets",
        f"{held} of {len(comparisons)} hold.",
        markdown_table(
            ("what", "measured", "measured against", "ratio", "CPU-time ratio", "target", "holds"),
            [
                (
                    c.what,
                    c.measured,
                    c.against,
                    c.ratio_text,
                    c.cpu_ratio_text,
                    c.target,
                    "yes" if c.holds else "**NO**",
                )
                for c in comparisons
            ],
        ),
        "## Absolute figures",
        markdown_table(("what", "figure"), figures),
        "## Machine",
        markdown_table(("", ""), machine),
        "## Details",
        *(detail for report in reports for detail in report.details),
    ]
    return "\n\n".join(parts) + "\n"


def write(path: Path, generated: str) -> None:
    """Put ``generated`` between the markers of ``path``, keeping the rest of the file."""
    if path.exists() and BEGIN in (text := path.read_text()) and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
    else:
        head, tail = "# Benchmarks\n\n", "\n"
    path.write_text(f"{head}{BEGIN}\n{generated}{END}{tail}")
