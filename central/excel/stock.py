"""Opening stock (期初库存) from a spreadsheet: one row per warehouse and product, the quantity on hand.

Each row says what the warehouse holds of the product (base units; kg for weighed goods), and the
import brings on-hand to exactly that through `inventory.service.set_opening_stock`: only the
difference is posted to the ledger (`count_difference` in one `opening_stock` document per
import), so a stock export imported back, or the same file imported twice, changes nothing. A
receipt would add the file's quantities on top of what is there and double the stock the second
time; an opening balance is a count, not a delivery. An optional 成本单价 values the quantity
added (the start of the moving average cost).

Created / updated / unchanged: a product the warehouse held none of / whose quantity changes /
whose quantity is already right. A store manager may only set the stock of their own store's
warehouses (a row naming another store's warehouse is a bad row).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.auth.principal import Principal, UserPrincipal
from central.auth.roles import Permission
from central.catalog.models import Product
from central.errors import DomainError
from central.excel.columns import Column
from central.excel.importing import Applied, Reporter, read_cells
from central.excel.lists import STOCK_COLUMNS, STOCK_EXPORT_ONLY, STOCK_IMPORT_ONLY
from central.excel.reader import Row, Table
from central.inventory import service
from central.org.models import Warehouse
from central.syncing.feed import rows_by_keys
from sync.events import uuid7


class StockRow(NamedTuple):
    row: int
    warehouse_id: int
    sku: str
    qty_m: int
    unit_cost_fen: int | None


class StockImporter:
    kind = "stock"
    title = "期初库存"
    permission = Permission.INVENTORY_WRITE
    columns: Sequence[Column] = STOCK_COLUMNS
    extra: Sequence[Column] = (*STOCK_IMPORT_ONLY, *STOCK_EXPORT_ONLY)

    def begin(self, session: Session, who: Principal | None, table: Table, report: Reporter) -> None:
        self.table, self.who = table, who
        self.user_id = who.user_id if isinstance(who, UserPrincipal) else None
        self.warehouses = {code: (wid, store_id, active) for code, wid, store_id, active in session.execute(
            select(Warehouse.code, Warehouse.id, Warehouse.store_id, Warehouse.active))}
        self.seen: dict[tuple[int, str], int] = {}
        self.doc_id = f"OB-{uuid7()}"

    def parse(self, row: Row, report: Reporter) -> StockRow | None:
        values = read_cells(row, self.table, report)
        if values is None:
            return None
        code, sku = values["warehouse"], values["sku"]
        found = self.warehouses.get(code)
        if found is None:
            report(row.number, "warehouse", f"没有这个仓库：{code}", f"no such warehouse: {code}")
            return None
        wid, store_id, active = found
        if not active:
            report(row.number, "warehouse", f"仓库已停用：{code}", f"warehouse {code} is inactive")
            return None
        if self.who is not None and not self.who.may_see_store(store_id):
            report(row.number, "warehouse", f"仓库 {code} 属于其他门店，无权设置其库存",
                   f"warehouse {code} belongs to another store: you may not set its stock")
            return None
        first = self.seen.setdefault((wid, sku), row.number)
        if first != row.number:
            report(row.number, "sku", f"{code} 的 {sku} 重复：已在第 {first} 行",
                   f"{sku} in {code} repeats: already on row {first}")
            return None
        return StockRow(row.number, wid, sku, values["qty_m"], values.get("unit_cost_fen"))

    def apply(self, session: Session, records: list[StockRow], report: Reporter, *, write: bool) -> Applied:
        out = Applied()
        products = {sku: (pid, bool(weighed)) for sku, pid, weighed in rows_by_keys(
            session, (Product.sku, Product.id, Product.weighed), Product.sku, list({r.sku for r in records}))}
        good: list[tuple[StockRow, int]] = []
        for rec in records:
            found = products.get(rec.sku)
            if found is None:
                report(rec.row, "sku", f"没有这个商品：{rec.sku}", f"no such product: {rec.sku}")
                continue
            try:
                service.check_opening_qty(rec.qty_m, weighed=found[1], sku=rec.sku)
            except DomainError as exc:
                report.error(rec.row, "qty_m", exc)
                continue
            good.append((rec, found[0]))
        write = write and not report.bad
        current = service.on_hand_of(session, [(r.warehouse_id, pid) for r, pid in good], lock=write)
        changed: list[tuple[StockRow, int]] = []
        for rec, pid in good:
            was = current.get((rec.warehouse_id, pid), 0)
            if was == rec.qty_m:
                out.unchanged += 1
                continue
            changed.append((rec, pid))
            (out.updated if was else out.created).append(f"{rec.warehouse_id}:{pid}")
        if not write or not changed:
            return out
        opening = service.set_opening_stock(session, doc_id=self.doc_id, user_id=self.user_id, lines=[
            service.OpeningLine(rec.warehouse_id, pid, rec.qty_m, rec.unit_cost_fen, rec.row) for rec, pid in changed],
            note=f"期初库存 opening stock ({report.reason})"[:200] if report.reason else None)
        audit.record_many(session, actor=report.who, action="stock.opening", entity_type="stock",
                          changes=(_audit(rec, pid, opening, self.doc_id) for rec, pid in changed),
                          reason=report.reason)
        return out


def _audit(rec: StockRow, pid: int, opening: service.Opening, doc_id: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    before = opening.before.get((rec.warehouse_id, pid), 0)
    return f"{rec.warehouse_id}:{pid}", {"qty_m": before}, {"qty_m": rec.qty_m, "doc": doc_id}
