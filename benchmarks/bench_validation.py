"""How long ``validate_orders`` takes next to ``json.loads`` of the same payloads.

Generates realistic GoMag payloads (3-5 item lines, numbers as text, Romanian names, ~3%
malformed), then times, best of three in the same run, plain ``json.loads`` of every payload
and ``validate_orders`` of every payload, and prints both and their ratio. The target is a
ratio of at most 2. Pass ``--profile`` to print the top of a cProfile of one validation.

``json.loads`` of every payload keeps every document alive, and the cyclic GC walks them;
``validate_orders`` drops each document once its fields are taken, so on CPU time alone (GC
off) its ratio is higher than the wall-clock one printed here.

    .venv/bin/python benchmarks/bench_validation.py [--orders 20000] [--profile]
"""

import argparse
import cProfile
import gc
import json
import pstats
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from gomag_assets.validation import validate_orders

NOW = datetime(2026, 10, 2, 12, 0, 0)
FIRST_NAMES = ["Ștefan", "Ana", "Ioana", "Mihai", "Bogdan", "Elena", "Răzvan"]
LAST_NAMES = ["Bălan", "Popescu", "Ionescu", "Țurcanu", "Dumitrescu"]
CITIES = ["Iași", "București", "Cluj-Napoca", "Timișoara", "Brașov", "Constanța"]
PRODUCTS = ["Tricou bărbați", "Rochie de vară", "Pantofi sport", "Geacă de iarnă", "Șosete"]
STATUSES = ["Comanda noua", "In curs de procesare", "Finalizata", "Anulata"]
MALFORMATIONS = [
    lambda order: order.pop("date"),
    lambda order: order.update(date="ieri"),
    lambda order: order["items"][0].update(quantity="abc"),
    lambda order: order["items"][-1].update(price="-5.00"),
    lambda order: order.update(items=[]),
    lambda order: order.update(currency="lei"),
    lambda order: order["items"][0].update(sku=""),
]


def _address(rng: random.Random) -> dict[str, str]:
    city = rng.choice(CITIES)
    return {
        "firstname": rng.choice(FIRST_NAMES),
        "lastname": rng.choice(LAST_NAMES),
        "email": f"client{rng.randrange(10**6)}@example.ro",
        "phone": f"07{rng.randrange(10**8):08d}",
        "address": f"Str. Mihai Eminescu nr. {rng.randrange(1, 200)}",
        "city": city,
        "region": city,
        "country": "Romania",
        "company": "",
    }


def catalog(rng: random.Random, size: int = 5_000) -> list[tuple[str, str, int]]:
    """A shop's products as ``(sku, name, price in bani)``: lines repeat prices, as in a shop."""
    return [
        (
            f"SKU-{number:05d}",
            f"{rng.choice(PRODUCTS)} mărimea {rng.choice('SML')}",
            rng.randrange(500, 50_000),
        )
        for number in range(size)
    ]


def _item(rng: random.Random, products: list[tuple[str, str, int]], number: int) -> dict[str, str]:
    sku, name, cents = rng.choice(products)
    quantity = rng.randint(1, 5)
    return {
        "id": str(number),
        "type": "product",
        "sku": sku,
        "name": name,
        "quantity": str(quantity),
        "price": f"{cents // 100}.{cents % 100:02d}",
        "vat": rng.choice(["19", "19", "19", "9", "5"]),
        "total": f"{quantity * cents // 100}.{quantity * cents % 100:02d}",
    }


def payloads(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """``count`` landed ``(order_id, payload_text)`` pairs, about 3% of them malformed."""
    rng = random.Random(seed)
    products = catalog(rng)
    landed = []
    for number in range(count):
        order_id = str(100_000 + number)
        placed = NOW - timedelta(seconds=rng.randrange(30 * 24 * 3600))
        items = [_item(rng, products, line) for line in range(1, rng.randint(3, 5) + 1)]
        if rng.random() < 0.2:
            items.append({**_item(rng, products, len(items) + 1), "type": "service", "sku": ""})
        billing = _address(rng)
        order = {
            "id": order_id,
            "number": f"GM-{order_id}",
            "date": placed.strftime("%Y-%m-%d %H:%M:%S"),
            "updated": (placed + timedelta(hours=3)).strftime("%Y-%m-%d %H:%M:%S"),
            "status": rng.choice(STATUSES),
            "statusId": str(rng.randint(1, 9)),
            "currency": "RON",
            "total": "249.90",
            "shipping": {"total": "15.00", "name": "Curier"},
            "payment": {"name": rng.choice(["Ramburs", "Card online"])},
            "billing": billing,
            "delivery": dict(billing),
            "items": items,
        }
        if rng.random() < 0.03:
            rng.choice(MALFORMATIONS)(order)
        landed.append((order_id, json.dumps(order, ensure_ascii=rng.random() < 0.5)))
    return landed


def best_of_three(*runs: Callable[[], object]) -> list[float]:
    """Best wall time of each run over three rounds. The runs are interleaved within a round,
    so drift in the machine's load falls on all of them alike, and each starts after a full
    garbage collection, so none pays for the garbage of another."""
    best = [float("inf")] * len(runs)
    for _ in range(3):
        for index, run in enumerate(runs):
            gc.collect()
            started = time.perf_counter()
            run()
            best[index] = min(best[index], time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--profile", action="store_true")
    arguments = parser.parse_args()

    landed = payloads(arguments.orders)
    texts = [text for _, text in landed]
    result = validate_orders(landed, now=NOW)
    print(
        f"{len(landed)} orders, {len(result.items)} valid item lines, "
        f"{result.malformed_count} malformed ({result.malformed_count / len(landed):.1%})"
    )

    json_seconds, validate_seconds = best_of_three(
        lambda: [json.loads(text) for text in texts], lambda: validate_orders(landed, now=NOW)
    )
    print(f"json.loads       {json_seconds * 1000:8.1f} ms")
    print(f"validate_orders  {validate_seconds * 1000:8.1f} ms")
    print(f"ratio            {validate_seconds / json_seconds:8.2f}x  (target <= 2x)")

    if arguments.profile:
        profiler = cProfile.Profile()
        profiler.runcall(validate_orders, landed, now=NOW)
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
