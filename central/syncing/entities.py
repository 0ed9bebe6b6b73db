"""Which central tables are master data, how each becomes its wire form, and who may see it.

`install()` registers every feed entity with its loader (current wire form + scopes of some ids)
and tracks the models whose changes touch it, so the session hooks in `feed.py` keep the change
feed in step with every write, whatever service made it.

Scopes: products, prices, promotions (per store when store-scoped), member levels and members go
to every terminal; store settings and terminals only to their store; people with their PIN hashes
only to the devices they may sign in on (`user_scope`); a customer (and a price list made for one
customer) only to the customer's sales rep.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from central.syncing import feed, field_entities
from central.syncing.feed import EVERYWHERE, Scope
from sync import catalog as wire
from sync.master import (
    Entity,
    MemberInfo,
    StoreSettings,
    TerminalInfo,
    UserInfo,
)
from sync.promotions import Promotion as WirePromotion

log = logging.getLogger("central.syncing")

Loaded = dict[str, tuple[dict[str, Any], list[Scope]]]



def _int_ids(ids: Sequence[str]) -> list[int]:
    return [int(i) for i in ids if i.isdigit()]


def load_products(session: Session, ids: Sequence[str]) -> Loaded:
    """Products with their units and barcodes: three set-based queries per chunk of ids (no ORM
    objects; a 200,000-product bulk import builds its feed rows from this)."""
    from central.catalog.models import Barcode, Product, ProductUnit

    wanted = _int_ids(ids)
    if not wanted:
        return {}
    session.flush()  # the Core reads below do not autoflush by themselves
    products = feed.rows_by_keys(
        session, (Product.id, Product.sku, Product.name, Product.tax_rate_bp, Product.weighed, Product.category_id,
                  Product.pinyin, Product.name_en, Product.spec, Product.brand_id),
        Product.id, wanted, Product.active.is_(True))
    if not products:
        return {}
    products.sort()
    live = [p[0] for p in products]
    units: dict[int, list[tuple[int, int, str, int, str]]] = {}
    for pid, factor, uid, code, price_fen, uname in sorted(feed.rows_by_keys(
            session, (ProductUnit.product_id, ProductUnit.factor, ProductUnit.id, ProductUnit.code,
                      ProductUnit.price_fen, ProductUnit.name), ProductUnit.product_id, live)):
        units.setdefault(pid, []).append((uid, factor, code, price_fen, uname))
    codes: dict[int, list[str]] = {}
    for unit_id, _bid, barcode in sorted(feed.rows_by_keys(
            session, (Barcode.unit_id, Barcode.id, Barcode.barcode), Barcode.product_id, live)):
        codes.setdefault(unit_id, []).append(barcode)
    out: Loaded = {}
    for pid, sku, name, tax_rate_bp, weighed, category_id, pinyin, name_en, spec, brand_id in products:
        its_units = units.get(pid)
        if not its_units:
            continue
        try:
            product = wire.Product(
                id=pid, sku=sku, name=name, tax_rate_bp=tax_rate_bp, weighed=weighed, category_id=category_id,
                units=tuple(wire.SaleUnit(code=code, factor=factor, price_fen=price_fen, name=uname,
                                          barcodes=tuple(codes.get(uid, ())))
                            for uid, factor, code, price_fen, uname in its_units))
        except ValueError as exc:  # not sellable as stored: keep it off the tills, say why in the log
            log.warning("product %s not shipped to terminals: %s", pid, exc)
            continue
        data = product.to_dict()
        data.update(pinyin=pinyin or "", name_en=name_en, spec=spec, brand_id=brand_id)
        out[str(pid)] = (data, [EVERYWHERE])
    return out


def _customer_reps(session: Session, customer_ids: list[int]) -> dict[int, int | None]:
    if not customer_ids:
        return {}
    from central.customers.models import Customer

    query = select(Customer.id, Customer.rep_id).where(Customer.id.in_(customer_ids))
    return dict(session.execute(query).all())  # (Result.tuples() fails under SQLAlchemy 2.1)


def load_price_lists(session: Session, ids: Sequence[str]) -> Loaded:
    from central.pricing.models import PriceList

    rows = list(session.execute(
        select(PriceList).where(PriceList.id.in_(_int_ids(ids))).options(selectinload(PriceList.items))
    ).scalars())
    reps = _customer_reps(session, [r.target_id for r in rows if r.scope == "customer"])
    out: Loaded = {}
    for pl in rows:
        if not pl.active:
            continue
        data = wire.PriceList(
            id=pl.id, name=pl.name, scope=wire.PriceListScope(pl.scope), target_id=pl.target_id,
            entries=tuple(wire.PriceListEntry(product_id=i.product_id, unit_code=i.unit_code, price_fen=i.price_fen)
                          for i in pl.items),
            valid_from=pl.valid_from, valid_to=pl.valid_to, priority=pl.priority).to_dict()
        rep = reps.get(pl.target_id) if pl.scope == "customer" else None
        out[str(pl.id)] = (data, [(0, rep or 0)])
    return out


def load_member_prices(session: Session, ids: Sequence[str]) -> Loaded:
    from central.pricing.models import MemberLevelPrice

    out: Loaded = {}
    for mp in session.execute(select(MemberLevelPrice).where(MemberLevelPrice.id.in_(_int_ids(ids)))).scalars():
        data = wire.MemberLevelPrice(level=mp.level_code, product_id=mp.product_id, unit_code=mp.unit_code,
                                     price_fen=mp.price_fen, valid_from=mp.valid_from, valid_to=mp.valid_to).to_dict()
        data["id"] = mp.id
        out[str(mp.id)] = (data, [EVERYWHERE])
    return out


def load_member_levels(session: Session, ids: Sequence[str]) -> Loaded:
    from central.pricing.models import MemberLevel

    out: Loaded = {}
    for ml in session.execute(select(MemberLevel).where(MemberLevel.code.in_(list(ids)))).scalars():
        data = wire.MemberLevel(code=ml.code, name=ml.name, points_per_yuan=ml.points_per_yuan,
                                percent_off_bp=ml.percent_off_bp).to_dict()
        out[ml.code] = (data, [EVERYWHERE])
    return out


def load_promotions(session: Session, ids: Sequence[str]) -> Loaded:
    from central.pricing.models import Promotion

    out: Loaded = {}
    rows = session.execute(
        select(Promotion).where(Promotion.id.in_(_int_ids(ids))).options(selectinload(Promotion.stores))
    ).scalars()
    for pr in rows:
        if not pr.active:
            continue
        store_ids = sorted(s.store_id for s in pr.stores)
        try:
            promo = WirePromotion.from_dict({
                **(pr.params or {}), "id": pr.id, "name": pr.name, "kind": pr.kind,
                "starts_at": wire.time_to_wire(pr.starts_at), "ends_at": wire.time_to_wire(pr.ends_at),
                "store_ids": store_ids})
        except ValueError as exc:
            log.warning("promotion %s not shipped to terminals: %s", pr.id, exc)
            continue
        scopes: list[Scope] = [(s, 0) for s in store_ids] or [EVERYWHERE]
        out[str(pr.id)] = (promo.to_dict(), scopes)
    return out


def load_stores(session: Session, ids: Sequence[str]) -> Loaded:
    from central.org.models import Organisation, Store, Warehouse

    org = session.execute(select(Organisation).limit(1)).scalar()
    out: Loaded = {}
    for st in session.execute(select(Store).where(Store.id.in_(_int_ids(ids)))).scalars():
        if not st.active:
            continue
        warehouse_id = session.execute(
            select(Warehouse.id).where(Warehouse.store_id == st.id, Warehouse.active.is_(True))
            .order_by(Warehouse.id).limit(1)).scalar()
        data = StoreSettings(
            id=st.id, code=st.code, name=st.name, rounding_mode=st.rounding_mode or "none",
            receipt_header=st.receipt_header or (org.name if org else st.name),
            receipt_footer=st.receipt_footer or "", receipt_language=st.receipt_language or "zh-CN",
            address=st.address, phone=st.phone,
            tax_id=org.tax_id if org else None, warehouse_id=warehouse_id,
            credit_policy=st.credit_policy or "hold", allowed_overdue_days=st.allowed_overdue_days or 0,
            chain_returns=bool(st.chain_returns), void_needs_manager=bool(st.void_needs_manager),
            # the till reads its scale labels with this layout (terminal.catalog.Catalog.scale_layout);
            # stored as ScaleLayout.to_dict(), checked when written; absent = the default layout
            extra={"scale_layout": dict(st.scale_layout)} if st.scale_layout else {},
        ).model_dump(mode="json")
        out[str(st.id)] = (data, [(st.id, 0)])
    return out


def load_terminals(session: Session, ids: Sequence[str]) -> Loaded:
    from central.org.models import Terminal

    out: Loaded = {}
    for t in session.execute(select(Terminal).where(Terminal.id.in_(_int_ids(ids)))).scalars():
        if t.revoked_at is not None:
            continue
        data = TerminalInfo(id=t.id, code=t.code, kind=t.kind, store_id=t.store_id, rep_id=t.rep_user_id,
                            receipt_prefix=t.code).model_dump(mode="json")
        out[str(t.id)] = (data, [(t.store_id, 0)])
    return out


def load_users(session: Session, ids: Sequence[str]) -> Loaded:
    from central.users.models import User
    from central.users.till_staff import TILL_ROLES

    out: Loaded = {}
    for u in session.execute(select(User).where(User.id.in_(_int_ids(ids)))).scalars():
        if not u.active or not u.pin_hash or u.role not in TILL_ROLES:
            continue
        data = UserInfo(id=u.id, code=u.staff_code or u.username, name=u.display_name, role=u.role,
                        pin_hash=u.pin_hash, store_id=u.store_id).model_dump(mode="json")
        out[str(u.id)] = (data, [user_scope(u.role, u.id, u.store_id)])
    return out


def user_scope(role: str, user_id: int, store_id: int | None) -> Scope:
    """Where a user's PIN hash goes: only to the devices they may sign in on. A sales rep's to their own
    tablets; a cashier's or store manager's to their store's tills; a head-office admin's to every till
    (admins sign in at any till: terminal/session.py). Never a till's people to a rep's tablet."""
    if role == "sales_rep":
        return (0, user_id)
    return (store_id or 0, feed.TILLS_ONLY)


def load_members(session: Session, ids: Sequence[str]) -> Loaded:
    from central.members.models import Member

    out: Loaded = {}
    for m in session.execute(select(Member).where(Member.id.in_(list(ids)))).scalars():
        if not m.active:
            continue
        data = MemberInfo(id=m.id, card_no=m.card_no, phone=m.phone, name=m.name, level=m.level,
                          points_balance=m.points_balance, stored_value_fen=m.stored_value_fen,
                          birthday=m.birthday.isoformat() if m.birthday else None).model_dump(mode="json")
        out[m.id] = (data, [EVERYWHERE])
    return out


def customer_price_lists(session: Session, customer_ids: Sequence[str]) -> list[tuple[str, str]]:
    """Price lists made for one of these customers: they are scoped to the customer's rep, so a
    customer given to another rep takes them along (and off the first rep's tablet)."""
    from central.pricing.models import PriceList

    ids = session.execute(select(PriceList.id).where(
        PriceList.scope == "customer", PriceList.target_id.in_(_int_ids(customer_ids)))).scalars()
    return [(Entity.PRICE_LIST.value, str(i)) for i in ids]


def _store_scopes(store_ids: Sequence[int] | None) -> list[Scope]:
    return [(s, 0) for s in sorted(store_ids or ())] or [EVERYWHERE]


def load_stored_value_rules(session: Session, ids: Sequence[str]) -> Loaded:
    """Top-up bonus rules (充值赠送) to the stores they apply at."""
    from central.stored_value.models import StoredValueRule
    from central.stored_value.service import rule_to_wire

    out: Loaded = {}
    for r in session.execute(select(StoredValueRule).where(StoredValueRule.id.in_(_int_ids(ids)))).scalars():
        if r.active:
            out[str(r.id)] = (rule_to_wire(r).model_dump(mode="json"), _store_scopes(r.store_ids))
    return out


def load_voucher_batches(session: Session, ids: Sequence[str]) -> Loaded:
    """Voucher batches (also inactive ones: a till then says why a code of it is refused)."""
    from central.vouchers.models import VoucherBatch
    from central.vouchers.service import batch_to_wire

    out: Loaded = {}
    for b in session.execute(select(VoucherBatch).where(VoucherBatch.id.in_(_int_ids(ids)))).scalars():
        out[str(b.id)] = (batch_to_wire(b).model_dump(mode="json"), _store_scopes(b.store_ids))
    return out


def load_vouchers(session: Session, codes: Sequence[str]) -> Loaded:
    """Vouchers by code, with their status, to the stores of their batch."""
    from central.vouchers.models import Voucher, VoucherBatch
    from central.vouchers.service import voucher_to_wire

    out: Loaded = {}
    wanted = list(codes)
    for start in range(0, len(wanted), 5000):
        rows = session.execute(select(Voucher, VoucherBatch.store_ids).join(VoucherBatch)
                               .where(Voucher.code.in_(wanted[start:start + 5000])))
        for v, store_ids in rows:
            out[v.code] = (voucher_to_wire(v).model_dump(mode="json"), _store_scopes(store_ids))
    return out


LOADERS: dict[str, feed.Loader] = {
    Entity.PRODUCT: load_products, Entity.PRICE_LIST: load_price_lists, Entity.MEMBER_PRICE: load_member_prices,
    Entity.MEMBER_LEVEL: load_member_levels, Entity.PROMOTION: load_promotions, Entity.STORE: load_stores,
    Entity.TERMINAL: load_terminals, Entity.USER: load_users, Entity.MEMBER: load_members,
    Entity.STORED_VALUE_RULE: load_stored_value_rules, Entity.VOUCHER_BATCH: load_voucher_batches,
    Entity.VOUCHER: load_vouchers,
}
"""Customers and the other field entities: `central.syncing.field_entities`."""


def install() -> None:
    """Register loaders and track the master-data models (idempotent)."""
    from central.catalog.models import Barcode, Product, ProductUnit
    from central.customers.models import Customer
    from central.members.models import Member
    from central.org.models import Store, Terminal, Warehouse
    from central.pricing.models import (
        MemberLevel,
        MemberLevelPrice,
        PriceList,
        PriceListItem,
        Promotion,
        PromotionStore,
    )
    from central.stored_value.models import StoredValueRule
    from central.users.models import User
    from central.vouchers.models import Voucher, VoucherBatch

    for entity, loader in LOADERS.items():
        feed.register_entity(entity, loader)
    feed.depend(Entity.CUSTOMER.value, customer_price_lists)
    feed.track(Product, lambda o: [(Entity.PRODUCT, str(o.id))])
    feed.track(ProductUnit, lambda o: [(Entity.PRODUCT, str(o.product_id))])
    feed.track(Barcode, lambda o: [(Entity.PRODUCT, str(o.product_id))])
    feed.track(PriceList, lambda o: [(Entity.PRICE_LIST, str(o.id))])
    feed.track(PriceListItem, lambda o: [(Entity.PRICE_LIST, str(o.price_list_id))])
    feed.track(MemberLevelPrice, lambda o: [(Entity.MEMBER_PRICE, str(o.id))])
    feed.track(MemberLevel, lambda o: [(Entity.MEMBER_LEVEL, o.code)])
    feed.track(Promotion, lambda o: [(Entity.PROMOTION, str(o.id))])
    feed.track(PromotionStore, lambda o: [(Entity.PROMOTION, str(o.promotion_id))])
    feed.track(Store, lambda o: [(Entity.STORE, str(o.id))])
    feed.track(Warehouse, lambda o: [(Entity.STORE, str(o.store_id))] if o.store_id else [])
    feed.track(Terminal, lambda o: [(Entity.TERMINAL, str(o.id))])
    feed.track(User, lambda o: [(Entity.USER, str(o.id))])
    feed.track(Member, lambda o: [(Entity.MEMBER, o.id)])
    feed.track(Customer, lambda o: [(Entity.CUSTOMER, str(o.id))])
    feed.track(StoredValueRule, lambda o: [(Entity.STORED_VALUE_RULE, str(o.id))])
    feed.track(VoucherBatch, lambda o: [(Entity.VOUCHER_BATCH, str(o.id))])
    feed.track(Voucher, lambda o: [(Entity.VOUCHER, o.code)])
    field_entities.install()  # customers (with their account figures), orders, routes, targets ...


def rebuild_all(session: Session) -> int:
    """Write feed rows for every master-data row (after a bulk load or on first migration)."""
    from central.catalog.models import Product
    from central.customers.models import Customer
    from central.members.models import Member
    from central.org.models import Store, Terminal
    from central.pricing.models import MemberLevel, MemberLevelPrice, PriceList, Promotion
    from central.stored_value.models import StoredValueRule
    from central.users.models import User
    from central.vouchers.models import Voucher, VoucherBatch

    total = 0
    for entity, column in ((Entity.STORE, Store.id), (Entity.TERMINAL, Terminal.id), (Entity.USER, User.id),
                           (Entity.MEMBER_LEVEL, MemberLevel.code), (Entity.PRODUCT, Product.id),
                           (Entity.PRICE_LIST, PriceList.id), (Entity.MEMBER_PRICE, MemberLevelPrice.id),
                           (Entity.PROMOTION, Promotion.id), (Entity.MEMBER, Member.id),
                           (Entity.CUSTOMER, Customer.id), (Entity.STORED_VALUE_RULE, StoredValueRule.id),
                           (Entity.VOUCHER_BATCH, VoucherBatch.id), (Entity.VOUCHER, Voucher.code)):
        ids = [str(i) for i in session.execute(select(column)).scalars()]
        for start in range(0, len(ids), 5000):
            total += feed.write_changes(session, [(entity.value, i) for i in ids[start:start + 5000]])
    return total + field_entities.rebuild_all(session)
