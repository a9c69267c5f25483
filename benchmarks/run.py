"""Run the benchmark suite: every stage next to its ceiling and baseline, in the same run.

    make bench                                 # = .venv/bin/python -m benchmarks.run
    .venv/bin/python -m benchmarks.run --quick # smoke run on tiny sizes, writes no file

Prints the table and writes it into BENCHMARKS.md (between its markers; the prose around them
is kept). Stages: import (store), validation, fetch, backfill (end-to-end in process), cli
(seconds per run through Dagster's CLI), cli_backfill (a 30-day backfill through the CLI vs the
floor pipeline, and its peak memory), postgres (the store on PostgreSQL, and day-runs in
parallel).
"""

import argparse
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import (
    backfill_stage,
    cli_backfill_stage,
    cli_stage,
    fetch_stage,
    import_stage,
    machine,
    postgres_stage,
    report,
    validation_stage,
)

STAGES = ("import", "validation", "fetch", "backfill", "cli", "cli_backfill", "postgres")
REPOSITORY = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    stages = args.only.split(",") if args.only else list(STAGES)
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise SystemExit(f"unknown stage(s) {', '.join(sorted(unknown))}: choose from {STAGES}")
    output = args.output or (None if args.quick else REPOSITORY / "BENCHMARKS.md")
    workdir = Path(tempfile.mkdtemp(prefix="gomag-bench-", dir=args.workdir))
    started = time.perf_counter()
    try:
        described = machine.description(workdir)
        reports = []
        for stage in stages:
            _progress(f"{stage} ...")
            reports.append(_run_stage(stage, args.quick, workdir, args.profile))
            _progress(f"{stage} done after {time.perf_counter() - started:.0f} s")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    command = "python -m benchmarks.run" + "".join(
        f" {shlex.quote(a)}" for a in argv or sys.argv[1:]
    )
    generated = report.render(reports, described, command, time.perf_counter() - started)
    print(generated)
    if output is not None:
        report.write(Path(output), generated)
        _progress(f"written to {output}")
    return 0


def _run_stage(stage: str, quick: bool, workdir: Path, profile: bool) -> report.StageReport:
    if stage == "import":
        sizes = import_stage.QUICK if quick else import_stage.ImportSizes()
        return import_stage.run(sizes, workdir, profile=profile)
    if stage == "validation":
        sizes = validation_stage.QUICK if quick else validation_stage.ValidationSizes()
        return validation_stage.run(sizes, profile=profile)
    if stage == "fetch":
        return fetch_stage.run(fetch_stage.QUICK if quick else fetch_stage.FetchSizes())
    if stage == "cli":
        return cli_stage.run(cli_stage.QUICK if quick else cli_stage.CliSizes(), workdir)
    if stage == "cli_backfill":
        sizes = cli_backfill_stage.QUICK if quick else cli_backfill_stage.CliBackfillSizes()
        return cli_backfill_stage.run(sizes, workdir, profile=profile)
    if stage == "postgres":
        return postgres_stage.run(postgres_stage.QUICK if quick else postgres_stage.PostgresSizes())
    sizes = backfill_stage.QUICK if quick else backfill_stage.BackfillSizes()
    return backfill_stage.run(sizes, workdir, profile=profile)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: checks the suite runs")
    parser.add_argument("--only", help=f"comma-separated stages out of {','.join(STAGES)}")
    parser.add_argument(
        "--output",
        type=Path,
        help="the Markdown file to write (default: BENCHMARKS.md, none with --quick)",
    )
    parser.add_argument(
        "--workdir",
        type=Path,
        help="where the databases go (default: the system's temp dir; use a real disk, not tmpfs)",
    )
    parser.add_argument("--profile", action="store_true", help="also print cProfile summaries")
    return parser.parse_args(argv)


def _progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
