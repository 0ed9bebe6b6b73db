"""`pos-central export` of customers, members, stock and a period's sales: every row, money in
yuan, times in the store's time zone, only the business days asked for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import Engine

from central.cli import main
from central.db import session_scope
from central.inventory.service import DocLine, receive_purchase
from central.sales import ingest

from .conftest import T0, World, line, return_of, sale

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


def _apply(engine: Engine, fn: object, ev: object) -> None:
    with session_scope(engine) as s:
        fn(s, ev, terminal_id=ev.terminal_id, store_id=ev.store_id, received_at=NOW)  # type: ignore[attr-defined,operator]


def _sheets(path: Path) -> dict[str, list[list[object]]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def test_sales_export_of_a_period(db_url: str, engine: Engine, world: World, tmp_path: Path) -> None:
    first = sale(world, [line(1, world.cola, 6, 300), line(2, world.rice, 1, 5990, tax_bp=900, discount=500)])
    _apply(engine, ingest.apply_sale_completed, first)
    # 17:30Z on 1 March is 01:30 on 2 March in Shanghai: outside a 1 March export
    _apply(engine, ingest.apply_sale_completed, sale(world, [line(1, world.cola, 1, 300)],
                                                     sold_at=T0 + timedelta(hours=15, minutes=30)))
    _apply(engine, ingest.apply_sale_returned, return_of(world, first, [(1, "2")]))
    out = tmp_path / "sales.xlsx"
    assert main(["export", "sales", "--from", "2026-03-01", "--to", "2026-03-01", "--out", str(out),
                 "--db", db_url]) == 0
    sheets = _sheets(out)
    assert list(sheets) == ["销售单", "销售明细", "退货单"]
    sales, lines, returns = sheets["销售单"], sheets["销售明细"], sheets["退货单"]
    assert len(sales) == 2
    assert sales[1][0] == first.receipt_no
    assert sales[1][4] == datetime(2026, 3, 1, 10, 0)  # 02:00Z shown as 10:00 in Shanghai
    assert sales[1][5] == date(2026, 3, 1)
    assert sales[1][9] == 72.9  # 18.00 + 59.90 − 5.00
    assert [r[1] for r in lines[1:]] == [1.0, 2.0]
    assert lines[1][5] == 6.0 and lines[2][8] == 5.0  # noqa: PT018
    assert len(returns) == 2
    assert returns[1][5] == 6.0
    assert main(["export", "sales", "--out", str(out), "--db", db_url]) == 2  # --from/--to required


def test_customers_members_stock(db_url: str, engine: Engine, world: World, tmp_path: Path) -> None:
    with session_scope(engine) as s:
        receive_purchase(s, warehouse_id=world.warehouse, lines=[DocLine(world.cola, Decimal(48)),
                                                                 DocLine(world.apples, Decimal("2.345"))])
    for kind, title, expected in (("customers", "客户", [["C0001", "好邻居便利店"], ["C0002", "老王餐馆"]]),
                                  ("members", "会员", [["M0001", "13800000001"]]),
                                  ("stock", "库存", [["S01-W1", "1001"], ["S01-W1", "3001"]])):
        out = tmp_path / f"{kind}.xlsx"
        assert main(["export", kind, "--out", str(out), "--db", db_url]) == 0
        rows = _sheets(out)[title]
        assert [r[:2] for r in rows[1:]] == expected, kind
    stock = _sheets(tmp_path / "stock.xlsx")["库存"]
    assert [r[2] for r in stock[1:]] == [48.0, 2.345]
    assert stock[0][:3] == ["仓库编码\nWarehouse", "商品编码\nSKU", "数量\nQuantity"]
    customers = _sheets(tmp_path / "customers.xlsx")["客户"]
    assert customers[1][9] == "rep1" and customers[1][12] == 1000.0  # noqa: PT018


@pytest.mark.parametrize("kind", ["products", "customers", "members", "stock", "price-lists"])
def test_an_empty_list_exports_its_header(db_url: str, tmp_path: Path, kind: str) -> None:
    out = tmp_path / "e.xlsx"
    assert main(["export", kind, "--out", str(out), "--db", db_url]) == 0
    assert len(next(iter(_sheets(out).values()))) == 1
