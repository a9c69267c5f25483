"""The demo shop: a live order book served over loopback HTTP, with faults on demand.

Typical use::

    with DemoShop(DemoShopConfig(orders_per_day=40)).serving() as shop:
        shop.faults.queue("429", "503")
        ...  # point a GoMagApi at shop.base_url with shop.api_key
"""

import contextlib
import copy
import datetime
import threading
from collections.abc import Iterator
from typing import Any

from gomag_assets.demo.catalog import CANCELLED, STATUSES, Status
from gomag_assets.demo.config import DemoShopConfig
from gomag_assets.demo.faults import FaultSwitches, Traffic
from gomag_assets.demo.malformed import malformed_kind_at
from gomag_assets.demo.orders import (
    ID_EPOCH,
    ID_SLOTS_PER_DAY,
    build_order,
    day_volume,
    order_day,
    order_id,
    placed_at,
)
from gomag_assets.demo.server import ShopServer

API_PATH = "/api/v1"


class DemoShop:
    """A GoMag-compatible shop whose orders follow from its config, plus any edits made since.

    Like GoMag, the shop knows when each order was last modified (placed, or edited through
    ``edit_order``/``cancel_order``) without saying so in the payload: the ``updated`` query
    filter uses it, and ``modified_at`` tells tests.
    """

    def __init__(self, config: DemoShopConfig | None = None) -> None:
        self.config = config or DemoShopConfig()
        self.faults = FaultSwitches(
            self.config.rate_limit_per_second,
            self.config.retry_after_seconds,
            self.config.rate_limit_burst,
            self.config.ignore_date_filter,
        )
        self.traffic = Traffic()
        self._lock = threading.Lock()
        self._built: dict[datetime.date, list[tuple[str, dict[str, Any]]]] = {}
        self._arrived: dict[datetime.date, int] = {}
        self._edited: dict[str, dict[str, Any]] = {}
        self._modified: dict[str, datetime.datetime] = {}
        self._published: dict[str, dict[str, Any]] = {}
        self._published_on: dict[datetime.date, list[tuple[str, dict[str, Any]]]] = {}
        for order in self.config.published_orders:
            if self._generated_slot(order["id"]) is not None:
                raise ValueError(f"published order id {order['id']} is a generated order's id")
            self._published[order["id"]] = copy.deepcopy(order)
            day = datetime.date.fromisoformat(order["date"][:10])
            self._published_on.setdefault(day, []).append(
                (order["id"], self._published[order["id"]])
            )
        self._server: ShopServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def api_key(self) -> str:
        return self.config.api_key

    @property
    def base_url(self) -> str:
        """``http://HOST:PORT/api/v1``; only while serving."""
        if self._server is None:
            raise RuntimeError("the demo shop is not serving; use start() or serving()")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}{API_PATH}"

    @property
    def today(self) -> datetime.date:
        return self.config.clock().date()

    @property
    def statuses(self) -> tuple[Status, ...]:
        """The shop's own order statuses (names and string ids), as ``order/status`` lists them."""
        return STATUSES

    # -- serving ---------------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Serve in a background thread (port 0 picks a free one); returns the base URL."""
        if self._server is not None:
            raise RuntimeError("the demo shop is already serving")
        self._server = ShopServer((host, port), self, API_PATH)
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="gomag-demo-shop",
            daemon=True,
        )
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving; stalled ``slow`` requests are released at once."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join()
        self._server = self._thread = None

    @contextlib.contextmanager
    def serving(self, host: str = "127.0.0.1", port: int = 0) -> Iterator["DemoShop"]:
        """Serve for the duration of a ``with`` block."""
        self.start(host, port)
        try:
            yield self
        finally:
            self.stop()

    # -- the order book --------------------------------------------------------------------

    def orders_for_day(self, day: datetime.date) -> list[dict[str, Any]]:
        """Copies of a day's orders as the API would send them now, oldest first."""
        with self._lock:
            return copy.deepcopy([order for _, order in self._day(day)])

    def malformed_ids(self, day: datetime.date) -> dict[str, str]:
        """Order id -> malformed kind for every order of ``day``, later arrivals included."""
        with self._lock:
            count = self._day_count(day)
        kinds = {
            order_id(day, i): malformed_kind_at(day, i, self.config) for i in range(1, count + 1)
        }
        return {the_id: kind for the_id, kind in kinds.items() if kind is not None}

    def order(self, the_id: str) -> dict[str, Any]:
        """A copy of one order as it stands; KeyError if the shop never had it."""
        with self._lock:
            return copy.deepcopy(self._current(the_id))

    def cancel_order(self, the_id: str) -> dict[str, Any]:
        """Cancel as a shop operator would: status ``Anulata`` (id ``"7"``)."""
        return self.edit_order(the_id, status=CANCELLED.name, statusId=CANCELLED.id)

    def edit_order(self, the_id: str, **changes: Any) -> dict[str, Any]:
        """Replace top-level fields of an order; the shop notes the time (nothing in the payload).

        Later requests return the edited order; the result is a copy of it.
        """
        now = self.config.clock()
        with self._lock:
            edited = copy.deepcopy(self._current(the_id)) | changes
            self._edited[the_id] = edited
            self._modified[the_id] = now
            return copy.deepcopy(edited)

    def modified_at(self, the_id: str) -> datetime.datetime:
        """When an order was placed or last edited, shop-local; KeyError for an unknown id."""
        with self._lock:
            self._current(the_id)
            if the_id in self._modified:
                return self._modified[the_id]
            slot = self._generated_slot(the_id)
            if slot is None:
                return datetime.datetime.fromisoformat(self._published[the_id]["date"])
            return placed_at(*slot, self.config)

    def add_orders(self, day: datetime.date, count: int = 1) -> list[str]:
        """New orders placed on ``day`` (ids above the day's existing ones); returns their ids."""
        with self._lock:
            first = self._day_count(day) + 1
            if first + count > ID_SLOTS_PER_DAY:
                raise ValueError(f"{day} has no room for {count} more orders")
            self._arrived[day] = self._arrived.get(day, 0) + count
            return [order_id(day, index) for index in range(first, first + count)]

    def listing(
        self,
        start: datetime.date,
        end: datetime.date,
        updated_since: datetime.date | None = None,
    ) -> list[tuple[str, dict[str, Any]]]:
        """(id, order) placed within ``start..end`` (and, with ``updated_since``, modified on or
        after it), newest first, as the API pages them.

        The orders are shared, not copied: callers must not change them.
        """
        first_day = max(start, ID_EPOCH)
        days = [first_day + datetime.timedelta(n) for n in range((end - first_day).days + 1)]
        found: list[tuple[str, dict[str, Any]]] = []
        with self._lock:
            for day in days:
                entries = self._day(day)
                if updated_since is not None:
                    entries = [
                        (the_id, order)
                        for the_id, order in entries
                        if self._modified_on(the_id, day) >= updated_since
                    ]
                found += entries
        found.reverse()
        return found

    def _day_count(self, day: datetime.date) -> int:
        return day_volume(day, self.config) + self._arrived.get(day, 0)

    def _day(self, day: datetime.date) -> list[tuple[str, dict[str, Any]]]:
        """(id, order) of a day as it stands, generated orders first; caller holds the lock.

        Built on first use and kept: every listing walks whole days, so this stays cheap.
        """
        built = self._built.setdefault(day, [])
        while len(built) < self._day_count(day):
            index = len(built) + 1
            built.append((order_id(day, index), build_order(day, index, self.config)))
        entries = built + self._published_on.get(day, [])
        if not self._edited:
            return entries
        return [(the_id, self._edited.get(the_id, order)) for the_id, order in entries]

    def _modified_on(self, the_id: str, listed_on: datetime.date) -> datetime.date:
        """An order's last modification day: its edit's, else the day it is listed on (placed).
        Caller holds the lock."""
        edited = self._modified.get(the_id)
        return edited.date() if edited is not None else listed_on

    def _generated_slot(self, the_id: str) -> tuple[datetime.date, int] | None:
        """(day, index) of a generated order id the shop has issued, else None."""
        try:
            day, index = order_day(the_id), int(the_id) % ID_SLOTS_PER_DAY
        except (ValueError, OverflowError):
            return None
        if day < ID_EPOCH or not 1 <= index <= self._day_count(day):
            return None
        return day, index

    def _current(self, the_id: str) -> dict[str, Any]:
        """Caller holds the lock."""
        if the_id in self._edited:
            return self._edited[the_id]
        if the_id in self._published:
            return self._published[the_id]
        slot = self._generated_slot(the_id)
        if slot is None:
            raise KeyError(the_id)
        day, index = slot
        return self._day(day)[index - 1][1]
