"""Purchase analysis (采购分析) over business days, by supplier or by product.

- By supplier: orders placed (and their value), order completion (what arrived of what was
  ordered, on orders placed in the period that are finished or still open), arrivals on or before
  the expected date, receipts (frequency) and their value, supplier returns.
- By product: how often and how much was bought, the price paid (first, last, lowest, highest,
  average per purchase unit) and how it changed (last against first, in basis points).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.catalog.models import Product, Supplier
from central.errors import Invalid
from central.inventory.quantities import from_milli
from central.purchasing.models import (
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    SupplierReturn,
)
from sync.store_time import business_date, day_start_utc

MAX_DAYS = 366 * 2


@dataclass
class _Supplier:
    orders: int = 0
    ordered_fen: int = 0
    ordered_m: int = 0
    received_on_orders_m: int = 0
    cancelled_m: int = 0
    receipts: int = 0
    received_fen: int = 0
    on_time: int = 0
    late: int = 0
    returned_fen: int = 0


def purchase_analysis(session: Session, *, date_from: date, date_to: date, by: str = "supplier") -> dict[str, Any]:
    if by not in ("supplier", "product"):
        raise Invalid(f"不支持按 {by} 分析", f"cannot analyse by {by}", code="group_by", field="by")
    if date_to < date_from or (date_to - date_from).days > MAX_DAYS:
        raise Invalid("日期范围不对（最多两年）", "bad date range (at most two years)", code="date_range", field="to")
    start, end = day_start_utc(date_from), day_start_utc(date_to + timedelta(days=1))
    receipts = list(session.execute(
        select(PurchaseReceipt, PurchaseOrder.expected_date)
        .outerjoin(PurchaseOrder, PurchaseOrder.id == PurchaseReceipt.order_id)
        .where(PurchaseReceipt.received_at >= start, PurchaseReceipt.received_at < end)
        .order_by(PurchaseReceipt.received_at)).all())
    out: dict[str, Any] = {"from": date_from.isoformat(), "to": date_to.isoformat(), "by": by, "currency": "CNY"}
    if by == "product":
        out["rows"] = _by_product(session, [r for r, _e in receipts])
        return out
    sup: dict[int, _Supplier] = defaultdict(_Supplier)
    for order in session.scalars(select(PurchaseOrder).where(
            PurchaseOrder.created_at >= start, PurchaseOrder.created_at < end,
            PurchaseOrder.status.not_in(("draft", "pending_approval")))):
        s = sup[order.supplier_id]
        s.orders += 1
        s.ordered_fen += order.total_fen
        for ln in session.scalars(select(PurchaseOrderLine).where(PurchaseOrderLine.order_id == order.id)):
            s.ordered_m += ln.ordered_m
            s.received_on_orders_m += min(ln.received_m, ln.ordered_m)
            s.cancelled_m += ln.cancelled_m
    for r, expected in receipts:
        s = sup[r.supplier_id]
        s.receipts += 1
        s.received_fen += r.goods_fen
        if expected is not None:
            if business_date(r.received_at) <= expected:
                s.on_time += 1
            else:
                s.late += 1
    for ret in session.scalars(select(SupplierReturn).where(SupplierReturn.returned_at >= start,
                                                            SupplierReturn.returned_at < end)):
        sup[ret.supplier_id].returned_fen += ret.credit_fen
    names = dict(session.execute(select(Supplier.id, Supplier.name)).all())
    rows = []
    for sid, s in sorted(sup.items(), key=lambda kv: -kv[1].received_fen):
        rows.append({"supplier_id": sid, "name": names.get(sid, ""), "orders": s.orders, "ordered_fen": s.ordered_fen,
                     "completion_rate": round(s.received_on_orders_m / s.ordered_m, 4) if s.ordered_m else None,
                     "cancelled_rate": round(s.cancelled_m / s.ordered_m, 4) if s.ordered_m else None,
                     "receipts": s.receipts, "received_fen": s.received_fen,
                     "on_time_rate": round(s.on_time / (s.on_time + s.late), 4) if s.on_time + s.late else None,
                     "returned_fen": s.returned_fen})
    out["rows"] = rows
    out["received_fen"] = sum(r["received_fen"] for r in rows)
    return out


def _by_product(session: Session, receipts: list[PurchaseReceipt]) -> list[dict[str, Any]]:
    by_id = {r.id: r for r in receipts}
    lines = list(session.scalars(select(PurchaseReceiptLine).where(PurchaseReceiptLine.receipt_id.in_(list(by_id)))
                                 .order_by(PurchaseReceiptLine.receipt_id, PurchaseReceiptLine.line_no))) if by_id else []
    acc: dict[int, dict[str, Any]] = {}
    for ln in sorted(lines, key=lambda ln: (by_id[ln.receipt_id].received_at, ln.receipt_id, ln.line_no)):
        # prices compared per base unit (milli-fen), whatever unit each receipt bought in
        per_unit = ln.price_fen * 1000 // ln.unit_factor
        row = acc.setdefault(ln.product_id, {"receipts": set(), "qty_m": 0, "amount_fen": 0, "prices": [],
                                             "suppliers": set()})
        row["receipts"].add(ln.receipt_id)
        row["qty_m"] += ln.qty_m
        row["amount_fen"] += ln.amount_fen
        row["prices"].append(per_unit)
        row["suppliers"].add(by_id[ln.receipt_id].supplier_id)
    names = dict(session.execute(select(Product.id, Product.name).where(Product.id.in_(list(acc)))).all()) if acc else {}
    out = []
    for pid, row in sorted(acc.items(), key=lambda kv: -kv[1]["amount_fen"]):
        prices = row["prices"]
        first, last = prices[0], prices[-1]
        out.append({"product_id": pid, "name": names.get(pid, ""), "receipts": len(row["receipts"]),
                    "suppliers": len(row["suppliers"]), "qty": str(from_milli(row["qty_m"])),
                    "amount_fen": row["amount_fen"],
                    "price_first_mfen": first, "price_last_mfen": last, "price_min_mfen": min(prices),
                    "price_max_mfen": max(prices),
                    "price_avg_mfen": row["amount_fen"] * 1_000_000 // row["qty_m"] if row["qty_m"] else None,
                    "price_change_bp": (last - first) * 10_000 // first if first else None})
    return out
