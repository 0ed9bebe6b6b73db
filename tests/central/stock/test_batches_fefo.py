"""Batch-tracked goods: receipts name the batch, outgoing goods take the first-expiring batch first
(FEFO), split over batches, including till sales when they reach central; returns go back to the
batches their sale took from; transfers carry batches; a batch chosen by hand must hold enough."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from central.catalog.models import Product
from central.db import session_scope
from central.errors import Invalid
from central.inventory import service
from central.inventory.check import check_stock
from central.inventory.models import StockBatch, StockMovement
from central.org.models import Warehouse
from central.sales import ingest
from central.sales.models import SaleLine
from tests.central.domains.conftest import T0, World, line, return_of, sale


def _batches(s: Session, warehouse_id: int, product_id: int) -> dict[str, int]:
    return {b.batch_no: b.qty_m // 1000 for b in s.scalars(select(StockBatch).where(
        StockBatch.warehouse_id == warehouse_id, StockBatch.product_id == product_id))}


def _taken(s: Session, source_id: str) -> list[tuple[str | None, int]]:
    return [(m.batch_no, m.qty_m // 1000) for m in s.scalars(select(StockMovement).where(
        StockMovement.source_id == source_id, StockMovement.kind != "revaluation").order_by(StockMovement.id))]


def test_fefo_across_receipts_sales_returns_and_transfers(engine: Engine, world: World) -> None:
    # given milk tracked by batch, received in three batches at ¥2.00, ¥2.20 and ¥2.40
    with session_scope(engine) as s:
        milk = s.get(Product, world.rice)
        assert milk is not None
        milk.shelf_life_tracked, milk.shelf_life_days = True, 10
        s.add(Warehouse(code="CW1", name="中心仓"))
        s.flush()
        central = s.scalar(select(Warehouse.id).where(Warehouse.code == "CW1"))
        assert central is not None
        for batch, expiry, qty, cost in (("A", date(2026, 3, 10), 5, 200), ("B", date(2026, 3, 5), 3, 220),
                                         ("C", None, 4, 240)):
            service.receive_purchase(s, warehouse_id=world.warehouse, lines=[service.DocLine(
                world.rice, Decimal(qty), unit_cost_fen=cost, batch_no=batch, expiry_date=expiry,
                production_date=date(2026, 2, 20))])
    # when the till's sales reach central
    first = sale(world, [line(1, world.rice, 4, 5990, tax_bp=900)])
    second = sale(world, [line(1, world.rice, 6, 5990, tax_bp=900)])
    third = sale(world, [line(1, world.rice, 5, 5990, tax_bp=900)])
    with session_scope(engine) as s:
        ingest.apply_sales_completed(s, [first, second], terminal_id=world.terminal, store_id=world.store,
                                     received_at=T0)
        ingest.apply_sale_completed(s, third, terminal_id=world.terminal, store_id=world.store, received_at=T0)
    with Session(engine) as s:
        # then each takes the first-expiring batch first, split over batches; no expiry comes last;
        # what no batch holds goes out without a batch (the stock is short)
        assert _taken(s, first.sale_id) == [("B", -3), ("A", -1)]
        assert _taken(s, second.sale_id) == [("A", -4), ("C", -2)]
        assert _taken(s, third.sale_id) == [("C", -2), (None, -3)]
        assert _batches(s, world.warehouse, world.rice) == {"A": 0, "B": 0, "C": 0}
        # and each line costs what its pieces took from stock: 4 of 12 pieces worth ¥26.20 in all
        costs = {ln.sale_id: ln.cost_fen for ln in s.scalars(select(SaleLine))}
        assert costs[first.sale_id] == 873
        assert check_stock(s).ok
        lot = s.get(StockBatch, (world.warehouse, world.rice, "A"))
        assert lot is not None
        assert lot.production_date == date(2026, 2, 20)

    # when two of the second sale come back, they go back to the batch it took from last
    with session_scope(engine) as s:
        ingest.apply_sale_returned(s, return_of(world, second, [(1, "2")]), terminal_id=world.terminal,
                                   store_id=world.store, received_at=T0)
        # and after a receipt of batch D, a transfer of 11 to the central warehouse carries the batches
        service.receive_purchase(s, warehouse_id=world.warehouse, lines=[service.DocLine(
            world.rice, Decimal(10), unit_cost_fen=250, batch_no="D", expiry_date=date(2026, 4, 1))])
        moved = service.transfer(s, from_warehouse_id=world.warehouse, to_warehouse_id=central,
                                 lines=[service.DocLine(world.rice, Decimal(11))])
    with Session(engine) as s:
        assert _batches(s, world.warehouse, world.rice) == {"A": 0, "B": 0, "C": 1, "D": 0}
        assert _batches(s, central, world.rice) == {"C": 1, "D": 10}
        out = [(m.warehouse_id, m.batch_no, m.qty_m // 1000, m.value_fen) for m in s.scalars(
            select(StockMovement).where(StockMovement.source_id == moved.doc_id).order_by(StockMovement.id))]
        assert [(w, b, q) for w, b, q, _v in out] == [
            (world.warehouse, "D", -10), (world.warehouse, "C", -1), (central, "D", 10), (central, "C", 1)]
        assert sum(v or 0 for _w, _b, _q, v in out) == 0  # arrives at exactly what left
        assert check_stock(s).ok

    # a batch chosen by hand must hold what is taken: nothing is written when it does not
    with session_scope(engine) as s, pytest.raises(Invalid) as info:
        service.adjust(s, warehouse_id=central, kind="loss", reason="破损", lines=[
            service.DocLine(world.rice, Decimal(11), batch_no="D")])
    assert info.value.code == "batch_short"
    with session_scope(engine) as s:
        service.adjust(s, warehouse_id=central, kind="loss", reason="破损", lines=[
            service.DocLine(world.rice, Decimal(1), batch_no="D")])
    with Session(engine) as s:
        assert _batches(s, central, world.rice) == {"C": 1, "D": 9}
        assert check_stock(s).ok


def test_untracked_products_keep_working_as_before(engine: Engine, world: World) -> None:
    with session_scope(engine) as s:
        service.receive_purchase(s, warehouse_id=world.warehouse, lines=[service.DocLine(
            world.cola, Decimal(24), unit_cost_fen=150, batch_no="L2026", expiry_date=date(2026, 9, 1))])
        ingest.apply_sale_completed(s, sale(world, [line(1, world.cola, 2, 300)]), terminal_id=world.terminal,
                                    store_id=world.store, received_at=T0)
    with Session(engine) as s:
        assert s.scalars(select(StockBatch)).all() == []  # no batch bookkeeping
        rows = s.scalars(select(StockMovement).order_by(StockMovement.id)).all()
        assert [(m.kind, m.batch_no, m.value_fen) for m in rows] == [
            ("purchase_receipt", "L2026", 3600), ("sale", None, -300)]
        assert check_stock(s).ok
