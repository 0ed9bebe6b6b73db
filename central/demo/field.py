"""The demo's field sales: customer types (专柜, 总分店, 配送), each rep's weekly route and monthly
targets, floor prices on boxes, customers near their credit limit or overdue, a customer made on a
tablet waiting for review, and orders in every state (held for credit, approved and split over two
warehouses, delivered in two parts, with leftovers) with visits and collections — so the console's
approval queue, the fulfilment report and a rep's tablet have something real to show.

Runs after the bulk seed, through the same services the API uses (`central.orders`, `central.field`).
Deterministic (a seeded RNG).
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.catalog.models import Product, ProductUnit
from central.customers.models import Customer
from central.field.collections import record_collection
from central.field.models import RepTarget, Visit, VisitPlanStop
from central.finance.receivables import post_receivable
from central.orders import delivery, returns
from central.orders.models import ProductDefaultWarehouse
from central.orders.service import LineIn, OrderIn, approve, reject, take_order
from central.org.models import Store, Warehouse
from central.pricing.models import FloorPrice
from central.users.models import User
from sync.events import uuid7
from sync.field import CustomerStatus, CustomerType, ReturnKind
from sync.store_time import STORE_TZ

TYPE_BY_INDUSTRY = {"食堂": CustomerType.DELIVERY_ONLY, "办公": CustomerType.DELIVERY_ONLY}


def customer_type_of(industry: str, index: int) -> str:
    """Canteens and offices are delivered to; every fifth supermarket is a consignment counter (专柜);
    the rest buy directly (chains are linked as HQ/branch after the seed)."""
    if industry in TYPE_BY_INDUSTRY:
        return TYPE_BY_INDUSTRY[industry].value
    if industry == "超市" and index % 5 == 0:
        return CustomerType.CONSIGNMENT.value
    return CustomerType.DIRECT.value


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=STORE_TZ).astimezone(UTC)


def seed_field(session: Session, *, today: date, rng: random.Random | None = None) -> dict[str, int]:
    rng = rng or random.Random(13)
    reps = list(session.scalars(select(User).where(User.role == "sales_rep").order_by(User.id)))
    customers = list(session.scalars(select(Customer).order_by(Customer.id)))
    by_rep: dict[int, list[Customer]] = defaultdict(list)
    for c in customers:
        if c.rep_id is not None:
            by_rep[c.rep_id].append(c)
    _hq_branches(customers)
    _routes(session, reps, by_rep)
    _targets(session, reps, today)
    boxes = _floor_prices(session)
    _tight_accounts(session, reps, by_rep, today)
    pending = _pending_customers(session, reps, today)
    orders = _orders(session, reps, by_rep, boxes, today, rng)
    visits = _visits(session, reps, by_rep, today, rng)
    session.flush()
    return {"routes": len(reps), "pending_customers": pending, "orders": orders, "visits": visits}


def _hq_branches(customers: list[Customer]) -> None:
    """Convenience stores of one name are a chain: the 总店 is HQ, the others its branches."""
    chains: dict[str, list[Customer]] = defaultdict(list)
    for c in customers:
        if c.industry == "便利店":
            chains[c.name[-5:]].append(c)  # the brand: 好邻居便利店, 24小时便利店 …
    for members in chains.values():
        if len(members) < 2:
            continue
        hq = members[0]
        hq.customer_type = CustomerType.HQ_BRANCH.value
        for branch in members[1:]:
            branch.customer_type, branch.parent_id = CustomerType.HQ_BRANCH.value, hq.id


def _routes(session: Session, reps: list[User], by_rep: dict[int, list[Customer]]) -> None:
    """Each rep visits each customer once a week, Monday to Saturday, in address order."""
    for rep in reps:
        mine = sorted(by_rep[rep.id], key=lambda c: (c.region or "", c.address or ""))
        for i, c in enumerate(mine):
            day = i % 6 + 1
            position = i // 6 + 1
            session.add(VisitPlanStop(rep_id=rep.id, weekday=day, position=position, customer_id=c.id))


def _targets(session: Session, reps: list[User], today: date) -> None:
    last = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    for i, rep in enumerate(reps):
        for month in (last, today.strftime("%Y-%m")):
            session.add(RepTarget(rep_id=rep.id, month=month, target_fen=(150_000 + 25_000 * (i % 3)) * 100))


def _floor_prices(session: Session) -> list[tuple[Product, ProductUnit]]:
    """A floor price on every box: 85% of its shelf price (reps may go down to there without approval)."""
    boxes = list(session.execute(select(Product, ProductUnit).join(ProductUnit).where(
        ProductUnit.factor > 1, Product.active.is_(True)).order_by(Product.id)).tuples())
    session.add_all([FloorPrice(product_id=p.id, unit_code=u.code, price_fen=u.price_fen * 85 // 100)
                     for p, u in boxes])
    return boxes


def _tight_accounts(session: Session, reps: list[User], by_rep: dict[int, list[Customer]], today: date) -> None:
    """Per rep: one customer at 92% of the limit, one with a delivery 20 days past due."""
    for rep in reps:
        credit = [c for c in by_rep[rep.id] if c.credit_limit_fen > 0]
        if len(credit) < 2:
            continue
        near, late = credit[0], credit[1]
        near.notes = "演示：接近信用额度 / near the credit limit"
        late.notes = "演示：有超期欠款 / overdue"
        from central.finance.receivables import balance_of

        gap = near.credit_limit_fen * 92 // 100 - balance_of(session, near.id)
        if gap > 0:
            post_receivable(session, customer=near, kind="charge", amount_fen=gap, doc_type="delivery",
                            doc_id=f"DEMO-NEAR-{near.code}", doc_no=f"DN-DEMO-{near.code}", doc_date=today - timedelta(days=3),
                            occurred_at=_at(today - timedelta(days=3), 10))
        day = today - timedelta(days=late.credit_days + 20)
        post_receivable(session, customer=late, kind="charge", amount_fen=88_800, doc_type="delivery",
                        doc_id=f"DEMO-LATE-{late.code}", doc_no=f"DN-DEMO-{late.code}", doc_date=day,
                        occurred_at=_at(day, 10))


def _pending_customers(session: Session, reps: list[User], today: date) -> int:
    """A new shop each of the first two reps found on their round, made on the tablet: pending review."""
    names = [("张江新开·鲜果便利", "浦东新区"), ("漕河泾白领食堂档口", "徐汇区")]
    for rep, (name, region) in zip(reps, names, strict=False):
        session.add(Customer(code=f"NC{rep.id:05d}", name=name, region=region, rep_id=rep.id, tags=["新客户"],
                             contacts=[], credit_limit_fen=0, credit_days=0, status=CustomerStatus.PENDING.value,
                             customer_type=CustomerType.DIRECT.value, client_id=uuid7(),
                             address=f"上海市{region}（业务员现场新建）", created_at=_at(today, 9)))
    session.flush()
    return min(len(reps), len(names))


def _orders(session: Session, reps: list[User], by_rep: dict[int, list[Customer]],
            boxes: list[tuple[Product, ProductUnit]], today: date, rng: random.Random) -> int:
    """Per rep, four orders of this week: one held over the limit, one approved (open), one
    delivered in two parts from two warehouses with leftovers, one rejected."""
    central_wh = session.scalar(select(Warehouse.id).where(Warehouse.store_id.is_(None)).order_by(Warehouse.id))
    made = 0
    for n, rep in enumerate(reps):
        store = session.get(Store, rep.store_id) if rep.store_id else None
        credit = [c for c in by_rep[rep.id] if c.credit_limit_fen > 0 and c.customer_type != "delivery_only"]
        if store is None or len(credit) < 6:
            continue
        shop_wh = session.scalar(select(Warehouse.id).where(Warehouse.store_id == store.id).order_by(Warehouse.id))
        picks = rng.sample(boxes, 4)
        if central_wh is not None:  # the first product of each order ships centrally by default
            p0 = picks[0][0]
            if session.get(ProductDefaultWarehouse, p0.id) is None:
                session.add(ProductDefaultWarehouse(product_id=p0.id, warehouse_id=central_wh))
        session.flush()

        def order(customer: Customer, qty: int, day: date, lines: list[tuple[Product, ProductUnit]],
                  store: Store = store, n: int = n, rep: User = rep, shop_wh: int | None = shop_wh) -> OrderIn:
            return _order_in(store, rep, n, shop_wh, customer, qty, day, lines)

        over = credit[0]  # already at 92% of the limit: held
        take_order(session, order(over, 20, today, picks[:2]))
        open_one = take_order(session, order(credit[2], 2, today - timedelta(days=1), picks[2:]))
        if open_one.status == "held":
            approve(session, open_one, user_id=None, note="演示：经理批准")
        two_parts = take_order(session, order(credit[3], 6, today - timedelta(days=4), picks[:3]))
        if two_parts.status == "held":
            approve(session, two_parts, user_id=None, note="演示：经理批准")
        notes = [nt for nt in delivery._notes(session, two_parts.id) if nt.status == "open"]
        for i, nt in enumerate(notes):
            lines = delivery.note_lines(session, nt.id)
            when = _at(today - timedelta(days=3 - i), 9)
            half = {ln.line_no: ln.qty_m // 2000 * 1000 for ln in lines}  # whole boxes
            if i == 0 and any(half.values()):  # part now, the rest another day
                done, rest, _w = delivery.deliver(session, nt, quantities=half, at=when, driver="王师傅")
                if rest is not None and n % 2:  # every other rep's rest is still on the road: partly delivered
                    delivery.deliver(session, rest, at=_at(today - timedelta(days=1), 15), driver="王师傅")
                first = next(ln for ln in lines if half[ln.line_no])
                returns.record_return(session, two_parts, return_id=uuid7(), return_no=f"{done.delivery_no}-L1",
                                      kind=ReturnKind.LEFTOVER, lines=[returns.ReturnLineIn(first.order_line_no, 1000)],
                                      returned_at=when + timedelta(hours=6), delivery=done,
                                      reason="客户仓库放不下，司机带回")
            else:
                delivery.deliver(session, nt, at=when, driver="李师傅")
        rejected = take_order(session, order(credit[4], 40, today, picks[1:3]))
        if rejected.status == "held":
            reject(session, rejected, user_id=None, reason="演示：超额且有欠款，先回款再发货")
        record_collection(session, collection_id=uuid7(), receipt_no=f"RC-DEMO-{rep.username}",
                          customer=credit[3], amount_fen=50_000, method="cash", collected_at=_at(today, 16),
                          rep_id=rep.id, note="演示：送货时收现金")
        made += 4
    return made


def _order_in(store: Store, rep: User, n: int, shop_wh: int | None, customer: Customer, qty: int, day: date,
              lines: list[tuple[Product, ProductUnit]]) -> OrderIn:
    """An order as a rep's tablet would send it: boxes at the wholesale price (92% of shelf)."""
    ordered = _at(day, 10, 30)
    items = [LineIn(product_id=p.id, unit_code=u.code, unit_factor=u.factor, qty=Decimal(qty),
                    unit_price_fen=u.price_fen * 92 // 100, amount_fen=u.price_fen * 92 // 100 * qty,
                    sku=p.sku, name=p.name) for p, u in lines]
    return OrderIn(id=uuid7(), order_no=f"S{store.code[1:]}-R{n + 1:02d}-{day:%m%d}{len(lines)}{qty:02d}",
                   source="tablet", store_id=store.id, customer=customer, lines=items,
                   total_fen=sum(i.amount_fen for i in items), ordered_at=ordered, received_at=ordered,
                   rep_id=rep.id, requested_date=day + timedelta(days=2), warehouse_id=shop_wh)


def _visits(session: Session, reps: list[User], by_rep: dict[int, list[Customer]], today: date,
            rng: random.Random) -> int:
    made = 0
    for rep in reps:
        for k, c in enumerate(by_rep[rep.id][:5]):
            day = today - timedelta(days=k)
            start = _at(day, 9 + k, 10)
            follow = day + timedelta(days=7) if k % 2 == 0 else None
            session.add(Visit(
                id=uuid7(), customer_id=c.id, rep_id=rep.id, terminal_id=None, checked_in_at=start,
                checked_out_at=start + timedelta(minutes=rng.randint(12, 40)), received_at=start + timedelta(hours=1),
                business_date=day, notes=rng.choice(["货架陈列正常", "冰柜缺货，已补单", "老板说下周进新品", "竞品在做买二送一"]),
                steps=[{"step": "shelf_check", "done": True, "note": None, "stock_counts": [], "competitor_prices": []}],
                missing_steps=[] if k % 3 else ["order"], photos=[], follow_up_date=follow,
                follow_up="带新品样品" if follow else None, order_ids=[]))
            made += 1
    return made
