"""``python -m gomag_assets.demo`` / ``gomag-demo-shop``: serve the demo shop until Ctrl-C."""

import argparse
import signal
import threading
from collections.abc import Sequence

from gomag_assets.demo.config import DemoShopConfig
from gomag_assets.demo.shop import DemoShop

GOMAG_READ_LIMIT = 1.0
GOMAG_READ_BURST = 5
"""GoMag's documented read limit: 1 request per second, bursts of 5."""


def main(argv: Sequence[str] | None = None) -> None:
    """Serve a demo shop and print the environment a GoMagApi needs to reach it."""
    args = _parser().parse_args(argv)
    config = DemoShopConfig(
        seed=args.seed,
        orders_per_day=args.orders_per_day,
        malformed_share=args.malformed_share,
        api_key=args.api_key,
        api_shop=args.api_shop,
        rate_limit_per_second=args.rate_limit or None,
        rate_limit_burst=args.burst,
    )
    stopped = threading.Event()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        signal.signal(stop_signal, lambda *_: stopped.set())
    with DemoShop(config).serving(args.host, args.port) as shop:
        print(f"GoMag demo shop serving at {shop.base_url}", flush=True)
        print(f"export GOMAG_API_URL={shop.base_url}", flush=True)
        print(f"export GOMAG_API_KEY={shop.api_key}", flush=True)
        print(f"export GOMAG_API_SHOP={config.api_shop}", flush=True)
        print("Press Ctrl-C to stop.", flush=True)
        while not stopped.wait(0.5):
            pass


def _parser() -> argparse.ArgumentParser:
    defaults = DemoShopConfig()
    parser = argparse.ArgumentParser(prog="gomag-demo-shop", description=main.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    parser.add_argument("--api-key", default=defaults.api_key)
    parser.add_argument("--api-shop", default=defaults.api_shop)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--orders-per-day", type=int, default=defaults.orders_per_day)
    parser.add_argument("--malformed-share", type=float, default=defaults.malformed_share)
    parser.add_argument(
        "--rate-limit",
        type=float,
        default=GOMAG_READ_LIMIT,
        help="requests per second the shop's leaky bucket drains (GoMag: 1); 0 = unlimited",
    )
    parser.add_argument(
        "--burst",
        type=int,
        default=GOMAG_READ_BURST,
        help="requests the bucket holds before answering 429 (GoMag: 5)",
    )
    return parser


if __name__ == "__main__":
    main()
