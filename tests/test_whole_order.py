"""The whole GoMag order end to end: GoMag's published samples served by the demo shop, fetched,
validated and imported, every stored field checked against the sample; and the same pipeline in
real Dagster runs for the operator's switches (personal data, cancelled status ids), the money
figures per day and the ``totals_reconcile`` check."""

import copy
import datetime as dt
import json
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from dagster import AssetCheckSeverity
from pipeline import materializations, materialize_day
from support.days import DAY

from gomag_assets.constants import OrderStatus
from gomag_assets.resources.gomag_api.personal_data import as_landed
from gomag_assets.resources.order_store import OrderStore
from gomag_assets.validation import validate_orders

SAMPLES = Path(__file__).parent / "fixtures" / "gomag"
RESPONSE = json.loads((SAMPLES / "order_read_response.json").read_text(encoding="utf-8"))
EXAMPLE = json.loads((SAMPLES / "order_schema_example.json").read_text(encoding="utf-8"))
PUBLISHED = (*RESPONSE["orders"].values(), EXAMPLE)

NOBODY = dict.fromkeys(
    ("company", "company_name", "company_code", "registration_no", "bank", "iban", "zipcode")
)
TEST_GOMAG = {
    "firstname": "Test",
    "lastname": "Gomag",
    "phone": "0711111111",
    "address": "Str Amurgului, 23 B, bl 1, etj 3, ap 26",
    "city": "Cluj-Napoca",
    "region": "Cluj",
    "country": "Romania",
}
ANA = {
    "firstname": "Ana",
    "lastname": "Popescu",
    "phone": "0722000000",
    "email": "ana.popescu@example.ro",
    "address": "Str. Florilor 12, bl. A2, ap. 5",
    "city": "Brasov",
    "region": "Brasov",
    "country": "Romania",
}
NO_DETAILS = {"source": None, "observation": None, "carrier_name": None, "carrier_awb": None}

# What the store must hold for each published order, written out by hand from the JSON files
# (placeholders as None, money as canonical decimal text), not derived by the code under test.
EXPECTED: dict[str, dict[str, Any]] = {
    "2799": {
        "status": OrderStatus.CANCELLED,
        "partition_date": "2022-10-24",
        "order": NO_DETAILS
        | {
            "order_number": "4040544895",
            "order_date": "2022-10-24 14:42:21",
            "gomag_status": "Anulata",
            "status_id": "7",
            "currency": "RON",
            "total": "552.49",
            "sales_channel": "EasySales",
            "sales_agent": "Agent De Test",
            "payment_name": "Termen de Plata",
            "payment_online": False,
            "payment_completed": False,
            "delivery_name": "Gratuuuiiit",
            "delivery_total": "0",
            "delivery_date": None,
            "locker_id": None,
            "invoice_series": None,
            "invoice_number": None,
            "invoice_date": None,
            "customer_id": "12345",
            "items_total": "1054.99",
            "discount_total": "502.5",
            "totals_match": True,
        },
        "items": [
            ("544", "33590001", None, "Baterie dus Eurostyle", "1", "1005", "1200", "19", False),
            (
                "52",
                "ALP-1568622-7155-XL",
                "8059175959134",
                "Manusi Alpinestars Freeride Albastru Navy/Galben Sulphur XL",
                "1",
                "49.99",
                "100",
                "19",
                False,
            ),
        ],
        "discounts": [("voucher", "voucher", "502.5")],
        "addresses": [
            NOBODY | TEST_GOMAG | {"kind": "billing", "email": "xxxxx@gomag.ro"},
            NOBODY | TEST_GOMAG | {"kind": "shipping", "email": "zsolt@gomag.ro"},
        ],
    },
    "2974": {
        "status": OrderStatus.IMPORTED,
        "partition_date": "2022-11-11",
        "order": NO_DETAILS
        | {
            "order_number": "4040548418",
            "order_date": "2022-11-11 16:20:41",
            "gomag_status": "Platita",
            "status_id": "8",
            "currency": "RON",
            "total": "990.5",
            "sales_channel": "Website",
            "sales_agent": None,
            "payment_name": "Termen de Plata",
            "payment_online": False,
            "payment_completed": False,
            "delivery_name": "Transport National",
            "delivery_total": "0.5",
            "delivery_date": None,
            "locker_id": None,
            "invoice_series": "bp",
            "invoice_number": "313",
            "invoice_date": "2022-11-11 16:36:15",
            "customer_id": None,
            "items_total": "1100",
            "discount_total": "110",
            "totals_match": True,
        },
        "items": [
            ("544", "33590001", None, "Baterie dus Eurostyle", "1", "1100", "1200", "19", False)
        ],
        "discounts": [("Scoala 10", None, "110")],
        "addresses": [
            NOBODY | TEST_GOMAG | {"kind": "billing", "email": "xxxxx@gomag.ro"},
            NOBODY | TEST_GOMAG | {"kind": "shipping", "email": "xxxx@gomag.ro"},
        ],
    },
    "3187": {
        "status": OrderStatus.IMPORTED,
        "partition_date": "2025-11-03",
        "order": {
            "order_number": "4040551207",
            "order_date": "2025-11-03 09:17:45",
            "gomag_status": "Comanda Finalizata (Facturata)",
            "status_id": "3",
            "currency": "RON",
            "total": "264.4",
            "source": "internal",
            "sales_channel": "Website",
            "sales_agent": None,
            "observation": "Livrare dupa ora 17",
            "payment_name": "Plata ramburs",
            "payment_online": False,
            "payment_completed": False,
            "delivery_name": "Curier rapid",
            "delivery_total": "19.9",
            "delivery_date": None,
            "locker_id": None,
            "carrier_name": "Curier rapid",
            "carrier_awb": "1234567890",
            "invoice_series": "FCT",
            "invoice_number": "1042",
            "invoice_date": "2025-11-04 10:02:11",
            "customer_id": "14702",
            "items_total": "254.8",
            "discount_total": "10.3",
            "totals_match": True,
        },
        "items": [
            (
                "1288",
                "TRC-001-M",
                "5940000000017",
                "Tricou bumbac alb M",
                "2",
                "49.95",
                "59.9",
                "21",
                False,
            ),
            ("1301", "HAN-220", None, "Hanorac gri L", "1", "149.9", "149.9", "21", False),
            ("0", None, None, "Taxa ramburs", "1", "5", "5", "21", True),
        ],
        "discounts": [("Reducere newsletter", "NEWS10", "10.3")],
        "addresses": [
            NOBODY
            | ANA
            | {
                "kind": "billing",
                "company_name": "Exemplu Distributie SRL",
                "company_code": "RO12345678",
                "registration_no": "J08/123/2015",
                "bank": "Banca Exemplu",
                "iban": "RO49AAAA1B31007593840000",
            },
            NOBODY
            | ANA
            | {"kind": "shipping", "company": "Exemplu Distributie SRL", "zipcode": "500001"},
        ],
    },
}
ITEM_FIELDS = (
    "product_id", "sku", "ean", "name", "quantity", "price", "base_price", "vat", "is_service"
)  # fmt: skip
PERSONAL = ("firstname", "lastname", "phone", "email", "address")


def _sync_day(api, store: OrderStore, day: dt.date, run_id: str) -> None:
    """The three stages for one day, as the assets chain them (without Dagster: the published
    orders are from 2022, before the code location's first partition)."""
    key = day.isoformat()
    fetched = api.fetch_orders(day, day)
    store.replace_raw_orders(key, run_id, as_landed(fetched.orders, keep_personal_data=True), "t")
    result = validate_orders(store.read_raw_orders(key), timezone="Europe/Bucharest")
    frames = (result.orders, result.items, result.discounts, result.addresses)
    store.replace_validation(key, run_id, *frames)
    store.save_orders_batch(store.read_validated_orders(key), run_id=run_id, partition_date=key)


def test_the_published_orders_are_stored_whole_field_by_field(shop_factory, api_factory, store):
    shop = shop_factory(orders_per_day=0, published_orders=PUBLISHED)
    days = sorted({dt.date.fromisoformat(order["date"][:10]) for order in PUBLISHED})
    for day in days:
        _sync_day(api_factory(shop), store, day, run_id="published")

    assert store.status_counts() == {
        status.value: sum(e["status"] == status for e in EXPECTED.values())
        for status in OrderStatus
    }
    for order_id, expected in EXPECTED.items():
        stored = store.get_order(order_id)
        assert stored["status"] == expected["status"], order_id
        assert stored["partition_date"] == expected["partition_date"]
        assert {key: stored[key] for key in expected["order"]} == expected["order"], order_id
        items = [tuple(item[key] for key in ITEM_FIELDS) for item in stored["items"]]
        assert items == expected["items"], order_id
        assert [line["line_no"] for line in stored["items"]] == list(range(len(items)))
        discounts = [(d["name"], d["voucher"], d["value"]) for d in stored["discounts"]]
        assert discounts == expected["discounts"], order_id
        addresses = [{k: v for k, v in a.items() if k != "order_id"} for a in stored["addresses"]]
        assert addresses == expected["addresses"], order_id


def _day_of_orders(shop) -> list[dict[str, Any]]:
    return shop.orders_for_day(DAY)


def _redated(order: dict[str, Any], order_id: str, **changes: Any) -> dict[str, Any]:
    """A published order moved to ``DAY`` under a new id (the samples are from 2022 and 2025)."""
    moved = copy.deepcopy(order) | {"id": order_id, "date": f"{DAY} 10:00:00"} | changes
    return moved


def test_personal_data_is_kept_out_of_the_store_when_the_operator_says_so(
    shop_factory, api_factory, tmp_path, db_path
):
    shop = shop_factory(orders_per_day=12, malformed_share=0.0)
    store = OrderStore(db_path=db_path, store_pii=False)
    result = materialize_day(DAY, api_factory(shop), store)
    assert result.success

    orders = _day_of_orders(shop)
    personal = {
        str(order[block][field])
        for order in orders
        for block in ("billing", "shipping")
        for field in PERSONAL
        if isinstance(order.get(block), dict) and order[block].get(field)
    }
    cities = {order["shipping"]["city"] for order in orders if order.get("shipping")}
    assert personal and cities
    written = b"".join(path.read_bytes() for path in tmp_path.rglob("*") if path.is_file())
    leaked = {value for value in personal if value.encode("utf-8") in written}
    assert leaked == set(), "personal data reached the store's files"
    assert store.count_raw_orders(DAY.isoformat()) == len(orders)
    with sqlite3.connect(store.db_path) as conn:
        kept = {row[0] for row in conn.execute("SELECT city FROM order_addresses")}
        names = conn.execute(
            "SELECT count(*) FROM order_addresses WHERE "
            + " OR ".join(f"{field} IS NOT NULL" for field in PERSONAL)
        ).fetchone()[0]
    assert cities <= kept and names == 0


def test_orders_are_cancelled_by_the_shops_status_id(shop_factory, api_factory, store):
    shop = shop_factory(orders_per_day=30, malformed_share=0.0)
    orders = _day_of_orders(shop)
    by_id = {o["id"] for o in orders if o["statusId"] == "7"}
    by_name_only = {o["id"] for o in orders if o["status"] == "Anulata"}
    assert by_id and by_id == by_name_only

    config = {"cancelled_statuses": [], "cancelled_status_ids": ["7"]}
    run_config = {"ops": {"gomag_orders": {"config": config}}}
    assert materialize_day(DAY, api_factory(shop), store, run_config=run_config).success

    with sqlite3.connect(store.db_path) as conn:
        cancelled = {
            row[0]
            for row in conn.execute(
                "SELECT order_id FROM orders WHERE status = ?", (OrderStatus.CANCELLED.value,)
            )
        }  # noqa: E501
    assert cancelled == by_id


def test_money_per_day_and_orders_that_do_not_add_up(shop_factory, api_factory, store):
    off = _redated(RESPONSE["orders"]["2974"], "2975", total="999")  # 990.5 adds up
    fine = _redated(EXAMPLE, "3188")
    shop = shop_factory(orders_per_day=20, malformed_share=0.0, published_orders=(off, fine))
    result = materialize_day(DAY, api_factory(shop), store)
    assert result.success

    check = {c.check_name: c for c in result.get_asset_check_evaluations()}["totals_reconcile"]
    assert not check.passed and check.severity == AssetCheckSeverity.WARN
    rows = check.metadata["orders"].value.records
    assert [(r.data["order"], r.data["total"], r.data["computed total"]) for r in rows] == [
        ("2975", 999.0, 990.5)
    ]
    assert store.get_order("2975")["totals_match"] is False
    assert store.get_order("2975")["status"] == OrderStatus.IMPORTED

    standing = [o for o in _day_of_orders(shop) if o["status"] != "Anulata"]
    revenue = sum((Decimal(str(o["total"])) for o in standing), Decimal(0))
    channels: dict[str, int] = {}
    for order in standing:
        channels[order["sales_channel"]] = channels.get(order["sales_channel"], 0) + 1
    materialization = materializations(result, "imported_orders")[0]
    assert materialization.partition == DAY.isoformat()
    assert materialization.metadata["orders_kept"].value == len(standing)
    assert materialization.metadata["revenue"].value == pytest.approx(float(revenue))
    per_channel = materialization.metadata["orders_per_sales_channel"].value.records
    assert {r.data["sales channel"]: r.data["orders"] for r in per_channel} == channels
