"""The benchmark suite (``make bench``) still runs: a quick run on tiny sizes writes its table.

Not a benchmark: the figures of a quick run mean nothing, only that the suite works.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

REPOSITORY = Path(__file__).resolve().parent.parent


def _quick_run(
    stages: str, tmp_path: Path, output: Path, timeout: float, **env: str
) -> subprocess.CompletedProcess:
    """``benchmarks.run --quick`` of ``stages`` into ``output``, its databases in ``tmp_path``."""
    return subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--only", stages]
        + ["--output", str(output), "--workdir", str(tmp_path)],
        cwd=REPOSITORY,
        env=os.environ | env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_quick_run_writes_the_table_between_the_markers_and_keeps_the_prose(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(REPOSITORY))
    from benchmarks.report import BEGIN, END

    output = tmp_path / "BENCHMARKS.md"
    stale = f"# Benchmarks\n\nProse before.\n\n{BEGIN}\nSTALE TABLE\n{END}\n\nProse after.\n"
    output.write_text(stale)
    finished = _quick_run("validation,fetch", tmp_path, output, timeout=60)
    assert finished.returncode == 0, finished.stderr
    written = output.read_text()
    assert written.startswith("# Benchmarks\n\nProse before.\n\n" + BEGIN)
    assert written.endswith(END + "\n\nProse after.\n")
    assert "STALE TABLE" not in written
    assert "| normalize + validate (pandera) |" in written
    assert "| fetch, shop limited to R = 20 requests/s" in written
    assert "## Targets" in finished.stdout


@pytest.mark.slow
def test_quick_cli_backfill_stage_counts_every_order_and_reads_the_cli_process_peak(tmp_path):
    """The CLI backfill stage on tiny sizes: it raises unless the floor and every CLI run
    account for each order the shop listed, so a clean exit means the orders were counted in
    and out; the peak it reports is the CLI process's own, above Dagster's start-up alone."""
    output = tmp_path / "BENCHMARKS.md"
    finished = _quick_run("cli_backfill", tmp_path, output, timeout=240)
    assert finished.returncode == 0, finished.stderr
    written = output.read_text()
    assert "| 2-day backfill through the CLI (`--partition-range`), 100 orders/day |" in written
    assert "| CLI, 1 day |" in written
    assert "| **lower bound of a CLI backfill**: fetching as the floor does" in written
    peak = re.search(r"\| peak RSS \(`VmHWM`\) of the CLI process[^|]*\| ([0-9,]+) MiB", written)
    assert peak is not None and int(peak[1].replace(",", "")) > 100  # Dagster alone is more


@pytest.mark.slow
def test_quick_postgres_stage_checks_every_order_and_writes_its_rows(tmp_path, postgres_server):
    """The PostgreSQL stage on the session's server: it raises if any order of the store's
    runs ends in the wrong status or if the parallel day-runs store fewer orders than they
    were given, so a clean exit means every order was counted in and out."""
    databases_before = _databases(postgres_server.url)
    output = tmp_path / "BENCHMARKS.md"
    finished = _quick_run(
        "postgres", tmp_path, output, timeout=180, GOMAG_BENCH_POSTGRES_URL=postgres_server.url
    )
    assert finished.returncode == 0, finished.stderr
    written = output.read_text()
    assert "| PostgreSQL: import, clean batches |" in written
    assert "| PostgreSQL: import, 1% poison orders spread at random |" in written
    assert "| PostgreSQL: 2 day-runs at once (separate processes, one database) |" in written
    assert "| 2 | 600 |" in written  # two day-runs of 300 orders, all stored
    assert "| PostgreSQL: import: flushes per 1,000 orders (tiered store) |" in written
    assert "| (d) a committed transaction per order |" in written
    assert _databases(postgres_server.url) == databases_before, "it drops the ones it made"


def _databases(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {name for (name,) in conn.execute("SELECT datname FROM pg_database")}
