"""Stock reports: available stock, stock warnings (below minimum, above maximum, negative, near
expiry, expired), and the traceability of a batch (where every unit came from and went).

Near expiry (临期): a batch still held whose expiry is within the product's warning days — the
product's own rule (`expiry_rules`), else its category's, else the nearest parent category's, else
a third of the product's shelf life, else `DEFAULT_WARN_DAYS`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.catalog.models import Category, Product, Supplier
from central.costing.average import cost_of
from central.inventory.models import ExpiryRule, StockBatch, StockLevel, StockMovement, StockOnHand
from central.inventory.quantities import from_milli
from central.org.models import Store, Warehouse
from central.purchasing.models import OPEN_STATUSES, PurchaseOrder, PurchaseOrderLine, PurchaseReceipt
from central.purchasing.reorder import TO_SHIP
from central.sales.models import Sale

DEFAULT_WARN_DAYS = 7
_LEAVING = frozenset({"sale", "delivery", "loss", "supplier_return", "loan_out", "return", "delivery_return",
                      "loan_return"})


def _qty(m: int | None) -> str | None:
    return None if m is None else str(from_milli(m))


def _names(session: Session, ids: set[int]) -> dict[int, tuple[str, str]]:
    stmt = select(Product.id, Product.sku, Product.name)
    if len(ids) <= 500:
        stmt = stmt.where(Product.id.in_(sorted(ids)))
    return {pid: (sku, name) for pid, sku, name in session.execute(stmt) if pid in ids}


# ------------------------------------------------------------------ available stock

def available_stock(session: Session, *, warehouse_ids: list[int], product_ids: list[int] | None = None
                    ) -> list[dict[str, Any]]:
    """On hand, promised (to ship), available = on hand − to ship, on order (to receive), and
    projected = available + to receive, per warehouse and product."""
    rows: dict[tuple[int, int], dict[str, int]] = defaultdict(lambda: {"on_hand": 0, "to_ship": 0, "to_receive": 0})
    hand = select(StockOnHand.warehouse_id, StockOnHand.product_id, StockOnHand.qty_m).where(
        StockOnHand.warehouse_id.in_(warehouse_ids))
    receive = (select(PurchaseOrder.warehouse_id, PurchaseOrderLine.product_id,
                      PurchaseOrderLine.ordered_m - PurchaseOrderLine.received_m - PurchaseOrderLine.cancelled_m)
               .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.order_id)
               .where(PurchaseOrder.warehouse_id.in_(warehouse_ids), PurchaseOrder.status.in_(OPEN_STATUSES)))
    if product_ids is not None:
        hand = hand.where(StockOnHand.product_id.in_(product_ids))
        receive = receive.where(PurchaseOrderLine.product_id.in_(product_ids))
    for w, p, q in session.execute(hand):
        rows[(w, p)]["on_hand"] += int(q)
    for w, p, q in session.execute(receive):
        rows[(w, p)]["to_receive"] += max(0, int(q))
    for wid in warehouse_ids:
        for provider in TO_SHIP:
            for p, q in provider(session, wid).items():
                if product_ids is None or p in product_ids:
                    rows[(wid, p)]["to_ship"] += q
    codes = dict(session.execute(select(Warehouse.id, Warehouse.code)).all())
    names = _names(session, {p for _w, p in rows})
    out = []
    for (w, p), r in sorted(rows.items()):
        available = r["on_hand"] - r["to_ship"]
        out.append({"warehouse": codes.get(w), "warehouse_id": w, "product_id": p, "sku": names.get(p, ("", ""))[0],
                    "name": names.get(p, ("", ""))[1], "on_hand": _qty(r["on_hand"]), "to_ship": _qty(r["to_ship"]),
                    "available": _qty(available), "to_receive": _qty(r["to_receive"]),
                    "projected": _qty(available + r["to_receive"])})
    return out


# ------------------------------------------------------------------ warnings

@dataclass
class StockWarnings:
    today: date
    below_min: list[dict[str, Any]] = field(default_factory=list)
    above_max: list[dict[str, Any]] = field(default_factory=list)
    negative: list[dict[str, Any]] = field(default_factory=list)
    near_expiry: list[dict[str, Any]] = field(default_factory=list)
    expired: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["today"] = self.today.isoformat()
        out["counts"] = {k: len(v) for k, v in out.items() if isinstance(v, list)}
        return out


def warn_days(session: Session, product_ids: set[int]) -> dict[int, int]:
    """Near-expiry warning days per product (its rule, its category's, a parent's, ⅓ of shelf life, 7)."""
    by_product: dict[int, int] = {}
    by_category: dict[int, int] = {}
    for rule in session.scalars(select(ExpiryRule)):
        if rule.product_id is not None:
            by_product[rule.product_id] = rule.warn_days
        elif rule.category_id is not None:
            by_category[rule.category_id] = rule.warn_days
    parents = dict(session.execute(select(Category.id, Category.parent_id)).all())
    out = {}
    for pid, category, shelf in session.execute(select(Product.id, Product.category_id, Product.shelf_life_days).where(
            Product.id.in_(sorted(product_ids)))):
        found: int | None = by_product.get(pid)
        cid: int | None = category
        seen: set[int] = set()
        while found is None and cid is not None and cid not in seen:
            seen.add(cid)
            found = by_category.get(cid)
            cid = parents.get(cid)
        out[pid] = found if found is not None else (max(1, shelf // 3) if shelf else DEFAULT_WARN_DAYS)
    return out


def stock_warnings(session: Session, *, warehouse_ids: list[int], today: date) -> StockWarnings:
    result = StockWarnings(today)
    codes = dict(session.execute(select(Warehouse.id, Warehouse.code)).all())
    hand = {(w, p): (int(q), a) for w, p, q, a in session.execute(
        select(StockOnHand.warehouse_id, StockOnHand.product_id, StockOnHand.qty_m, StockOnHand.avg_cost_mfen)
        .where(StockOnHand.warehouse_id.in_(warehouse_ids)))}
    levels = list(session.scalars(select(StockLevel).where(StockLevel.warehouse_id.in_(warehouse_ids))))
    batches = list(session.scalars(select(StockBatch).where(
        StockBatch.warehouse_id.in_(warehouse_ids), StockBatch.qty_m > 0, StockBatch.expiry_date.is_not(None))))
    ids = {p for _w, p in hand} | {lv.product_id for lv in levels} | {b.product_id for b in batches}
    names = _names(session, ids)
    days = warn_days(session, {b.product_id for b in batches})

    def base(w: int, p: int) -> dict[str, Any]:
        sku, name = names.get(p, ("", ""))
        return {"warehouse": codes.get(w), "warehouse_id": w, "product_id": p, "sku": sku, "name": name}

    for lv in levels:
        q = hand.get((lv.warehouse_id, lv.product_id), (0, None))[0]
        if q < lv.min_m:
            result.below_min.append({**base(lv.warehouse_id, lv.product_id), "on_hand": _qty(q), "min": _qty(lv.min_m),
                                     "short": _qty(lv.min_m - q)})
        elif lv.max_m is not None and q > lv.max_m:
            result.above_max.append({**base(lv.warehouse_id, lv.product_id), "on_hand": _qty(q), "max": _qty(lv.max_m),
                                     "over": _qty(q - lv.max_m)})
    for (w, p), (q, _a) in sorted(hand.items()):
        if q < 0:
            result.negative.append({**base(w, p), "on_hand": _qty(q)})
    for b in sorted(batches, key=lambda b: (b.expiry_date or today, b.warehouse_id, b.product_id)):
        assert b.expiry_date is not None
        left = (b.expiry_date - today).days
        avg = hand.get((b.warehouse_id, b.product_id), (0, None))[1]
        row = {**base(b.warehouse_id, b.product_id), "batch_no": b.batch_no, "expiry_date": b.expiry_date.isoformat(),
               "days_left": left, "qty": _qty(b.qty_m), "value_fen": None if avg is None else cost_of(avg, b.qty_m),
               "warn_days": days.get(b.product_id, DEFAULT_WARN_DAYS)}
        if left < 0:
            result.expired.append(row)
        elif left <= row["warn_days"]:
            result.near_expiry.append(row)
    return result


# ------------------------------------------------------------------ traceability

def batch_trace(session: Session, *, batch_no: str, product_id: int | None = None,
                warehouse_ids: list[int] | None = None) -> dict[str, Any]:
    """Every ledger row naming the batch, oldest first, with what each document was (the supplier and
    order it came from, the till receipt it left on), and where it is now (in the warehouses given)."""
    stmt = select(StockMovement).where(StockMovement.batch_no == batch_no).order_by(StockMovement.id)
    if product_id is not None:
        stmt = stmt.where(StockMovement.product_id == product_id)
    if warehouse_ids is not None:
        stmt = stmt.where(StockMovement.warehouse_id.in_(warehouse_ids))
    rows = list(session.scalars(stmt))
    codes = dict(session.execute(select(Warehouse.id, Warehouse.code)).all())
    receipts = {r.no: r for r in session.scalars(select(PurchaseReceipt).where(PurchaseReceipt.no.in_(
        {m.source_id for m in rows if m.source_type == "purchase_receipt"})))}
    suppliers = dict(session.execute(select(Supplier.id, Supplier.name)).all())
    orders = dict(session.execute(select(PurchaseOrder.id, PurchaseOrder.no).where(PurchaseOrder.id.in_(
        {r.order_id for r in receipts.values() if r.order_id is not None}))).all())
    sales = {sid: (no, store) for sid, no, store in session.execute(select(Sale.id, Sale.receipt_no, Sale.store_id).where(
        Sale.id.in_({m.source_id for m in rows if m.source_type == "sale"})))}
    stores = dict(session.execute(select(Store.id, Store.code)).all())
    names = _names(session, {m.product_id for m in rows})
    movements = []
    came_in = went_out = 0
    for m in rows:
        doc: dict[str, Any] = {"type": m.source_type, "id": m.source_id}
        if m.source_type == "purchase_receipt" and m.source_id in receipts:
            r = receipts[m.source_id]
            doc.update(supplier=suppliers.get(r.supplier_id), order=orders.get(r.order_id) if r.order_id else None)
        elif m.source_type == "sale" and m.source_id in sales:
            doc.update(receipt_no=sales[m.source_id][0], store=stores.get(sales[m.source_id][1]))
        if m.kind == "purchase_receipt":
            came_in += m.qty_m
        elif m.kind in _LEAVING:  # to customers, suppliers, borrowers, written off (net of what came back)
            went_out -= m.qty_m
        movements.append({"at": m.occurred_at.isoformat(), "warehouse": codes.get(m.warehouse_id), "kind": m.kind,
                          "product_id": m.product_id, "sku": names.get(m.product_id, ("", ""))[0],
                          "qty": _qty(m.qty_m), "document": doc})
    now = [{"warehouse": codes.get(b.warehouse_id), "product_id": b.product_id, "qty": _qty(b.qty_m),
            "expiry_date": b.expiry_date.isoformat() if b.expiry_date else None}
           for b in session.scalars(select(StockBatch).where(StockBatch.batch_no == batch_no).order_by(
               StockBatch.warehouse_id)) if (product_id is None or b.product_id == product_id)
           and (warehouse_ids is None or b.warehouse_id in warehouse_ids)]
    return {"batch_no": batch_no, "received": _qty(came_in), "gone": _qty(went_out), "movements": movements,
            "on_hand": now}

