"""Purchasing (采购): supplier prices, purchase orders with approval, receipts in as many arrivals as
it takes (采购一次订货多次到货), supplier returns, cost corrections, purchase price history.

Functions take an open session and keyword arguments, flush, and never commit. Stock moves only
through `central.inventory.ledger.post`, so every receipt and return is valued at moving average
cost (central/costing/README.md) in the same transaction as the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.audit.service import record
from central.auth.principal import Principal, UserPrincipal
from central.catalog.models import Product, ProductUnit, Supplier
from central.costing.average import allocate, round_div
from central.db import utcnow
from central.errors import Conflict, Forbidden, Invalid, not_found
from central.inventory.ledger import Movement, NegativeStock, cost_state, post
from central.inventory.quantities import MILLI, from_milli
from central.org.models import Warehouse
from central.purchasing.models import (
    OPEN_STATUSES,
    CostCorrection,
    CostCorrectionLine,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    PurchaseSettings,
    SupplierProduct,
    SupplierReturn,
    SupplierReturnLine,
)
from sync.quantity import to_milli

MAX_LINES = 2000


def user_id_of(actor: Principal | None) -> int | None:
    return actor.user_id if isinstance(actor, UserPrincipal) else None


def amount_of(qty_m: int, unit_factor: int, price_fen: int) -> int:
    """Fen for `qty_m` base thousandths at `price_fen` per purchase unit of `unit_factor` base
    units, rounded half away from zero (the one rounding of a purchase line)."""
    return round_div(qty_m * price_fen, unit_factor * MILLI)


# ------------------------------------------------------------------ settings and supplier prices

def settings(session: Session) -> PurchaseSettings:
    row = session.get(PurchaseSettings, 1)
    if row is None:
        row = PurchaseSettings(id=1, approval_threshold_fen=500_000, over_receipt_tolerance_bp=0)
        session.add(row)
        session.flush()
    return row


def update_settings(session: Session, *, actor: Principal | None, approval_threshold_fen: int | None = None,
                    over_receipt_tolerance_bp: int | None = None) -> PurchaseSettings:
    row = settings(session)
    before = {"approval_threshold_fen": row.approval_threshold_fen,
              "over_receipt_tolerance_bp": row.over_receipt_tolerance_bp}
    if approval_threshold_fen is not None:
        row.approval_threshold_fen = approval_threshold_fen
    if over_receipt_tolerance_bp is not None:
        row.over_receipt_tolerance_bp = over_receipt_tolerance_bp
    session.flush()
    record(session, actor=actor, action="purchase_settings.update", entity_type="purchase_settings", entity_id=1,
           before=before, after={"approval_threshold_fen": row.approval_threshold_fen,
                                 "over_receipt_tolerance_bp": row.over_receipt_tolerance_bp})
    return row


def _supplier(session: Session, supplier_id: int, field: str = "supplier_id") -> Supplier:
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise not_found("供应商", "supplier", field, supplier_id)
    if not supplier.active:
        raise Invalid(f"供应商已停用：{supplier.name}", f"supplier {supplier.code} is inactive",
                      code="supplier_inactive", field=field)
    return supplier


def _warehouse(session: Session, warehouse_id: int, field: str = "warehouse_id") -> Warehouse:
    wh = session.get(Warehouse, warehouse_id)
    if wh is None:
        raise not_found("仓库", "warehouse", field, warehouse_id)
    if not wh.active:
        raise Invalid(f"仓库已停用：{wh.code}", f"warehouse {wh.code} is inactive", code="warehouse_inactive",
                      field=field)
    return wh


def _unit_factor(session: Session, product: Product, unit_code: str, field: str) -> int:
    """Base units per `unit_code` of `product` ("pc"/"kg" or any unit of the product)."""
    factor = session.scalar(select(ProductUnit.factor).where(
        ProductUnit.product_id == product.id, ProductUnit.code == unit_code))
    if factor is None:
        raise Invalid(f"{product.name} 没有单位 {unit_code}", f"{product.sku} has no unit {unit_code}",
                      code="unit_unknown", field=field)
    return int(factor)


def set_supplier_price(session: Session, *, actor: Principal | None, supplier_id: int, product_id: int,
                       unit_code: str, price_fen: int, lead_time_days: int = 3, min_order_units: int = 1,
                       supplier_sku: str | None = None, preferred: bool = True) -> SupplierProduct:
    """Set what a supplier charges for a product (per purchase unit). A preferred supplier is the
    one reorder suggestions buy from: setting one makes the product's others not preferred."""
    _supplier(session, supplier_id)
    product = session.get(Product, product_id)
    if product is None:
        raise not_found("商品", "product", "product_id", product_id)
    factor = _unit_factor(session, product, unit_code, "unit_code")
    row = session.scalar(select(SupplierProduct).where(SupplierProduct.supplier_id == supplier_id,
                                                       SupplierProduct.product_id == product_id))
    before = None if row is None else {"unit_code": row.unit_code, "price_fen": row.price_fen,
                                       "lead_time_days": row.lead_time_days, "preferred": row.preferred}
    if row is None:
        row = SupplierProduct(supplier_id=supplier_id, product_id=product_id, price_fen=price_fen)
        session.add(row)
    row.unit_code, row.unit_factor, row.price_fen = unit_code, factor, price_fen
    row.lead_time_days, row.min_order_units, row.supplier_sku, row.preferred = (
        lead_time_days, min_order_units, supplier_sku, preferred)
    if preferred:
        for other in session.scalars(select(SupplierProduct).where(
                SupplierProduct.product_id == product_id, SupplierProduct.supplier_id != supplier_id,
                SupplierProduct.preferred.is_(True))):
            other.preferred = False
    session.flush()
    record(session, actor=actor, action="supplier_price.set", entity_type="supplier_product", entity_id=row.id,
           before=before, after={"unit_code": unit_code, "price_fen": price_fen, "lead_time_days": lead_time_days,
                                 "preferred": preferred})
    return row


# ------------------------------------------------------------------ purchase orders

@dataclass(frozen=True)
class OrderLineIn:
    product_id: int
    qty: Decimal
    """In `unit_code` (e.g. 10 boxes)."""
    unit_code: str | None = None
    """Default: the supplier's purchase unit for the product, else the base unit."""
    price_fen: int | None = None
    """Default: the supplier's price."""
    expected_date: date | None = None


def _number(prefix: str, row_id: int, when: datetime) -> str:
    return f"{prefix}{when:%Y%m%d}-{row_id:05d}"


def _order_lines(session: Session, supplier_id: int, lines: Sequence[OrderLineIn]) -> list[PurchaseOrderLine]:
    if not lines:
        raise Invalid("订单没有明细行", "the order has no lines", code="no_lines", field="lines")
    if len(lines) > MAX_LINES:
        raise Invalid(f"明细行太多（最多 {MAX_LINES} 行）", f"too many lines (at most {MAX_LINES})", code="too_many_lines",
                      field="lines")
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_({ln.product_id for ln in lines})))}
    prices = {sp.product_id: sp for sp in session.scalars(select(SupplierProduct).where(
        SupplierProduct.supplier_id == supplier_id, SupplierProduct.product_id.in_(list(products))))}
    out = []
    for i, ln in enumerate(lines):
        product = products.get(ln.product_id)
        if product is None:
            raise not_found("商品", "product", f"lines[{i}].product_id", ln.product_id)
        if ln.qty <= 0:
            raise Invalid("数量必须大于零", "quantity must be positive", code="qty", field=f"lines[{i}].qty")
        quoted = prices.get(ln.product_id)
        unit_code = ln.unit_code or (quoted.unit_code if quoted else _base_unit(session, product))
        factor = _unit_factor(session, product, unit_code, f"lines[{i}].unit_code")
        qty_m = to_milli(ln.qty) * factor
        if not product.weighed and qty_m % MILLI:
            raise Invalid(f"{product.name} 按件计数，数量必须是整数", f"{product.sku} is counted in pieces: whole numbers only",
                          code="qty", field=f"lines[{i}].qty")
        price = ln.price_fen
        if price is None:
            if quoted is None:
                raise Invalid(f"没有 {product.name} 的进价：请填写单价或先设置供应商价格",
                              f"no purchase price for {product.sku}: give one or set the supplier's price",
                              code="price_missing", field=f"lines[{i}].price_fen")
            price = quoted.price_fen if quoted.unit_code == unit_code else round_div(
                quoted.price_fen * factor, quoted.unit_factor)
        out.append(PurchaseOrderLine(line_no=i + 1, product_id=product.id, unit_code=unit_code, unit_factor=factor,
                                     ordered_m=qty_m, price_fen=price, amount_fen=amount_of(qty_m, factor, price),
                                     received_m=0, cancelled_m=0, expected_date=ln.expected_date))
    return out


def _base_unit(session: Session, product: Product) -> str:
    code = session.scalar(select(ProductUnit.code).where(ProductUnit.product_id == product.id, ProductUnit.factor == 1)
                          .order_by(ProductUnit.id).limit(1))
    return code or ("kg" if product.weighed else "pc")


def create_order(session: Session, *, actor: Principal | None, supplier_id: int, warehouse_id: int,
                 lines: Sequence[OrderLineIn], expected_date: date | None = None, note: str | None = None,
                 source: str = "manual") -> PurchaseOrder:
    """A draft order (nothing is expected until it is submitted and approved)."""
    _supplier(session, supplier_id)
    _warehouse(session, warehouse_id)
    order_lines = _order_lines(session, supplier_id, lines)
    now = utcnow()
    order = PurchaseOrder(no=f"PO-{now.timestamp():.6f}", supplier_id=supplier_id, warehouse_id=warehouse_id,
                          status="draft", expected_date=expected_date, note=note, created_by=user_id_of(actor),
                          created_at=now, source=source, total_fen=sum(ln.amount_fen for ln in order_lines))
    session.add(order)
    session.flush()
    order.no = _number("PO", order.id, now)
    for ln in order_lines:
        ln.order_id = order.id
    session.add_all(order_lines)
    session.flush()
    record(session, actor=actor, action="purchase_order.create", entity_type="purchase_order", entity_id=order.no,
           after={"supplier_id": supplier_id, "warehouse_id": warehouse_id, "total_fen": order.total_fen,
                  "lines": len(order_lines), "source": source})
    return order


def order_lines(session: Session, order_id: int) -> list[PurchaseOrderLine]:
    return list(session.scalars(select(PurchaseOrderLine).where(PurchaseOrderLine.order_id == order_id)
                                .order_by(PurchaseOrderLine.line_no)))


def get_order(session: Session, order_id: int, *, lock: bool = False) -> PurchaseOrder:
    order = session.get(PurchaseOrder, order_id, with_for_update=lock, populate_existing=lock)
    if order is None:
        raise not_found("采购订单", "purchase order", "order_id", order_id)
    return order


def _require_status(order: PurchaseOrder, allowed: Sequence[str], doing_zh: str, doing_en: str) -> None:
    if order.status not in allowed:
        raise Conflict(f"采购订单 {order.no} 状态为 {STATUS_ZH[order.status]}，不能{doing_zh}",
                       f"purchase order {order.no} is {order.status}: cannot {doing_en}",
                       code="order_status", field="status")


STATUS_ZH = {"draft": "草稿", "pending_approval": "待审批", "approved": "已审批", "partially_received": "部分到货",
             "received": "已到齐", "closed": "已结案", "cancelled": "已取消"}


def update_order(session: Session, *, actor: Principal | None, order_id: int,
                 lines: Sequence[OrderLineIn] | None = None, expected_date: date | None = None,
                 note: str | None = None) -> PurchaseOrder:
    """Change a draft (lines replaced whole)."""
    order = get_order(session, order_id, lock=True)
    _require_status(order, ("draft",), "修改", "change it")
    if lines is not None:
        new_lines = _order_lines(session, order.supplier_id, lines)
        for old in order_lines(session, order.id):
            session.delete(old)
        session.flush()
        for ln in new_lines:
            ln.order_id = order.id
        session.add_all(new_lines)
        order.total_fen = sum(ln.amount_fen for ln in new_lines)
    if expected_date is not None:
        order.expected_date = expected_date
    if note is not None:
        order.note = note
    session.flush()
    record(session, actor=actor, action="purchase_order.update", entity_type="purchase_order", entity_id=order.no,
           after={"total_fen": order.total_fen, "expected_date": order.expected_date})
    return order


def submit_order(session: Session, *, actor: Principal | None, order_id: int) -> PurchaseOrder:
    """Send a draft on: approved at once up to the approval amount, else waiting for approval."""
    order = get_order(session, order_id, lock=True)
    _require_status(order, ("draft",), "提交", "submit it")
    now = utcnow()
    order.submitted_at = now
    if order.total_fen > settings(session).approval_threshold_fen:
        order.status = "pending_approval"
    else:
        order.status, order.approved_at = "approved", now
    session.flush()
    record(session, actor=actor, action="purchase_order.submit", entity_type="purchase_order", entity_id=order.no,
           after={"status": order.status, "total_fen": order.total_fen})
    return order


def approve_order(session: Session, *, actor: Principal | None, order_id: int) -> PurchaseOrder:
    """Approve an order waiting for approval; nobody approves their own order."""
    order = get_order(session, order_id, lock=True)
    _require_status(order, ("pending_approval",), "审批", "approve it")
    who = user_id_of(actor)
    if who is not None and who == order.created_by:
        raise Forbidden("不能审批自己创建的采购订单", "you cannot approve an order you created", code="own_order",
                        field="order_id")
    order.status, order.approved_by, order.approved_at = "approved", who, utcnow()
    session.flush()
    record(session, actor=actor, action="purchase_order.approve", entity_type="purchase_order", entity_id=order.no,
           after={"status": "approved", "total_fen": order.total_fen})
    return order


def reject_order(session: Session, *, actor: Principal | None, order_id: int, reason: str) -> PurchaseOrder:
    """Send an order waiting for approval back to draft, saying why."""
    order = get_order(session, order_id, lock=True)
    _require_status(order, ("pending_approval",), "驳回", "reject it")
    order.status, order.close_reason, order.submitted_at = "draft", reason, None
    session.flush()
    record(session, actor=actor, action="purchase_order.reject", entity_type="purchase_order", entity_id=order.no,
           after={"status": "draft"}, reason=reason)
    return order


def cancel_order(session: Session, *, actor: Principal | None, order_id: int, reason: str,
                 line_nos: Sequence[int] | None = None) -> PurchaseOrder:
    """Cancel what has not arrived (all lines, or the lines named), with a reason. An order with
    nothing left open is `closed` when something arrived, `cancelled` when nothing did."""
    if not reason.strip():
        raise Invalid("取消需要填写原因", "cancelling needs a reason", code="reason_required", field="reason")
    order = get_order(session, order_id, lock=True)
    _require_status(order, ("draft", "pending_approval", "approved", "partially_received"), "取消", "cancel it")
    lines = order_lines(session, order.id)
    wanted = set(line_nos) if line_nos else {ln.line_no for ln in lines}
    unknown = wanted - {ln.line_no for ln in lines}
    if unknown:
        raise not_found("订单行", "order line", "line_nos", min(unknown))
    cancelled = {}
    for ln in lines:
        if ln.line_no in wanted and ln.open_m:
            cancelled[ln.line_no] = ln.open_m
            ln.cancelled_m += ln.open_m
    _settle_status(order, lines)
    if order.status in ("closed", "cancelled"):
        order.closed_at, order.close_reason = utcnow(), reason
    session.flush()
    record(session, actor=actor, action="purchase_order.cancel", entity_type="purchase_order", entity_id=order.no,
           after={"status": order.status, "cancelled_m": cancelled}, reason=reason)
    return order


def _settle_status(order: PurchaseOrder, lines: Sequence[PurchaseOrderLine]) -> None:
    """The status that follows from the lines: still open (partially) received, or finished as
    received (all arrived), closed (the rest cancelled after something arrived) or cancelled."""
    if any(ln.open_m for ln in lines):
        if order.status in OPEN_STATUSES:
            order.status = "partially_received" if any(ln.received_m for ln in lines) else "approved"
    elif all(ln.cancelled_m == 0 for ln in lines):
        order.status = "received"
    else:
        order.status = "closed" if any(ln.received_m for ln in lines) else "cancelled"


# ------------------------------------------------------------------ receipts

@dataclass(frozen=True)
class ReceiptLineIn:
    order_line_no: int | None
    qty: Decimal
    """In the order line's unit (or `unit_code` for a receipt without an order)."""
    product_id: int | None = None
    """Only for a receipt without an order."""
    unit_code: str | None = None
    price_fen: int | None = None
    """Only for a receipt without an order (per unit)."""
    batch_no: str | None = None
    production_date: date | None = None
    expiry_date: date | None = None


@dataclass(frozen=True)
class Received:
    receipt: PurchaseReceipt
    lines: list[PurchaseReceiptLine]
    warnings: list[NegativeStock]


def receive(session: Session, *, actor: Principal | None, order_id: int, lines: Sequence[ReceiptLineIn],
            landed_cost_fen: int = 0, supplier_doc_no: str | None = None, note: str | None = None,
            approve_over_receipt: bool = False, may_approve: bool = False, received_at: datetime | None = None
            ) -> Received:
    """One arrival against an approved order: goods into the order's warehouse at the order's prices
    plus their share of the landed costs. Less than ordered leaves the rest open; more is refused
    unless within the tolerance, or approved (`approve_over_receipt` by someone who `may_approve`)."""
    order = get_order(session, order_id, lock=True)
    _require_status(order, OPEN_STATUSES, "收货", "receive goods against it")
    by_no = {ln.line_no: ln for ln in order_lines(session, order.id)}
    if not lines:
        raise Invalid("收货单没有明细行", "the receipt has no lines", code="no_lines", field="lines")
    tolerance = settings(session).over_receipt_tolerance_bp
    over = False
    planned: list[tuple[PurchaseOrderLine, int, ReceiptLineIn]] = []
    taking: dict[int, int] = {}
    for i, rl in enumerate(lines):
        if rl.order_line_no is None or rl.order_line_no not in by_no:
            raise not_found("订单行", "order line", f"lines[{i}].order_line_no", rl.order_line_no)
        ol = by_no[rl.order_line_no]
        if rl.qty <= 0:
            raise Invalid("数量必须大于零", "quantity must be positive", code="qty", field=f"lines[{i}].qty")
        qty_m = to_milli(rl.qty) * ol.unit_factor
        taking[ol.line_no] = taking.get(ol.line_no, 0) + qty_m
        allowed = ol.open_m + ol.ordered_m * tolerance // 10_000
        if taking[ol.line_no] > allowed:
            if not approve_over_receipt:
                raise Invalid(
                    f"第 {ol.line_no} 行收货超过未到数量（未到 {from_milli(ol.open_m // ol.unit_factor):g} {ol.unit_code}，"
                    f"本次 {rl.qty:g}）：超收需审批", f"line {ol.line_no}: more than is still open "
                    f"({from_milli(ol.open_m // ol.unit_factor):g} {ol.unit_code} open, {rl.qty:g} received): "
                    "an over-receipt needs approval", code="over_receipt", field=f"lines[{i}].qty")
            if not may_approve:
                raise Forbidden("超收需要有采购审批权限的人批准", "an over-receipt needs someone who may approve purchases",
                                code="over_receipt_forbidden", field="approve_over_receipt")
            over = True
        planned.append((ol, qty_m, rl))
    receipt, receipt_lines, warnings = _post_receipt(
        session, actor=actor, supplier_id=order.supplier_id, warehouse_id=order.warehouse_id, order=order,
        planned=[(ol.line_no, ol.product_id, ol.unit_code, ol.unit_factor, ol.price_fen, qty_m, rl)
                 for ol, qty_m, rl in planned],
        landed_cost_fen=landed_cost_fen, supplier_doc_no=supplier_doc_no, note=note, received_at=received_at)
    if over:
        receipt.over_receipt_approved_by = user_id_of(actor)
    for ol, qty_m, _rl in planned:
        ol.received_m += qty_m
    _settle_status(order, list(by_no.values()))
    session.flush()
    record(session, actor=actor, action="purchase_order.receive", entity_type="purchase_order", entity_id=order.no,
           after={"receipt": receipt.no, "status": order.status, "goods_fen": receipt.goods_fen,
                  "over_receipt": over})
    return Received(receipt, receipt_lines, warnings)


def receive_without_order(session: Session, *, actor: Principal | None, supplier_id: int, warehouse_id: int,
                          lines: Sequence[ReceiptLineIn], landed_cost_fen: int = 0,
                          supplier_doc_no: str | None = None, note: str | None = None) -> Received:
    """Goods bought without an order (a market run, a sample): each line names product, unit and price."""
    _supplier(session, supplier_id)
    _warehouse(session, warehouse_id)
    if not lines:
        raise Invalid("收货单没有明细行", "the receipt has no lines", code="no_lines", field="lines")
    planned = []
    for i, rl in enumerate(lines):
        if rl.product_id is None or rl.price_fen is None:
            raise Invalid("无订单收货的每行需要商品和单价", "each line of a receipt without an order needs product and price",
                          code="line_incomplete", field=f"lines[{i}]")
        product = session.get(Product, rl.product_id)
        if product is None:
            raise not_found("商品", "product", f"lines[{i}].product_id", rl.product_id)
        if rl.qty <= 0:
            raise Invalid("数量必须大于零", "quantity must be positive", code="qty", field=f"lines[{i}].qty")
        unit_code = rl.unit_code or _base_unit(session, product)
        factor = _unit_factor(session, product, unit_code, f"lines[{i}].unit_code")
        planned.append((None, product.id, unit_code, factor, rl.price_fen, to_milli(rl.qty) * factor, rl))
    receipt, receipt_lines, warnings = _post_receipt(
        session, actor=actor, supplier_id=supplier_id, warehouse_id=warehouse_id, order=None, planned=planned,
        landed_cost_fen=landed_cost_fen, supplier_doc_no=supplier_doc_no, note=note, received_at=None)
    record(session, actor=actor, action="purchase_receipt.create", entity_type="purchase_receipt",
           entity_id=receipt.no, after={"goods_fen": receipt.goods_fen, "lines": len(receipt_lines)})
    return Received(receipt, receipt_lines, warnings)


def _post_receipt(session: Session, *, actor: Principal | None, supplier_id: int, warehouse_id: int,
                  order: PurchaseOrder | None, planned: Sequence[tuple[int | None, int, str, int, int, int, Any]],
                  landed_cost_fen: int, supplier_doc_no: str | None, note: str | None,
                  received_at: datetime | None) -> tuple[PurchaseReceipt, list[PurchaseReceiptLine], list[NegativeStock]]:
    if landed_cost_fen < 0:
        raise Invalid("到货费用不能为负", "landed costs cannot be negative", code="landed_cost", field="landed_cost_fen")
    tracked = set(session.scalars(select(Product.id).where(
        Product.id.in_({p[1] for p in planned}), Product.shelf_life_tracked.is_(True))))
    for i, (_no, product_id, *_rest, rl) in enumerate(planned):
        if product_id in tracked and not rl.batch_no:
            raise Invalid("该商品按批次管理：请填写批号和有效期", "this product is tracked by batch: give the batch and expiry",
                          code="batch_required", field=f"lines[{i}].batch_no")
        if rl.expiry_date is not None and rl.production_date is not None and rl.expiry_date < rl.production_date:
            raise Invalid("有效期早于生产日期", "expiry before production", code="expiry_date",
                          field=f"lines[{i}].expiry_date")
    now = received_at or utcnow()
    amounts = [amount_of(qty_m, factor, price) for (_n, _p, _u, factor, price, qty_m, _rl) in planned]
    landed = allocate(landed_cost_fen, amounts) if landed_cost_fen else [0] * len(planned)
    receipt = PurchaseReceipt(no=f"GR-{now.timestamp():.6f}", order_id=order.id if order else None,
                              supplier_id=supplier_id, warehouse_id=warehouse_id, received_at=now,
                              goods_fen=sum(amounts), landed_cost_fen=landed_cost_fen, supplier_doc_no=supplier_doc_no,
                              note=note, created_by=user_id_of(actor))
    session.add(receipt)
    session.flush()
    receipt.no = _number("GR", receipt.id, now)
    receipt_lines = []
    for i, ((order_line_no, product_id, unit_code, factor, price, qty_m, rl), amount, extra) in enumerate(
            zip(planned, amounts, landed, strict=True), start=1):
        receipt_lines.append(PurchaseReceiptLine(
            receipt_id=receipt.id, line_no=i, order_line_no=order_line_no, product_id=product_id, unit_code=unit_code,
            unit_factor=factor, qty_m=qty_m, price_fen=price, amount_fen=amount, landed_fen=extra,
            value_fen=amount + extra, batch_no=rl.batch_no, production_date=rl.production_date,
            expiry_date=rl.expiry_date))
    session.add_all(receipt_lines)
    session.flush()
    posting = post(session, [
        Movement(warehouse_id=warehouse_id, product_id=ln.product_id, kind="purchase_receipt", qty_m=ln.qty_m,
                 source_type="purchase_receipt", source_id=receipt.no, source_line=ln.line_no, occurred_at=now,
                 value_fen=ln.value_fen, batch_no=ln.batch_no, expiry_date=ln.expiry_date,
                 production_date=ln.production_date, user_id=user_id_of(actor),
                 note=f"{order.no} 到货" if order else note)
        for ln in receipt_lines], recorded_at=now)
    return receipt, receipt_lines, posting.warnings


def receipt_lines(session: Session, receipt_id: int) -> list[PurchaseReceiptLine]:
    return list(session.scalars(select(PurchaseReceiptLine).where(PurchaseReceiptLine.receipt_id == receipt_id)
                                .order_by(PurchaseReceiptLine.line_no)))


# ------------------------------------------------------------------ supplier returns

@dataclass(frozen=True)
class ReturnLineIn:
    product_id: int
    qty: Decimal
    unit_code: str | None = None
    price_fen: int | None = None
    """Credit per unit; default: the price of the receipt named, else the supplier's price."""
    batch_no: str | None = None


def return_to_supplier(session: Session, *, actor: Principal | None, supplier_id: int, warehouse_id: int,
                       lines: Sequence[ReturnLineIn], reason: str, receipt_id: int | None = None
                       ) -> tuple[SupplierReturn, list[NegativeStock]]:
    """采购退货: goods leave at their average cost (batch by batch, FEFO or the batch named); the
    supplier owes the purchase price back. Against a receipt, no more than it brought of a product
    can go back, counting earlier returns of it."""
    _supplier(session, supplier_id)
    _warehouse(session, warehouse_id)
    if not reason.strip():
        raise Invalid("退货需要填写原因", "a return needs a reason", code="reason_required", field="reason")
    if not lines:
        raise Invalid("退货单没有明细行", "the return has no lines", code="no_lines", field="lines")
    receipt = None
    received: dict[int, tuple[int, int, str, int]] = {}  # product → (qty, price, unit, factor) of the receipt
    if receipt_id is not None:
        receipt = session.get(PurchaseReceipt, receipt_id)
        if receipt is None or receipt.supplier_id != supplier_id:
            raise not_found("收货单", "receipt", "receipt_id", receipt_id)
        for rl in receipt_lines(session, receipt.id):
            qty, _p, _u, _f = received.get(rl.product_id, (0, rl.price_fen, rl.unit_code, rl.unit_factor))
            received[rl.product_id] = (qty + rl.qty_m, rl.price_fen, rl.unit_code, rl.unit_factor)
        for line in session.scalars(select(SupplierReturnLine).join(SupplierReturn).where(
                SupplierReturn.receipt_id == receipt.id)):
            qty, p, u, f = received[line.product_id]
            received[line.product_id] = (qty - line.qty_m, p, u, f)
    quotes = {sp.product_id: sp for sp in session.scalars(select(SupplierProduct).where(
        SupplierProduct.supplier_id == supplier_id, SupplierProduct.product_id.in_({ln.product_id for ln in lines})))}
    now = utcnow()
    doc = SupplierReturn(no=f"PR-{now.timestamp():.6f}", supplier_id=supplier_id, warehouse_id=warehouse_id,
                         receipt_id=receipt_id, returned_at=now, reason=reason, created_by=user_id_of(actor))
    session.add(doc)
    session.flush()
    doc.no = _number("PR", doc.id, now)
    out_lines = []
    for i, ln in enumerate(lines):
        product = session.get(Product, ln.product_id)
        if product is None:
            raise not_found("商品", "product", f"lines[{i}].product_id", ln.product_id)
        if ln.qty <= 0:
            raise Invalid("数量必须大于零", "quantity must be positive", code="qty", field=f"lines[{i}].qty")
        if receipt is not None:
            if ln.product_id not in received:
                raise Invalid(f"收货单 {receipt.no} 没有 {product.name}", f"receipt {receipt.no} has no {product.sku}",
                              code="return_line_unknown", field=f"lines[{i}].product_id")
            left, price, unit_code, factor = received[ln.product_id]
            if ln.unit_code and ln.unit_code != unit_code:
                factor, unit_code = _unit_factor(session, product, ln.unit_code, f"lines[{i}].unit_code"), ln.unit_code
                price = round_div(received[ln.product_id][1] * factor, received[ln.product_id][3])
        else:
            quoted = quotes.get(ln.product_id)
            unit_code = ln.unit_code or (quoted.unit_code if quoted else _base_unit(session, product))
            factor = _unit_factor(session, product, unit_code, f"lines[{i}].unit_code")
            price = quoted.price_fen if quoted and quoted.unit_code == unit_code else (
                round_div(quoted.price_fen * factor, quoted.unit_factor) if quoted else 0)
            left = None
        qty_m = to_milli(ln.qty) * factor
        if left is not None:
            if qty_m > left:
                raise Invalid(f"退货超过收货单未退数量（可退 {from_milli(left):g}）",
                              f"more than the receipt brought and has not gone back ({from_milli(left):g})",
                              code="return_exceeds_receipt", field=f"lines[{i}].qty")
            received[ln.product_id] = (left - qty_m, *received[ln.product_id][1:])
        price = ln.price_fen if ln.price_fen is not None else price
        out_lines.append(SupplierReturnLine(
            return_id=doc.id, line_no=i + 1, product_id=product.id, qty_m=qty_m, unit_code=unit_code,
            unit_factor=factor, price_fen=price, credit_fen=amount_of(qty_m, factor, price), batch_no=ln.batch_no))
    posting = post(session, [
        Movement(warehouse_id=warehouse_id, product_id=ln.product_id, kind="supplier_return", qty_m=-ln.qty_m,
                 source_type="supplier_return", source_id=doc.no, source_line=ln.line_no, occurred_at=now,
                 batch_no=ln.batch_no, user_id=user_id_of(actor), note=reason[:200])
        for ln in out_lines], recorded_at=now)
    for out_line, value in zip(out_lines, posting.values, strict=True):
        out_line.cost_fen = None if value is None else -value
    doc.credit_fen = sum(ln.credit_fen for ln in out_lines)
    doc.cost_fen = None if any(ln.cost_fen is None for ln in out_lines) else sum(ln.cost_fen or 0 for ln in out_lines)
    session.add_all(out_lines)
    session.flush()
    record(session, actor=actor, action="supplier_return.create", entity_type="supplier_return", entity_id=doc.no,
           after={"credit_fen": doc.credit_fen, "cost_fen": doc.cost_fen, "lines": len(out_lines)}, reason=reason)
    return doc, posting.warnings


# ------------------------------------------------------------------ cost corrections

def correct_cost(session: Session, *, actor: Principal | None, receipt_id: int, prices: dict[int, int],
                 reason: str) -> CostCorrection:
    """A late supplier invoice: receipt line → the right price per purchase unit. The difference
    on goods of the line still in the warehouse (at most what the warehouse holds now) revalues
    them; the rest is the cost variance of goods already gone. History is not rewritten."""
    if not reason.strip():
        raise Invalid("成本更正需要填写原因", "a cost correction needs a reason", code="reason_required",
                      field="reason")
    receipt = session.get(PurchaseReceipt, receipt_id)
    if receipt is None:
        raise not_found("收货单", "receipt", "receipt_id", receipt_id)
    lines = {ln.line_no: ln for ln in receipt_lines(session, receipt.id)}
    if not prices:
        raise Invalid("没有要更正的行", "no lines to correct", code="no_lines", field="lines")
    for no, price in prices.items():
        if no not in lines:
            raise not_found("收货单行", "receipt line", "lines.line_no", no)
        if price < 0:
            raise Invalid("单价不能为负", "a price cannot be negative", code="price", field="lines.price_fen")
    now = utcnow()
    doc = CostCorrection(no=f"CC-{now.timestamp():.6f}", receipt_id=receipt.id, corrected_at=now, reason=reason,
                         difference_fen=0, revalued_fen=0, variance_fen=0, created_by=user_id_of(actor))
    session.add(doc)
    session.flush()
    doc.no = _number("CC", doc.id, now)
    # the price each line stands at now: its receipt price, or the latest correction of it
    current = {no: ln.price_fen for no, ln in lines.items()}
    for c_line in session.scalars(select(CostCorrectionLine).join(CostCorrection).where(
            CostCorrection.receipt_id == receipt.id, CostCorrection.id != doc.id).order_by(CostCorrection.id)):
        current[c_line.receipt_line_no] = c_line.new_price_fen
    planned = []
    for no in sorted(prices):
        ln = lines[no]
        difference = amount_of(ln.qty_m, ln.unit_factor, prices[no]) - amount_of(ln.qty_m, ln.unit_factor, current[no])
        if difference == 0:
            continue
        held = cost_state(session, receipt.warehouse_id, ln.product_id).qty_m
        revalued_m = max(0, min(ln.qty_m, held))
        planned.append((ln, current[no], difference, revalued_m, round_div(difference * revalued_m, ln.qty_m)))
    if not planned:
        raise Invalid("新单价与现价相同，没有差额", "the new prices equal the current ones: nothing to correct",
                      code="no_difference", field="lines")
    posting = post(session, [
        Movement(warehouse_id=receipt.warehouse_id, product_id=ln.product_id, kind="revaluation", qty_m=0,
                 source_type="cost_correction", source_id=doc.no, source_line=ln.line_no, occurred_at=now,
                 value_fen=share, user_id=user_id_of(actor), note=f"{receipt.no} 成本更正 {reason}"[:200])
        for ln, _old, _diff, _m, share in planned], recorded_at=now)
    for (ln, old, difference, revalued_m, _share), value in zip(planned, posting.values, strict=True):
        revalued = value or 0
        session.add(CostCorrectionLine(
            correction_id=doc.id, receipt_line_no=ln.line_no, product_id=ln.product_id, old_price_fen=old,
            new_price_fen=prices[ln.line_no], difference_fen=difference, revalued_m=revalued_m, revalued_fen=revalued,
            variance_fen=difference - revalued))
        doc.difference_fen += difference
        doc.revalued_fen += revalued
        doc.variance_fen += difference - revalued
    session.flush()
    record(session, actor=actor, action="purchase_receipt.correct_cost", entity_type="purchase_receipt",
           entity_id=receipt.no, after={"correction": doc.no, "difference_fen": doc.difference_fen,
                                        "revalued_fen": doc.revalued_fen, "variance_fen": doc.variance_fen},
           reason=reason)
    return doc


# ------------------------------------------------------------------ price history

@dataclass(frozen=True)
class PricePoint:
    received_at: datetime
    supplier_id: int
    product_id: int
    receipt_no: str
    unit_code: str
    unit_factor: int
    price_fen: int
    qty_m: int
    corrected_price_fen: int | None


def price_history(session: Session, *, product_id: int | None = None, supplier_id: int | None = None,
                  limit: int = 200) -> list[PricePoint]:
    """What was paid, receipt by receipt, newest first (with the price a later correction set)."""
    stmt = (select(PurchaseReceiptLine, PurchaseReceipt.received_at, PurchaseReceipt.supplier_id, PurchaseReceipt.no,
                   PurchaseReceipt.id)
            .join(PurchaseReceipt, PurchaseReceipt.id == PurchaseReceiptLine.receipt_id)
            .order_by(PurchaseReceipt.received_at.desc(), PurchaseReceiptLine.line_no).limit(limit))
    if product_id is not None:
        stmt = stmt.where(PurchaseReceiptLine.product_id == product_id)
    if supplier_id is not None:
        stmt = stmt.where(PurchaseReceipt.supplier_id == supplier_id)
    rows = session.execute(stmt).all()
    corrected: dict[tuple[int, int], int] = {}
    receipt_ids = {r[4] for r in rows}
    if receipt_ids:
        for rid, no, price in session.execute(
                select(CostCorrection.receipt_id, CostCorrectionLine.receipt_line_no, CostCorrectionLine.new_price_fen)
                .join(CostCorrection).where(CostCorrection.receipt_id.in_(receipt_ids)).order_by(CostCorrection.id)):
            corrected[(rid, no)] = price
    return [PricePoint(at, sup, ln.product_id, no, ln.unit_code, ln.unit_factor, ln.price_fen, ln.qty_m,
                       corrected.get((rid, ln.line_no))) for ln, at, sup, no, rid in rows]
