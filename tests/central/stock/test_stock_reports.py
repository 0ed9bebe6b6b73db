"""Available stock, stock warnings (below minimum, above maximum, negative, near expiry by the
product's or its category's rule, expired), batch traceability and purchase analysis, through the
API, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from central.catalog.models import Category, Product, Supplier
from central.db import session_scope, utcnow
from central.inventory import service as stock
from central.inventory.models import ExpiryRule, StockLevel
from central.purchasing import service as purchasing
from central.sales import ingest
from sync.store_time import business_date
from tests.central.domains.conftest import World, line, sale


def test_warnings_trace_and_purchase_analysis(client: TestClient, admin: dict[str, str], world: World,
                                              engine: Engine, make_user: Callable[..., int],
                                              login: Callable[[str], dict[str, str]]) -> None:
    today = business_date(utcnow())
    with session_scope(engine) as s:
        dairy = Category(code="DAI", name="乳品")
        s.add(dairy)
        s.flush()
        for pid in (world.rice, world.apples):
            p = s.get(Product, pid)
            assert p is not None
            p.shelf_life_tracked = True
        rice = s.get(Product, world.rice)
        assert rice is not None
        rice.category_id = dairy.id
        s.add(ExpiryRule(category_id=dairy.id, warn_days=10))
        s.add(StockLevel(warehouse_id=world.warehouse, product_id=world.cola, min_m=20_000, max_m=40_000))
        s.add(StockLevel(warehouse_id=world.warehouse, product_id=world.rice, min_m=0, max_m=5_000))
        sup = Supplier(code="SUP1", name="华东粮油贸易有限公司")
        s.add(sup)
        s.flush()
        order = purchasing.create_order(s, actor=None, supplier_id=sup.id, warehouse_id=world.warehouse, lines=[
            purchasing.OrderLineIn(world.rice, Decimal(10), unit_code="pc", price_fen=4000),
            purchasing.OrderLineIn(world.apples, Decimal(5), unit_code="kg", price_fen=800)],
            expected_date=today + timedelta(days=1))
        purchasing.submit_order(s, actor=None, order_id=order.id)
        purchasing.receive(s, actor=None, order_id=order.id, lines=[
            purchasing.ReceiptLineIn(1, Decimal(8), batch_no="R-NEAR", expiry_date=today + timedelta(days=9)),
            purchasing.ReceiptLineIn(2, Decimal(5), batch_no="A-OLD", expiry_date=today - timedelta(days=1))])
        stock.receive_purchase(s, warehouse_id=world.warehouse, lines=[stock.DocLine(world.cola, Decimal(10),
                                                                                       unit_cost_fen=150)])
        order_id = order.id
    # the till sells 3 bags of batch R-NEAR and 12 cans (more than there are)
    ev = sale(world, [line(1, world.rice, 3, 5990, tax_bp=900), line(2, world.cola, 12, 300)], sold_at=utcnow())
    with session_scope(engine) as s:
        ingest.apply_sale_completed(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=utcnow())
    w = client.get("/api/v1/reports/stock-warnings", headers=admin).json()
    assert w["counts"] == {"below_min": 1, "above_max": 0, "negative": 1, "near_expiry": 1, "expired": 1}
    assert w["below_min"][0]["product_id"] == world.cola
    assert (w["near_expiry"][0]["batch_no"], w["near_expiry"][0]["warn_days"], w["near_expiry"][0]["qty"]) == (
        "R-NEAR", 10, "5.000")  # the category's rule
    assert w["expired"][0]["batch_no"] == "A-OLD"
    available = {r["product_id"]: r for r in client.get("/api/v1/reports/available-stock", headers=admin).json()}
    assert (available[world.rice]["on_hand"], available[world.rice]["to_receive"],
            available[world.rice]["projected"]) == ("5.000", "2.000", "7.000")
    trace = client.get("/api/v1/reports/batch-trace", headers=admin, params={"batch_no": "R-NEAR"}).json()
    assert (trace["received"], trace["gone"]) == ("8.000", "3.000")
    kinds = [(m["kind"], m["document"].get("supplier"), m["document"].get("receipt_no")) for m in trace["movements"]]
    assert kinds == [("purchase_receipt", "华东粮油贸易有限公司", None), ("sale", None, ev.receipt_no)]
    assert trace["on_hand"][0]["qty"] == "5.000"
    params = {"from": today.isoformat(), "to": today.isoformat()}
    by_sup = client.get("/api/v1/reports/purchase-analysis", headers=admin, params=params).json()
    (row,) = by_sup["rows"]
    assert (row["orders"], row["receipts"], row["on_time_rate"], row["received_fen"]) == (1, 1, 1.0, 32_000 + 4000)
    assert row["completion_rate"] == round(13 / 15, 4)
    by_product = client.get("/api/v1/reports/purchase-analysis", headers=admin,
                            params={**params, "by": "product"}).json()
    assert {r["product_id"]: r["price_last_mfen"] for r in by_product["rows"]} == {world.rice: 4_000_000,
                                                                                   world.apples: 800_000}
    # another store's manager sees none of this warehouse; a cashier nothing at all
    make_user("mgr2", role="store_manager", store_id=world.store2)
    make_user("cash", role="cashier", store_id=world.store)
    mgr2 = login("mgr2")
    assert client.get("/api/v1/reports/stock-warnings", headers=mgr2).json()["counts"]["near_expiry"] == 0
    assert client.get("/api/v1/reports/batch-trace", headers=mgr2, params={"batch_no": "R-NEAR"}
                      ).json()["movements"] == []
    assert client.get("/api/v1/reports/purchase-analysis", headers=mgr2, params=params).status_code == 403
    assert client.get("/api/v1/reports/available-stock", headers=login("cash")).status_code == 403
    assert order_id
