"""Normalize + validate: ``validate_orders`` next to ``json.loads`` of the same payloads.

``json.loads`` of every payload keeps every document alive, as any code that decodes a day of
payloads first and looks at them afterwards would, and the cyclic GC walks them;
``validate_orders`` drops each document once its fields are taken. Both are timed as they are,
wall clock, interleaved, best of the rounds; the CPU-time ratio is shown beside it.
"""

import cProfile
import json
import pstats
from dataclasses import dataclass

from benchmarks import synthetic
from benchmarks.report import StageReport, at_most, markdown_table, ratio
from benchmarks.timing import best_of
from gomag_assets.validation import validate_orders
from gomag_assets.validation.shapes import read_shaped


@dataclass(frozen=True)
class ValidationSizes:
    orders: int = 20_000
    rounds: int = 9


QUICK = ValidationSizes(orders=2_000, rounds=2)

TARGET = 1.5
"""Issue 14: normalize + validate within 1.5× ``json.loads`` of the same payloads."""


def run(sizes: ValidationSizes, *, profile: bool = False) -> StageReport:
    landed = synthetic.landed_payloads(sizes.orders)
    texts = [text for _, text in landed]
    result = validate_orders(landed, now=synthetic.NOW)
    timings = best_of(
        sizes.rounds,
        {
            "json": lambda: [json.loads(text) for text in texts],
            "validate": lambda: validate_orders(landed, now=synthetic.NOW),
        },
    )
    json_time, validate_time = timings["json"], timings["validate"]
    lines = len(result.items)
    compiled = sum(read_shaped(text.encode()) is not None for text in texts)
    megabytes = sum(len(text.encode()) for text in texts) / 1e6
    report = StageReport()
    report.comparisons.append(
        at_most(
            "normalize + validate (pandera)",
            f"{validate_time.wall * 1000:,.0f} ms",
            f"`json.loads` of the same payloads: {json_time.wall * 1000:,.0f} ms",
            validate_time.wall / json_time.wall,
            TARGET,
            ratio(validate_time.cpu / json_time.cpu),
        )
    )
    report.figures.append(
        (
            "normalize + validate",
            f"{sizes.orders / validate_time.wall:,.0f} orders/s, "
            f"{lines / validate_time.wall:,.0f} valid item lines/s, "
            f"{megabytes / validate_time.wall:,.1f} MB of payload/s",
        )
    )
    report.details.append(
        "### Normalize + validate\n\n"
        f"{sizes.orders:,} payloads ({megabytes:.1f} MB, {lines:,} valid item lines, "
        f"{len(result.discounts):,} discount lines, {len(result.addresses):,} addresses, "
        f"{result.malformed_count} MALFORMED) in the shape of GoMag's published orders, "
        f"{compiled:,} of them read by the compiled decoder (the rest by the stdlib one); best "
        f"of {sizes.rounds} interleaved rounds, each after a full garbage collection.\n\n"
        + markdown_table(
            ("what", "wall", "CPU"),
            [
                ("`json.loads` of every payload", *_ms(json_time.wall, json_time.cpu)),
                ("`validate_orders` of every payload", *_ms(validate_time.wall, validate_time.cpu)),
            ],
        )
    )
    if profile:
        profiler = cProfile.Profile()
        profiler.runcall(validate_orders, landed, now=synthetic.NOW)
        print("\ncProfile of validate_orders (top 25 by own time):")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    return report


def _ms(*seconds: float) -> list[str]:
    return [f"{value * 1000:,.0f} ms" for value in seconds]
