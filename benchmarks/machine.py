"""What the numbers were measured on: the machine, the software, and the disk's flush cost."""

import os
import platform
import sqlite3
import subprocess
from importlib.metadata import version
from pathlib import Path


def description(workdir: Path) -> list[tuple[str, str]]:
    """``(what, value)`` lines describing this machine and the software measured."""
    memory_kib = _meminfo().get("MemTotal", 0)
    return [
        ("CPU", f"{_cpu_model()}, {os.cpu_count()} logical cores"),
        ("memory", f"{memory_kib / 1024**2:.1f} GiB"),
        ("OS", f"{platform.system()} {platform.release()} ({platform.machine()})"),
        ("disk of the databases", _filesystem(workdir)),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        (
            "packages",
            ", ".join(f"{name} {version(name)}" for name in ("dagster", "pandas", "pandera")),
        ),
        ("load average at start (1 min)", f"{os.getloadavg()[0]:.2f}"),
    ]


def flush_appends(path: Path, count: int) -> None:
    """Make ``count`` 4 KiB appends to ``path`` durable one by one (``write`` + ``fdatasync``):
    what a synchronous commit pays on this disk, a few times over. Time it to price a flush."""
    with open(path, "wb") as probe:
        for _ in range(count):
            probe.write(b"x" * 4096)
            probe.flush()
            os.fdatasync(probe.fileno())
    path.unlink()


def _cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown CPU"


def _meminfo() -> dict[str, int]:
    fields = {}
    for line in Path("/proc/meminfo").read_text().splitlines():
        name, _, value = line.partition(":")
        fields[name] = int(value.split()[0])
    return fields


def _filesystem(path: Path) -> str:
    try:
        shown = subprocess.run(
            ["df", "--output=source,fstype", str(path)], capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    source, fstype = shown.stdout.splitlines()[-1].split()
    virtual = " (virtual machine)" if _hypervisor() else ""
    return f"{fstype} on {source}{virtual}"


def _hypervisor() -> bool:
    return "hypervisor" in Path("/proc/cpuinfo").read_text()
