"""``gomag-orders``: what an operator does to the order store between syncs.

    gomag-orders [--db PATH | --db-url URL] [--shop NAME] mark-deleted ORDER_ID [--reason TEXT]
    gomag-orders [--db PATH | --db-url URL] [--shop NAME] history ORDER_ID
    gomag-orders [--db PATH | --db-url URL] [--shop NAME] summary

``--db-url`` (default ``$GOMAG_DB_URL``) names a PostgreSQL store; without it the store is the
SQLite file ``--db``, default ``$GOMAG_DB_PATH``, else ``data/gomag.sqlite``. Failures print
one line on stderr and exit 1 (argparse's own usage errors exit 2); a URL is shown without its
password. ``--shop`` names the shop of the shops file the command is about (default
``default``, the one shop of a deployment without a shops file): an order id is one shop's.
"""

import argparse
import os
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store import OrderStore, StoreUnavailable
from gomag_assets.resources.order_store.shop_step import DEFAULT_SHOP, SHOP_NAME

DEFAULT_REASON = "deleted in ROA by an operator"
_PROG = "gomag-orders"


def main(argv: Sequence[str] | None = None) -> int:
    """Run one operator command; returns the process exit status."""
    args = _parser().parse_args(argv)
    if not args.db_url and not Path(args.db).is_file():
        return _fail(f"no order store at {args.db} (set --db or GOMAG_DB_PATH, or --db-url)")
    if not SHOP_NAME.fullmatch(args.shop):
        return _fail(f"--shop {args.shop!r}: a shop name is letters, digits and underscores")
    store = OrderStore(db_path=args.db, db_url=args.db_url, shop=args.shop)
    try:
        args.run(store, args)
    except LookupError as error:
        in_shop = "" if args.shop == DEFAULT_SHOP else f" in shop {args.shop}"
        return _fail(f"{error.args[0]}{in_shop}")
    except StoreUnavailable as error:
        return _fail(str(error))  # names the store already
    except (sqlite3.Error, psycopg.Error) as error:
        return _fail(f"cannot use the order store at {store.location}: {error}")
    return 0


def mark_deleted(store: OrderStore, args: argparse.Namespace) -> None:
    store.mark_deleted_in_roa(args.order_id, args.reason)
    print(f"order {args.order_id} is now {OrderStatus.DELETED_IN_ROA}: {args.reason}")


def history(store: OrderStore, args: argparse.Namespace) -> None:
    order = store.get_order(args.order_id)
    reason = f": {order['error_message']}" if order["error_message"] else ""
    print(
        f"order {order['order_id']} ({order['order_number'] or 'no number'}), "
        f"placed {order['order_date'] or '?'}, partition {order['partition_date'] or '?'}\n"
        f"now {order['status']}{reason}; total {order['total'] or '?'} {order['currency'] or ''}; "
        f"{len(order['items'])} items; updated {order['updated_at']}"
    )
    fulfilment = _fulfilment(order)
    if fulfilment:
        print(fulfilment)
    runs = [
        (
            run["run_id"],
            f"{run['window_start']}..{run['window_end']}" if run["window_start"] else "",
            run["partition_date"],
            run["status"],
            run["decided_at"],
            run["error_message"] or "",
        )
        for run in store.order_history(args.order_id)
    ]
    headers = ("run", "window", "partition", "status", "decided at", "reason")
    print(_table(headers, runs) if runs else "no sync run has seen this order")


def _fulfilment(order: dict[str, Any]) -> str:
    """Delivery, payment, invoice and the addresses' cities on one line, leaving out what is not
    known. No personal data: a city names no one."""
    paid = {True: "paid", False: "not paid", None: ""}[order["payment_completed"]]
    invoice = _words(order["invoice_series"], order["invoice_number"])
    parts = (
        _listed(
            _labelled("delivery", _words(order["delivery_name"], order["delivery_total"])),
            order["carrier_name"],
            _labelled("AWB", order["carrier_awb"]),
            _labelled("locker", order["locker_id"]),
        ),
        _listed(
            _labelled("payment", order["payment_name"]),
            "online" if order["payment_online"] else "",
            paid,
        ),
        _labelled("invoice", _words(invoice, _labelled("of", order["invoice_date"])))
        if order["invoice_number"]
        else "",
        _listed(*(_labelled(address["kind"], address["city"]) for address in order["addresses"])),
    )
    return "; ".join(filter(None, parts))


def _labelled(label: str, value: str | None) -> str:
    return f"{label} {value}" if value else ""


def _words(*words: str | None) -> str:
    return " ".join(filter(None, words))


def _listed(*parts: str | None) -> str:
    return ", ".join(filter(None, parts))


def summary(store: OrderStore, args: argparse.Namespace) -> None:
    counts = store.status_counts()
    rows = [(status, str(count)) for status, count in counts.items()]
    print(_table(("status", "orders"), [*rows, ("total", str(sum(counts.values())))]))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=_PROG, description="Operator commands for the store.")
    parser.add_argument(
        "--db",
        default=os.environ.get("GOMAG_DB_PATH", "data/gomag.sqlite"),
        help="the order store file (default: $GOMAG_DB_PATH or data/gomag.sqlite)",
    )
    parser.add_argument(
        "--db-url",
        default=os.environ.get("GOMAG_DB_URL", ""),
        help="a postgresql:// URL: the order store in PostgreSQL (default: $GOMAG_DB_URL)",
    )
    parser.add_argument(
        "--shop",
        default=DEFAULT_SHOP,
        help="the shop, as named in the shops file (default: default, the one shop without one)",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    deleted = commands.add_parser("mark-deleted", help="stop syncs from re-importing an order")
    deleted.add_argument("order_id", metavar="ORDER_ID")
    deleted.add_argument("--reason", default=DEFAULT_REASON)
    deleted.set_defaults(run=mark_deleted)

    seen = commands.add_parser("history", help="show an order and its status in every run")
    seen.add_argument("order_id", metavar="ORDER_ID")
    seen.set_defaults(run=history)

    commands.add_parser("summary", help="count orders per status").set_defaults(run=summary)
    return parser


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(line, widths, strict=True)).rstrip()
        for line in (headers, *rows)
    )


def _fail(message: str) -> int:
    print(f"{_PROG}: {message}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
