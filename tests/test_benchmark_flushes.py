"""The benchmarks' flush counts (``benchmarks.durability``) count what the writers really flush:
every durable commit of the naive loop, and one checkpoint per connection for WAL writers."""

import shutil
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parent.parent
ORDERS = 40
DAY_SIZE = 10
NAIVE_ORDERS = 6


@pytest.fixture
def counting(monkeypatch):
    monkeypatch.syspath_prepend(str(REPOSITORY))
    from benchmarks import durability, writers

    return durability, writers


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("strace") is None, reason="counts flushes with strace")
def test_sqlite_counts_four_flushes_per_naive_commit_and_one_checkpoint_per_store_day(
    tmp_path, counting
):
    durability, writers = counting
    made = iter(range(100))

    def fresh(label: str, journal_mode: str) -> Path:
        return writers.empty_store(
            tmp_path / f"{label}-{next(made)}.sqlite", journal_mode=journal_mode
        )

    counted = durability.count_sqlite(fresh, ORDERS, NAIVE_ORDERS, DAY_SIZE)

    assert counted is not None
    days = ORDERS // DAY_SIZE
    assert counted.naive.orders == NAIVE_ORDERS
    # Per commit: the rollback journal twice, its directory once, the database file once.
    assert counted.naive.where == {
        "rollback journal": 2 * NAIVE_ORDERS,
        "directory": NAIVE_ORDERS,
        "database file": NAIVE_ORDERS,
    }
    # WAL writers: the database file is flushed at each checkpoint, one per closing connection.
    assert counted.store.where["database file"] == days
    assert counted.ceiling.where["database file"] == days
    (one_transaction,) = counted.explaining
    assert one_transaction.where["database file"] == 1
    assert counted.store.count == counted.ceiling.count
    assert counted.store.per_thousand == 1000 * counted.store.count / ORDERS
    assert "same as the store's, checked" in counted.ceiling.settings
    assert "`journal_mode=wal`, `synchronous=NORMAL`" in counted.ceiling.settings


@pytest.mark.slow
def test_postgres_counts_a_wal_flush_for_every_naive_commit_and_one_per_store_day(
    postgres_server, counting
):
    durability, writers = counting
    from benchmarks import postgres_durability, synthetic
    from gomag_assets.resources.order_store import OrderStore

    def fresh() -> str:
        url = postgres_server.fresh_database()
        OrderStore(db_url=url).status_counts()
        return url

    def save_days(url, orders):
        return writers.save_days(OrderStore(db_url=url), writers.days_of(orders, DAY_SIZE))

    orders = synthetic.validated_orders(ORDERS)
    counted = postgres_durability.count(
        postgres_server.url, fresh, orders, NAIVE_ORDERS, DAY_SIZE, save_days, rounds=1
    )

    days = ORDERS // DAY_SIZE
    assert counted.naive.orders == NAIVE_ORDERS
    assert counted.naive.where["client backend"] >= NAIVE_ORDERS
    assert counted.store.orders == counted.ceiling.orders == ORDERS
    # Each day's commit waits for its WAL flush, and so does the end of each day's connection
    # (its temporary tables are dropped); the store's bookkeeping adds none (its staging
    # tables' commit does not wait).
    assert counted.ceiling.where["client backend"] == 2 * days
    assert counted.store.where["client backend"] == counted.ceiling.where["client backend"]
    (one_transaction,) = counted.explaining
    assert one_transaction.where["client backend"] == 2
    assert "pg_stat_io" in counted.unit or "pg_stat_wal" in counted.unit
