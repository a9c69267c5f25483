"""The order store: raw landings, validation verdicts, imported orders and run history, in an
SQLite file or, with ``db_url``, a PostgreSQL database (the dialect: :mod:`sqlite`,
:mod:`postgres`).

Each public method opens its own connection, so one resource can serve assets, sensors, checks
and the operator command at once. ``save_orders_batch`` writes in three tiers (see
:mod:`tiers`); everything else is one short transaction or one read.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Protocol

import dagster as dg
import pandas as pd
from pydantic import Field

from gomag_assets.constants import ERRORS_LOG_NAME, OrderStatus, Verdict
from gomag_assets.resources.order_store import landings, reports, sync_runs, validation_frames
from gomag_assets.resources.order_store.dialect import (
    Dialect,
    StoreConnection,
    transaction,
    utc_now,
)
from gomag_assets.resources.order_store.errors_log import append_records
from gomag_assets.resources.order_store.reports import DaySummary, UnreconciledOrder
from gomag_assets.resources.order_store.shop_step import DEFAULT_SHOP, require_shop_name
from gomag_assets.resources.order_store.sqlite import SqliteDialect, StoreUnavailable
from gomag_assets.resources.order_store.tiers import TieredBatch, require_unique_order_ids


class RawOrderLike(Protocol):
    """What the store needs of a landed order (``gomag_api.RawOrder`` is one)."""

    @property
    def order_id(self) -> str: ...

    @property
    def payload(self) -> str: ...


@dataclass(frozen=True)
class BatchOutcome:
    """What ``save_orders_batch`` did: every input order has exactly one status."""

    statuses: dict[str, OrderStatus]
    counts: dict[str, int]
    """Orders per status value, every status present (0 when none)."""
    reconnects: int
    """How often a failing connection was replaced while writing the batch."""
    fallback_orders: int
    """Orders written through the isolation fallback because their group failed in bulk."""


class OrderStore(dg.ConfigurableResource):
    """One shop's orders in the order store at ``db_path``, or in the PostgreSQL database at
    ``db_url``: every shop of a deployment shares one store, each through a store bound to it."""

    shop: str = DEFAULT_SHOP
    """The shop every method reads and writes."""
    upgraded_shop: str = ""
    """The shop a store written before there were shops belongs to: its rows take this name
    when the first store opened on it upgrades it in place (empty: ``shop``)."""
    db_path: str = "data/gomag.sqlite"
    db_url: str = Field(default="", repr=False)  # may hold a password: kept out of reprs
    """A ``postgresql://`` URL: the store lives in that PostgreSQL database instead of the
    SQLite file at ``db_path``. It may hold a password: give it through ``EnvVar``."""
    errors_log: str = ""
    """Append-only log of MALFORMED orders; empty means ``sync_errors_history.log`` beside db."""
    busy_timeout_ms: int = 30000
    chunk_size: int | None = None
    """Orders per transaction when saving a batch; None: the database's own (SQLite 500,
    PostgreSQL the whole batch: a commit there waits for a WAL flush)."""
    store_pii: bool = True
    """The operator's ``GOMAG_STORE_PII``: False keeps no names, phones, e-mails or street
    addresses in ``order_addresses`` and ``validated_addresses`` (only city, region, country,
    zipcode and the company fields)."""

    @property
    def errors_log_path(self) -> Path:
        """The file MALFORMED orders are appended to."""
        if self.errors_log:
            return Path(self.errors_log)
        return Path(self.db_path).with_name(ERRORS_LOG_NAME)

    # Raw landings

    def replace_raw_orders(
        self,
        partition_date: str,
        run_id: str,
        orders: Sequence[RawOrderLike],
        fetched_at: str,
    ) -> int:
        """Land the partition's payloads verbatim, replacing its previous landing; returns how
        many orders are landed (an id given twice keeps its first place and its last payload)."""
        landed = [(order.order_id, order.payload) for order in orders]
        with self._transaction(partition_date) as conn:
            dialect = self._dialect()
            return landings.replace_day(
                conn, dialect, self.shop, partition_date, run_id, landed, fetched_at
            )

    def read_raw_orders(self, partition_date: str) -> list[tuple[str, str]]:
        """``(order_id, payload)`` of the partition in landing order, payloads as given."""
        with self._connection() as conn:
            return landings.read_day(conn, self.shop, partition_date)

    def count_raw_orders(self, partition_date: str) -> int:
        """How many orders the partition's landing holds: what later stages must account for."""
        with self._connection() as conn:
            return landings.count_day(conn, self.shop, partition_date)

    # Validation verdicts

    def replace_validation(
        self,
        partition_date: str,
        run_id: str,
        orders: pd.DataFrame,
        items: pd.DataFrame,
        discounts: pd.DataFrame | None = None,
        addresses: pd.DataFrame | None = None,
    ) -> None:
        """Keep the partition's validation frames (CONTRACTS.md §4), replacing earlier ones;
        None is an empty frame."""
        with self._transaction(partition_date) as conn:
            validation_frames.replace_partition(
                conn,
                self._dialect().text,
                self.shop,
                partition_date,
                run_id,
                orders,
                (items, discounts, addresses),
                store_pii=self.store_pii,
            )

    def read_validated_orders(self, partition_date: str) -> list[dict[str, Any]]:
        """The partition's orders as the dicts ``save_orders_batch`` takes (CONTRACTS.md §5)."""
        with self._connection() as conn:
            return validation_frames.read_partition(
                conn, self._dialect().text, self.shop, partition_date
            )

    def malformed_orders(self, partition_date: str) -> list[dict[str, Any]]:
        """The partition's MALFORMED verdicts: order_id, order_number, error_message."""
        with self._connection() as conn:
            return validation_frames.read_malformed(
                conn, self._dialect().text, self.shop, partition_date
            )

    # Sync runs

    def begin_sync_run(self, run_id: str, window_start: str, window_end: str) -> None:
        """Record that a run started importing the partitions ``window_start``..``window_end``."""
        with self._transaction() as conn:
            sync_runs.begin(conn, self.shop, run_id, window_start, window_end)

    def finish_sync_run(self, run_id: str, outcome: str) -> dict[str, int]:
        """Close a run with its outcome; returns (and stores) its orders per status."""
        with self._transaction() as conn:
            return sync_runs.finish(conn, self.shop, run_id, outcome)

    def last_successful_import(self, partition_date: str) -> dt.datetime | None:
        """When a successful run covering ``partition_date`` last finished, if ever."""
        with self._connection() as conn:
            return sync_runs.last_success(conn, self.shop, partition_date)

    # Orders

    def save_orders_batch(
        self, orders: Sequence[Mapping[str, Any]], *, run_id: str, partition_date: str
    ) -> BatchOutcome:
        """Import validated orders (CONTRACTS.md §5) for one partition; never mutates them.

        MALFORMED verdicts are committed (and logged) first, then valid orders in chunks. A row
        that cannot be written becomes MALFORMED without stopping the others; orders the
        database lost twice end ERROR and are retried by the next run. ``StoreUnavailable``
        when the file refuses writes altogether: what was committed stays, no order is
        half-written, and running the partition again completes it.
        """
        require_unique_order_ids(orders)
        malformed = [order for order in orders if order.get("verdict") == Verdict.MALFORMED]
        valid = [order for order in orders if order.get("verdict") != Verdict.MALFORMED]
        with self._refusals_explained():
            dialect = self._dialect()
            batch = TieredBatch(
                dialect,
                self._open_connection,
                shop=self.shop,
                run_id=run_id,
                partition_date=partition_date,
                chunk_size=self.chunk_size or dialect.orders_per_transaction,
                store_pii=self.store_pii,
            )
            try:
                batch.write(malformed)
                batch.write(valid)
            finally:
                batch.close()
                append_records(str(self.errors_log_path), batch.malformed_records())
        statuses = {order["order_id"]: batch.status_of(order["order_id"]) for order in orders}
        counts = reports.no_orders() | Counter(status.value for status in statuses.values())
        return BatchOutcome(statuses, counts, batch.reconnects, batch.fallback_orders)

    def status_counts(
        self, *, run_id: str | None = None, partition_date: str | None = None
    ) -> dict[str, int]:
        """Orders per status: as a run decided them if ``run_id`` is given, else as they stand."""
        with self._connection() as conn:
            return reports.status_counts(conn, self.shop, run_id, partition_date)

    def run_orders(self, run_id: str, partition_date: str | None = None) -> list[dict[str, Any]]:
        """What a run decided for each order (by decision time, then order id)."""
        with self._connection() as conn:
            return reports.run_orders(conn, self.shop, run_id, partition_date)

    def order_history(self, order_id: str) -> list[dict[str, Any]]:
        """The order's status in every run that saw it, oldest first, with each run's window."""
        with self._connection() as conn:
            return reports.order_history(conn, self.shop, order_id)

    def get_order(self, order_id: str) -> dict[str, Any]:
        """The stored order with its ``items``, ``discounts`` and ``addresses`` (flags as bool or
        None); ``LookupError`` if the store never saw it."""
        with self._connection() as conn:
            order = reports.stored_order(conn, self.shop, order_id)
        if order is None:
            raise LookupError(f"unknown order id {order_id!r}")
        return order

    def day_summary(self, partition_date: str) -> DaySummary:
        """The day's orders as they stand, without cancelled, MALFORMED, deleted and ERROR ones:
        revenue, discounts and delivery as exact ``Decimal``s, and orders per sales channel and
        per payment (``reports.NOT_SET`` for none)."""
        with self._connection() as conn:
            return reports.day_summary(conn, self.shop, partition_date)

    def unreconciled_orders(self, partition_date: str) -> list[UnreconciledOrder]:
        """The day's orders whose total is not items − discounts + delivery, by order id."""
        with self._connection() as conn:
            return reports.unreconciled_orders(conn, self.shop, partition_date)

    def mark_deleted_in_roa(self, order_id: str, reason: str) -> None:
        """Record that an operator deleted the order downstream; syncs will not bring it back."""
        with self._transaction() as conn:
            marked = (OrderStatus.DELETED_IN_ROA.value, reason, utc_now(), self.shop, order_id)
            if conn.execute(_MARK_DELETED, marked).rowcount == 0:
                raise LookupError(f"unknown order id {order_id!r}")

    # Connections

    def _dialect(self) -> Dialect:
        """The database the store lives in: PostgreSQL at ``db_url`` if set, else SQLite."""
        shop = require_shop_name(self.shop)
        upgraded = require_shop_name(self.upgraded_shop or shop)
        if self.db_url:
            # Imported here: psycopg costs every process of a SQLite deployment ~0.2 CPU-s.
            from gomag_assets.resources.order_store.postgres import PostgresDialect

            return PostgresDialect(self.db_url, self.busy_timeout_ms, shop, upgraded)
        return SqliteDialect(self.db_path, self.busy_timeout_ms, upgraded)

    @property
    def location(self) -> str:
        """Where the store is, fit to show (a PostgreSQL URL without its password)."""
        return self._dialect().location

    def _open_connection(self) -> StoreConnection:
        """Every connection the store uses comes from here (tests override it to inject faults)."""
        return self._dialect().connect()

    @contextmanager
    def _connection(self) -> Iterator[StoreConnection]:
        with self._refusals_explained():
            conn = self._open_connection()
            try:
                yield conn
            finally:
                conn.close()

    @contextmanager
    def _refusals_explained(self) -> Iterator[None]:
        """Raise the database's "this store cannot be used" answers as ``StoreUnavailable``."""
        dialect = self._dialect()
        try:
            yield
        except StoreUnavailable:
            raise
        except dialect.errors as error:
            if not dialect.refuses_writes(error):
                raise
            raise dialect.unavailable(error) from error

    @contextmanager
    def _transaction(self, partition_date: str | None = None) -> Iterator[StoreConnection]:
        """One write transaction, committed whole or rolled back; one of ``partition_date``
        waits for any other transaction of that day."""
        begin = self._dialect().begin_write
        with self._connection() as conn, transaction(conn, partial(begin, conn, partition_date)):
            yield conn


_MARK_DELETED = """
    UPDATE orders SET status = ?, error_message = ?, updated_at = ? WHERE shop = ? AND order_id = ?
"""
