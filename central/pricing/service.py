"""Pricing services: customer groups, member levels, price lists, member prices, promotions.

Every write is checked against the shared contract (`sync.catalog`, `sync.promotions`): what
central accepts is exactly what a terminal can price, and an invalid promotion never reaches
a till. References (products and their units, stores, categories, targets) must exist.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session, selectinload

from central.auth.principal import Principal
from central.catalog.models import Category, Product, ProductUnit
from central.db import Base, utcnow
from central.errors import Conflict, Invalid, not_found
from central.org.models import Store
from central.pricing.models import (
    CustomerGroup,
    MemberLevel,
    MemberLevelPrice,
    PriceList,
    PriceListItem,
    Promotion,
    PromotionStore,
)
from central.unique import ensure_unique
from sync import catalog as contract
from sync import promotions as promo_contract
from sync.catalog import in_window

# ---------------------------------------------------------------- shared checks


def _check_window(start: datetime | None, end: datetime | None, start_field: str, end_field: str) -> None:
    if start is not None and end is not None and end <= start:
        raise Invalid("结束时间必须晚于开始时间", f"{end_field} must be after {start_field}", code="end_before_start",
                      field=end_field)


def _unit_codes(session: Session, product_ids: Iterable[int]) -> dict[int, set[str]]:
    ids = set(product_ids)
    out: dict[int, set[str]] = {i: set() for i in session.scalars(select(Product.id).where(Product.id.in_(ids)))}
    for pid, code in session.execute(select(ProductUnit.product_id, ProductUnit.code)
                                     .where(ProductUnit.product_id.in_(ids))):
        out[pid].add(code)
    return out


def _check_product_unit(units: dict[int, set[str]], product_id: int, unit_code: str, prefix: str) -> None:
    if product_id not in units:
        raise not_found("商品", "product", f"{prefix}product_id", product_id)
    if unit_code not in units[product_id]:
        raise Invalid(f"商品 {product_id} 没有单位 {unit_code}", f"product {product_id} has no unit {unit_code}",
                      code="unknown_unit", field=f"{prefix}unit_code")


# ---------------------------------------------------------------- customer groups, member levels


def create_customer_group(session: Session, *, code: str, name: str) -> CustomerGroup:
    ensure_unique(session, CustomerGroup.code, code, "code")
    group = CustomerGroup(code=code, name=name)
    session.add(group)
    session.flush()
    return group


def get_customer_group(session: Session, group_id: int) -> CustomerGroup:
    group = session.get(CustomerGroup, group_id)
    if group is None:
        raise not_found("客户分组", "customer group", "customer_group_id", group_id)
    return group


def update_customer_group(session: Session, group: CustomerGroup, changes: dict[str, Any]) -> CustomerGroup:
    if "code" in changes:
        ensure_unique(session, CustomerGroup.code, changes["code"], "code", exclude_id=group.id)
    for key, value in changes.items():
        setattr(group, key, value)
    session.flush()
    return group


def create_member_level(session: Session, **fields: Any) -> MemberLevel:
    ensure_unique(session, MemberLevel.code, fields["code"], "code")
    level = MemberLevel(**fields)
    member_level_to_contract(level)
    session.add(level)
    session.flush()
    return level


def get_member_level(session: Session, level_id: int) -> MemberLevel:
    level = session.get(MemberLevel, level_id)
    if level is None:
        raise not_found("会员等级", "member level", "member_level_id", level_id)
    return level


def update_member_level(session: Session, level: MemberLevel, changes: dict[str, Any]) -> MemberLevel:
    if "code" in changes and changes["code"] != level.code:
        raise Invalid("会员等级代码创建后不能修改", "a member level's code cannot change", field="code")
    for key, value in changes.items():
        setattr(level, key, value)
    member_level_to_contract(level)
    session.flush()
    return level


def member_level_to_contract(level: MemberLevel) -> contract.MemberLevel:
    return contract.MemberLevel(code=level.code, name=level.name, points_per_yuan=level.points_per_yuan,
                                percent_off_bp=level.percent_off_bp)


# ---------------------------------------------------------------- price lists


def _check_target(session: Session, scope: str, target_id: int) -> None:
    if scope == contract.PriceListScope.CUSTOMER_GROUP:
        if session.get(CustomerGroup, target_id) is None:
            raise not_found("客户分组", "customer group", "target_id", target_id)
        return
    customers = Base.metadata.tables.get("customers")
    if isinstance(customers, Table) and session.execute(
            select(customers.c.id).where(customers.c.id == target_id)).first() is None:
        raise not_found("客户", "customer", "target_id", target_id)


def _check_items(session: Session, items: Sequence[dict[str, Any]]) -> None:
    units = _unit_codes(session, (i["product_id"] for i in items))
    seen: set[tuple[int, str]] = set()
    for n, item in enumerate(items):
        key = (item["product_id"], item["unit_code"])
        if key in seen:
            raise Invalid("同一商品单位出现多次", "the same product unit is priced twice", code="duplicate",
                          field=f"items.{n}.unit_code")
        seen.add(key)
        _check_product_unit(units, item["product_id"], item["unit_code"], f"items.{n}.")


def get_price_list(session: Session, price_list_id: int) -> PriceList:
    pl = session.scalar(select(PriceList).where(PriceList.id == price_list_id)
                        .options(selectinload(PriceList.items)))
    if pl is None:
        raise not_found("价目表", "price list", "price_list_id", price_list_id)
    return pl


def create_price_list(session: Session, *, code: str, name: str, scope: str, target_id: int,
                      items: Sequence[dict[str, Any]], valid_from: datetime | None = None,
                      valid_to: datetime | None = None, priority: int = 0, active: bool = True) -> PriceList:
    ensure_unique(session, PriceList.code, code, "code")
    _check_window(valid_from, valid_to, "valid_from", "valid_to")
    _check_target(session, scope, target_id)
    _check_items(session, items)
    pl = PriceList(code=code, name=name, scope=scope, target_id=target_id, valid_from=valid_from,
                   valid_to=valid_to, priority=priority, active=active,
                   items=[PriceListItem(**i) for i in items])
    session.add(pl)
    session.flush()
    price_list_to_contract(pl)
    return pl


def update_price_list(session: Session, pl: PriceList, changes: dict[str, Any]) -> PriceList:
    items = changes.pop("items", None)
    if "code" in changes:
        ensure_unique(session, PriceList.code, changes["code"], "code", exclude_id=pl.id)
    _check_window(changes.get("valid_from", pl.valid_from), changes.get("valid_to", pl.valid_to),
                  "valid_from", "valid_to")
    if "scope" in changes or "target_id" in changes:
        _check_target(session, changes.get("scope", pl.scope), changes.get("target_id", pl.target_id))
    for key, value in changes.items():
        setattr(pl, key, value)
    if items is not None:
        _check_items(session, items)
        pl.items.clear()
        session.flush()
        pl.items.extend(PriceListItem(**i) for i in items)
    session.flush()
    price_list_to_contract(pl)
    return pl


def set_price_list_item(session: Session, pl: PriceList, *, product_id: int, unit_code: str,
                        price_fen: int | None) -> PriceListItem | None:
    """Price one product unit in a price list (None removes its price); the list is checked again as a whole."""
    _check_product_unit(_unit_codes(session, [product_id]), product_id, unit_code, "")
    item = next((i for i in pl.items if i.product_id == product_id and i.unit_code == unit_code), None)
    if price_fen is None:
        if item is not None:
            pl.items.remove(item)
    elif item is None:
        item = PriceListItem(product_id=product_id, unit_code=unit_code, price_fen=price_fen)
        pl.items.append(item)
    else:
        item.price_fen = price_fen
    pl.updated_at = utcnow()
    session.flush()
    price_list_to_contract(pl)
    return item if price_fen is not None else None


def price_list_to_contract(pl: PriceList) -> contract.PriceList:
    return contract.PriceList(
        id=pl.id, name=pl.name, scope=contract.PriceListScope(pl.scope), target_id=pl.target_id,
        entries=tuple(contract.PriceListEntry(product_id=i.product_id, unit_code=i.unit_code, price_fen=i.price_fen)
                      for i in pl.items),
        valid_from=pl.valid_from, valid_to=pl.valid_to, priority=pl.priority)


# ---------------------------------------------------------------- member level prices


def _overlaps(a_from: datetime | None, a_to: datetime | None, b_from: datetime | None, b_to: datetime | None) -> bool:
    return (a_to is None or b_from is None or b_from < a_to) and (b_to is None or a_from is None or a_from < b_to)


def set_member_price(session: Session, *, level_code: str, product_id: int, unit_code: str, price_fen: int,
                     valid_from: datetime | None = None, valid_to: datetime | None = None,
                     existing: MemberLevelPrice | None = None) -> MemberLevelPrice:
    """Create (or update `existing`) a member price; windows of the same level/product/unit may not overlap."""
    if session.scalar(select(MemberLevel.id).where(MemberLevel.code == level_code)) is None:
        raise not_found("会员等级", "member level", "level_code", level_code)
    _check_product_unit(_unit_codes(session, [product_id]), product_id, unit_code, "")
    _check_window(valid_from, valid_to, "valid_from", "valid_to")
    others = session.scalars(select(MemberLevelPrice).where(
        MemberLevelPrice.level_code == level_code, MemberLevelPrice.product_id == product_id,
        MemberLevelPrice.unit_code == unit_code)).all()
    for other in others:
        if (existing is None or other.id != existing.id) and _overlaps(
                valid_from, valid_to, other.valid_from, other.valid_to):
            raise Conflict("该会员价与已有会员价的有效期重叠", "this member price overlaps an existing one "
                           f"(id {other.id})", code="overlapping_price", field="valid_from")
    row = existing or MemberLevelPrice()
    row.level_code, row.product_id, row.unit_code, row.price_fen = level_code, product_id, unit_code, price_fen
    row.valid_from, row.valid_to = valid_from, valid_to
    if existing is None:
        session.add(row)
    session.flush()
    member_price_to_contract(row)
    return row


def get_member_price(session: Session, price_id: int) -> MemberLevelPrice:
    row = session.get(MemberLevelPrice, price_id)
    if row is None:
        raise not_found("会员价", "member price", "member_price_id", price_id)
    return row


def member_price_to_contract(row: MemberLevelPrice) -> contract.MemberLevelPrice:
    return contract.MemberLevelPrice(level=row.level_code, product_id=row.product_id, unit_code=row.unit_code,
                                     price_fen=row.price_fen, valid_from=row.valid_from, valid_to=row.valid_to)


# ---------------------------------------------------------------- promotions

_COLUMNS = ("id", "name", "kind", "starts_at", "ends_at", "store_ids")


def get_promotion(session: Session, promotion_id: int, who: Principal | None = None) -> Promotion:
    promo = session.scalar(select(Promotion).where(Promotion.id == promotion_id)
                           .options(selectinload(Promotion.stores)))
    if promo is None or (who is not None and who.store_id is not None and promo.stores
                         and who.store_id not in {s.store_id for s in promo.stores}):
        raise not_found("促销", "promotion", "promotion_id", promotion_id)
    return promo


def _check_promotion_refs(session: Session, p: promo_contract.Promotion) -> None:
    for ids, model, zh, en, field in ((p.store_ids, Store, "门店", "store", "store_ids"),
                                      (p.product_ids, Product, "商品", "product", "product_ids"),
                                      (p.category_ids, Category, "分类", "category", "category_ids")):
        if ids:
            found = set(session.scalars(select(model.id).where(model.id.in_(ids))))
            missing = sorted(set(ids) - found)
            if missing:
                raise not_found(zh, en, field, missing[0])
    if p.gift_product_id is not None and p.gift_unit_code is not None:
        _check_product_unit(_unit_codes(session, [p.gift_product_id]), p.gift_product_id, p.gift_unit_code, "gift_")


def _validated(data: dict[str, Any], promotion_id: int) -> promo_contract.Promotion:
    """The contract's Promotion for `data` (PromotionError → 422 naming the field when invalid)."""
    return promo_contract.Promotion.from_dict({**data, "id": promotion_id})


def _store_params(promo: Promotion, p: promo_contract.Promotion) -> None:
    wire = p.to_dict()
    promo.name, promo.kind = p.name, p.kind.value
    promo.starts_at, promo.ends_at = p.starts_at, p.ends_at
    promo.params = {k: v for k, v in wire.items() if k not in _COLUMNS}
    promo.stores = [PromotionStore(store_id=s) for s in sorted(p.store_ids)]


def create_promotion(session: Session, *, code: str, data: dict[str, Any], active: bool = True) -> Promotion:
    """A promotion from its wire form (`sync.promotions` dict without id)."""
    ensure_unique(session, Promotion.code, code, "code")
    p = _validated(data, 0)
    _check_promotion_refs(session, p)
    promo = Promotion(code=code, active=active)
    _store_params(promo, p)
    session.add(promo)
    session.flush()
    return promo


def update_promotion(session: Session, promo: Promotion, *, changes: dict[str, Any]) -> Promotion:
    """Apply changed wire fields (and `code`, `active`) and validate the whole result again."""
    if "code" in changes:
        ensure_unique(session, Promotion.code, changes["code"], "code", exclude_id=promo.id)
        promo.code = changes.pop("code")
    if "active" in changes:
        promo.active = changes.pop("active")
    if changes:
        current = promotion_to_wire(promo)
        current.pop("id")
        merged = {**current, **changes}
        # null removes an optional parameter (e.g. switch a price cut from amount off to a special price)
        p = _validated({k: v for k, v in merged.items() if v is not None}, promo.id)
        _check_promotion_refs(session, p)
        promo.stores.clear()
        session.flush()
        _store_params(promo, p)
    session.flush()
    return promo


def promotion_to_wire(promo: Promotion) -> dict[str, Any]:
    """`sync.promotions.Promotion.to_dict()` of a stored promotion."""
    data = {**promo.params, "id": promo.id, "name": promo.name, "kind": promo.kind,
            "starts_at": contract.time_to_wire(promo.starts_at), "ends_at": contract.time_to_wire(promo.ends_at),
            "store_ids": sorted(s.store_id for s in promo.stores)}
    return promo_contract.Promotion.from_dict(data).to_dict()


def running_promotions(session: Session, *, store_id: int, at: datetime) -> list[promo_contract.Promotion]:
    """Active promotions running in `store_id` at `at`, as the contract's objects."""
    rows = session.scalars(select(Promotion).where(Promotion.active, Promotion.starts_at <= at,
                                                   Promotion.ends_at > at)
                           .options(selectinload(Promotion.stores))).all()
    out = [promo_contract.Promotion.from_dict(promotion_to_wire(r)) for r in rows]
    return promo_contract.running(out, at, store_id)


def price_lists_in_force(session: Session, at: datetime) -> list[PriceList]:
    rows = session.scalars(select(PriceList).where(PriceList.active).options(selectinload(PriceList.items))).all()
    return [r for r in rows if in_window(at, r.valid_from, r.valid_to)]
