"""Mutation testing, one target at a time: ``python scripts/mutation.py tiers``.

mutmut reads its settings from ``./pyproject.toml`` and keeps one set of results per directory,
so each target runs in a work directory of its own, ``.mutation/TARGET/``: its pyproject.toml
narrows ``[tool.mutmut]`` to the target's modules and fast test files
(``[tool.mutation.targets.TARGET]`` in the project's pyproject.toml: ``only_mutate``, ``tests``
and the tests to ``deselect``, if any). The package and the tests are linked there, not copied:
mutmut copies them into ``.mutation/TARGET/mutants/`` itself.

Without mutant names a target starts afresh. With names (globs allowed, as ``mutmut run`` takes
them) only those mutants run again, against the tests as they are now: the way to check that a
new test kills a survivor. Ends with the score and the surviving mutants of each module.
"""

import argparse
import collections
import json
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
LINKED = ("gomag_assets", "tests")
KILLED = ("killed", "timeout", "caught by type check")


def main(argv: list[str] | None = None) -> int:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    targets = project["tool"]["mutation"]["targets"]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=sorted(targets))
    parser.add_argument("mutants", nargs="*", help="only these mutant names (globs allowed)")
    parser.add_argument("--max-children", type=int, help="parallel mutants (default: CPUs)")
    args = parser.parse_args(argv)

    work = WORK / args.target
    if not args.mutants:
        shutil.rmtree(work, ignore_errors=True)
        _prepare(work, project, targets[args.target])
    elif not work.is_dir():
        parser.error(f"no earlier run of {args.target}: run it once without mutant names")
    mutmut = [sys.executable, "-m", "mutmut"]
    run = [*mutmut, "run", *args.mutants]
    if args.max_children:
        run += ["--max-children", str(args.max_children)]
    subprocess.run(run, cwd=work, check=True)
    listed = subprocess.run(
        [*mutmut, "results", "--all", "true"], cwd=work, check=True, capture_output=True, text=True
    )
    print(_report(listed.stdout))
    return 0


def _prepare(work: Path, project: dict, target: dict) -> None:
    """The work directory: links to the sources and tests, and the target's settings."""
    work.mkdir(parents=True)
    for name in LINKED:
        (work / name).symlink_to(ROOT / name, target_is_directory=True)
    settings = {
        "tool.pytest.ini_options": project["tool"]["pytest"]["ini_options"],
        "tool.mutmut": project["tool"]["mutmut"]
        | {
            "only_mutate": target["only_mutate"],
            "pytest_add_cli_args_test_selection": target["tests"],
            "pytest_add_cli_args": [
                argument for test in target.get("deselect", []) for argument in ("--deselect", test)
            ],
        },
    }
    (work / "pyproject.toml").write_text(_toml(settings), encoding="utf-8")


def _toml(tables: dict[str, dict]) -> str:
    """Tables of strings and lists of strings as TOML (JSON spells both the TOML way)."""
    lines = []
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
        lines.append("")
    return "\n".join(lines)


def _report(results: str) -> str:
    """Per module: mutants killed of those tested, then every mutant that was not killed.

    ``mutmut results --all true`` prints ``module.function__mutmut_N: status`` lines.
    """
    statuses: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    not_killed = []
    for line in results.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if "__mutmut_" not in name:
            continue
        statuses[name.rsplit(".", 1)[0]][status] += 1
        if status not in KILLED:
            not_killed.append(f"  {status:10} {name}")
    lines = ["module: killed/tested (score); not killed"]
    for module, counts in sorted(statuses.items()):
        killed = sum(counts[status] for status in KILLED)
        tested = killed + counts["survived"]
        score = f"{killed / tested:.1%}" if tested else "-"
        others = ", ".join(f"{n} {s}" for s, n in sorted(counts.items()) if s not in KILLED)
        lines.append(f"{module}: {killed}/{tested} ({score}); {others or 'none'}")
    return "\n".join([*lines, *not_killed])


if __name__ == "__main__":
    sys.exit(main())
