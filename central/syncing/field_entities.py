"""What a rep's tablet pulls for field work: its customers with their account figures, their orders
and how far they got, the rep's route and monthly target, customer types and floor prices.

Scopes: customers, their orders, the rep's route and targets go to the customer's (or the target's)
rep only — a customer given to another rep takes its orders along; customer types and floor prices
go everywhere (tills ignore them). Every loader reads a chunk of ids with a few set-based queries.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.inventory.quantities import display_qty
from central.syncing import feed
from central.syncing.feed import EVERYWHERE, Scope
from sync.field import OpenItem as WireOpenItem
from sync.field import oldest_overdue_days
from sync.master import (
    CustomerInfo,
    CustomerTypeInfo,
    DeliveryInfo,
    Entity,
    FloorPriceInfo,
    RepTargetInfo,
    SalesOrderInfo,
    SalesOrderLineInfo,
    VisitPlanInfo,
)
from sync.store_time import business_date

Loaded = dict[str, tuple[dict[str, Any], list[Scope]]]

LAST = 3
"""Orders and visits shown on the tablet's customer card."""


def _ints(ids: Sequence[str]) -> list[int]:
    return [int(i) for i in ids if i.isdigit()]


def _iso(t: datetime | None) -> str | None:
    return t.isoformat() if t is not None else None


def _qty(qty_m: int) -> str:
    return display_qty(qty_m)


def load_customers(session: Session, ids: Sequence[str]) -> Loaded:
    """Customers with central's figures: balance, open orders, credit used and available, open items
    (the tablet ages them itself), the last orders and visits."""
    from central.customers.models import Customer
    from central.db import utcnow
    from central.field.models import Visit
    from central.finance.models import ReceivableAccount
    from central.finance.receivables import open_charges
    from central.orders.models import SalesOrder
    from central.orders.service import advances_of, open_orders_fen

    wanted = _ints(ids)
    if not wanted:
        return {}
    customers = [c for c in session.scalars(select(Customer).where(Customer.id.in_(wanted))) if c.active]
    live = [c.id for c in customers]
    balances = dict(session.execute(select(ReceivableAccount.customer_id, ReceivableAccount.balance_fen)
                                    .where(ReceivableAccount.customer_id.in_(live))).all())
    last_orders: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for o in session.execute(select(SalesOrder.customer_id, SalesOrder.id, SalesOrder.order_no, SalesOrder.ordered_at,
                                    SalesOrder.total_fen, SalesOrder.status)
                             .where(SalesOrder.customer_id.in_(live)).order_by(SalesOrder.ordered_at.desc())):
        if len(last_orders[o.customer_id]) < LAST:
            last_orders[o.customer_id].append({"order_id": o.id, "order_no": o.order_no,
                                               "ordered_at": o.ordered_at.isoformat(), "total_fen": o.total_fen,
                                               "status": o.status})
    last_visits: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for v in session.execute(select(Visit.customer_id, Visit.id, Visit.checked_in_at, Visit.notes, Visit.follow_up_date,
                                    Visit.follow_up)
                             .where(Visit.customer_id.in_(live)).order_by(Visit.checked_in_at.desc())):
        if len(last_visits[v.customer_id]) < LAST:
            last_visits[v.customer_id].append({
                "visit_id": v.id, "visited_at": v.checked_in_at.isoformat(), "notes": (v.notes or "")[:200] or None,
                "follow_up_date": v.follow_up_date.isoformat() if v.follow_up_date else None,
                "follow_up": v.follow_up})
    today = business_date(utcnow())
    out: Loaded = {}
    for c in customers:
        balance = int(balances.get(c.id, 0))
        items = open_charges(session, c.id) if balance > 0 else []
        wire_items = [WireOpenItem(doc_no=i.doc_no or str(i.entry_id), doc_date=i.doc_date,
                                   due_date=i.due_date or i.doc_date, open_fen=i.open_fen) for i in items]
        pending = open_orders_fen(session, c.id)
        advances = advances_of(session, c.id)
        used = balance - advances + pending
        cod = c.status == "pending" or c.credit_limit_fen <= 0
        data = CustomerInfo.model_validate({
            "id": c.id, "code": c.code, "name": c.name, "contact_name": c.contact_name, "contact_phone": c.contact_phone,
            "address": c.address, "region": c.region, "notes": c.notes, "rep_id": c.rep_id, "price_list_id": c.price_list_id,
            "credit_limit_fen": c.credit_limit_fen, "credit_days": c.credit_days, "balance_fen": balance,
            "customer_type": c.customer_type, "status": c.status, "client_id": c.client_id, "group_id": c.group_id,
            "discount_bp": c.discount_bp, "parent_id": c.parent_id, "payment_terms": "cod" if cod else "credit",
            "contacts": list(c.contacts or []), "latitude": c.latitude, "longitude": c.longitude, "open_orders_fen": pending, "advances_fen": advances,
            "credit_used_fen": used, "available_fen": max(c.credit_limit_fen - used, 0) if not cod else 0,
            "overdue_fen": sum(i.open_fen for i in wire_items if i.due_date < today),
            "oldest_overdue_days": oldest_overdue_days(wire_items, today), "as_of": today.isoformat(),
            "open_items": [{"doc_no": i.doc_no, "doc_date": i.doc_date.isoformat(), "due_date": i.due_date.isoformat(),
                         "open_fen": i.open_fen} for i in wire_items],
            "last_orders": last_orders.get(c.id, []), "last_visits": last_visits.get(c.id, []),
        }).model_dump(mode="json")
        out[str(c.id)] = (data, [(0, c.rep_id or 0)])
    return out


def load_sales_orders(session: Session, ids: Sequence[str]) -> Loaded:
    from central.customers.models import Customer
    from central.orders.models import DeliveryNote, SalesOrder, SalesOrderLine

    orders = list(session.scalars(select(SalesOrder).where(SalesOrder.id.in_(list(ids)))))
    if not orders:
        return {}
    oids = [o.id for o in orders]
    reps = dict(session.execute(select(Customer.id, Customer.rep_id).where(
        Customer.id.in_({o.customer_id for o in orders}))).all())
    lines: dict[str, list[SalesOrderLine]] = defaultdict(list)
    for ln in session.scalars(select(SalesOrderLine).where(SalesOrderLine.order_id.in_(oids))
                              .order_by(SalesOrderLine.order_id, SalesOrderLine.line_no)):
        lines[ln.order_id].append(ln)
    notes: dict[str, list[DeliveryNote]] = defaultdict(list)
    for n in session.scalars(select(DeliveryNote).where(DeliveryNote.order_id.in_(oids))
                             .order_by(DeliveryNote.created_at, DeliveryNote.delivery_no)):
        notes[n.order_id].append(n)
    out: Loaded = {}
    for o in orders:
        rep = reps.get(o.customer_id)
        if not rep:
            continue  # a customer without a rep: no tablet shows its orders
        data = SalesOrderInfo(
            id=o.id, order_no=o.order_no, customer_id=o.customer_id, rep_id=o.rep_id, source=o.source,
            status=o.status, ordered_at=o.ordered_at.isoformat(),
            requested_date=o.requested_date.isoformat() if o.requested_date else None, total_fen=o.total_fen,
            original_total_fen=o.original_total_fen, on_credit=o.on_credit, hold_reasons=list(o.hold_reasons or []),
            claimed_hold_reasons=list(o.claimed_hold_reasons or []), reject_reason=o.reject_reason,
            cancel_reason=o.cancel_reason, delivered_fen=o.delivered_fen, returned_fen=o.returned_fen,
            lines=[SalesOrderLineInfo(
                line_no=ln.line_no, product_id=ln.product_id, sku=ln.sku, name=ln.name, unit_code=ln.unit_code,
                unit_factor=ln.unit_factor, qty=_qty(ln.qty_m), original_qty=_qty(ln.original_qty_m),
                delivered_qty=_qty(ln.delivered_qty_m), returned_qty=_qty(ln.returned_qty_m),
                cancelled_qty=_qty(ln.cancelled_qty_m), unit_price_fen=ln.unit_price_fen, amount_fen=ln.amount_fen,
                is_gift=ln.is_gift) for ln in lines[o.id]],
            deliveries=[DeliveryInfo(delivery_no=n.delivery_no, warehouse_id=n.warehouse_id, status=n.status,
                                     delivered_at=_iso(n.delivered_at), amount_fen=n.amount_fen,
                                     cancel_reason=n.cancel_reason) for n in notes[o.id]],
            updated_at=_iso(o.updated_at)).model_dump(mode="json")
        out[o.id] = (data, [(0, rep)])
    return out


def customer_orders(session: Session, customer_ids: Sequence[str]) -> list[tuple[str, str]]:
    """A customer's orders follow it to whichever rep has it (and leave the previous rep's tablet)."""
    from central.orders.models import SalesOrder

    rows = session.scalars(select(SalesOrder.id).where(SalesOrder.customer_id.in_(_ints(customer_ids))))
    return [(Entity.SALES_ORDER.value, i) for i in rows]


def load_visit_plans(session: Session, ids: Sequence[str]) -> Loaded:
    from central.field.models import VisitPlanStop

    out: Loaded = {}
    days: dict[int, dict[str, list[int]]] = defaultdict(dict)
    for stop in session.scalars(select(VisitPlanStop).where(VisitPlanStop.rep_id.in_(_ints(ids)))
                                .order_by(VisitPlanStop.rep_id, VisitPlanStop.weekday, VisitPlanStop.position)):
        days[stop.rep_id].setdefault(str(stop.weekday), []).append(stop.customer_id)
    for rep in _ints(ids):
        out[str(rep)] = (VisitPlanInfo(rep_id=rep, days=days.get(rep, {})).model_dump(mode="json"), [(0, rep)])
    return out


def load_rep_targets(session: Session, ids: Sequence[str]) -> Loaded:
    from central.field.models import RepTarget
    from central.orders.service import rep_month_achieved

    out: Loaded = {}
    for key in ids:
        rep_text, _, month = key.partition(":")
        if not rep_text.isdigit() or len(month) != 7:
            continue
        rep = int(rep_text)
        target = session.get(RepTarget, (rep, month))
        ordered, delivered, count = rep_month_achieved(session, rep, month)
        if target is None and count == 0:
            continue
        data = RepTargetInfo(rep_id=rep, month=month, target_fen=target.target_fen if target else 0,
                             achieved_fen=ordered, delivered_fen=delivered, orders=count).model_dump(mode="json")
        out[key] = (data, [(0, rep)])
    return out


def load_customer_types(session: Session, ids: Sequence[str]) -> Loaded:
    from central.customers.models import CustomerType

    return {t.code: (CustomerTypeInfo(code=t.code, name=t.name, name_en=t.name_en,
                                      required_steps=list(t.required_steps or [])).model_dump(mode="json"),
                     [EVERYWHERE])
            for t in session.scalars(select(CustomerType).where(CustomerType.code.in_(list(ids))))}


def load_floor_prices(session: Session, ids: Sequence[str]) -> Loaded:
    from central.pricing.models import FloorPrice

    prices: dict[int, dict[str, int]] = defaultdict(dict)
    for f in session.scalars(select(FloorPrice).where(FloorPrice.product_id.in_(_ints(ids)))):
        prices[f.product_id][f.unit_code] = f.price_fen
    return {str(pid): (FloorPriceInfo(product_id=pid, prices=p).model_dump(mode="json"), [EVERYWHERE])
            for pid, p in prices.items()}


def _target_key(rep_id: int | None, day: Any) -> list[tuple[str, str]]:
    if rep_id is None or day is None:
        return []
    return [(Entity.REP_TARGET.value, f"{rep_id}:{day:%Y-%m}")]


LOADERS: dict[str, feed.Loader] = {
    Entity.CUSTOMER: load_customers, Entity.SALES_ORDER: load_sales_orders, Entity.VISIT_PLAN: load_visit_plans,
    Entity.REP_TARGET: load_rep_targets, Entity.CUSTOMER_TYPE: load_customer_types,
    Entity.FLOOR_PRICE: load_floor_prices,
}


def install() -> None:
    """Register the field loaders and track their models (called by `entities.install`)."""
    from central.customers.models import CustomerType
    from central.field.models import Collection, RepTarget, Visit, VisitPlanStop
    from central.orders.models import DeliveryNote, OrderReturn, SalesOrder, SalesOrderLine
    from central.pricing.models import FloorPrice

    for entity, loader in LOADERS.items():
        feed.register_entity(entity, loader)
    feed.depend(Entity.CUSTOMER.value, customer_orders)
    feed.track(SalesOrder, lambda o: [(Entity.SALES_ORDER, o.id), (Entity.CUSTOMER, str(o.customer_id)),
                                      *_target_key(o.rep_id, o.business_date)])
    feed.track(SalesOrderLine, lambda o: [(Entity.SALES_ORDER, o.order_id)])
    feed.track(DeliveryNote, lambda o: [(Entity.SALES_ORDER, o.order_id)])
    feed.track(OrderReturn, lambda o: [(Entity.SALES_ORDER, o.order_id)])
    feed.track(Visit, lambda o: [(Entity.CUSTOMER, str(o.customer_id))])
    # a collection with nothing open to pay is an advance (预收): no receivable entry moves, yet the
    # customer's advances and credit used change, so its row is rewritten
    feed.track(Collection, lambda o: [(Entity.CUSTOMER, str(o.customer_id))])
    feed.track(VisitPlanStop, lambda o: [(Entity.VISIT_PLAN, str(o.rep_id))])
    feed.track(RepTarget, lambda o: [(Entity.REP_TARGET, f"{o.rep_id}:{o.month}")])
    feed.track(CustomerType, lambda o: [(Entity.CUSTOMER_TYPE, o.code)])
    feed.track(FloorPrice, lambda o: [(Entity.FLOOR_PRICE, str(o.product_id))])


def rebuild_all(session: Session) -> int:
    """Feed rows of every field entity (after a bulk load such as the demo)."""
    from central.customers.models import CustomerType
    from central.field.models import RepTarget, VisitPlanStop
    from central.orders.models import SalesOrder
    from central.pricing.models import FloorPrice

    keys = [(Entity.CUSTOMER_TYPE.value, c) for c in session.scalars(select(CustomerType.code))]
    keys += [(Entity.FLOOR_PRICE.value, str(p)) for p in set(session.scalars(select(FloorPrice.product_id)))]
    keys += [(Entity.VISIT_PLAN.value, str(r)) for r in set(session.scalars(select(VisitPlanStop.rep_id)))]
    keys += [(Entity.REP_TARGET.value, f"{r}:{m}") for r, m in session.execute(select(RepTarget.rep_id, RepTarget.month))]
    keys += [(Entity.SALES_ORDER.value, i) for i in session.scalars(select(SalesOrder.id))]
    return feed.write_changes(session, keys)

