"""Orders API: orders and their approval queue, delivery notes, returns, default warehouses.

Scope: a store-scoped user (store manager) sees and acts on their store's orders only; a sales rep
(user or tablet) only their own customers' orders; everyone else sees every order their role may.
Others' orders read as 404.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.auth.deps import require
from central.auth.principal import Principal, UserPrincipal
from central.auth.roles import Permission as P
from central.customers.models import Customer
from central.db import utcnow
from central.errors import Invalid, NotFound, not_found
from central.orders import delivery as deliveries
from central.orders import entry, returns, service
from central.orders.models import (
    DeliveryNote,
    OrderReturn,
    OrderReturnLine,
    ProductDefaultWarehouse,
    SalesOrder,
    SalesOrderEvent,
    SalesOrderLine,
)
from central.orders.schemas import (
    DecisionIn,
    DefaultWarehouseIn,
    DeliverIn,
    DeliverOut,
    DeliveryDetail,
    DeliveryLineOut,
    DeliveryOut,
    EditIn,
    LeftoverIn,
    OrderDetail,
    OrderEventOut,
    OrderIn,
    OrderLineOut,
    OrderOut,
    ReasonIn,
    ReturnDetail,
    ReturnIn,
    ReturnLineOut,
    ReturnOut,
)
from central.org.models import Warehouse
from sync.events import uuid7
from sync.field import ReturnKind, hold_message
from sync.quantity import to_milli

router = APIRouter(tags=["orders 订单"])

Reader = Annotated[Principal, require(P.ORDERS_READ)]
Writer = Annotated[Principal, require(P.ORDERS_WRITE, devices=False)]
Approver = Annotated[Principal, require(P.ORDERS_APPROVE, devices=False)]
Shipper = Annotated[Principal, require(P.DELIVERIES_WRITE, devices=False)]
Catalog = Annotated[Principal, require(P.CATALOG_WRITE, devices=False)]
DocKey = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z_.-]+$",
                             description="id or number (SO…, FO…, …-D1)")]
DateFrom = Annotated[date | None, Query(alias="from", description="first business day (Asia/Shanghai)")]
DateTo = Annotated[date | None, Query(alias="to", description="last business day, inclusive")]


def _user_id(who: Principal) -> int | None:
    return who.user_id if isinstance(who, UserPrincipal) else None


def scoped(stmt: Select[Any], who: Principal) -> Select[Any]:
    """Orders this principal may see: its store's (store-scoped), its customers' (a rep)."""
    stmt = who.scope(stmt, SalesOrder.store_id)
    if who.rep_id is not None:
        stmt = stmt.where(SalesOrder.customer_id.in_(select(Customer.id).where(Customer.rep_id == who.rep_id)))
    return stmt


def _visible(session: Session, key: str, who: Principal, *, lock: bool = False) -> SalesOrder:
    order = service.get_order(session, key, lock=lock)
    if not who.may_see_store(order.store_id):
        raise not_found("订单", "order", "order_id", key)
    if who.rep_id is not None:
        customer = session.get(Customer, order.customer_id)
        if customer is None or customer.rep_id != who.rep_id:
            raise not_found("订单", "order", "order_id", key)
    return order


def _order_out(order: SalesOrder) -> dict[str, Any]:
    out = OrderOut.model_validate(order).model_dump()
    if order.hold_reasons:
        out["hold_message"], out["hold_message_en"] = hold_message(order.hold_reasons)
    return out


def _note_detail(session: Session, note: DeliveryNote) -> DeliveryDetail:
    return DeliveryDetail(**DeliveryOut.model_validate(note).model_dump(),
                          lines=[DeliveryLineOut.of(ln) for ln in deliveries.note_lines(session, note.id)])


def order_detail(session: Session, order: SalesOrder) -> dict[str, Any]:
    lines = session.scalars(select(SalesOrderLine).where(SalesOrderLine.order_id == order.id)
                            .order_by(SalesOrderLine.line_no))
    notes = session.scalars(select(DeliveryNote).where(DeliveryNote.order_id == order.id)
                            .order_by(DeliveryNote.created_at, DeliveryNote.delivery_no))
    rets = session.scalars(select(OrderReturn).where(OrderReturn.order_id == order.id)
                           .order_by(OrderReturn.returned_at, OrderReturn.return_no))
    history = session.scalars(select(SalesOrderEvent).where(SalesOrderEvent.order_id == order.id)
                              .order_by(SalesOrderEvent.id))
    return {**_order_out(order), "hold_details": order.hold_details or {},
            "lines": [OrderLineOut.of(ln) for ln in lines],
            "deliveries": [_note_detail(session, n) for n in notes],
            "returns": [ReturnDetail(**ReturnOut.model_validate(r).model_dump(), lines=[
                ReturnLineOut.of(ln) for ln in session.scalars(
                    select(OrderReturnLine).where(OrderReturnLine.return_id == r.id).order_by(OrderReturnLine.line_no))])
                for r in rets],
            "history": [OrderEventOut.model_validate(e) for e in history]}


@router.get("/sales-orders", response_model=Page[OrderOut],
            summary="订单列表 / sales orders (status=held: the approval queue)")
def list_orders(session: SessionDep, who: Reader, page: PageDep,
                status: Annotated[str | None, Query(pattern="^[a-z_]{1,20}$")] = None,
                customer_id: IdQuery = None, rep_id: IdQuery = None, store_id: IdQuery = None,
                date_from: DateFrom = None, date_to: DateTo = None,
                q: Annotated[str | None, Query(max_length=40, description="order number")] = None) -> object:
    stmt = scoped(select(SalesOrder), who).order_by(SalesOrder.received_at.desc(), SalesOrder.id)
    for column, value in ((SalesOrder.status, status), (SalesOrder.customer_id, customer_id),
                          (SalesOrder.rep_id, rep_id), (SalesOrder.store_id, store_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if date_from is not None:
        stmt = stmt.where(SalesOrder.business_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(SalesOrder.business_date <= date_to)
    if q:
        stmt = stmt.where(SalesOrder.order_no.like(f"{q}%"))
    return paginate(session, stmt, page, _order_out)


@router.get("/sales-orders/{key}", response_model=OrderDetail, summary="订单详情（行、发货单、退货、历史）")
def get_order(key: DocKey, session: SessionDep, who: Reader) -> object:
    return order_detail(session, _visible(session, key, who))


@router.post("/sales-orders", response_model=OrderDetail, status_code=201,
             summary="总部录入订单 / enter an order (priced by central; checked like a rep's)")
def create_order(body: OrderIn, session: SessionDep, who: Writer) -> object:
    order = entry.enter_order(session, who, body, user_id=_user_id(who))
    return order_detail(session, order)


@router.post("/sales-orders/{key}/approve", response_model=OrderDetail, summary="审批通过 / approve a held order")
def approve(key: DocKey, body: DecisionIn, session: SessionDep, who: Approver) -> object:
    order = service.approve(session, _visible(session, key, who, lock=True), user_id=_user_id(who), note=body.note)
    return order_detail(session, order)


@router.post("/sales-orders/{key}/reject", response_model=OrderDetail, summary="驳回 / reject (with a reason)")
def reject(key: DocKey, body: ReasonIn, session: SessionDep, who: Approver) -> object:
    order = service.reject(session, _visible(session, key, who, lock=True), user_id=_user_id(who), reason=body.reason)
    return order_detail(session, order)


@router.patch("/sales-orders/{key}/lines", response_model=OrderDetail,
              summary="修改数量 / edit quantities of a held order")
def edit_lines(key: DocKey, body: EditIn, session: SessionDep, who: Approver) -> object:
    changes = {ln.line_no: ln.qty for ln in body.lines}
    if len(changes) != len(body.lines):
        raise Invalid("同一行不能改两次", "a line appears twice", code="duplicate_line", field="lines")
    order = service.edit_quantities(session, _visible(session, key, who, lock=True), changes, user_id=_user_id(who),
                                    note=body.note)
    return order_detail(session, order)


@router.post("/sales-orders/{key}/cancel", response_model=OrderDetail,
             summary="取消未送部分 / cancel what is not delivered (with a reason)")
def cancel(key: DocKey, body: ReasonIn, session: SessionDep, who: Approver) -> object:
    order = deliveries.cancel_order(session, _visible(session, key, who, lock=True), reason=body.reason,
                                    user_id=_user_id(who))
    return order_detail(session, order)


@router.post("/sales-orders/{key}/close", response_model=OrderDetail, summary="关闭已送达订单 / close")
def close(key: DocKey, body: DecisionIn, session: SessionDep, who: Approver) -> object:
    order = deliveries.close_order(session, _visible(session, key, who, lock=True), user_id=_user_id(who),
                                   note=body.note)
    return order_detail(session, order)


@router.post("/sales-orders/{key}/returns", response_model=OrderDetail, status_code=201,
             summary="退货 / goods came back against the order (delivered quantities stay as they were)")
def order_return(key: DocKey, body: ReturnIn, session: SessionDep, who: Shipper) -> object:
    order = _visible(session, key, who, lock=True)
    note = deliveries.get_note(session, body.delivery_no) if body.delivery_no else None
    ret_no = f"{order.order_no}-R{_count_returns(session, order.id) + 1}"
    returns.record_return(
        session, order, return_id=uuid7(), return_no=ret_no, kind=ReturnKind(body.kind),
        lines=[returns.ReturnLineIn(ln.line_no, to_milli(ln.qty), ln.restock) for ln in body.lines],
        returned_at=body.returned_at or utcnow(), delivery=note, user_id=_user_id(who), reason=body.reason)
    return order_detail(session, order)


def _count_returns(session: Session, order_id: str) -> int:
    return len(session.scalars(select(OrderReturn.id).where(OrderReturn.order_id == order_id)).all())


# ---------------------------------------------------------------------------- delivery notes


def _visible_note(session: Session, key: str, who: Principal, *, lock: bool = False) -> DeliveryNote:
    note = deliveries.get_note(session, key, lock=lock)
    try:
        _visible(session, note.order_id, who)
    except NotFound:
        raise not_found("发货单", "delivery note", "delivery_id", key) from None
    return note


def _shippable_note(session: Session, key: str, who: Principal, *, lock: bool = False) -> DeliveryNote:
    """A note `who` may see *and* act on: its warehouse is one they may ship from (a store manager
    fulfils their store's orders from their store's warehouses, not another store's)."""
    note = _visible_note(session, key, who, lock=lock)
    deliveries.check_ships_from(session, who, note.warehouse_id)
    return note


@router.get("/deliveries", response_model=Page[DeliveryOut], summary="发货单 / delivery notes (status=open: to ship)")
def list_deliveries(session: SessionDep, who: Reader, page: PageDep,
                    status: Annotated[str | None, Query(pattern="^(open|delivered|cancelled)$")] = None,
                    warehouse_id: IdQuery = None,
                    order: Annotated[str | None, Query(max_length=40, description="order id or number")] = None
                    ) -> object:
    stmt = (select(DeliveryNote).join(SalesOrder, SalesOrder.id == DeliveryNote.order_id)
            .order_by(DeliveryNote.created_at, DeliveryNote.delivery_no))
    stmt = scoped(stmt, who)
    for column, value in ((DeliveryNote.status, status), (DeliveryNote.warehouse_id, warehouse_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if order is not None:
        stmt = stmt.where((SalesOrder.id == order) | (SalesOrder.order_no == order))
    return paginate(session, stmt, page, DeliveryOut.model_validate)


@router.get("/deliveries/{key}", response_model=DeliveryDetail, summary="发货单详情")
def get_delivery(key: DocKey, session: SessionDep, who: Reader) -> object:
    return _note_detail(session, _visible_note(session, key, who))


@router.post("/deliveries/{key}/deliver", response_model=DeliverOut,
             summary="送货 / deliver all or part (the rest stays open on a new note)")
def deliver(key: DocKey, body: DeliverIn, session: SessionDep, who: Shipper) -> object:
    note = _shippable_note(session, key, who, lock=True)
    quantities = None
    if body.lines is not None:
        quantities = {ln.line_no: to_milli(ln.qty) for ln in body.lines}
        if len(quantities) != len(body.lines):
            raise Invalid("同一行不能出现两次", "a line appears twice", code="duplicate_line", field="lines")
    done, rest, warnings = deliveries.deliver(session, note, quantities=quantities, user_id=_user_id(who),
                                              at=body.delivered_at, driver=body.driver)
    return {"delivery": _note_detail(session, done), "backorder": _note_detail(session, rest) if rest else None,
            "negative_stock": [w.__dict__ for w in warnings]}


@router.post("/deliveries/{key}/cancel", response_model=DeliveryDetail,
             summary="取消发货 / cancel an open delivery note (with a reason)")
def cancel_delivery(key: DocKey, body: ReasonIn, session: SessionDep, who: Shipper) -> object:
    note = deliveries.cancel_note(session, _shippable_note(session, key, who, lock=True), reason=body.reason,
                                  user_id=_user_id(who))
    return _note_detail(session, note)


@router.post("/deliveries/{key}/leftovers", response_model=OrderDetail, status_code=201,
             summary="剩货 / goods the driver brought back from this delivery (or the customer refused)")
def leftovers(key: DocKey, body: LeftoverIn, session: SessionDep, who: Shipper) -> object:
    note = _shippable_note(session, key, who)
    if note.status != "delivered":
        raise Invalid("只能对已送达的发货单登记剩货", "leftovers come back only from a delivered note",
                      code="delivery_not_delivered", field="delivery_id")
    by_line = {ln.line_no: ln for ln in deliveries.note_lines(session, note.id)}
    lines = []
    for ln in body.lines:
        if ln.line_no not in by_line:
            raise not_found("发货单行", "delivery line", "lines.line_no", ln.line_no)
        lines.append(returns.ReturnLineIn(by_line[ln.line_no].order_line_no, to_milli(ln.qty), ln.restock))
    order = service.get_order(session, note.order_id, lock=True)
    number = f"{note.delivery_no}-L{_count_returns(session, order.id) + 1}"
    returns.record_return(session, order, return_id=uuid7(), return_no=number, kind=ReturnKind(body.kind),
                          lines=lines, returned_at=utcnow(), delivery=note, user_id=_user_id(who), reason=body.reason)
    return order_detail(session, order)


@router.put("/products/{product_id}/default-warehouse", response_model=DefaultWarehouseIn,
            summary="默认发货仓 / where orders of this product ship from (null: by stock)")
def set_default_warehouse(product_id: IdPath, body: DefaultWarehouseIn, session: SessionDep, who: Catalog) -> object:
    from central.catalog.service import get_product

    get_product(session, product_id)
    row = session.get(ProductDefaultWarehouse, product_id)
    if body.warehouse_id is None:
        if row is not None:
            session.delete(row)
        return {"warehouse_id": None}
    wh = session.get(Warehouse, body.warehouse_id)
    if wh is None or not wh.active:
        raise not_found("仓库", "warehouse", "warehouse_id", body.warehouse_id)
    if row is None:
        session.add(ProductDefaultWarehouse(product_id=product_id, warehouse_id=wh.id))
    else:
        row.warehouse_id = wh.id
    return {"warehouse_id": wh.id}
