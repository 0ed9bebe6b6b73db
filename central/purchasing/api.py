"""Purchasing API (采购): supplier prices, purchase orders (submit, approve, reject, cancel with a
reason), receipts in several arrivals, supplier returns, cost corrections, price history, settings.

Store-scoped callers (a store manager) see only their store's warehouses' orders and receipts.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import Fen, OptLong, RefId, Strict, text
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.errors import Invalid, not_found
from central.inventory.quantities import from_milli
from central.org.models import Warehouse
from central.purchasing import reorder as reorder_rules
from central.purchasing import service
from central.purchasing.models import (
    ORDER_STATUSES,
    PurchaseOrder,
    PurchaseOrderLine,
    PurchaseReceipt,
    PurchaseReceiptLine,
    SupplierProduct,
    SupplierReturn,
)

router = APIRouter(tags=["purchasing 采购"])

Reader = Annotated[Principal, require(P.PURCHASING_READ, devices=False)]
Writer = Annotated[Principal, require(P.PURCHASING_WRITE, devices=False)]
Approver = Annotated[Principal, require(P.PURCHASING_APPROVE, devices=False)]
Qty = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=3, description="in the line's unit")]
Reason = text(200)


# ------------------------------------------------------------------ schemas

class SettingsOut(BaseModel):
    approval_threshold_fen: int
    over_receipt_tolerance_bp: int


class SettingsIn(Strict):
    approval_threshold_fen: Fen | None = None
    over_receipt_tolerance_bp: int | None = Field(default=None, ge=0, le=5000)


class SupplierPriceIn(Strict):
    supplier_id: RefId
    product_id: RefId
    unit_code: text(16) = "pc"  # type: ignore[valid-type]
    price_fen: Fen
    lead_time_days: int = Field(default=3, ge=0, le=365)
    min_order_units: int = Field(default=1, ge=1, le=1_000_000)
    supplier_sku: text(40) | None = None  # type: ignore[valid-type]
    preferred: bool = True


class SupplierPriceOut(BaseModel):
    id: int
    supplier_id: int
    product_id: int
    unit_code: str
    unit_factor: int
    price_fen: int
    lead_time_days: int
    min_order_units: int
    supplier_sku: str | None
    preferred: bool


class OrderLineIn(Strict):
    product_id: RefId
    qty: Qty
    unit_code: text(16) | None = None  # type: ignore[valid-type]
    price_fen: Fen | None = Field(default=None, description="per unit; default: the supplier's price")
    expected_date: date | None = None


class OrderIn(Strict):
    supplier_id: RefId
    warehouse_id: RefId
    expected_date: date | None = None
    note: text(500) | None = None  # type: ignore[valid-type]
    lines: list[OrderLineIn] = Field(min_length=1, max_length=service.MAX_LINES)
    submit: bool = Field(default=False, description="submit at once (approved up to the approval amount)")


class OrderPatch(Strict):
    expected_date: date | None = None
    note: text(500) | None = None  # type: ignore[valid-type]
    lines: list[OrderLineIn] | None = Field(default=None, min_length=1, max_length=service.MAX_LINES)


class OrderLineOut(BaseModel):
    line_no: int
    product_id: int
    unit_code: str
    unit_factor: int
    qty: Decimal
    """Ordered, in the line's unit."""
    received_qty: Decimal
    cancelled_qty: Decimal
    open_qty: Decimal
    price_fen: int
    amount_fen: int
    expected_date: date | None


class OrderOut(BaseModel):
    id: int
    no: str
    supplier_id: int
    warehouse_id: int
    status: str
    expected_date: date | None
    total_fen: int
    note: str | None
    source: str
    created_by: int | None
    created_at: datetime
    submitted_at: datetime | None
    approved_by: int | None
    approved_at: datetime | None
    closed_at: datetime | None
    close_reason: str | None


class OrderDetail(OrderOut):
    lines: list[OrderLineOut]
    receipts: list[str]


class ReasonIn(Strict):
    reason: Reason  # type: ignore[valid-type]


class CancelIn(Strict):
    reason: Reason  # type: ignore[valid-type]
    line_nos: list[Annotated[int, Field(ge=1)]] | None = Field(default=None, max_length=service.MAX_LINES,
                                                              description="only these lines' open quantities")


class ReceiptLineIn(Strict):
    order_line_no: int | None = Field(default=None, ge=1)
    product_id: RefId | None = None
    qty: Qty
    unit_code: text(16) | None = None  # type: ignore[valid-type]
    price_fen: Fen | None = None
    batch_no: text(40) | None = None  # type: ignore[valid-type]
    production_date: date | None = None
    expiry_date: date | None = None


class ReceiveIn(Strict):
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=service.MAX_LINES)
    landed_cost_fen: Fen = 0
    supplier_doc_no: text(40) | None = None  # type: ignore[valid-type]
    note: OptLong = None
    approve_over_receipt: bool = False


class DirectReceiptIn(ReceiveIn):
    supplier_id: RefId
    warehouse_id: RefId


class ReceiptLineOut(BaseModel):
    line_no: int
    order_line_no: int | None
    product_id: int
    unit_code: str
    unit_factor: int
    qty: Decimal
    price_fen: int
    amount_fen: int
    landed_fen: int
    value_fen: int
    batch_no: str | None
    production_date: date | None
    expiry_date: date | None


class ReceiptOut(BaseModel):
    id: int
    no: str
    order_id: int | None
    supplier_id: int
    warehouse_id: int
    received_at: datetime
    goods_fen: int
    landed_cost_fen: int
    supplier_doc_no: str | None
    over_receipt_approved_by: int | None
    note: str | None


class ReceiptDetail(ReceiptOut):
    lines: list[ReceiptLineOut]
    negative_stock: list[dict[str, int]] = []


class ReturnLineIn(Strict):
    product_id: RefId
    qty: Qty
    unit_code: text(16) | None = None  # type: ignore[valid-type]
    price_fen: Fen | None = None
    batch_no: text(40) | None = None  # type: ignore[valid-type]


class ReturnIn(Strict):
    supplier_id: RefId
    warehouse_id: RefId
    receipt_id: RefId | None = None
    reason: Reason  # type: ignore[valid-type]
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=service.MAX_LINES)


class ReturnOut(BaseModel):
    id: int
    no: str
    supplier_id: int
    warehouse_id: int
    receipt_id: int | None
    returned_at: datetime
    credit_fen: int
    cost_fen: int | None
    reason: str


class CorrectionLineIn(Strict):
    line_no: int = Field(ge=1)
    price_fen: Fen


class CorrectionIn(Strict):
    reason: Reason  # type: ignore[valid-type]
    lines: list[CorrectionLineIn] = Field(min_length=1, max_length=service.MAX_LINES)


class CorrectionOut(BaseModel):
    no: str
    receipt_id: int
    difference_fen: int
    revalued_fen: int
    variance_fen: int


class PricePointOut(BaseModel):
    received_at: datetime
    supplier_id: int
    product_id: int
    receipt_no: str
    unit_code: str
    unit_factor: int
    price_fen: int
    qty: Decimal
    corrected_price_fen: int | None


# ------------------------------------------------------------------ helpers

def _visible_warehouse(session: Session, who: Principal, warehouse_id: int, field: str = "warehouse_id") -> None:
    wh = session.get(Warehouse, warehouse_id)
    if wh is None:
        raise not_found("仓库", "warehouse", field, warehouse_id)
    who.check_store(wh.store_id, field)


def _visible_order(session: Session, who: Principal, order_id: int) -> PurchaseOrder:
    order = service.get_order(session, order_id)
    _visible_warehouse(session, who, order.warehouse_id)
    return order


def _order_out(order: PurchaseOrder) -> dict[str, Any]:
    return {k: getattr(order, k) for k in OrderOut.model_fields}


def _line_out(ln: PurchaseOrderLine) -> OrderLineOut:
    def units(m: int) -> Decimal:
        return from_milli(m // ln.unit_factor) if m % ln.unit_factor == 0 else from_milli(round(m / ln.unit_factor))

    return OrderLineOut(line_no=ln.line_no, product_id=ln.product_id, unit_code=ln.unit_code,
                        unit_factor=ln.unit_factor, qty=units(ln.ordered_m), received_qty=units(ln.received_m),
                        cancelled_qty=units(ln.cancelled_m), open_qty=units(ln.open_m), price_fen=ln.price_fen,
                        amount_fen=ln.amount_fen, expected_date=ln.expected_date)


def order_detail(session: Session, order: PurchaseOrder) -> dict[str, Any]:
    receipts = list(session.scalars(select(PurchaseReceipt.no).where(PurchaseReceipt.order_id == order.id)
                                    .order_by(PurchaseReceipt.id)))
    return {**_order_out(order), "lines": [_line_out(ln) for ln in service.order_lines(session, order.id)],
            "receipts": receipts}


def _receipt_line_out(ln: PurchaseReceiptLine) -> ReceiptLineOut:
    return ReceiptLineOut(line_no=ln.line_no, order_line_no=ln.order_line_no, product_id=ln.product_id,
                          unit_code=ln.unit_code, unit_factor=ln.unit_factor,
                          qty=from_milli(round(ln.qty_m / ln.unit_factor)), price_fen=ln.price_fen,
                          amount_fen=ln.amount_fen, landed_fen=ln.landed_fen, value_fen=ln.value_fen,
                          batch_no=ln.batch_no, production_date=ln.production_date, expiry_date=ln.expiry_date)


def receipt_detail(receipt: PurchaseReceipt, lines: list[PurchaseReceiptLine],
                   warnings: list[Any] | None = None) -> dict[str, Any]:
    return {**{k: getattr(receipt, k) for k in ReceiptOut.model_fields},
            "lines": [_receipt_line_out(ln) for ln in lines],
            "negative_stock": [w.__dict__ for w in warnings or []]}


def _lines(body: list[OrderLineIn]) -> list[service.OrderLineIn]:
    return [service.OrderLineIn(product_id=ln.product_id, qty=ln.qty, unit_code=ln.unit_code, price_fen=ln.price_fen,
                                expected_date=ln.expected_date) for ln in body]


def _receipt_lines(body: list[ReceiptLineIn]) -> list[service.ReceiptLineIn]:
    return [service.ReceiptLineIn(order_line_no=ln.order_line_no, qty=ln.qty, product_id=ln.product_id,
                                  unit_code=ln.unit_code, price_fen=ln.price_fen, batch_no=ln.batch_no,
                                  production_date=ln.production_date, expiry_date=ln.expiry_date) for ln in body]


# ------------------------------------------------------------------ settings, supplier prices

@router.get("/purchasing/settings", response_model=SettingsOut, summary="采购设置 / purchasing settings")
def get_settings(session: SessionDep, _who: Reader) -> Any:
    return service.settings(session)


@router.patch("/purchasing/settings", response_model=SettingsOut,
              summary="修改采购设置 / set the approval amount and over-receipt tolerance")
def patch_settings(body: SettingsIn, session: SessionDep, who: Approver) -> Any:
    return service.update_settings(session, actor=who, approval_threshold_fen=body.approval_threshold_fen,
                                   over_receipt_tolerance_bp=body.over_receipt_tolerance_bp)


@router.get("/purchasing/supplier-prices", response_model=Page[SupplierPriceOut],
            summary="供应商报价 / what suppliers charge for products")
def list_supplier_prices(session: SessionDep, _who: Reader, page: PageDep, supplier_id: IdQuery = None,
                         product_id: IdQuery = None) -> Any:
    stmt = select(SupplierProduct).order_by(SupplierProduct.supplier_id, SupplierProduct.product_id)
    if supplier_id is not None:
        stmt = stmt.where(SupplierProduct.supplier_id == supplier_id)
    if product_id is not None:
        stmt = stmt.where(SupplierProduct.product_id == product_id)
    return paginate(session, stmt, page, lambda r: SupplierPriceOut.model_validate(r, from_attributes=True))


@router.put("/purchasing/supplier-prices", response_model=SupplierPriceOut,
            summary="设置供应商报价 / set a supplier's price for a product")
def put_supplier_price(body: SupplierPriceIn, session: SessionDep, who: Writer) -> Any:
    row = service.set_supplier_price(session, actor=who, **body.model_dump())
    return SupplierPriceOut.model_validate(row, from_attributes=True)


@router.get("/purchasing/price-history", response_model=list[PricePointOut],
            summary="进价历史 / purchase prices paid, receipt by receipt")
def get_price_history(session: SessionDep, _who: Annotated[Principal, require(P.PURCHASING_READ, P.COSTS_READ,
                                                                              devices=False)],
                      product_id: IdQuery = None, supplier_id: IdQuery = None,
                      limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> Any:
    return [PricePointOut(received_at=p.received_at, supplier_id=p.supplier_id, product_id=p.product_id,
                          receipt_no=p.receipt_no, unit_code=p.unit_code, unit_factor=p.unit_factor,
                          price_fen=p.price_fen, qty=from_milli(round(p.qty_m / p.unit_factor)),
                          corrected_price_fen=p.corrected_price_fen)
            for p in service.price_history(session, product_id=product_id, supplier_id=supplier_id, limit=limit)]


# ------------------------------------------------------------------ orders

@router.get("/purchasing/orders", response_model=Page[OrderOut], summary="采购订单 / purchase orders")
def list_orders(session: SessionDep, who: Reader, page: PageDep, supplier_id: IdQuery = None,
                warehouse_id: IdQuery = None,
                status: Annotated[Literal[ORDER_STATUSES] | None, Query()] = None,  # type: ignore[valid-type]
                open_only: Annotated[bool, Query(alias="open", description="only orders still expecting goods")] = False
                ) -> Any:
    stmt = select(PurchaseOrder).order_by(PurchaseOrder.id.desc())
    if who.store_id is not None:
        stmt = stmt.join(Warehouse, Warehouse.id == PurchaseOrder.warehouse_id).where(Warehouse.store_id == who.store_id)
    for column, value in ((PurchaseOrder.supplier_id, supplier_id), (PurchaseOrder.warehouse_id, warehouse_id),
                          (PurchaseOrder.status, status)):
        if value is not None:
            stmt = stmt.where(column == value)
    if open_only:
        stmt = stmt.where(PurchaseOrder.status.in_(("approved", "partially_received")))
    return paginate(session, stmt, page, _order_out)


@router.post("/purchasing/orders", response_model=OrderDetail, status_code=201,
             summary="新建采购订单 / draft a purchase order (optionally submit it)")
def post_order(body: OrderIn, session: SessionDep, who: Writer) -> Any:
    _visible_warehouse(session, who, body.warehouse_id)
    order = service.create_order(session, actor=who, supplier_id=body.supplier_id, warehouse_id=body.warehouse_id,
                                 lines=_lines(body.lines), expected_date=body.expected_date, note=body.note)
    if body.submit:
        order = service.submit_order(session, actor=who, order_id=order.id)
    return order_detail(session, order)


@router.get("/purchasing/orders/{order_id}", response_model=OrderDetail, summary="采购订单详情 / one purchase order")
def get_order(order_id: IdPath, session: SessionDep, who: Reader) -> Any:
    return order_detail(session, _visible_order(session, who, order_id))


@router.patch("/purchasing/orders/{order_id}", response_model=OrderDetail, summary="修改草稿 / change a draft")
def patch_order(order_id: IdPath, body: OrderPatch, session: SessionDep, who: Writer) -> Any:
    _visible_order(session, who, order_id)
    order = service.update_order(session, actor=who, order_id=order_id,
                                 lines=None if body.lines is None else _lines(body.lines),
                                 expected_date=body.expected_date, note=body.note)
    return order_detail(session, order)


@router.post("/purchasing/orders/{order_id}/submit", response_model=OrderDetail,
             summary="提交 / submit (approved at once up to the approval amount)")
def submit(order_id: IdPath, session: SessionDep, who: Writer) -> Any:
    _visible_order(session, who, order_id)
    return order_detail(session, service.submit_order(session, actor=who, order_id=order_id))


@router.post("/purchasing/orders/{order_id}/approve", response_model=OrderDetail, summary="审批 / approve")
def approve(order_id: IdPath, session: SessionDep, who: Approver) -> Any:
    _visible_order(session, who, order_id)
    return order_detail(session, service.approve_order(session, actor=who, order_id=order_id))


@router.post("/purchasing/orders/{order_id}/reject", response_model=OrderDetail,
             summary="驳回 / send back to draft with a reason")
def reject(order_id: IdPath, body: ReasonIn, session: SessionDep, who: Approver) -> Any:
    _visible_order(session, who, order_id)
    return order_detail(session, service.reject_order(session, actor=who, order_id=order_id, reason=body.reason))


@router.post("/purchasing/orders/{order_id}/cancel", response_model=OrderDetail,
             summary="取消未到部分 / cancel what has not arrived, with a reason")
def cancel(order_id: IdPath, body: CancelIn, session: SessionDep, who: Writer) -> Any:
    _visible_order(session, who, order_id)
    return order_detail(session, service.cancel_order(session, actor=who, order_id=order_id, reason=body.reason,
                                                      line_nos=body.line_nos))


@router.post("/purchasing/orders/{order_id}/receipts", response_model=ReceiptDetail, status_code=201,
             summary="到货入库 / receive an arrival against the order (the rest stays open)")
def post_receipt(order_id: IdPath, body: ReceiveIn, session: SessionDep, who: Annotated[
        Principal, require(P.PURCHASING_WRITE, devices=False)]) -> Any:
    _visible_order(session, who, order_id)
    done = service.receive(session, actor=who, order_id=order_id, lines=_receipt_lines(body.lines),
                           landed_cost_fen=body.landed_cost_fen, supplier_doc_no=body.supplier_doc_no, note=body.note,
                           approve_over_receipt=body.approve_over_receipt,
                           may_approve=who.has(P.PURCHASING_APPROVE))
    return receipt_detail(done.receipt, done.lines, done.warnings)


# ------------------------------------------------------------------ receipts, returns, corrections

@router.post("/purchasing/receipts", response_model=ReceiptDetail, status_code=201,
             summary="无订单收货 / goods received without an order")
def post_direct_receipt(body: DirectReceiptIn, session: SessionDep, who: Writer) -> Any:
    _visible_warehouse(session, who, body.warehouse_id)
    done = service.receive_without_order(session, actor=who, supplier_id=body.supplier_id,
                                         warehouse_id=body.warehouse_id, lines=_receipt_lines(body.lines),
                                         landed_cost_fen=body.landed_cost_fen, supplier_doc_no=body.supplier_doc_no,
                                         note=body.note)
    return receipt_detail(done.receipt, done.lines, done.warnings)


@router.get("/purchasing/receipts", response_model=Page[ReceiptOut], summary="收货单 / receipts")
def list_receipts(session: SessionDep, who: Reader, page: PageDep, order_id: IdQuery = None,
                  supplier_id: IdQuery = None, warehouse_id: IdQuery = None) -> Any:
    stmt = select(PurchaseReceipt).order_by(PurchaseReceipt.id.desc())
    if who.store_id is not None:
        stmt = stmt.join(Warehouse, Warehouse.id == PurchaseReceipt.warehouse_id).where(
            Warehouse.store_id == who.store_id)
    for column, value in ((PurchaseReceipt.order_id, order_id), (PurchaseReceipt.supplier_id, supplier_id),
                          (PurchaseReceipt.warehouse_id, warehouse_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    return paginate(session, stmt, page, lambda r: {k: getattr(r, k) for k in ReceiptOut.model_fields})


@router.get("/purchasing/receipts/{receipt_id}", response_model=ReceiptDetail, summary="收货单详情 / one receipt")
def get_receipt(receipt_id: IdPath, session: SessionDep, who: Reader) -> Any:
    receipt = session.get(PurchaseReceipt, receipt_id)
    if receipt is None:
        raise not_found("收货单", "receipt", "receipt_id", receipt_id)
    _visible_warehouse(session, who, receipt.warehouse_id)
    return receipt_detail(receipt, service.receipt_lines(session, receipt.id))


@router.post("/purchasing/receipts/{receipt_id}/cost-corrections", response_model=CorrectionOut, status_code=201,
             summary="成本更正 / a late supplier invoice: revalue what is on hand, report the rest as variance")
def post_correction(receipt_id: IdPath, body: CorrectionIn, session: SessionDep, who: Approver) -> Any:
    receipt = session.get(PurchaseReceipt, receipt_id)
    if receipt is None:
        raise not_found("收货单", "receipt", "receipt_id", receipt_id)
    _visible_warehouse(session, who, receipt.warehouse_id)
    doc = service.correct_cost(session, actor=who, receipt_id=receipt_id,
                               prices={ln.line_no: ln.price_fen for ln in body.lines}, reason=body.reason)
    return CorrectionOut(no=doc.no, receipt_id=doc.receipt_id, difference_fen=doc.difference_fen,
                         revalued_fen=doc.revalued_fen, variance_fen=doc.variance_fen)


@router.post("/purchasing/returns", response_model=ReturnOut, status_code=201,
             summary="采购退货 / return goods to a supplier")
def post_return(body: ReturnIn, session: SessionDep, who: Writer) -> Any:
    _visible_warehouse(session, who, body.warehouse_id)
    doc, _warnings = service.return_to_supplier(
        session, actor=who, supplier_id=body.supplier_id, warehouse_id=body.warehouse_id, receipt_id=body.receipt_id,
        reason=body.reason, lines=[service.ReturnLineIn(product_id=ln.product_id, qty=ln.qty, unit_code=ln.unit_code,
                                                        price_fen=ln.price_fen, batch_no=ln.batch_no)
                                   for ln in body.lines])
    return {k: getattr(doc, k) for k in ReturnOut.model_fields}


@router.get("/purchasing/returns", response_model=Page[ReturnOut], summary="采购退货单 / supplier returns")
def list_returns(session: SessionDep, who: Reader, page: PageDep, supplier_id: IdQuery = None) -> Any:
    stmt = select(SupplierReturn).order_by(SupplierReturn.id.desc())
    if who.store_id is not None:
        stmt = stmt.join(Warehouse, Warehouse.id == SupplierReturn.warehouse_id).where(
            Warehouse.store_id == who.store_id)
    if supplier_id is not None:
        stmt = stmt.where(SupplierReturn.supplier_id == supplier_id)
    return paginate(session, stmt, page, lambda r: {k: getattr(r, k) for k in ReturnOut.model_fields})


# ------------------------------------------------------------------ reorder

class DraftIn(Strict):
    warehouse_id: RefId
    product_ids: list[RefId] | None = Field(default=None, max_length=50_000,
                                            description="only these suggestions (default: all)")
    quantities: dict[str, Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)]] | None = Field(
        default=None, description="product id → units to order instead of the suggestion (0 = skip)")
    window_days: int = Field(default=reorder_rules.DEFAULT_WINDOW_DAYS, ge=1, le=365)


class DraftOut(BaseModel):
    orders: list[OrderOut]
    skipped_product_ids: list[int]


@router.get("/purchasing/reorder", summary="补货建议 / suggested reorder for a warehouse, with its inputs",
            description="Estimated stock = on hand − to ship + to receive; average daily sales over the window; lead "
                        "time; minimum, maximum or days of cover; the suggestion in purchase units (boxes). "
                        "The same as `pos-central report reorder --json`.")
def get_reorder(session: SessionDep, who: Reader, warehouse_id: Annotated[int, Query(ge=1)],
                window_days: Annotated[int, Query(ge=1, le=365)] = reorder_rules.DEFAULT_WINDOW_DAYS,
                all_products: Annotated[bool, Query(alias="all", description="also products needing nothing")] = False
                ) -> dict[str, Any]:
    _visible_warehouse(session, who, warehouse_id)
    return reorder_rules.reorder(session, warehouse_id=warehouse_id, window_days=window_days,
                                 include_all=all_products).to_json()


@router.post("/purchasing/reorder/draft-orders", response_model=DraftOut, status_code=201,
             summary="一键生成采购订单 / draft one purchase order per supplier from the suggestions")
def post_draft_orders(body: DraftIn, session: SessionDep, who: Writer) -> Any:
    _visible_warehouse(session, who, body.warehouse_id)
    quantities = None
    if body.quantities is not None:
        try:
            quantities = {int(k): v for k, v in body.quantities.items()}
        except ValueError:
            raise Invalid("quantities 的键应为商品 id", "quantities are keyed by product id", code="validation_error",
                          field="quantities") from None
    drafted = reorder_rules.draft_orders(session, actor=who, warehouse_id=body.warehouse_id,
                                         product_ids=body.product_ids, window_days=body.window_days,
                                         quantities=quantities)
    orders = [_order_out(service.get_order(session, oid)) for oid in drafted.order_ids]
    return {"orders": orders, "skipped_product_ids": drafted.skipped}
