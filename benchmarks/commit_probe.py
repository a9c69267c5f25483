"""Child process the import stage runs under ``strace``, to count the flushes a writer makes.

    python -m benchmarks.commit_probe naive|ceiling|ceiling-days|store ORDERS DB_PATH [DAY_SIZE]

Writes ``ORDERS`` synthetic orders into the empty store at ``DB_PATH`` (made beforehand, in
rollback-journal mode for the naive loop) with the naive durable loop, the bare ``executemany``
ceiling (one transaction, or one per day of ``DAY_SIZE``, a connection each) or the tiered store
(days of ``DAY_SIZE``). Making the store and
starting Python flush nothing, so every ``fsync`` or ``fdatasync`` counted is the writing's own.
"""

import sys
from pathlib import Path

from benchmarks import synthetic, writers


def main(argv: list[str]) -> None:
    writer, count, path = argv[0], int(argv[1]), Path(argv[2])
    day_size = int(argv[3]) if len(argv) > 3 else 3_000
    orders = synthetic.validated_orders(count)
    if writer == "naive":
        writers.naive_durable_loop(path, orders)
    elif writer == "ceiling":
        writers.bare_executemany(path, orders)
    elif writer == "ceiling-days":
        for day in writers.days_of(orders, day_size):
            writers.bare_executemany(path, day)
    elif writer == "store":
        writers.tiered_store(path, writers.days_of(orders, day_size))
    else:
        raise SystemExit(f"unknown writer {writer!r}: choose naive, ceiling, ceiling-days or store")


if __name__ == "__main__":
    main(sys.argv[1:])
