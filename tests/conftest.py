"""Shared fixtures: demo shops and other endpoints on loopback, GoMagApi clients aimed at them,
and order stores in the test's own folder."""

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from store_fixtures import FaultyStore
from support.loopback import LoopbackServer, Respond
from support.postgres import LocalPostgres
from support.retries import FAST_RETRIES

from gomag_assets.demo import DemoShop, DemoShopConfig
from gomag_assets.resources.gomag_api import GoMagApi
from gomag_assets.resources.order_store import OrderStore


@pytest.fixture
def shop_factory() -> Iterator[Callable[..., DemoShop]]:
    """Start demo shops with any ``DemoShopConfig`` fields: ``shop_factory(orders_per_day=5)``.

    Every shop started is stopped after the test.
    """
    shops: list[DemoShop] = []

    def start(**config: Any) -> DemoShop:
        shop = DemoShop(DemoShopConfig(**config))
        shop.start()
        shops.append(shop)
        return shop

    yield start
    for shop in shops:
        shop.stop()


@pytest.fixture
def demo_shop(shop_factory: Callable[..., DemoShop]) -> DemoShop:
    """A default demo shop (seed 7, ~40 orders a day, ~3% malformed), serving on a free port."""
    return shop_factory()


@pytest.fixture
def api_factory() -> Iterator[Callable[..., GoMagApi]]:
    """GoMagApi clients for a shop with fast retries: ``api_factory(shop, page_limit=10)``.

    Keyword arguments override ``FAST_RETRIES`` and any other field; clients are closed after.
    """
    apis: list[GoMagApi] = []

    def make(shop: DemoShop, **overrides: Any) -> GoMagApi:
        settings = {
            "api_url": shop.base_url,
            "api_key": shop.api_key,
            "api_shop": shop.config.api_shop,
            **FAST_RETRIES,
            **overrides,
        }
        api = GoMagApi(**settings)
        apis.append(api)
        return api

    yield make
    for api in apis:
        api.close()


@pytest.fixture
def gomag_api(demo_shop: DemoShop, api_factory: Callable[..., GoMagApi]) -> GoMagApi:
    """A fast-retrying GoMagApi aimed at ``demo_shop``."""
    return api_factory(demo_shop)


@pytest.fixture
def read_page() -> Iterator[Callable[..., httpx.Response]]:
    """GET one order page straight from a shop, bypassing GoMagApi: the ground truth in tests.

    ``read_page(shop, startDate="2026-10-01", endDate="2026-10-01", page=1, limit=10)``;
    ``headers=`` replaces the default ``Apikey`` header.
    """
    with httpx.Client(timeout=5.0) as client:

        def get(
            shop: DemoShop, headers: dict[str, str] | None = None, **query: Any
        ) -> httpx.Response:
            return client.get(
                f"{shop.base_url}/order/read/json",
                params=query,
                headers={"Apikey": shop.api_key} if headers is None else headers,
            )

        yield get


@pytest.fixture
def loopback() -> Iterator[Callable[[Respond], LoopbackServer]]:
    """Start hand-rolled endpoints: ``loopback(lambda request: Answer(200, b"..."))``.

    Each binds a port of the system's choosing and is stopped after the test.
    """
    servers: list[LoopbackServer] = []

    def start(respond: Respond) -> LoopbackServer:
        server = LoopbackServer(respond)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def db_path(tmp_path) -> str:
    """Where the test's order store lives: a fresh file in its own folder."""
    return str(tmp_path / "gomag.sqlite")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[LocalPostgres]:
    """The session's PostgreSQL server, started on first use (or ``GOMAG_TEST_POSTGRES_URL``)."""
    server = LocalPostgres()
    yield server
    server.close()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """Which database the test's stores live in: ``sqlite`` unless the test is marked
    ``both_backends`` (see ``pytest_generate_tests``)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture
def make_store(
    backend: str, db_path: str, request: pytest.FixtureRequest
) -> Callable[..., OrderStore]:
    """Order stores on the test's backend: ``make_store(FaultyStore, chunk_size=2)``.

    Every store of one test shares its database: the file at ``db_path``, or a fresh
    PostgreSQL database; errors logs go beside ``db_path`` either way.
    """
    url = (
        request.getfixturevalue("postgres_server").fresh_database() if backend == "postgres" else ""
    )

    def make(store_class: type[OrderStore] = OrderStore, **fields: Any) -> OrderStore:
        return store_class(**({"db_path": db_path, "db_url": url} | fields))

    return make


@pytest.fixture
def store(make_store: Callable[..., OrderStore]) -> OrderStore:
    """An order store on the test's backend; the tables are created on first use."""
    return make_store()


@pytest.fixture
def faulty_store(make_store: Callable[..., OrderStore]) -> FaultyStore:
    """The order store with no faults yet: add them to ``faulty_store.faults``."""
    return make_store(FaultyStore)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_backends`` whose stores come from ``backend`` run once on SQLite and
    once on PostgreSQL, unless also marked ``sqlite_only`` (about SQLite's files themselves)."""
    marked = metafunc.definition.get_closest_marker
    if "backend" in metafunc.fixturenames and marked("both_backends") and not marked("sqlite_only"):
        metafunc.parametrize("backend", ["sqlite", "postgres"], indirect=True)
