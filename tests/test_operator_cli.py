"""``gomag-orders``: the operator's commands, run against a real order store file."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
from store_fixtures import (
    PARTITION,
    make_address,
    make_malformed,
    make_order,
    make_orders,
    old_shape,
)

from gomag_assets.constants import OrderStatus
from gomag_assets.operator_cli import DEFAULT_REASON, main
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.resources.order_store.columns import PERSONAL_FIELDS

pytestmark = pytest.mark.both_backends


def _aimed_at(store: OrderStore) -> list[str]:
    """The options that aim the command at ``store``: its PostgreSQL URL, else its file."""
    return ["--db-url", store.db_url] if store.db_url else ["--db", store.db_path]


@pytest.fixture
def store(store: OrderStore) -> OrderStore:
    """A store where run-1 imported three orders and found one MALFORMED; run-2 saw them again."""
    orders = [*make_orders(3), make_malformed(3, "date: missing")]
    store.begin_sync_run("run-1", PARTITION, PARTITION)
    store.save_orders_batch(orders, run_id="run-1", partition_date=PARTITION)
    store.finish_sync_run("run-1", "SUCCESS")
    store.save_orders_batch(orders, run_id="run-2", partition_date=PARTITION)
    return store


def test_mark_deleted_sets_deleted_in_roa_and_the_next_sync_keeps_it(store, capsys):
    code = main([*_aimed_at(store), "mark-deleted", "100001", "--reason", "stornată în ROA"])

    assert code == 0
    assert "100001" in capsys.readouterr().out
    order = store.get_order("100001")
    assert (order["status"], order["error_message"]) == ("DELETED_IN_ROA", "stornată în ROA")
    again = store.save_orders_batch(
        [make_order(1, version=2)], run_id="run-3", partition_date=PARTITION
    )
    assert again.statuses["100001"] is OrderStatus.DELETED_IN_ROA


def test_mark_deleted_without_a_reason_says_an_operator_did_it(store):
    assert main([*_aimed_at(store), "mark-deleted", "100002"]) == 0

    assert store.get_order("100002")["error_message"] == DEFAULT_REASON


def test_an_unknown_order_id_exits_1_with_one_line(store, capsys):
    code = main([*_aimed_at(store), "mark-deleted", "999"])

    assert code == 1
    err = capsys.readouterr().err
    assert err == "gomag-orders: unknown order id '999'\n"
    assert main([*_aimed_at(store), "history", "999"]) == 1


def test_history_prints_the_order_and_its_status_in_every_run(store, capsys):
    assert main([*_aimed_at(store), "history", "100003"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("order 100003 (GM-100003)")
    assert out[1].startswith("now MALFORMED: date: missing")
    assert out[3].split() == ["run", "window", "partition", "status", "decided", "at", "reason"]
    assert out[4].split()[:4] == ["run-1", f"{PARTITION}..{PARTITION}", PARTITION, "MALFORMED"]
    assert out[5].split()[:3] == ["run-2", PARTITION, "MALFORMED"]
    assert len(out) == 6


def test_history_shows_delivery_payment_invoice_and_cities_but_no_personal_data(tmp_path, capsys):
    store = OrderStore(db_path=str(tmp_path / "gomag.sqlite"))
    order = make_order(
        5,
        locker_id="4021",
        payment_online=True,
        payment_completed=True,
        addresses=[make_address("billing", 1), make_address("shipping", 2)],
    )
    store.save_orders_batch([order], run_id="run-1", partition_date=PARTITION)

    assert main([*_aimed_at(store), "history", "100005"]) == 0

    out = capsys.readouterr().out
    assert out.splitlines()[2] == (
        "delivery Curier rapid 15.00, FAN Courier, AWB AWB100005, locker 4021; "
        "payment Ramburs, online, paid; invoice GMF 6 of 2026-10-01 15:00:00; "
        "billing Brașov, shipping Cluj-Napoca"
    )
    personal = {a[field] for a in order["addresses"] for field in PERSONAL_FIELDS}
    assert [value for value in personal if value in out] == []


def test_history_of_an_order_without_details_leaves_the_line_out(tmp_path, capsys):
    store = OrderStore(db_path=str(tmp_path / "gomag.sqlite"))
    store.save_orders_batch([old_shape(make_order(0))], run_id="run-1", partition_date=PARTITION)

    assert main([*_aimed_at(store), "history", "100000"]) == 0

    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("now IMPORTED;")
    assert out[2].split()[0] == "run"


def test_summary_counts_orders_per_status(store, capsys):
    store.mark_deleted_in_roa("100000", "șters")

    assert main([*_aimed_at(store), "summary"]) == 0

    rows = _summary_rows(capsys.readouterr().out)
    assert rows["IMPORTED"] == "2"
    assert rows["DELETED_IN_ROA"] == "1"
    assert rows["MALFORMED"] == "1"
    assert rows["total"] == "4"


@pytest.mark.sqlite_only
def test_db_defaults_to_gomag_db_path_and_the_counts_are_that_files(store, capsys, monkeypatch):
    other = OrderStore(db_path=str(Path(store.db_path).with_name("other.sqlite")))
    other.save_orders_batch(make_orders(7, start=10), run_id="run-9", partition_date=PARTITION)
    monkeypatch.setenv("GOMAG_DB_PATH", store.db_path)

    assert main(["summary"]) == 0
    from_env = _summary_rows(capsys.readouterr().out)
    assert main(["--db", other.db_path, "summary"]) == 0
    named = _summary_rows(capsys.readouterr().out)

    assert (from_env["IMPORTED"], from_env["MALFORMED"], from_env["total"]) == ("3", "1", "4")
    assert (named["IMPORTED"], named["MALFORMED"], named["total"]) == ("7", "0", "7")


def test_db_url_defaults_to_gomag_db_url_and_a_password_is_never_shown(
    store, backend, capsys, monkeypatch
):
    if backend != "postgres":
        pytest.skip("about PostgreSQL URLs")
    monkeypatch.setenv("GOMAG_DB_URL", store.db_url)
    assert main(["summary"]) == 0
    assert _summary_rows(capsys.readouterr().out)["total"] == "4"

    refused = store.db_url.replace("postgres:@", "postgres:s3cret-pw@").replace(
        "/gomag_test_", "/no_such_db_"
    )
    started = time.monotonic()
    assert main(["--db-url", refused, "summary"]) == 1
    waited = time.monotonic() - started
    err = capsys.readouterr().err
    assert err.startswith("gomag-orders: order store postgresql://postgres@")
    assert "does not exist" in err and "(3D000): the database does not exist; create it" in err
    assert waited < 10, "a server that answered is not waited for as if it were down (30 s)"
    assert "s3cret-pw" not in err


def _summary_rows(out: str) -> dict[str, str]:
    """``summary``'s table as status -> orders, its header left out."""
    return dict(line.split() for line in out.splitlines()[1:])


def test_a_missing_store_file_is_a_one_line_error(tmp_path, capsys):
    missing = tmp_path / "nowhere.sqlite"

    assert main(["--db", str(missing), "summary"]) == 1

    assert capsys.readouterr().err == (
        f"gomag-orders: no order store at {missing} (set --db or GOMAG_DB_PATH, or --db-url)\n"
    )
    assert not missing.exists()


def test_the_module_runs_as_a_command(store):
    done = subprocess.run(
        [sys.executable, "-m", "gomag_assets.operator_cli", *_aimed_at(store), "history", "7"],
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == "gomag-orders: unknown order id '7'"


def test_shop_aims_the_command_at_that_shops_orders_only(store, make_store, capsys):
    bakery = make_store(shop="bakery_md")
    bakery.save_orders_batch(make_orders(2), run_id="run-b", partition_date=PARTITION)

    assert main([*_aimed_at(store), "--shop", "bakery_md", "mark-deleted", "100001"]) == 0

    assert bakery.get_order("100001")["status"] == "DELETED_IN_ROA"
    assert store.get_order("100001")["status"] == "IMPORTED", (
        "the default shop's order is untouched"
    )
    capsys.readouterr()
    assert main([*_aimed_at(store), "--shop", "bakery_md", "summary"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1].split() == ["total", "2"]
    assert main([*_aimed_at(store), "--shop", "bakery_md", "history", "100003"]) == 1
    assert capsys.readouterr().err == "gomag-orders: unknown order id '100003' in shop bakery_md\n"


def test_a_shop_name_that_is_not_one_exits_1_with_one_line(store, capsys):
    assert main([*_aimed_at(store), "--shop", "bakery-md", "summary"]) == 1
    assert capsys.readouterr().err == (
        "gomag-orders: --shop 'bakery-md': a shop name is letters, digits and underscores\n"
    )
