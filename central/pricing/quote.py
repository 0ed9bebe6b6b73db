"""Price a cart at central exactly as a till would: the shared `sync.pricing.price_cart` over the
stored catalogue, price lists, member prices and the store's running promotions.

Head office uses it to check a promotion before it goes live ("what will S01 charge for this
basket on Saturday?"); it is the same pure function the terminals run, fed from the database.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from central.catalog.models import Product, ProductUnit
from central.catalog.service import product_to_contract
from central.errors import not_found
from central.org.service import get_store
from central.pricing import service
from central.pricing.models import MemberLevel, MemberLevelPrice
from sync.catalog import MemberRef
from sync.money import Rounding
from sync.pricing import Cart, CartLine, PricedCart, PricingContext, price_cart
from sync.promotions import Promotion
from sync.rounding import RoundingPolicy, RoundingUnit


def rounding_policy(mode: str) -> RoundingPolicy:
    """A store's `rounding_mode` (none, jiao_down, yuan_half_up ...) as the contract's policy."""
    if mode == "none":
        return RoundingPolicy()
    unit, _, how = mode.partition("_")
    return RoundingPolicy(unit=RoundingUnit(unit), mode=Rounding(how))


def build_context(session: Session, *, store_id: int, at: datetime, product_ids: set[int]) -> PricingContext:
    """Everything `price_cart` needs for these products in this store at this time."""
    store = get_store(session, store_id)
    promotions = service.running_promotions(session, store_id=store_id, at=at)
    wanted = set(product_ids) | {p.gift_product_id for p in promotions if p.gift_product_id is not None}
    rows = session.scalars(select(Product).where(Product.id.in_(wanted)).options(
        selectinload(Product.units).selectinload(ProductUnit.barcodes))).all()
    found = {p.id for p in rows}
    missing = sorted(set(product_ids) - found)
    if missing:
        raise not_found("商品", "product", "lines.product_id", missing[0])
    levels = session.scalars(select(MemberLevel)).all()
    member_prices = session.scalars(select(MemberLevelPrice).where(MemberLevelPrice.product_id.in_(wanted))).all()
    return PricingContext(
        at=at, store_id=store_id, products={p.id: product_to_contract(p) for p in rows},
        promotions=tuple(promotions),
        price_lists=tuple(service.price_list_to_contract(pl) for pl in service.price_lists_in_force(session, at)),
        member_levels={lv.code: service.member_level_to_contract(lv) for lv in levels},
        member_prices=tuple(service.member_price_to_contract(mp) for mp in member_prices),
        rounding=rounding_policy(store.rounding_mode))


def quote(session: Session, *, store_id: int, at: datetime, lines: list[dict[str, Any]],
          member_level: str | None = None, order_discount_fen: int = 0) -> PricedCart:
    """The priced cart (ContractError → 422 naming the field for a bad unit, quantity ...)."""
    ctx = build_context(session, store_id=store_id, at=at, product_ids={ln["product_id"] for ln in lines})
    if member_level is not None and member_level not in ctx.member_levels:
        raise not_found("会员等级", "member level", "member_level", member_level)
    member = MemberRef(member_id="quote", level=member_level) if member_level else None
    cart = Cart(lines=tuple(CartLine(product_id=ln["product_id"], unit_code=ln["unit_code"], qty=str(ln["qty"]))
                            for ln in lines),
                member=member, order_discount_fen=order_discount_fen)
    return price_cart(cart, ctx)


@dataclass(frozen=True)
class PromotionPreview:
    """A sample cart priced as a till would, with the draft promotion and without it."""

    with_draft: PricedCart
    without_draft: PricedCart
    at: datetime
    runs: bool
    """Whether the draft runs in that store at that time at all."""


def preview_promotion(session: Session, *, draft: Promotion, store_id: int, at: datetime,
                      lines: list[dict[str, Any]], member_level: str | None = None) -> PromotionPreview:
    """Price `lines` in `store_id` at `at` with `sync.pricing.price_cart` over the stored data, once with
    `draft` (a promotion being written, replacing its stored self) among the running promotions and
    once without it: head office sees what the tills will charge before saving it."""
    wanted = {ln["product_id"] for ln in lines}
    if draft.gift_product_id is not None:
        wanted.add(draft.gift_product_id)
    ctx = build_context(session, store_id=store_id, at=at, product_ids=wanted)
    if member_level is not None and member_level not in ctx.member_levels:
        raise not_found("会员等级", "member level", "member_level", member_level)
    others = tuple(p for p in ctx.promotions if p.id != draft.id)
    runs = draft.runs_at(at, store_id)
    member = MemberRef(member_id="preview", level=member_level) if member_level else None
    cart = Cart(lines=tuple(CartLine(product_id=ln["product_id"], unit_code=ln["unit_code"], qty=str(ln["qty"]))
                            for ln in lines), member=member)
    with_draft = price_cart(cart, replace(ctx, promotions=others + ((draft,) if runs else ())))
    without = price_cart(cart, replace(ctx, promotions=others))
    return PromotionPreview(with_draft=with_draft, without_draft=without, at=at, runs=runs)
