"""Console area 采购 (`/purchasing`): what to reorder (with every input shown) and drafting the orders
from it in one click; purchase orders — submit, approve, send back, cancel what has not come, and
receive an order in as many arrivals as it takes, with batches and expiry dates.

Everything goes through the same services as the API (`central.purchasing.service`, `.reorder`),
which check, audit and move stock; a store manager sees their store's warehouses only.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.api.deps import IdPath, SessionDep
from central.auth.roles import Permission as P
from central.catalog.models import Product, Supplier
from central.console.exporting import ListExport, export_url, list_page, wants_export
from central.console.i18n import register
from central.console.listing import Listing, Sort
from central.console.web import NAV, ConsoleRoute, NavItem, Viewer, page, render
from central.errors import DomainError, Invalid
from central.excel import Column, Kind
from central.org.models import Warehouse
from central.purchasing import reorder as reorder_rules
from central.purchasing import service
from central.purchasing.models import ORDER_STATUSES, PurchaseOrder, PurchaseReceipt

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/purchasing/reorder", "补货建议", (P.PURCHASING_READ,)))
NAV.append(NavItem("/purchasing/orders", "采购订单", (P.PURCHASING_READ,)))

Reader = Annotated[Viewer, page(P.PURCHASING_READ)]
Writer = Annotated[Viewer, page(P.PURCHASING_WRITE)]
Approver = Annotated[Viewer, page(P.PURCHASING_APPROVE)]

STATUS_TONES = {"approved": "ok", "received": "ok", "pending_approval": "warn", "partially_received": "warn",
                "closed": "bad", "cancelled": "bad"}
STATUS_NAMES = {"draft": "草稿", "pending_approval": "待审批", "approved": "已审批", "partially_received": "部分到货",
                "received": "已到齐", "closed": "已结案", "cancelled": "已取消"}


def _warehouses(session: Session, viewer: Viewer) -> list[Warehouse]:
    stmt = select(Warehouse).where(Warehouse.active.is_(True)).order_by(Warehouse.store_id.is_not(None), Warehouse.code)
    if viewer.principal.store_id is not None:
        stmt = stmt.where(Warehouse.store_id == viewer.principal.store_id)
    return list(session.scalars(stmt))


def _visible_order(session: Session, viewer: Viewer, order_id: int) -> PurchaseOrder:
    order = service.get_order(session, order_id)
    wh = session.get(Warehouse, order.warehouse_id)
    viewer.principal.check_store(wh.store_id if wh else None, "order_id")
    return order


# ------------------------------------------------------------------ reorder

@router.get("/purchasing/reorder")
def reorder_page(request: Request, viewer: Reader, session: SessionDep, warehouse: str | None = None,
                 window: int = reorder_rules.DEFAULT_WINDOW_DAYS) -> Response:
    choices = _warehouses(session, viewer)
    chosen = next((w for w in choices if w.code == warehouse), choices[0] if choices else None)
    plan = None
    tracked: set[int] = set()
    if chosen is not None:
        plan = reorder_rules.reorder(session, warehouse_id=chosen.id, window_days=max(1, min(window, 365)))
        ids = [s.product_id for s in plan.suggestions]
        if ids:
            tracked = set(session.scalars(select(Product.id).where(Product.id.in_(ids),
                                                                   Product.shelf_life_tracked.is_(True))))
    if wants_export(request):
        return REORDER_EXPORT.response(viewer, ([
            s.sku, s.name, s.on_hand_m, s.to_ship_m, s.to_receive_m, s.estimated_m, s.daily_m, s.lead_time_days,
            s.min_m, s.max_m, s.reorder_point_m, s.target_m, s.suggest_units, s.unit_code, s.unit_factor,
            s.supplier_name, s.price_fen, s.amount_fen] for s in (plan.suggestions if plan else [])),
            suffix=f"-{chosen.code}" if chosen else "")
    return render(request, viewer, "purchasing/reorder.html", warehouses=choices, chosen=chosen, plan=plan,
                  tracked=tracked, window=window, drafted=request.query_params.get("drafted"),
                  export_url=export_url(request))


REORDER_EXPORT = ListExport("补货建议", "Reorder suggestions", [
    Column("商品编码", "SKU"), Column("商品", "Product", width=28), Column("库存", "On hand", Kind.QTY),
    Column("待发", "To ship", Kind.QTY), Column("在途", "To receive", Kind.QTY), Column("预计库存", "Estimated", Kind.QTY),
    Column("日均销量", "Daily sales", Kind.QTY), Column("提前期（天）", "Lead time (days)", Kind.INT),
    Column("下限", "Minimum", Kind.QTY), Column("上限", "Maximum", Kind.QTY), Column("补货点", "Reorder point", Kind.QTY),
    Column("目标", "Target", Kind.QTY), Column("建议数量", "Suggested", Kind.INT), Column("单位", "Unit"),
    Column("换算", "Factor", Kind.INT), Column("供应商", "Supplier", width=24),
    Column("进价（元）", "Price (yuan)", Kind.MONEY), Column("金额（元）", "Amount (yuan)", Kind.MONEY)])


@router.post("/purchasing/reorder")
async def draft_from_reorder(request: Request, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    wh = session.scalar(select(Warehouse).where(Warehouse.code == str(form.get("warehouse", ""))))
    if wh is None:
        raise Invalid("请选择仓库", "choose a warehouse", code="warehouse", field="warehouse")
    viewer.principal.check_store(wh.store_id, "warehouse")
    chosen = [int(str(v)) for v in form.getlist("product_id") if str(v).isdigit()]
    if not chosen:
        raise Invalid("请勾选要下单的商品", "tick the products to order", code="nothing_chosen", field="product_id")
    quantities = {}
    for pid in chosen:
        raw = str(form.get(f"units_{pid}", "")).strip()
        if raw:
            try:
                quantities[pid] = Decimal(raw)
            except InvalidOperation:
                raise Invalid(f"数量不对：{raw}", f"not a quantity: {raw}", code="qty", field=f"units_{pid}") from None
    drafted = reorder_rules.draft_orders(session, actor=viewer.principal, warehouse_id=wh.id, product_ids=chosen,
                                         quantities=quantities)
    if len(drafted.order_ids) == 1:
        return RedirectResponse(f"/purchasing/orders/{drafted.order_ids[0]}?drafted=1", status_code=303)
    return RedirectResponse(f"/purchasing/orders?status=draft&drafted={len(drafted.order_ids)}", status_code=303)


# ------------------------------------------------------------------ orders

ORDERS = Listing(sorts=[Sort("id", "订单号", PurchaseOrder.id), Sort("total", "合计", PurchaseOrder.total_fen)],
                 tiebreak=PurchaseOrder.id, default_sort="id", default_desc=True)
ORDER_EXPORT = ListExport("采购订单", "Purchase orders", [
    Column("订单号", "Order no."), Column("供应商", "Supplier", width=24), Column("仓库", "Warehouse"),
    Column("状态", "Status"), Column("合计（元）", "Total (yuan)", Kind.MONEY), Column("预计到货", "Expected", Kind.DATE),
    Column("来源", "Source"), Column("制单", "Created", Kind.DATETIME)])


@router.get("/purchasing/orders")
def orders_page(request: Request, viewer: Reader, session: SessionDep, status: str | None = None) -> Response:
    stmt = select(PurchaseOrder)
    if viewer.principal.store_id is not None:
        stmt = stmt.join(Warehouse, Warehouse.id == PurchaseOrder.warehouse_id).where(
            Warehouse.store_id == viewer.principal.store_id)
    if status in ORDER_STATUSES:
        stmt = stmt.where(PurchaseOrder.status == status)
    suppliers = dict(session.execute(select(Supplier.id, Supplier.name)).all())
    warehouses = {w.id: w.code for w in session.scalars(select(Warehouse))}

    def cells(o: PurchaseOrder) -> list[Any]:
        return [o.no, suppliers.get(o.supplier_id), warehouses.get(o.warehouse_id), viewer.t(STATUS_NAMES[o.status]),
                o.total_fen, o.expected_date, viewer.t("补货建议" if o.source == "reorder" else "手工"), o.created_at]

    return list_page(request, viewer, session, ORDERS, stmt, template="purchasing/orders.html", export=ORDER_EXPORT,
                     cells=cells, statuses=STATUS_NAMES, tones=STATUS_TONES, status_filter=status or "",
                     suppliers=suppliers, warehouses=warehouses, drafted=request.query_params.get("drafted"))


@router.get("/purchasing/orders/{order_id}")
def order_page(request: Request, order_id: IdPath, viewer: Reader, session: SessionDep) -> Response:
    return _order_view(request, viewer, session, order_id)


def _order_view(request: Request, viewer: Viewer, session: Session, order_id: int, *,
                flash_error: str | None = None, status: int = 200) -> Response:
    order = _visible_order(session, viewer, order_id)
    lines = service.order_lines(session, order.id)
    products = {p.id: p for p in session.scalars(select(Product).where(Product.id.in_([ln.product_id for ln in lines])))}
    receipts = list(session.scalars(select(PurchaseReceipt).where(PurchaseReceipt.order_id == order.id)
                                    .order_by(PurchaseReceipt.id)))
    arrivals = {r.id: service.receipt_lines(session, r.id) for r in receipts}
    notes = {"drafted": "已由补货建议生成草稿，请核对后提交", "submitted": "已提交", "approved": "已审批",
             "rejected": "已驳回", "cancelled": "未到部分已取消", "received": "已收货入库"}
    flash = next((viewer.t(text) for key, text in notes.items() if request.query_params.get(key)), None)
    supplier = session.get(Supplier, order.supplier_id)
    warehouse = session.get(Warehouse, order.warehouse_id)
    return render(request, viewer, "purchasing/order.html", status=status, order=order, lines=lines,
                  products=products, receipts=receipts, arrivals=arrivals, statuses=STATUS_NAMES, tones=STATUS_TONES,
                  supplier=supplier, warehouse=warehouse, flash_ok=flash, flash_error=flash_error,
                  threshold=service.settings(session).approval_threshold_fen)


def _action(order_id: int, done: str) -> Response:
    return RedirectResponse(f"/purchasing/orders/{order_id}?{done}=1", status_code=303)


@router.post("/purchasing/orders/{order_id}/submit")
def submit(order_id: IdPath, viewer: Writer, session: SessionDep) -> Response:
    _visible_order(session, viewer, order_id)
    service.submit_order(session, actor=viewer.principal, order_id=order_id)
    return _action(order_id, "submitted")


@router.post("/purchasing/orders/{order_id}/approve")
def approve(order_id: IdPath, viewer: Approver, session: SessionDep) -> Response:
    _visible_order(session, viewer, order_id)
    service.approve_order(session, actor=viewer.principal, order_id=order_id)
    return _action(order_id, "approved")


@router.post("/purchasing/orders/{order_id}/reject")
async def reject(request: Request, order_id: IdPath, viewer: Approver, session: SessionDep) -> Response:
    _visible_order(session, viewer, order_id)
    reason = str((await request.form()).get("reason", "")).strip()
    if not reason:
        raise Invalid("驳回需要填写原因", "rejecting needs a reason", code="reason_required", field="reason")
    service.reject_order(session, actor=viewer.principal, order_id=order_id, reason=reason[:200])
    return _action(order_id, "rejected")


@router.post("/purchasing/orders/{order_id}/cancel")
async def cancel(request: Request, order_id: IdPath, viewer: Writer, session: SessionDep) -> Response:
    _visible_order(session, viewer, order_id)
    reason = str((await request.form()).get("reason", "")).strip()
    service.cancel_order(session, actor=viewer.principal, order_id=order_id, reason=reason[:200])
    return _action(order_id, "cancelled")


@router.post("/purchasing/orders/{order_id}/receive")
async def receive(request: Request, order_id: IdPath, viewer: Writer, session: SessionDep) -> Response:
    """One arrival: a quantity (in the line's unit) per line, with batch, production and expiry
    dates for the lines that have them; empty lines are not part of this arrival."""
    from datetime import date

    order = _visible_order(session, viewer, order_id)
    form = await request.form()
    lines = []
    try:
        for ln in service.order_lines(session, order.id):
            raw = str(form.get(f"qty_{ln.line_no}", "")).strip()
            if not raw:
                continue
            qty = Decimal(raw)
            if qty == 0:
                continue

            def day(name: str, line_no: int = ln.line_no) -> date | None:
                text = str(form.get(f"{name}_{line_no}", "")).strip()
                return date.fromisoformat(text) if text else None

            lines.append(service.ReceiptLineIn(
                order_line_no=ln.line_no, qty=qty, batch_no=str(form.get(f"batch_{ln.line_no}", "")).strip()[:40] or None,
                production_date=day("produced"), expiry_date=day("expiry")))
        landed = str(form.get("landed_cost", "")).strip()
        landed_fen = int(Decimal(landed) * 100) if landed else 0
    except (InvalidOperation, ValueError):
        return _order_view(request, viewer, session, order_id, status=422,
                           flash_error=viewer.t("数量、金额或日期格式不对"))
    if not lines:
        return _order_view(request, viewer, session, order_id, status=422, flash_error=viewer.t("请填写本次到货数量"))
    try:
        service.receive(session, actor=viewer.principal, order_id=order.id, lines=lines, landed_cost_fen=landed_fen,
                        supplier_doc_no=str(form.get("supplier_doc_no", "")).strip()[:40] or None,
                        approve_over_receipt=form.get("approve_over_receipt") == "1",
                        may_approve=viewer.can(P.PURCHASING_APPROVE))
    except DomainError as exc:
        session.rollback()
        return _order_view(request, viewer, session, order_id, status=exc.status,
                           flash_error=exc.message if viewer.locale != "en" else exc.message_en)
    return _action(order_id, "received")


register({
    "补货建议": "Reorder",
    "采购订单": "Purchase orders",
    "草稿": "Draft",
    "待审批": "Waiting for approval",
    "已审批": "Approved",
    "部分到货": "Partly received",
    "已到齐": "Received",
    "已结案": "Closed short",
    "已取消": "Cancelled",
    "仓库": "Warehouse",
    "统计天数": "Days of sales",
    "查看": "Show",
    "商品编码": "SKU",
    "库存": "Stock",
    "待发": "To ship",
    "在途": "To receive",
    "预计库存": "Estimated",
    "日均销量": "Sold a day",
    "提前期（天）": "Lead time (days)",
    "下限": "Minimum",
    "上限": "Maximum",
    "补货点": "Reorder point",
    "目标": "Target",
    "建议数量": "Suggested",
    "单位": "Unit",
    "供应商": "Supplier",
    "金额": "Amount",
    "批次管理": "batch-tracked",
    "生成采购订单": "Draft purchase orders",
    "勾选要下单的商品，可修改数量；每个供应商生成一张草稿订单。":
        "Tick the products to order (you may change the quantities); one draft order is made per supplier.",
    "预计库存 = 库存 − 待发 + 在途；低于补货点时补到目标（上限，或提前期加备货天数的日均销量），按采购单位取整。":
        "Estimated = stock − to ship + to receive; below the reorder point it is topped up to the target "
        "(the maximum, or daily sales over lead time plus days of cover), in whole purchase units.",
    "（含待发货）": "(to ship included)",
    "没有需要补货的商品": "Nothing needs reordering",
    "已生成 {n} 张草稿订单，请核对后提交": "{n} draft orders made: check them, then submit",
    "状态": "Status",
    "订单号": "Order",
    "合计": "Total",
    "预计到货": "Expected",
    "来源": "Source",
    "手工": "manual",
    "已由补货建议生成草稿，请核对后提交": "Drafted from the reorder suggestions: check it, then submit",
    "已提交": "Submitted",
    "已驳回": "Sent back to draft",
    "未到部分已取消": "What had not arrived is cancelled",
    "已收货入库": "Received into stock",
    "采购订单 {no}": "Purchase order {no}",
    "订购": "Ordered",
    "已到": "Received",
    "已取消数量": "Cancelled",
    "未到": "Open",
    "单价": "Unit price",
    "提交": "Submit",
    "审批": "Approve",
    "驳回": "Send back",
    "驳回原因": "Why send it back",
    "取消未到部分": "Cancel what has not arrived",
    "取消原因": "Why cancel",
    "超过审批金额 {amount} 的订单需要审批": "Orders above {amount} need approval",
    "到货入库": "Receive an arrival",
    "本次到货": "This arrival",
    "批号": "Batch",
    "生产日期": "Produced",
    "有效期至": "Expires",
    "运费等到货费用（元）": "Freight and other landed costs (yuan)",
    "送货单号": "Delivery note no.",
    "超收（需审批权限）": "Over-receipt (needs approval rights)",
    "确认收货": "Receive",
    "到货记录": "Arrivals",
    "收货单": "Receipt",
    "到货时间": "Arrived",
    "货值": "Goods",
    "到货费用": "Landed costs",
    "数量": "Quantity",
    "成本": "Cost",
    "数量、金额或日期格式不对": "A quantity, amount or date is not in a form we can read",
    "请填写本次到货数量": "Enter the quantities of this arrival",
    "请选择仓库": "Choose a warehouse",
    "关闭原因": "Reason",
    "制单": "Drafted",
    "审批人": "Approved by",
})
