"""Costing through the real ledger and the real push ingest (SQLite and PostgreSQL): random
receipts, transfers, till sales, returns and counts; after each, value on hand equals the sum of
what came in less the cost of what went out, to the fen, for every warehouse and product."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from central.catalog.models import Product, ProductUnit
from central.db import session_scope
from central.inventory import service
from central.inventory.check import check_stock
from central.inventory.models import StockMovement, StockOnHand
from central.org.models import Warehouse
from central.sales import ingest
from central.sales.models import ReturnLine, SaleLine
from sync.events import SaleCompleted
from tests.central.domains.conftest import T0, World, line, return_of, sale

op = st.one_of(
    st.tuples(st.just("receive"), st.sampled_from([0, 1]), st.integers(1, 40), st.integers(1, 3000)),
    st.tuples(st.just("transfer"), st.sampled_from([0, 1]), st.integers(1, 30), st.none()),
    st.tuples(st.just("sell"), st.just(0), st.integers(1, 12), st.integers(100, 900)),
    st.tuples(st.just("return"), st.integers(0, 50), st.integers(1, 12), st.none()),
    st.tuples(st.just("count"), st.sampled_from([0, 1]), st.integers(0, 60), st.none()),
)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(op, min_size=1, max_size=14))
def test_value_on_hand_equals_in_less_out_after_every_document(engine: Engine, world: World,
                                                               ops: list[tuple[str, int, int, int | None]]) -> None:
    with session_scope(engine) as s:
        n = int(s.scalar(select(func.count()).select_from(Product)) or 0)
        product = Product(sku=f"P{n}", name=f"测试商品{n}", pinyin="cs", tax_rate_bp=1300,
                          units=[ProductUnit(code="pc", factor=1, price_fen=500)])
        s.add(product)
        central = s.scalar(select(Warehouse.id).where(Warehouse.code == "CW-TEST"))
        if central is None:
            wh = Warehouse(code="CW-TEST", name="中心仓")
            s.add(wh)
            s.flush()
            central = wh.id
        s.flush()
        pid = product.id
    warehouses = [world.warehouse, central]
    sales: list[tuple[SaleCompleted, int]] = []  # (sale, qty still returnable)
    for kind, a, qty, b in ops:
        with session_scope(engine) as s:
            if kind == "receive":
                service.receive_purchase(s, warehouse_id=warehouses[a], lines=[
                    service.DocLine(pid, Decimal(qty), unit_cost_fen=b)])
            elif kind == "transfer":
                service.transfer(s, from_warehouse_id=warehouses[a], to_warehouse_id=warehouses[1 - a],
                                 lines=[service.DocLine(pid, Decimal(qty))])
            elif kind == "sell":
                ev = sale(world, [line(1, pid, qty, b or 100)], sold_at=T0)
                ingest.apply_sale_completed(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=T0)
                sales.append((ev, qty))
            elif kind == "return" and sales:
                ev, left = sales[a % len(sales)]
                back = min(qty, left)
                if back:
                    ingest.apply_sale_returned(s, return_of(world, ev, [(1, str(back))]), terminal_id=world.terminal,
                                               store_id=world.store, received_at=T0)
                    sales[a % len(sales)] = (ev, left - back)
            elif kind == "count":
                service.count_stock(s, warehouse_id=warehouses[a], counted=[service.DocLine(pid, Decimal(qty))])
        with Session(engine) as s:
            _check(s, pid)


def _check(s: Session, pid: int) -> None:
    result = check_stock(s)
    assert result.mismatches == []  # on-hand value = Σ ledger values, per warehouse and product
    for row in s.scalars(select(StockOnHand).where(StockOnHand.product_id == pid)):
        values = list(s.scalars(select(StockMovement.value_fen).where(
            StockMovement.product_id == pid, StockMovement.warehouse_id == row.warehouse_id)))
        came_in = sum(v for v in values if v is not None and v > 0)
        went_out = -sum(v for v in values if v is not None and v < 0)
        assert row.value_fen == came_in - went_out
        if row.qty_m == 0:
            assert row.value_fen == 0
        if row.qty_m > 0:
            assert row.value_fen >= 0
        if row.avg_cost_mfen is None:
            assert row.value_fen == 0
    # the margin side agrees with the stock side: each sale line's cost is what its movement took
    # from stock, each return line's what its movement gave back (where the sale's cost was known)
    ledger = {(m.source_id, m.source_line): m.value_fen for m in s.scalars(select(StockMovement).where(
        StockMovement.product_id == pid, StockMovement.kind.in_(("sale", "return"))))}
    for ln in s.scalars(select(SaleLine).where(SaleLine.product_id == pid)):
        taken = ledger[(ln.sale_id, ln.line_no)]
        assert ln.cost_fen == (None if taken is None else -taken)
    for rl in s.scalars(select(ReturnLine).where(ReturnLine.product_id == pid)):
        if rl.cost_fen is not None:
            assert ledger[(rl.return_id, rl.line_no)] == rl.cost_fen
    # a line sold and wholly returned costs nothing
    for ln in s.scalars(select(SaleLine).where(SaleLine.product_id == pid)):
        if ln.cost_fen is not None and ln.returned_qty_m == ln.qty_m:
            assert ln.returned_cost_fen == ln.cost_fen
