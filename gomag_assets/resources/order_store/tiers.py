"""The write path of ``OrderStore.save_orders_batch``: bulk first, isolation when a row fails.
Written once for both databases; the dialect (:mod:`sqlite`, :mod:`postgres`) opens the
transactions, writes in bulk and says which errors are a row's and which the connection's.

Each chunk is one write transaction (SQLite: ``BEGIN IMMEDIATE``, 500 orders by default;
PostgreSQL: ``BEGIN`` and the day's advisory lock, the whole batch by default). Inside it, a
group of orders is written in bulk under a savepoint; if a row fails (a value the database
cannot take, a constraint), the group is rolled back to its savepoint and retried in parts, each
under its own savepoint, down to the one order that fails, which is kept as MALFORMED. The parts
are the orders before the failing one, that order alone, and the orders after it in parts of at
most ``RETRY_PART`` orders; halves when the failing order cannot be told (on PostgreSQL, a write
by ``executemany`` rather than ``COPY``).

A failing connection (disk, lock, I/O, a server gone or restarting, a timeout) is not a row's
fault: the reconnect guard commits what survived, opens a fresh connection and retries the lost
orders once, one by one; an order that fails again ends ERROR and is retried by the next run. A
retry that fails because the store itself refuses writes (SQLite: locked past ``busy_timeout``,
read-only, full, damaged; PostgreSQL: read-only, full, no access) ends the batch with that error
instead: every other order would fail, or wait, the same way.
"""

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import replace
from typing import Any

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.order_store.decisions import Decision, crash_reason, mark_malformed
from gomag_assets.resources.order_store.dialect import Dialect, StoreConnection, utc_now
from gomag_assets.resources.order_store.errors_log import MalformedRecord
from gomag_assets.resources.order_store.lossless_text import is_storable_text
from gomag_assets.resources.order_store.rows import (
    BULK_INSERTS,
    SHAPE_ERRORS,
    GroupWriteFailed,
    OrderRows,
    RunSlice,
    decide_all,
    rows_of,
    write_errors,
    write_rows,
)

RETRY_PART = 50
"""Orders per part when the orders after a failing one are retried (see :func:`_split`)."""

_SAVEPOINT = "SAVEPOINT order_group"
_ROLLBACK_TO = "ROLLBACK TO order_group"
_RELEASE = "RELEASE order_group"


class ConnectionLost(Exception):
    """A savepoint could not be opened, rolled back or released: the connection is unusable."""


def require_unique_order_ids(orders: Sequence[Mapping[str, Any]]) -> None:
    """Order ids key every table and the outcome; a batch that breaks that is a caller's bug."""
    seen: set[str] = set()
    for order in orders:
        order_id = order.get("order_id")
        if not is_storable_text(order_id) or not order_id:
            raise ValueError(f"order_id must be a non-empty UTF-8 string, got {order_id!r}")
        if order_id in seen:
            raise ValueError(f"order_id {order_id!r} appears twice in one batch")
        seen.add(order_id)


class TieredBatch:
    """Writes the orders of one ``save_orders_batch`` call and remembers what became of each."""

    def __init__(
        self,
        dialect: Dialect,
        open_connection: Callable[[], StoreConnection],
        *,
        shop: str,
        run_id: str,
        partition_date: str,
        chunk_size: int | None,
        store_pii: bool,
    ) -> None:
        self._dialect = dialect
        self._lost = (*dialect.connection_errors, ConnectionLost)
        """Errors that cost the transaction but are no order's fault."""
        self._open_connection = open_connection
        self._conn = open_connection()
        self._chunk_size = chunk_size
        self._run = RunSlice(shop, run_id, partition_date, utc_now(), store_pii)
        self._savepoint_open = False
        self._rows: dict[str, OrderRows] = {}
        """Rows of the decisions of the open transaction, kept for retries of their group."""
        self._pending: list[Decision] = []
        """Written in the open transaction, not committed yet: lost if the connection breaks."""
        self._settled: dict[str, Decision] = {}
        """Committed decisions (and ERRORs), by order id, in the order they settled."""
        self.reconnects = 0
        self.fallback_orders = 0

    def write(self, orders: Sequence[Mapping[str, Any]]) -> None:
        """Write ``orders`` chunk by chunk (all at once when ``chunk_size`` is None), each chunk
        committed before the next starts."""
        size = self._chunk_size or max(len(orders), 1)
        for start in range(0, len(orders), size):
            self._write_chunk(orders[start : start + size])

    def status_of(self, order_id: str) -> OrderStatus:
        """What became of an order of this batch (KeyError if it was never written)."""
        return self._settled[order_id].status

    def malformed_records(self) -> list[MalformedRecord]:
        """The errors-log records of every MALFORMED order this batch committed."""
        logged_at = utc_now()
        return [
            MalformedRecord(
                logged_at,
                self._run.run_id,
                decision.order_id,
                decision.order.get("order_number"),
                decision.error_message,
                self._run.shop,
            )
            for decision in self._settled.values()
            if decision.status is OrderStatus.MALFORMED
        ]

    def close(self) -> None:
        self._conn.close()

    def _write_chunk(self, orders: Sequence[Mapping[str, Any]]) -> None:
        try:
            self._write_transaction(orders)
        except self._lost:
            self._safe_reconnect()
            self._retry_lost(orders)

    def _retry_lost(self, orders: Sequence[Mapping[str, Any]]) -> None:
        """Give each order of ``orders`` not committed yet one more try, on its own."""
        errors = []
        for order in orders:
            if order["order_id"] in self._settled:
                continue
            try:
                self._write_transaction([order])
            except self._lost as error:
                if self._dialect.refuses_writes(error):
                    raise
                self._safe_reconnect()
                if order["order_id"] not in self._settled:
                    errors.append(
                        Decision(order, OrderStatus.ERROR, crash_reason(error), write=False)
                    )
        if errors:
            self._record_errors(errors)

    def _write_transaction(self, orders: Sequence[Mapping[str, Any]]) -> None:
        self._begin()
        self._run = replace(self._run, decided_at=utc_now())
        self._rows.clear()
        self._insert_batch(decide_all(self._conn, self._run.shop, orders), first_try=True)
        self._conn.execute("COMMIT")
        self._settle_pending()

    def _insert_batch(self, decisions: Sequence[Decision], *, first_try: bool) -> None:
        """Tier 2, falling back to tier 3: the group in one go, else in parts, else MALFORMED."""
        try:
            with self._savepoint():
                write_rows(self._dialect, self._conn, self._run.shop, self._group_rows(decisions))
        except GroupWriteFailed as failure:
            if first_try:
                self.fallback_orders += len(decisions)
            if len(decisions) == 1:
                self._insert_single_order(decisions[0], failure.cause)
                return
            for part in _split(decisions, failure.position):
                self._insert_batch(part, first_try=False)
            return
        self._pending.extend(decisions)

    def _group_rows(self, decisions: Sequence[Decision]) -> list[OrderRows]:
        """The rows of each decision, built once per transaction and reused by retries."""
        group = []
        for position, decision in enumerate(decisions):
            rows = self._rows.get(decision.order_id)
            if rows is None:
                try:
                    rows = rows_of(decision, self._run)
                except SHAPE_ERRORS as error:
                    raise GroupWriteFailed(position, error) from error
                self._rows[decision.order_id] = rows
            group.append(rows)
        return group

    def _insert_single_order(self, decision: Decision, error: BaseException) -> None:
        """Keep an order that cannot be written as it is: MALFORMED, with the crash as reason."""
        marked = mark_malformed(decision.order, crash_reason(error))
        malformed = Decision(
            marked, OrderStatus.MALFORMED, marked["error_message"], replaces=decision.replaces
        )
        with self._savepoint():
            write_rows(self._dialect, self._conn, self._run.shop, [rows_of(malformed, self._run)])
        self._pending.append(malformed)

    def _record_errors(self, errors: Sequence[Decision]) -> None:
        """Store ERROR for orders the database lost twice; they are reported ERROR regardless."""
        try:
            self._begin()
            write_errors(self._conn, errors, self._run)
            self._conn.execute("COMMIT")
        except self._lost:
            self._safe_reconnect()
        for decision in errors:
            self._settled[decision.order_id] = decision

    def _safe_reconnect(self) -> None:
        """Commit what survived on the failing connection, then go on with a fresh one.

        Orders still pending afterwards were lost with the old transaction; callers retry them.
        """
        if self._commit_survivors():
            self._settle_pending()
        self._pending.clear()
        with suppress(*self._dialect.errors):
            self._conn.close()
        self._conn = self._open_connection()
        self.reconnects += 1

    def _commit_survivors(self) -> bool:
        # Errors here are expected (the connection is failing); losing the survivors is safe
        # because the caller retries every order that did not settle.
        try:
            if not self._conn.in_transaction:  # the database already rolled it back
                return False
            if self._savepoint_open:  # the group in flight may be half-written: drop it first
                self._conn.execute(_ROLLBACK_TO)
                self._conn.execute(_RELEASE)
            self._conn.execute("COMMIT")
            return True
        except self._dialect.errors:
            return False
        finally:
            self._savepoint_open = False

    def _settle_pending(self) -> None:
        for decision in self._pending:
            self._settled[decision.order_id] = decision
        self._pending.clear()

    @contextmanager
    def _savepoint(self) -> Iterator[None]:
        """Run a group write under a savepoint; a per-row failure leaves no trace of the group."""
        self._control(_SAVEPOINT)
        self._savepoint_open = True
        try:
            yield
        except GroupWriteFailed:
            self._control(_ROLLBACK_TO)
            self._control(_RELEASE)
            self._savepoint_open = False
            raise
        self._control(_RELEASE)
        self._savepoint_open = False

    def _begin(self) -> None:
        """Open the transaction the day's writes go in (see ``Dialect.begin_write``), on a
        connection readied for its bulk writes first: a failure there is the connection's too."""
        self._dialect.prepare_bulk(self._conn, BULK_INSERTS)
        self._dialect.begin_write(self._conn, self._run.partition_date)

    def _control(self, statement: str) -> None:
        try:
            self._conn.execute(statement)
        except self._dialect.errors as error:
            raise ConnectionLost(f"{statement} failed: {error}") from error


def _split(decisions: Sequence[Decision], failed: int | None) -> list[Sequence[Decision]]:
    """The parts to retry: around the failing order when known, else the two halves.

    The orders after a failing one go in parts of ``RETRY_PART``: a group that held one poison
    order often holds more, and each further failure then undoes at most one part's writes.
    """
    if failed is None or not 0 <= failed < len(decisions):
        middle = len(decisions) // 2
        return [decisions[:middle], decisions[middle:]]
    after = range(failed + 1, len(decisions), RETRY_PART)
    parts = [decisions[:failed], decisions[failed : failed + 1]]
    parts += [decisions[start : start + RETRY_PART] for start in after]
    return [part for part in parts if part]
