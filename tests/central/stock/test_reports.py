"""The stock summary (进销存汇总), gross margin (毛利) and reorder (补货建议) reports, their API and
their `pos-central report` commands, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from central.catalog.models import Category, Product, Supplier
from central.cli import main as cli
from central.db import session_scope, utcnow
from central.inventory import service as stock
from central.inventory.models import StockLevel, StockMovement, StockOnHand
from central.org.models import Warehouse
from central.purchasing import reorder as reorder_rules
from central.purchasing import service as purchasing
from central.reporting.margin import margin_report
from central.reporting.sales import sales_report
from central.reporting.stock_summary import stock_summary
from central.sales import ingest
from sync.store_time import business_date
from tests.central.domains.conftest import World, line, return_of, sale

DAY1 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
DAY2 = DAY1 + timedelta(days=1)


def _receive(s: Session, warehouse: int, product: int, qty: int, price: int) -> None:
    stock.receive_purchase(s, warehouse_id=warehouse, lines=[stock.DocLine(product, Decimal(qty), unit_cost_fen=price)])


def _backdate(engine: Engine, when: datetime) -> None:
    """Receipts and documents happen now; move what was just posted to `when` (the tests' past)."""
    with session_scope(engine) as s:
        s.execute(update(StockMovement).where(StockMovement.occurred_at > when + timedelta(days=30))
                  .values(occurred_at=when))


@pytest.fixture
def shop(engine: Engine, world: World) -> World:
    """Day 1: 48 cans at ¥1.50 and 10 bags of rice at ¥40.00 arrive; day 2: the till sells 5 cans and
    2 bags (one sale with 抹零 −6 fen), one can comes back; rice has no category, cola is a drink."""
    with session_scope(engine) as s:
        drinks = Category(code="DRK", name="饮料")
        s.add(drinks)
        s.flush()
        cola = s.get(Product, world.cola)
        assert cola is not None
        cola.category_id = drinks.id
        _receive(s, world.warehouse, world.cola, 48, 150)
        _receive(s, world.warehouse, world.rice, 10, 4000)
    _backdate(engine, DAY1)
    first = sale(world, [line(1, world.cola, 3, 300), line(2, world.rice, 2, 5990, tax_bp=900)], sold_at=DAY2,
                 rounding=-6, customer_id=world.customer, rep_id=world.rep)
    second = sale(world, [line(1, world.cola, 2, 300)], sold_at=DAY2)
    with session_scope(engine) as s:
        ingest.apply_sales_completed(s, [first, second], terminal_id=world.terminal, store_id=world.store,
                                     received_at=DAY2)
        ingest.apply_sale_returned(s, return_of(world, first, [(1, "1")], returned_at=DAY2),
                                   terminal_id=world.terminal, store_id=world.store, received_at=DAY2)
    return world


def test_stock_summary_adds_up_and_closes_at_the_ledger(engine: Engine, shop: World) -> None:
    today = business_date(utcnow())
    with Session(engine) as s:
        whole = stock_summary(s, date_from=date(2026, 3, 1), date_to=today).to_json()
        only_day1 = stock_summary(s, date_from=date(2026, 3, 1), date_to=date(2026, 3, 1)).to_json()
        hand = {(h.warehouse_id, h.product_id): (h.qty_m, h.value_fen) for h in s.query(StockOnHand)}
    by_product = {p["product_id"]: p for p in whole["products"]}
    cola = by_product[shop.cola]
    # 48 in, 5 sold, 1 back: 44 left, at ¥1.50 each
    assert (cola["opening_qty"], cola["in_qty"], cola["out_qty"], cola["closing_qty"]) == (
        "0.000", "49.000", "5.000", "44.000")
    assert (cola["in_cost_fen"], cola["out_cost_fen"], cola["closing_cost_fen"]) == (7350, 750, 6600)
    assert cola["by_kind"]["sale"] == {"in_qty": "0.000", "out_qty": "5.000", "in_cost_fen": 0, "out_cost_fen": 750}
    assert cola["by_kind"]["return"]["in_cost_fen"] == 150
    for p in whole["products"]:
        assert Decimal(p["opening_qty"]) + Decimal(p["in_qty"]) - Decimal(p["out_qty"]) == Decimal(p["closing_qty"])
        assert p["opening_cost_fen"] + p["in_cost_fen"] - p["out_cost_fen"] == p["closing_cost_fen"]
        # closing today is the ledger's on-hand, in quantity and value
        qty_m, value = hand[(shop.warehouse, p["product_id"])]
        assert (int(Decimal(p["closing_qty"]) * 1000), p["closing_cost_fen"]) == (qty_m, value)
    assert (whole["opening_qty"], whole["closing_qty"]) == ("0.000", "52.000")
    assert whole["closing_cost_fen"] == 6600 + 32_000
    # day 1 alone ends before the sales: its closing is the day-2 opening
    day1 = {p["product_id"]: p for p in only_day1["products"]}
    assert (day1[shop.cola]["closing_qty"], day1[shop.cola]["closing_cost_fen"]) == ("48.000", 7200)


def test_unknown_cost_is_never_zero_in_the_summary(engine: Engine, world: World) -> None:
    with session_scope(engine) as s:
        stock.count_stock(s, warehouse_id=world.warehouse, counted=[stock.DocLine(world.apples, Decimal("3.5"))])
        report = stock_summary(s, date_from=business_date(utcnow()), date_to=business_date(utcnow())).to_json()
    (apples,) = report["products"]
    assert (apples["closing_qty"], apples["closing_cost_fen"]) == ("3.500", None)
    assert report["unknown_cost_products"] == 1


def test_margin_by_every_grouping_matches_the_sales_report(engine: Engine, shop: World) -> None:
    with Session(engine) as s:
        sales = sales_report(s, date_from=date(2026, 3, 1), date_to=date(2026, 3, 3))
        for by in ("product", "category", "store", "customer", "rep"):
            m = margin_report(s, date_from=date(2026, 3, 1), date_to=date(2026, 3, 3), by=by).to_json()
            # net equals the sales report's, and the rows add up to the totals
            assert m["net_fen"] == sales.totals.net_fen, by
            assert sum(r["net_fen"] for r in m["rows"]) == m["net_fen"], by
            assert sum(r["cost_fen"] for r in m["rows"]) == m["cost_fen"], by
            # 4 cans net at ¥1.50 and 2 bags at ¥40.00
            assert (m["cost_fen"], m["unknown_cost_lines"]) == (600 + 8000, 0), by
            assert m["margin_fen"] == m["net_fen"] - m["cost_fen"]
        by_product = margin_report(s, date_from=date(2026, 3, 1), date_to=date(2026, 3, 3), by="product").to_json()
        by_category = margin_report(s, date_from=date(2026, 3, 1), date_to=date(2026, 3, 3), by="category").to_json()
        by_customer = margin_report(s, date_from=date(2026, 3, 1), date_to=date(2026, 3, 3), by="customer").to_json()
    rows = {r["key"]: r for r in by_product["rows"]}
    assert (rows[str(shop.cola)]["net_fen"], rows[str(shop.cola)]["cost_fen"]) == (1200, 600)
    assert rows["rounding"]["net_fen"] == -6  # 抹零 is a row of its own by product
    assert {r["name"] for r in by_category["rows"]} == {"饮料", "未分类 / no category", "抹零 / rounding"}
    walk_in = next(r for r in by_customer["rows"] if r["key"] == "")
    assert walk_in["net_fen"] == 600  # the second sale had no customer


def test_reorder_suggests_boxes_from_sales_stock_levels_and_open_orders(engine: Engine, world: World,
                                                                         client: TestClient,
                                                                         admin: dict[str, str]) -> None:
    with session_scope(engine) as s:
        sup = Supplier(code="SUP9", name="申城饮料经销部")
        s.add(sup)
        s.flush()
        purchasing.set_supplier_price(s, actor=None, supplier_id=sup.id, product_id=world.cola, unit_code="box",
                                      price_fen=4800, lead_time_days=2)
        _receive(s, world.warehouse, world.cola, 30, 150)
        _receive(s, world.warehouse, world.rice, 50, 4000)
        s.add(StockLevel(warehouse_id=world.warehouse, product_id=world.rice, min_m=60_000, max_m=100_000))
    # 56 cans sold over the last 28 days: 2 a day
    now = utcnow()
    with session_scope(engine) as s:
        ingest.apply_sale_completed(s, sale(world, [line(1, world.cola, 56, 300)], sold_at=now - timedelta(days=3)),
                                    terminal_id=world.terminal, store_id=world.store, received_at=now)
        order = purchasing.create_order(s, actor=None, supplier_id=sup.id, warehouse_id=world.warehouse, lines=[
            purchasing.OrderLineIn(world.rice, Decimal(10), unit_code="pc", price_fen=4000)])
        purchasing.submit_order(s, actor=None, order_id=order.id)
    with Session(engine) as s:
        plan = reorder_rules.reorder(s, warehouse_id=world.warehouse)
    got = {x.product_id: x for x in plan.suggestions}
    cola, rice = got[world.cola], got[world.rice]
    # cola: −26 on hand, 2 a day, lead 2 days, 14 days of cover → 32 + 26 = 58 cans = 3 boxes of 24
    assert (cola.on_hand_m, cola.daily_m, cola.lead_time_days, cola.cover_days) == (-26_000, 2000, 2, 14)
    assert (cola.target_m, cola.suggest_units, cola.unit_code, cola.suggest_m, cola.amount_fen) == (
        32_000, 3, "box", 72_000, 14_400)
    # rice: 50 on hand + 10 on order < minimum 60? no: 60 is the minimum, not below it → up to the maximum 100
    assert (rice.on_hand_m, rice.to_receive_m, rice.estimated_m, rice.min_m) == (50_000, 10_000, 60_000, 60_000)
    assert (rice.target_m, rice.suggest_m, rice.supplier_id) == (100_000, 40_000, None)

    # to ship: open delivery notes, and whatever else registers a provider
    def promised(_s: Session, warehouse_id: int) -> dict[int, int]:
        return {world.cola: 24_000} if warehouse_id == world.warehouse else {}

    reorder_rules.TO_SHIP.append(promised)
    try:
        with Session(engine) as s:
            shipped = {x.product_id: x for x in reorder_rules.reorder(s, warehouse_id=world.warehouse).suggestions}
    finally:
        reorder_rules.TO_SHIP.remove(promised)
    assert (shipped[world.cola].to_ship_m, shipped[world.cola].suggest_units) == (24_000, 4)

    # one click drafts one order per supplier; rice has no supplier price and is skipped, said so
    r = client.post("/api/v1/purchasing/reorder/draft-orders", headers=admin, json={"warehouse_id": world.warehouse})
    assert r.status_code == 201, r.text
    drafted = r.json()
    assert [o["status"] for o in drafted["orders"]] == ["draft"]
    assert drafted["skipped_product_ids"] == [world.rice]
    detail = client.get(f"/api/v1/purchasing/orders/{drafted['orders'][0]['id']}", headers=admin).json()
    assert [(ln["product_id"], ln["unit_code"], ln["qty"]) for ln in detail["lines"]] == [(world.cola, "box", "3.000")]
    api = client.get("/api/v1/purchasing/reorder", headers=admin, params={"warehouse_id": world.warehouse}).json()
    assert api["to_ship_known"] is True
    assert {s["product_id"] for s in api["suggestions"]} == {world.cola, world.rice}


def test_report_commands_print_the_contract_json(db_url: str, shop: World, engine: Engine,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    with Session(engine) as s:
        code = s.get(Warehouse, shop.warehouse)
        assert code is not None
        wh = code.code
    today = business_date(utcnow()).isoformat()
    assert cli(["report", "stock-summary", "--from", "2026-03-01", "--to", today, "--warehouse", wh, "--json",
                "--db", db_url]) == 0
    summary = json.loads(capsys.readouterr().out)
    for key in ("opening_qty", "in_qty", "out_qty", "closing_qty", "opening_cost_fen", "in_cost_fen", "out_cost_fen",
                "closing_cost_fen", "products"):
        assert key in summary
    assert cli(["report", "margin", "--from", "2026-03-01", "--to", "2026-03-03", "--by", "category", "--json",
                "--db", db_url]) == 0
    margin = json.loads(capsys.readouterr().out)
    assert cli(["report", "sales", "--from", "2026-03-01", "--to", "2026-03-03", "--json", "--db", db_url]) == 0
    assert margin["net_fen"] == json.loads(capsys.readouterr().out)["net_fen"]
    assert {"net_fen", "cost_fen", "margin_fen", "unknown_cost_lines"} <= set(margin)
    assert cli(["report", "reorder", "--warehouse", wh, "--json", "--db", db_url]) == 0
    assert "suggestions" in json.loads(capsys.readouterr().out)
    # the tables people read, in Chinese
    assert cli(["report", "margin", "--from", "2026-03-01", "--to", "2026-03-03", "--by", "store", "--db", db_url]) == 0
    assert "毛利" in capsys.readouterr().out
    assert cli(["report", "reorder", "--db", db_url]) == 2  # needs --warehouse
    assert cli(["report", "reorder", "--warehouse", "NOPE", "--db", db_url]) == 2


def test_report_api_scope_and_denials(client: TestClient, admin: dict[str, str], shop: World,
                                      make_user: Callable[..., int], login: Callable[[str], dict[str, str]]) -> None:
    params = {"from": "2026-03-01", "to": "2026-03-03"}
    assert client.get("/api/v1/reports/margin", headers=admin, params={**params, "by": "store"}).status_code == 200
    make_user("mgr2", role="store_manager", store_id=shop.store2)
    make_user("cash", role="cashier", store_id=shop.store)
    mgr2, cash = login("mgr2"), login("cash")
    # store managers may read reports but not costs; cashiers neither
    for headers in (mgr2, cash):
        assert client.get("/api/v1/reports/margin", headers=headers, params=params).status_code == 403
        assert client.get("/api/v1/reports/stock-summary", headers=headers, params=params).status_code == 403
    make_user("fin", role="finance")
    fin = login("fin")
    r = client.get("/api/v1/reports/stock-summary", headers=fin, params={**params, "warehouse": "NOPE"})
    assert r.status_code == 404
    r = client.get("/api/v1/reports/margin", headers=fin, params={**params, "by": "brand"})
    assert r.status_code == 422
    assert client.get("/api/v1/purchasing/reorder", headers=cash, params={"warehouse_id": shop.warehouse}
                      ).status_code == 403
