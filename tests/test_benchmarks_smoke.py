"""The benchmark suite (``make bench``) still runs: a quick run on tiny sizes writes its table.

Not a benchmark: the figures of a quick run mean nothing, only that the suite works.
"""

import subprocess
import sys
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent


def test_quick_run_writes_the_table_between_the_markers_and_keeps_the_prose(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(REPOSITORY))
    from benchmarks.report import BEGIN, END

    output = tmp_path / "BENCHMARKS.md"
    stale = f"# Benchmarks\n\nProse before.\n\n{BEGIN}\nSTALE TABLE\n{END}\n\nProse after.\n"
    output.write_text(stale)
    finished = subprocess.run(
        [sys.executable, "-m", "benchmarks.run", "--quick", "--only", "validation,fetch"]
        + ["--output", str(output), "--workdir", str(tmp_path)],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 0, finished.stderr
    written = output.read_text()
    assert written.startswith("# Benchmarks\n\nProse before.\n\n" + BEGIN)
    assert written.endswith(END + "\n\nProse after.\n")
    assert "STALE TABLE" not in written
    assert "| normalize + validate (pandera) |" in written
    assert "| fetch, shop limited to R = 20 requests/s" in written
    assert "## Targets" in finished.stdout
