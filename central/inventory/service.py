"""Warehouse documents that move stock: purchase receipts, transfers, adjustments, losses, counts.

Each document is posted through `central.inventory.ledger.post`, so the ledger, on-hand and the
value on hand move together in the caller's transaction. Quantities arrive as Decimal in base
units (pieces, or kg for weighed goods).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.catalog.models import Product
from central.costing.average import allocate
from central.db import utcnow
from central.errors import Invalid, not_found
from central.inventory.ledger import Movement, NegativeStock, lock, post
from central.inventory.models import StockOnHand
from central.org.models import Warehouse
from sync.events import uuid7
from sync.quantity import to_milli


@dataclass(frozen=True)
class DocLine:
    product_id: int
    qty: Decimal
    unit_cost_fen: int | None = None
    batch_no: str | None = None
    expiry_date: date | None = None
    production_date: date | None = None


@dataclass(frozen=True)
class Posted:
    """A posted document: its id (the ledger's source_id), how many rows, stock warnings, and the
    value it moved (fen, signed; None when some of it was at unknown cost)."""

    doc_id: str
    movements: int
    warnings: list[NegativeStock]
    value_fen: int | None = None


def total_value(values: Sequence[int | None]) -> int | None:
    """Σ of movement values; None when any is unknown."""
    return None if any(v is None for v in values) else sum(v or 0 for v in values)


def _warehouse(session: Session, warehouse_id: int, field: str = "warehouse_id") -> Warehouse:
    wh = session.get(Warehouse, warehouse_id)
    if wh is None:
        raise not_found("仓库", "warehouse", field, warehouse_id)
    if not wh.active:
        raise Invalid(f"仓库已停用：{wh.code}", f"warehouse {wh.code} is inactive", code="warehouse_inactive",
                      field=field)
    return wh


def _check_lines(session: Session, lines: Sequence[DocLine], *, positive: bool = True) -> dict[int, Product]:
    if not lines:
        raise Invalid("单据没有明细行", "the document has no lines", code="no_lines", field="lines")
    products = {p.id: p for p in session.scalars(select(Product).where(
        Product.id.in_({ln.product_id for ln in lines})))}
    for i, ln in enumerate(lines):
        if ln.product_id not in products:
            raise not_found("商品", "product", f"lines[{i}].product_id", ln.product_id)
        if positive and ln.qty <= 0:
            raise Invalid("数量必须大于零", "quantity must be positive", code="qty", field=f"lines[{i}].qty")
        p = products[ln.product_id]
        if not p.weighed and ln.qty != ln.qty.to_integral_value():
            raise Invalid(f"{p.name} 按件计数，数量必须是整数", f"{p.sku} is counted in pieces: whole numbers only",
                          code="qty", field=f"lines[{i}].qty")
    return products


def receive_purchase(session: Session, *, warehouse_id: int, lines: Sequence[DocLine], doc_no: str | None = None,
                     user_id: int | None = None, note: str | None = None) -> Posted:
    """采购入库: goods received from a supplier into a warehouse."""
    _warehouse(session, warehouse_id)
    _check_lines(session, lines)
    doc_id, now = doc_no or f"GR-{uuid7()}", utcnow()
    moves = [Movement(warehouse_id=warehouse_id, product_id=ln.product_id, kind="purchase_receipt",
                      qty_m=to_milli(ln.qty), source_type="purchase_receipt", source_id=doc_id, source_line=i,
                      occurred_at=now, unit_cost_fen=ln.unit_cost_fen, batch_no=ln.batch_no,
                      expiry_date=ln.expiry_date, production_date=ln.production_date, user_id=user_id, note=note)
             for i, ln in enumerate(lines, start=1)]
    posting = post(session, moves, recorded_at=now)
    return Posted(doc_id, len(moves), posting.warnings, total_value(posting.values))


def transfer(session: Session, *, from_warehouse_id: int, to_warehouse_id: int, lines: Sequence[DocLine],
             user_id: int | None = None, note: str | None = None) -> Posted:
    """调拨: out of one warehouse and into another, in one transaction (never half-moved)."""
    if from_warehouse_id == to_warehouse_id:
        raise Invalid("调出和调入仓库不能相同", "cannot transfer into the same warehouse", code="same_warehouse",
                      field="to_warehouse_id")
    _warehouse(session, from_warehouse_id, "from_warehouse_id")
    _warehouse(session, to_warehouse_id, "to_warehouse_id")
    _check_lines(session, lines)
    doc_id, now = f"TR-{uuid7()}", utcnow()
    return transfer_lines(session, doc_id=doc_id, from_warehouse_id=from_warehouse_id,
                          to_warehouse_id=to_warehouse_id, lines=lines, now=now, user_id=user_id, note=note)


def transfer_lines(session: Session, *, doc_id: str, from_warehouse_id: int, to_warehouse_id: int,
                   lines: Sequence[DocLine], now: datetime, user_id: int | None = None, note: str | None = None,
                   out_kind: str = "transfer_out", in_kind: str = "transfer_in", source_type: str = "transfer"
                   ) -> Posted:
    """Goods out of one warehouse at its average cost and into the other at exactly that value,
    batch by batch (a batch-tracked product arrives in the batches it left; a line names a batch to
    move that one). Both warehouses' rows are locked first, in order, then the way out is posted and
    the way in built from what it took."""
    lock(session, [from_warehouse_id, to_warehouse_id], [ln.product_id for ln in lines])
    outs = [Movement(warehouse_id=from_warehouse_id, product_id=ln.product_id, kind=out_kind,
                     qty_m=-to_milli(ln.qty), source_type=source_type, source_id=doc_id, source_line=i,
                     occurred_at=now, batch_no=ln.batch_no, user_id=user_id, note=note)
            for i, ln in enumerate(lines, start=1)]
    way_out = post(session, outs, recorded_at=now)
    ins = []
    for i, (m, value) in enumerate(zip(outs, way_out.values, strict=True)):
        pieces = way_out.pieces_of(i, m)
        shares = allocate(-value, [-p.qty_m for p in pieces]) if value is not None else [None] * len(pieces)
        for piece, share in zip(pieces, shares, strict=True):
            ins.append(m._replace(warehouse_id=to_warehouse_id, kind=in_kind, qty_m=-piece.qty_m,
                                  batch_no=piece.batch_no, expiry_date=piece.expiry_date, value_fen=share))
    way_in = post(session, ins, recorded_at=now)
    return Posted(doc_id, len(outs) + len(ins), sorted(way_out.warnings + way_in.warnings, key=lambda w: (
        w.warehouse_id, w.product_id)), total_value(way_out.values))


def adjust(session: Session, *, warehouse_id: int, kind: str, lines: Sequence[DocLine], reason: str,
           user_id: int | None = None) -> Posted:
    """调整 (signed quantities) or 报损 loss (positive quantities written off)."""
    if kind not in ("adjustment", "loss"):
        raise Invalid(f"未知的调整类型 {kind}", f"unknown adjustment kind {kind}", code="kind", field="kind")
    _warehouse(session, warehouse_id)
    _check_lines(session, lines, positive=kind == "loss")
    if kind == "adjustment" and any(ln.qty == 0 for ln in lines):
        raise Invalid("调整数量不能为零", "an adjustment of zero", code="qty", field="lines.qty")
    doc_id, now = f"{'LS' if kind == 'loss' else 'AJ'}-{uuid7()}", utcnow()
    sign = -1 if kind == "loss" else 1
    moves = [Movement(warehouse_id=warehouse_id, product_id=ln.product_id, kind=kind, qty_m=sign * to_milli(ln.qty),
                      source_type=kind, source_id=doc_id, source_line=i, occurred_at=now,
                      unit_cost_fen=ln.unit_cost_fen, batch_no=ln.batch_no, expiry_date=ln.expiry_date,
                      user_id=user_id, note=reason)
             for i, ln in enumerate(lines, start=1)]
    posting = post(session, moves, recorded_at=now)
    return Posted(doc_id, len(moves), posting.warnings, total_value(posting.values))


def count_stock(session: Session, *, warehouse_id: int, counted: Sequence[DocLine], user_id: int | None = None,
                counted_at: datetime | None = None) -> Posted:
    """盘点: post the difference between what was counted and on-hand (only lines that differ).

    On-hand rows are read FOR UPDATE (PostgreSQL) so a sale cannot slip between the read and the
    posting and leave a wrong difference.
    """
    _warehouse(session, warehouse_id)
    _check_lines(session, counted, positive=False)
    if any(ln.qty < 0 for ln in counted):
        raise Invalid("盘点数量不能为负", "a counted quantity cannot be negative", code="qty", field="lines.qty")
    ids = sorted({ln.product_id for ln in counted})
    current = dict(session.execute(
        select(StockOnHand.product_id, StockOnHand.qty_m)
        .where(StockOnHand.warehouse_id == warehouse_id, StockOnHand.product_id.in_(ids))
        .order_by(StockOnHand.product_id).with_for_update()).all())
    doc_id, now = f"SC-{uuid7()}", utcnow()
    moves = []
    for i, ln in enumerate(counted, start=1):
        diff = to_milli(ln.qty) - int(current.get(ln.product_id, 0))
        if diff:
            moves.append(Movement(warehouse_id=warehouse_id, product_id=ln.product_id, kind="count_difference",
                                  qty_m=diff, source_type="stock_count", source_id=doc_id, source_line=i,
                                  occurred_at=counted_at or now, user_id=user_id,
                                  note=f"盘点 counted {ln.qty}"))
    posting = post(session, moves, recorded_at=now)
    return Posted(doc_id, len(moves), posting.warnings, total_value(posting.values))


# ---------------------------------------------------------------- opening stock (期初库存)


@dataclass(frozen=True)
class OpeningLine:
    """What a warehouse holds of a product when the business starts using this system."""

    warehouse_id: int
    product_id: int
    qty_m: int
    """Thousandths of the base unit (pieces, or kg for weighed goods); never negative."""
    unit_cost_fen: int | None = None
    """Cost per base unit of the quantity added; None: valued at the average cost already known."""
    source_line: int | None = None
    """Where the line came from (a spreadsheet's row number), kept on the ledger row."""


@dataclass(frozen=True)
class Opening:
    """A posted opening balance: the document, and each (warehouse, product)'s quantity before it."""

    posted: Posted
    before: dict[tuple[int, int], int]


def check_opening_qty(qty_m: int, *, weighed: bool, sku: str, field: str = "qty") -> None:
    """An opening (or counted) quantity: not negative, whole pieces unless the product is weighed."""
    if qty_m < 0:
        raise Invalid("期初数量不能为负", "an opening quantity cannot be negative", code="qty", field=field)
    if not weighed and qty_m % 1000:
        raise Invalid(f"{sku} 按件计数，数量必须是整数", f"{sku} is counted in pieces: whole numbers only",
                      code="qty", field=field)


def on_hand_of(session: Session, pairs: Sequence[tuple[int, int]], *, lock: bool = False) -> dict[tuple[int, int], int]:
    """On-hand (qty_m) of each (warehouse, product) pair that has a row; `lock`: FOR UPDATE (PostgreSQL),
    in primary-key order, as a posting takes them."""
    if not pairs:
        return {}
    wanted = set(pairs)
    stmt = (select(StockOnHand.warehouse_id, StockOnHand.product_id, StockOnHand.qty_m)
            .where(StockOnHand.warehouse_id.in_(sorted({w for w, _p in wanted})),
                   StockOnHand.product_id.in_(sorted({p for _w, p in wanted})))
            .order_by(StockOnHand.warehouse_id, StockOnHand.product_id))
    rows = session.execute(stmt.with_for_update() if lock else stmt)
    return {(w, p): int(q) for w, p, q in rows if (w, p) in wanted}


def set_opening_stock(session: Session, *, lines: Sequence[OpeningLine], doc_id: str, user_id: int | None = None,
                      note: str | None = None) -> Opening:
    """期初库存: bring each warehouse's on-hand of each product to the quantity given.

    An opening balance is a count at go-live (what ERPNext's opening Stock Reconciliation and Odoo's
    inventory adjustment do), not a receipt: only the difference from what is on hand is posted
    (`count_difference`, source `opening_stock`), so entering the same balance twice, or a stock
    export imported back, changes nothing, and the ledger still sums to on-hand. A quantity added
    is valued at the line's unit cost when given (it starts the moving average); a quantity taken
    away leaves at the average cost, as any other stock going out. `doc_id` groups the lines of one
    opening (a spreadsheet posted in chunks keeps one document)."""
    products = {pid: (sku, bool(weighed)) for pid, sku, weighed in session.execute(
        select(Product.id, Product.sku, Product.weighed).where(Product.id.in_({ln.product_id for ln in lines})))}
    warehouses = {ln.warehouse_id for ln in lines}
    for wid in sorted(warehouses):
        _warehouse(session, wid)
    for i, ln in enumerate(lines):
        if ln.product_id not in products:
            raise not_found("商品", "product", f"lines[{i}].product_id", ln.product_id)
        sku, weighed = products[ln.product_id]
        check_opening_qty(ln.qty_m, weighed=weighed, sku=sku, field=f"lines[{i}].qty")
    before = on_hand_of(session, [(ln.warehouse_id, ln.product_id) for ln in lines], lock=True)
    now = utcnow()
    moves = []
    for i, ln in enumerate(lines, start=1):
        diff = ln.qty_m - before.get((ln.warehouse_id, ln.product_id), 0)
        if diff:
            moves.append(Movement(warehouse_id=ln.warehouse_id, product_id=ln.product_id, kind="count_difference",
                                  qty_m=diff, source_type="opening_stock", source_id=doc_id,
                                  source_line=ln.source_line or i, occurred_at=now,
                                  unit_cost_fen=ln.unit_cost_fen if diff > 0 else None, user_id=user_id,
                                  note=note or "期初库存 opening stock"))
    posting = post(session, moves, recorded_at=now)
    return Opening(Posted(doc_id, len(moves), posting.warnings, total_value(posting.values)), before)
