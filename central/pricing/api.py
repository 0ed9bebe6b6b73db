"""Pricing API: customer groups, member levels, price lists, member prices, promotions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import changes_of
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.db import utcnow
from central.errors import Invalid
from central.pricing import quote as quoting
from central.pricing import service
from central.pricing.models import (
    CustomerGroup,
    MemberLevel,
    MemberLevelPrice,
    PriceList,
    Promotion,
    PromotionStore,
)
from central.pricing.schemas import (
    AppliedPromotionOut,
    CustomerGroupIn,
    CustomerGroupOut,
    CustomerGroupPatch,
    MemberLevelIn,
    MemberLevelOut,
    MemberLevelPatch,
    MemberPriceIn,
    MemberPriceOut,
    PriceListIn,
    PriceListOut,
    PriceListPatch,
    PriceListSummary,
    PromotionIn,
    PromotionOut,
    PromotionPatch,
    QuoteIn,
    QuoteLine,
    QuoteOut,
)

router = APIRouter(tags=["pricing 价格与促销"])

Reader = Annotated[Principal, require(P.PRICING_READ)]
Writer = Annotated[Principal, require(P.PRICING_WRITE, devices=False)]


# ---------------------------------------------------------------- customer groups

@router.get("/customer-groups", response_model=Page[CustomerGroupOut], summary="客户分组 / customer groups")
def list_customer_groups(session: SessionDep, _who: Reader, page: PageDep) -> object:
    return paginate(session, select(CustomerGroup).order_by(CustomerGroup.code), page,
                    CustomerGroupOut.model_validate)


@router.post("/customer-groups", response_model=CustomerGroupOut, status_code=201, summary="新建客户分组")
def create_customer_group(body: CustomerGroupIn, session: SessionDep, _who: Writer) -> object:
    return service.create_customer_group(session, code=body.code, name=body.name)


@router.patch("/customer-groups/{group_id}", response_model=CustomerGroupOut, summary="修改客户分组")
def patch_customer_group(group_id: IdPath, body: CustomerGroupPatch, session: SessionDep, _who: Writer) -> object:
    return service.update_customer_group(session, service.get_customer_group(session, group_id),
                                         changes_of(body, required=("code", "name")))


# ---------------------------------------------------------------- member levels

@router.get("/member-levels", response_model=list[MemberLevelOut], summary="会员等级 / member levels")
def list_member_levels(session: SessionDep, _who: Reader) -> object:
    return session.scalars(select(MemberLevel).order_by(MemberLevel.sort_order, MemberLevel.code)).all()


@router.post("/member-levels", response_model=MemberLevelOut, status_code=201, summary="新建会员等级")
def create_member_level(body: MemberLevelIn, session: SessionDep, _who: Writer) -> object:
    return service.create_member_level(session, **body.model_dump())


@router.patch("/member-levels/{level_id}", response_model=MemberLevelOut, summary="修改会员等级")
def patch_member_level(level_id: IdPath, body: MemberLevelPatch, session: SessionDep, _who: Writer) -> object:
    return service.update_member_level(session, service.get_member_level(session, level_id),
                                       changes_of(body, required=tuple(MemberLevelPatch.model_fields)))


# ---------------------------------------------------------------- price lists

@router.get("/price-lists", response_model=Page[PriceListSummary], summary="价目表 / price lists")
def list_price_lists(session: SessionDep, _who: Reader, page: PageDep,
                     scope: Annotated[str | None, Query(max_length=16)] = None,
                     target_id: IdQuery = None, active: Annotated[bool | None, Query()] = None) -> object:
    stmt = select(PriceList).order_by(PriceList.code)
    if scope is not None:
        stmt = stmt.where(PriceList.scope == scope)
    if target_id is not None:
        stmt = stmt.where(PriceList.target_id == target_id)
    if active is not None:
        stmt = stmt.where(PriceList.active == active)
    return paginate(session, stmt, page, PriceListSummary.model_validate)


@router.post("/price-lists", response_model=PriceListOut, status_code=201, summary="新建价目表 (含价格)")
def create_price_list(body: PriceListIn, session: SessionDep, _who: Writer) -> object:
    data = body.model_dump()
    return service.create_price_list(session, **data)


@router.get("/price-lists/{price_list_id}", response_model=PriceListOut, summary="价目表详情")
def get_price_list(price_list_id: IdPath, session: SessionDep, _who: Reader) -> object:
    return service.get_price_list(session, price_list_id)


@router.patch("/price-lists/{price_list_id}", response_model=PriceListOut, summary="修改价目表 (items 整体替换)")
def patch_price_list(price_list_id: IdPath, body: PriceListPatch, session: SessionDep, _who: Writer) -> object:
    pl = service.get_price_list(session, price_list_id)
    return service.update_price_list(session, pl, changes_of(
        body, required=("code", "name", "scope", "target_id", "priority", "active", "items")))


# ---------------------------------------------------------------- member prices

@router.get("/member-prices", response_model=Page[MemberPriceOut], summary="会员价 / member prices")
def list_member_prices(session: SessionDep, _who: Reader, page: PageDep, product_id: IdQuery = None,
                       level_code: Annotated[str | None, Query(max_length=16)] = None) -> object:
    stmt = select(MemberLevelPrice).order_by(MemberLevelPrice.product_id, MemberLevelPrice.level_code,
                                             MemberLevelPrice.id)
    if product_id is not None:
        stmt = stmt.where(MemberLevelPrice.product_id == product_id)
    if level_code is not None:
        stmt = stmt.where(MemberLevelPrice.level_code == level_code)
    return paginate(session, stmt, page, MemberPriceOut.model_validate)


@router.post("/member-prices", response_model=MemberPriceOut, status_code=201, summary="新建会员价")
def create_member_price(body: MemberPriceIn, session: SessionDep, _who: Writer) -> object:
    return service.set_member_price(session, **body.model_dump())


@router.put("/member-prices/{price_id}", response_model=MemberPriceOut, summary="修改会员价")
def put_member_price(price_id: IdPath, body: MemberPriceIn, session: SessionDep, _who: Writer) -> object:
    existing = service.get_member_price(session, price_id)
    return service.set_member_price(session, existing=existing, **body.model_dump())


@router.delete("/member-prices/{price_id}", status_code=204, summary="删除会员价")
def delete_member_price(price_id: IdPath, session: SessionDep, _who: Writer) -> None:
    session.delete(service.get_member_price(session, price_id))


# ---------------------------------------------------------------- promotions

def _promotion_out(promo: Promotion) -> PromotionOut:
    return PromotionOut(code=promo.code, active=promo.active, **service.promotion_to_wire(promo))


@router.get("/promotions", response_model=Page[PromotionOut], summary="促销 / promotions (store-scoped)")
def list_promotions(session: SessionDep, who: Reader, page: PageDep, store_id: IdQuery = None,
                    active: Annotated[bool | None, Query()] = None,
                    at: Annotated[datetime | None, Query(description="running at this time (ISO-8601 with zone)")] = None
                    ) -> object:
    stmt = select(Promotion).options(selectinload(Promotion.stores)).order_by(Promotion.id)
    scoped = who.store_id if who.store_id is not None else store_id
    if scoped is not None:
        in_store = select(PromotionStore.promotion_id).where(PromotionStore.store_id == scoped)
        everywhere = ~select(PromotionStore.promotion_id).where(
            PromotionStore.promotion_id == Promotion.id).exists()
        stmt = stmt.where(or_(Promotion.id.in_(in_store), everywhere))
    if active is not None:
        stmt = stmt.where(Promotion.active == active)
    if at is not None:
        if at.tzinfo is None:
            raise Invalid("时间须带时区", "at must carry a time zone", field="at")
        stmt = stmt.where(Promotion.starts_at <= at, Promotion.ends_at > at)
    return paginate(session, stmt, page, _promotion_out)


@router.post("/promotions", response_model=PromotionOut, status_code=201, summary="新建促销 (sync 合同格式)")
def create_promotion(body: PromotionIn, session: SessionDep, _who: Writer) -> PromotionOut:
    promo = service.create_promotion(session, code=body.code, data=body.wire(exclude_unset=False),
                                     active=body.active)
    return _promotion_out(promo)


@router.get("/promotions/{promotion_id}", response_model=PromotionOut, summary="促销详情")
def get_promotion(promotion_id: IdPath, session: SessionDep, who: Reader) -> PromotionOut:
    return _promotion_out(service.get_promotion(session, promotion_id, who))


@router.patch("/promotions/{promotion_id}", response_model=PromotionOut, summary="修改促销 (整体重新校验)")
def patch_promotion(promotion_id: IdPath, body: PromotionPatch, session: SessionDep, _who: Writer) -> PromotionOut:
    promo = service.get_promotion(session, promotion_id)
    changes = body.wire(exclude_unset=True)
    for key in ("code", "active"):
        if key in body.model_fields_set:
            changes[key] = getattr(body, key)
    changes_of(body, required=("code", "active"))
    return _promotion_out(service.update_promotion(session, promo, changes=changes))


# ---------------------------------------------------------------- quote

@router.post("/pricing/quote", response_model=QuoteOut, summary="试算价格 / price a cart as a till would")
def quote(body: QuoteIn, session: SessionDep, who: Reader) -> QuoteOut:
    who.check_store(body.store_id)
    priced = quoting.quote(session, store_id=body.store_id, at=body.at or utcnow(),
                           lines=[ln.model_dump() for ln in body.lines], member_level=body.member_level,
                           order_discount_fen=body.order_discount_fen)
    return QuoteOut(
        lines=[QuoteLine(line_no=ln.line_no, product_id=ln.product_id, sku=ln.sku, name=ln.name,
                         unit_code=ln.unit_code, unit_factor=ln.unit_factor, qty=ln.qty,
                         unit_price_fen=ln.unit_price_fen, price_source=ln.price_source,
                         list_amount_fen=ln.list_amount_fen, line_discount_fen=ln.line_discount_fen,
                         order_discount_fen=ln.order_discount_fen, amount_fen=ln.amount_fen,
                         tax_rate_bp=ln.tax_rate_bp, tax_fen=ln.tax_fen, promotion_ids=list(ln.promotion_ids),
                         is_gift=ln.is_gift) for ln in priced.lines],
        subtotal_fen=priced.subtotal_fen, discount_fen=priced.discount_fen, rounding_fen=priced.rounding_fen,
        total_fen=priced.total_fen, tax_fen=priced.tax_fen, points_earned=priced.points_earned,
        promotion_ids=list(priced.promotion_ids),
        applied=[AppliedPromotionOut(promotion_id=a.promotion_id, name=a.name, kind=a.kind.value,
                                     discount_fen=a.discount_fen) for a in priced.applied])
