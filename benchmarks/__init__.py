"""The benchmark suite: each stage next to its natural ceiling and baseline, in the same run.

Run from the repository root with ``make bench`` (``python -m benchmarks.run``); it prints a
table and writes it to ``BENCHMARKS.md``. Not part of the test suite.
"""
