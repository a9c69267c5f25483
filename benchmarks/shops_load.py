"""How long the code location takes to load with many shops in its shops file.

    .venv/bin/python -m benchmarks.shops_load [--shops 50] [--rounds 3]

Each round starts a fresh Python process that imports ``gomag_assets.definitions`` and resolves
the repository (every asset, job, schedule and sensor, as a code server does on load), once with
a shops file of N shops and once without one (the single-shop location, the baseline); rounds
are interleaved and the best of each counts. Prints one Markdown table row per case.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

LOAD = """
import time
started = time.perf_counter()
from dagster._core.remote_representation.external_data import RepositorySnap
from gomag_assets.definitions import defs
repository = defs.get_repository_def()
assert len(repository.asset_graph.get_all_asset_keys()) == {assets}
resolved = time.perf_counter()
RepositorySnap.from_def(repository)
print(resolved - started, time.perf_counter() - started)
"""
"""The child: import the location, resolve it, and build the snapshot a code server sends the
webserver and daemon; prints the seconds to resolve and to snapshot."""

ENTRY = """
[[shops]]
name = "shop_{n:02d}"
api_shop = "https://shop-{n:02d}.example"
api_key_env = "GOMAG_KEY_SHOP_{n:02d}"
timezone = "{zone}"
start_date = "2025-01-01"
"""
ZONES = ("Europe/Bucharest", "Europe/Chisinau", "Europe/London")


def shops_file(folder: Path, count: int) -> tuple[Path, dict[str, str]]:
    """A shops file of ``count`` shops, and the environment naming each shop's key."""
    path = folder / "shops.toml"
    entries = [ENTRY.format(n=n, zone=ZONES[n % len(ZONES)]) for n in range(count)]
    path.write_text("".join(entries), encoding="utf-8")
    return path, {f"GOMAG_KEY_SHOP_{n:02d}": "benchmark-key" for n in range(count)}


def load_seconds(env: dict[str, str], assets: int) -> tuple[float, float, float]:
    """Seconds the child took from start to exit, and to resolve and snapshot the location as
    it measured them."""
    started = time.perf_counter()
    answer = subprocess.run(
        [sys.executable, "-c", LOAD.format(assets=assets)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    resolved, snapshot = map(float, answer.stdout.split())
    return time.perf_counter() - started, resolved, snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shops", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path, keys = shops_file(Path(folder), args.shops)
        base = {name: value for name, value in os.environ.items() if not name.startswith("GOMAG_")}
        base["GOMAG_DB_PATH"] = str(Path(folder) / "gomag.sqlite")
        cases = {
            "no shops file (1 shop)": (base, 4),
            f"{args.shops} shops": (base | keys | {"GOMAG_SHOPS_FILE": str(path)}, 4 * args.shops),
        }
        best = {case: (float("inf"),) * 3 for case in cases}
        for _ in range(args.rounds):
            for case, (env, assets) in cases.items():
                best[case] = min(best[case], load_seconds(env, assets))
    print("| location | process start to exit (s) | import + resolve (s) | + snapshot (s) |")
    print("|---|---|---|---|")
    for case, (process, resolved, snapshot) in best.items():
        print(f"| {case} | {process:.2f} | {resolved:.2f} | {snapshot:.2f} |")


if __name__ == "__main__":
    main()
