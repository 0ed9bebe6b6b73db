"""Field work API: visits, collections, reps' routes (visit plans) and monthly targets, customer types'
required visit steps, floor prices.

A sales rep (user or tablet) sees only their own customers' visits and collections and only their own
route and targets; others' read as 404. Routes, targets, steps and floor prices are set at central.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import Fen, RefId, Strict, text
from central.auth.deps import require
from central.auth.principal import Principal, UserPrincipal
from central.auth.roles import Permission as P
from central.customers.models import Customer, CustomerType
from central.customers.service import rep_visible, scope_customers
from central.errors import Invalid, not_found
from central.field.collections import allocations
from central.field.models import Collection, RepTarget, Visit, VisitPlanStop
from central.orders.service import rep_month_achieved
from central.pricing.models import FloorPrice
from central.users.models import User
from sync.field import VisitStep

router = APIRouter(tags=["field 外勤"])

Reader = Annotated[Principal, require(P.CUSTOMERS_READ)]
Money = Annotated[Principal, require(P.RECEIVABLES_READ)]
Manager = Annotated[Principal, require(P.REPS_MANAGE, devices=False)]
Pricing = Annotated[Principal, require(P.PRICING_WRITE, devices=False)]
DocId = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[0-9A-Za-z_.-]+$")]
Month = Annotated[str, Path(pattern=r"^20\d{2}-(0[1-9]|1[0-2])$", description="YYYY-MM")]
DateFrom = Annotated[date | None, Query(alias="from")]
DateTo = Annotated[date | None, Query(alias="to")]


def _mine(stmt: Select[Any], who: Principal, customer_column: Any) -> Select[Any]:
    """Rows of customers `who` may see: a rep's own, a store manager's store's (`scope_customers`)."""
    return scope_customers(stmt, who, customer_column)


def _check_rep_visible(session: Session, who: Principal, rep_id: int) -> None:
    if not rep_visible(session, who, rep_id):
        raise not_found("业务员", "sales rep", "rep_id", rep_id)


def _rep(session: Session, rep_id: int) -> User:
    rep = session.get(User, rep_id)
    if rep is None or rep.role != "sales_rep":
        raise not_found("业务员", "sales rep", "rep_id", rep_id)
    return rep


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class VisitOut(Out):
    id: str
    customer_id: int
    rep_id: int
    terminal_id: int | None
    checked_in_at: datetime
    checked_out_at: datetime | None
    received_at: datetime
    business_date: date
    latitude: float | None
    longitude: float | None
    notes: str | None
    steps: list[dict[str, Any]]
    missing_steps: list[str]
    photos: list[dict[str, Any]]
    follow_up_date: date | None
    follow_up: str | None
    order_ids: list[str]


class CollectionOut(Out):
    id: str
    receipt_no: str
    customer_id: int
    rep_id: int | None
    collected_at: datetime
    received_at: datetime
    business_date: date
    amount_fen: int
    method: str
    reference: str | None
    order_id: str | None
    applied_fen: int
    unapplied_fen: int
    """Waiting as an advance (预收): nothing was open for it yet."""


class AllocationOut(Out):
    charge_entry_id: int
    amount_fen: int
    allocated_at: datetime


class CollectionDetail(CollectionOut):
    allocations: list[AllocationOut]


@router.get("/visits", response_model=Page[VisitOut], summary="拜访记录 / visits")
def list_visits(session: SessionDep, who: Reader, page: PageDep, customer_id: IdQuery = None, rep_id: IdQuery = None,
                date_from: DateFrom = None, date_to: DateTo = None,
                incomplete: Annotated[bool | None, Query(description="missed a required step")] = None) -> object:
    stmt = _mine(select(Visit), who, Visit.customer_id).order_by(Visit.checked_in_at.desc(), Visit.id)
    for column, value in ((Visit.customer_id, customer_id), (Visit.rep_id, rep_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if date_from is not None:
        stmt = stmt.where(Visit.business_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(Visit.business_date <= date_to)
    rows = paginate(session, stmt, page, VisitOut.model_validate)
    if incomplete is not None:  # JSON lists cannot be filtered portably in SQL; a page is small
        rows["items"] = [v for v in rows["items"] if bool(v.missing_steps) == incomplete]
    return rows


@router.get("/visits/{visit_id}", response_model=VisitOut, summary="拜访详情")
def get_visit(visit_id: DocId, session: SessionDep, who: Reader) -> object:
    visit = session.get(Visit, visit_id)
    if visit is None or session.scalar(_mine(select(Visit.id).where(Visit.id == visit_id), who,
                                             Visit.customer_id)) is None:
        raise not_found("拜访记录", "visit", "visit_id", visit_id)
    return visit


@router.get("/collections", response_model=Page[CollectionOut], summary="收款 / collections")
def list_collections(session: SessionDep, who: Money, page: PageDep, customer_id: IdQuery = None,
                     rep_id: IdQuery = None, date_from: DateFrom = None, date_to: DateTo = None,
                     unapplied: Annotated[bool | None, Query(description="with an advance waiting")] = None
                     ) -> object:
    stmt = _mine(select(Collection), who, Collection.customer_id).order_by(Collection.collected_at.desc())
    for column, value in ((Collection.customer_id, customer_id), (Collection.rep_id, rep_id)):
        if value is not None:
            stmt = stmt.where(column == value)
    if date_from is not None:
        stmt = stmt.where(Collection.business_date >= date_from)
    if date_to is not None:
        stmt = stmt.where(Collection.business_date <= date_to)
    if unapplied is not None:
        stmt = stmt.where(Collection.unapplied_fen > 0 if unapplied else Collection.unapplied_fen == 0)
    return paginate(session, stmt, page, CollectionOut.model_validate)


@router.get("/collections/{collection_id}", response_model=CollectionDetail, summary="收款详情（冲销了哪些欠款）")
def get_collection(collection_id: DocId, session: SessionDep, who: Money) -> object:
    stmt = _mine(select(Collection).where((Collection.id == collection_id) | (Collection.receipt_no == collection_id)),
                 who, Collection.customer_id)
    found = session.scalars(stmt).first()
    if found is None:
        raise not_found("收款单", "collection", "collection_id", collection_id)
    return {**CollectionOut.model_validate(found).model_dump(),
            "allocations": [AllocationOut.model_validate(a) for a in allocations(session, found.id)]}


# ---------------------------------------------------------------------------- routes and targets


class VisitPlanIn(Strict):
    days: dict[str, list[RefId]] = Field(description='ISO weekday ("1" Monday … "7" Sunday) → customer ids in order')


class VisitPlanOut(BaseModel):
    rep_id: int
    days: dict[str, list[int]]


def visit_plan(session: Session, rep_id: int) -> dict[str, list[int]]:
    days: dict[str, list[int]] = {}
    for stop in session.scalars(select(VisitPlanStop).where(VisitPlanStop.rep_id == rep_id)
                                .order_by(VisitPlanStop.weekday, VisitPlanStop.position)):
        days.setdefault(str(stop.weekday), []).append(stop.customer_id)
    return days


@router.get("/reps/{rep_id}/visit-plan", response_model=VisitPlanOut, summary="拜访路线 / a rep's route by weekday")
def get_visit_plan(rep_id: IdPath, session: SessionDep, who: Reader) -> object:
    _check_rep_visible(session, who, rep_id)
    _rep(session, rep_id)
    return {"rep_id": rep_id, "days": visit_plan(session, rep_id)}


@router.put("/reps/{rep_id}/visit-plan", response_model=VisitPlanOut, summary="设置拜访路线（整张替换）")
def put_visit_plan(rep_id: IdPath, body: VisitPlanIn, session: SessionDep, who: Manager) -> object:
    _rep(session, rep_id)
    for day, customers in body.days.items():
        if day not in {str(d) for d in range(1, 8)}:
            raise Invalid(f"星期应为 1-7：{day}", f"weekday must be 1-7: {day}", code="weekday", field=f"days.{day}")
        if len(set(customers)) != len(customers):
            raise Invalid("同一天同一客户只能出现一次", "a customer appears twice on one day", code="duplicate",
                          field=f"days.{day}")
        if len(customers) > 200:
            raise Invalid("一天最多 200 家客户", "at most 200 customers a day", code="too_many", field=f"days.{day}")
    wanted = {c for cs in body.days.values() for c in cs}
    owners = dict(session.execute(select(Customer.id, Customer.rep_id).where(Customer.id.in_(wanted))).all())
    for cid in sorted(wanted):
        if cid not in owners:
            raise not_found("客户", "customer", "days", cid)
        if owners[cid] != rep_id:
            raise Invalid(f"客户 {cid} 不是该业务员的客户", f"customer {cid} is not this rep's", code="not_reps_customer",
                          field="days")
    for stop in session.scalars(select(VisitPlanStop).where(VisitPlanStop.rep_id == rep_id)):
        session.delete(stop)  # ORM deletes: the feed hooks see them (the tablet's route is rewritten)
    session.flush()
    session.add_all([VisitPlanStop(rep_id=rep_id, weekday=int(day), position=i, customer_id=cid)
                     for day, customers in body.days.items() for i, cid in enumerate(customers, start=1)])
    session.flush()
    return {"rep_id": rep_id, "days": visit_plan(session, rep_id)}


class TargetIn(Strict):
    target_fen: Fen


class TargetOut(BaseModel):
    rep_id: int
    month: str
    target_fen: int
    achieved_fen: int
    """Σ totals of the rep's orders of the month, not rejected or cancelled (central's figure)."""
    delivered_fen: int
    orders: int


def _target_out(session: Session, rep_id: int, month: str) -> TargetOut:
    row = session.get(RepTarget, (rep_id, month))
    ordered, delivered, count = rep_month_achieved(session, rep_id, month)
    return TargetOut(rep_id=rep_id, month=month, target_fen=row.target_fen if row else 0, achieved_fen=ordered,
                     delivered_fen=delivered, orders=count)


@router.get("/rep-targets", response_model=list[TargetOut], summary="业务员月度目标与完成 / targets and achieved")
def list_targets(session: SessionDep, who: Reader,
                 month: Annotated[str, Query(pattern=r"^20\d{2}-(0[1-9]|1[0-2])$")],
                 rep_id: IdQuery = None) -> object:
    if rep_id is not None:
        _check_rep_visible(session, who, rep_id)
    reps = [who.rep_id] if who.rep_id is not None else (
        [rep_id] if rep_id is not None else list(session.scalars(who.scope(
            select(User.id).where(User.role == "sales_rep", User.active.is_(True)), User.store_id).order_by(User.id))))
    return [_target_out(session, r, month) for r in reps]


@router.put("/reps/{rep_id}/targets/{month}", response_model=TargetOut, summary="设置月度目标 / set a month's target")
def put_target(rep_id: IdPath, month: Month, body: TargetIn, session: SessionDep, who: Manager) -> object:
    _rep(session, rep_id)
    row = session.get(RepTarget, (rep_id, month))
    user_id = who.user_id if isinstance(who, UserPrincipal) else None
    if row is None:
        session.add(RepTarget(rep_id=rep_id, month=month, target_fen=body.target_fen, updated_by=user_id))
    else:
        row.target_fen, row.updated_by = body.target_fen, user_id
    session.flush()
    return _target_out(session, rep_id, month)


# ---------------------------------------------------------------------------- customer types, floor prices


class CustomerTypeOut(Out):
    code: str
    name: str
    name_en: str
    required_steps: list[str]


class CustomerTypePatch(Strict):
    name: text(50) | None = None  # type: ignore[valid-type]
    name_en: text(50) | None = None  # type: ignore[valid-type]
    required_steps: list[str] | None = Field(default=None, max_length=len(VisitStep))


@router.get("/customer-types", response_model=list[CustomerTypeOut], summary="客户类型与必做拜访步骤")
def list_customer_types(session: SessionDep, who: Reader) -> object:
    return session.scalars(select(CustomerType).order_by(CustomerType.sort_order, CustomerType.code)).all()


@router.patch("/customer-types/{code}", response_model=CustomerTypeOut, summary="修改客户类型（必做步骤）")
def patch_customer_type(code: Annotated[str, Path(max_length=16)], body: CustomerTypePatch, session: SessionDep,
                        who: Manager) -> object:
    kind = session.get(CustomerType, code)
    if kind is None:
        raise not_found("客户类型", "customer type", "code", code)
    if body.required_steps is not None:
        known = {s.value for s in VisitStep}
        bad = [s for s in body.required_steps if s not in known]
        if bad:
            raise Invalid(f"未知的拜访步骤 {bad[0]}", f"unknown visit step {bad[0]}", code="visit_step",
                          field="required_steps")
        kind.required_steps = list(dict.fromkeys(body.required_steps))
    for name in ("name", "name_en"):
        value = getattr(body, name)
        if value is not None:
            setattr(kind, name, value)
    session.flush()
    return kind


class FloorPricesIn(Strict):
    prices: dict[str, Fen] = Field(description="unit code → lowest price per unit in fen; {} removes them all")


class FloorPricesOut(BaseModel):
    product_id: int
    prices: dict[str, int]


_UNIT = re.compile(r"^[A-Za-z0-9_-]{1,16}$")


@router.get("/products/{product_id}/floor-prices", response_model=FloorPricesOut, summary="最低限价")
def get_floor_prices(product_id: IdPath, session: SessionDep,
                     who: Annotated[Principal, require(P.PRICING_READ)]) -> object:
    return {"product_id": product_id, "prices": {f.unit_code: f.price_fen for f in session.scalars(
        select(FloorPrice).where(FloorPrice.product_id == product_id))}}


@router.put("/products/{product_id}/floor-prices", response_model=FloorPricesOut,
            summary="设置最低限价（整体替换）/ set floor prices")
def put_floor_prices(product_id: IdPath, body: FloorPricesIn, session: SessionDep, who: Pricing) -> object:
    from central.catalog.service import get_product

    product = get_product(session, product_id)
    units = {u.code for u in product.units}
    for code in body.prices:
        if not _UNIT.match(code) or code not in units:
            raise Invalid(f"商品没有单位 {code}", f"the product has no unit {code}", code="unit_not_found",
                          field=f"prices.{code}")
    for row in session.scalars(select(FloorPrice).where(FloorPrice.product_id == product_id)):
        session.delete(row)
    session.flush()
    session.add_all([FloorPrice(product_id=product_id, unit_code=c, price_fen=p) for c, p in body.prices.items()])
    session.flush()
    return {"product_id": product_id, "prices": dict(body.prices)}
