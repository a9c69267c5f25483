"""Mutation testing, one target at a time: ``python scripts/mutation.py tiers``.

mutmut reads its settings from ``./pyproject.toml`` and keeps one set of results per directory,
so each target runs in a work directory of its own, ``.mutation/TARGET/``: its pyproject.toml
narrows ``[tool.mutmut]`` to the target's modules and fast test files
(``[tool.mutation.targets.TARGET]`` in the project's pyproject.toml: ``only_mutate``, ``tests``
and the tests to ``deselect``, if any). The package and the tests are linked there, not copied:
mutmut copies them into ``.mutation/TARGET/mutants/`` itself.

Without mutant names a target starts afresh. With names (globs allowed, as ``mutmut run`` takes
them) only those mutants run again, against the tests as they are now: the way to check that a
new test kills a survivor. Every survivor is then run once more in a fresh interpreter with the
mutant switched on from the start: mutmut's workers are forked after the package was imported,
so a mutant in code that runs at import (module constants, decorators) or whose result is
cached never runs there. Ends with the score and the surviving mutants of each module.
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutation"
LINKED = ("gomag_assets", "tests")
KILLED = ("killed", "timeout", "caught by type check", "killed at import")


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
    statuses = _statuses(listed.stdout)
    survivors = [name for name, status in statuses.items() if status == "survived"]
    tests = [*targets[args.target]["tests"], *_deselected(targets[args.target])]
    for name in _killed_in_a_fresh_interpreter(work, tests, survivors, args.max_children or 2):
        statuses[name] = "killed at import"
    print(_report(statuses))
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
            "pytest_add_cli_args": _deselected(target),
        },
    }
    (work / "pyproject.toml").write_text(_toml(settings), encoding="utf-8")


def _deselected(target: dict) -> list[str]:
    return [argument for test in target.get("deselect", []) for argument in ("--deselect", test)]


def _killed_in_a_fresh_interpreter(
    work: Path, tests: list[str], survivors: list[str], workers: int
) -> list[str]:
    """The survivors that fail the target's tests when switched on before the package is
    imported (``MUTANT_UNDER_TEST``, read by mutmut's trampolines)."""
    pytest = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]

    def fails(name: str) -> bool:
        env = os.environ | {"MUTANT_UNDER_TEST": name}
        done = subprocess.run(pytest, cwd=work / "mutants", env=env, capture_output=True)
        return done.returncode != 0

    with ThreadPoolExecutor(max_workers=workers) as pool:
        failed = list(pool.map(fails, survivors))
    return [name for name, killed in zip(survivors, failed, strict=True) if killed]


def _toml(tables: dict[str, dict]) -> str:
    """Tables of strings and lists of strings as TOML (JSON spells both the TOML way)."""
    lines = []
    for name, table in tables.items():
        lines.append(f"[{name}]")
        lines += [f"{key} = {json.dumps(value)}" for key, value in table.items()]
        lines.append("")
    return "\n".join(lines)


def _statuses(results: str) -> dict[str, str]:
    """``mutmut results --all true`` (``module.function__mutmut_N: status`` lines) as a dict."""
    statuses = {}
    for line in results.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if "__mutmut_" in name:
            statuses[name] = status
    return statuses


def _report(statuses: dict[str, str]) -> str:
    """Per module: mutants killed of those tested, then every mutant that was not killed."""
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for name, status in statuses.items():
        counts[name.rsplit(".", 1)[0]][status] += 1
    lines = ["module: killed/tested (score); not killed"]
    for module, of_module in sorted(counts.items()):
        killed = sum(of_module[status] for status in KILLED)
        tested = killed + of_module["survived"]
        score = f"{killed / tested:.1%}" if tested else "-"
        others = ", ".join(f"{n} {s}" for s, n in sorted(of_module.items()) if s not in KILLED)
        at_import = of_module["killed at import"]
        lines.append(f"{module}: {killed}/{tested} ({score}, {at_import} at import); {others}")
    not_killed = sorted(name for name, status in statuses.items() if status not in KILLED)
    return "\n".join([*lines, *(f"  {statuses[name]:10} {name}" for name in not_killed)])


if __name__ == "__main__":
    sys.exit(main())
