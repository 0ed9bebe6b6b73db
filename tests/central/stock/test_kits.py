"""Kits (拆组): a gift box assembled, sold at the till and returned; a gift box never assembled that
the till's sale takes out as its components; a bulk sack re-packed into packs. Cost moves with the
goods, to the fen, on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from central.catalog.models import Product, ProductUnit
from central.db import session_scope
from central.inventory import service as stock
from central.inventory.check import check_stock
from central.inventory.models import StockMovement, StockOnHand
from central.sales import ingest
from central.sales.models import ReturnLine, SaleLine
from tests.central.domains.conftest import T0, World, line, return_of, sale


def _product(engine: Engine, sku: str, name: str, price: int) -> int:
    with session_scope(engine) as s:
        p = Product(sku=sku, name=name, pinyin="", tax_rate_bp=1300, units=[ProductUnit(code="pc", factor=1,
                                                                                           price_fen=price)])
        s.add(p)
        s.flush()
        return p.id


def _hand(engine: Engine, warehouse: int, product: int) -> tuple[int, int]:
    with Session(engine) as s:
        row = s.get(StockOnHand, (warehouse, product))
        return (0, 0) if row is None else (row.qty_m // 1000, row.value_fen)


def test_a_gift_box_assembled_sold_and_returned(client: TestClient, admin: dict[str, str], world: World,
                                                 engine: Engine) -> None:
    box = _product(engine, "GB01", "新春礼盒（2 可乐 + 1 大米）", 8800)
    with session_scope(engine) as s:
        stock.receive_purchase(s, warehouse_id=world.warehouse, lines=[
            stock.DocLine(world.cola, Decimal(10), unit_cost_fen=150),
            stock.DocLine(world.rice, Decimal(5), unit_cost_fen=4000)])
    r = client.post("/api/v1/kits/templates", headers=admin, json={
        "code": "GB01", "name": "新春礼盒", "product_id": box,
        "components": [{"product_id": world.cola, "qty": "2"}, {"product_id": world.rice, "qty": "1"}]})
    assert r.status_code == 201, r.text
    template = r.json()["id"]
    # when 3 boxes are assembled
    r = client.post("/api/v1/kits/documents", headers=admin, json={
        "template_id": template, "warehouse_id": world.warehouse, "direction": "assembly", "qty": "3"})
    assert r.status_code == 201, r.text
    # then the components go out at their cost and the boxes come in at exactly that
    assert r.json()["value_fen"] == 3 * (2 * 150 + 4000)
    assert _hand(engine, world.warehouse, world.cola) == (4, 600)
    assert _hand(engine, world.warehouse, world.rice) == (2, 8000)
    assert _hand(engine, world.warehouse, box) == (3, 12_900)
    # a box sold at the till costs what its parts cost; returned, it comes back at that
    ev = sale(world, [line(1, box, 1, 8800)])
    with session_scope(engine) as s:
        ingest.apply_sale_completed(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=T0)
        ingest.apply_sale_returned(s, return_of(world, ev, [(1, "1")]), terminal_id=world.terminal,
                                   store_id=world.store, received_at=T0)
    with Session(engine) as s:
        assert s.scalar(select(SaleLine.cost_fen)) == 4300
        assert s.scalar(select(ReturnLine.cost_fen)) == 4300
        assert check_stock(s).ok
    assert _hand(engine, world.warehouse, box) == (3, 12_900)
    # taking two apart puts the components back at the boxes' cost, split by what each is worth
    r = client.post("/api/v1/kits/documents", headers=admin, json={
        "template_id": template, "warehouse_id": world.warehouse, "direction": "disassembly", "qty": "2"})
    assert r.json()["value_fen"] == 8600
    assert _hand(engine, world.warehouse, box) == (1, 4300)
    assert _hand(engine, world.warehouse, world.cola)[0] == 8
    assert _hand(engine, world.warehouse, world.rice)[0] == 4
    assert _hand(engine, world.warehouse, world.cola)[1] + _hand(engine, world.warehouse, world.rice)[1] == \
        600 + 8000 + 8600
    # a fractional or zero quantity is refused; a kit of kits too
    r = client.post("/api/v1/kits/documents", headers=admin, json={
        "template_id": template, "warehouse_id": world.warehouse, "direction": "assembly", "qty": "0"})
    assert r.status_code == 422
    r = client.post("/api/v1/kits/templates", headers=admin, json={
        "code": "GB02", "name": "套娃", "product_id": world.apples, "components": [{"product_id": box, "qty": "1"}]})
    assert (r.status_code, r.json()["error"]["code"]) == (422, "nested_kit")
    with Session(engine) as s:
        assert check_stock(s).ok


def test_a_box_never_assembled_is_sold_as_its_components(client: TestClient, admin: dict[str, str], world: World,
                                                         engine: Engine) -> None:
    box = _product(engine, "GB03", "可乐双支装", 550)
    with session_scope(engine) as s:
        stock.receive_purchase(s, warehouse_id=world.warehouse, lines=[
            stock.DocLine(world.cola, Decimal(10), unit_cost_fen=150)])
    r = client.post("/api/v1/kits/templates", headers=admin, json={
        "code": "GB03", "name": "可乐双支装", "product_id": box, "explode_on_sale": True,
        "components": [{"product_id": world.cola, "qty": "2"}]})
    assert r.status_code == 201
    ev = sale(world, [line(1, box, 2, 550), line(2, world.cola, 1, 300)])
    with session_scope(engine) as s:
        ingest.apply_sale_completed(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=T0)
    # the till sold two "boxes": four cans left the shelf, and the box was never in stock
    assert _hand(engine, world.warehouse, world.cola) == (5, 750)
    assert _hand(engine, world.warehouse, box) == (0, 0)
    with Session(engine) as s:
        costs = dict(s.execute(select(SaleLine.line_no, SaleLine.cost_fen)).all())
        assert costs == {1: 600, 2: 150}
        moved = s.scalars(select(StockMovement.product_id).where(StockMovement.source_id == ev.sale_id)).all()
        assert box not in moved
    with session_scope(engine) as s:
        ingest.apply_sale_returned(s, return_of(world, ev, [(1, "1")]), terminal_id=world.terminal,
                                   store_id=world.store, received_at=T0)
    assert _hand(engine, world.warehouse, world.cola) == (7, 1050)
    with Session(engine) as s:
        assert check_stock(s).ok


def test_a_sack_repacked_into_packs(client: TestClient, admin: dict[str, str], world: World, engine: Engine) -> None:
    pack = _product(engine, "RC01", "大米 1kg 小包", 1290)
    with session_scope(engine) as s:
        stock.receive_purchase(s, warehouse_id=world.warehouse, lines=[
            stock.DocLine(world.rice, Decimal(2), unit_cost_fen=3999)])
    r = client.post("/api/v1/kits/templates", headers=admin, json={
        "code": "RC01", "name": "5kg 大米拆 1kg 小包", "kind": "repack", "product_id": world.rice,
        "components": [{"product_id": pack, "qty": "5"}]})
    assert r.status_code == 201
    r = client.post("/api/v1/kits/documents", headers=admin, json={
        "template_id": r.json()["id"], "warehouse_id": world.warehouse, "direction": "disassembly", "qty": "1"})
    assert r.status_code == 201
    assert _hand(engine, world.warehouse, pack) == (5, 3999)
    assert _hand(engine, world.warehouse, world.rice) == (1, 3999)
    with Session(engine) as s:
        assert check_stock(s).ok
