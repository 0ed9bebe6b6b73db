"""Field reports: what central received from the reps' tablets, and order fulfilment.

- `field_report`: orders, their total, visits, collections and orders held for approval that
  arrived from tablets, by business day of the tablet's clock (the store's local date), in total and
  per rep. The same keys as the tablet's `pos-terminal simulate --orders` summary, so both ends of
  a day can be compared.
- `fulfilment_report`: ordered vs delivered vs returned (and cancelled, still open) per customer, rep
  or product — what the company should have sold and did not.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from central.customers.models import Customer, VisitNote
from central.errors import Invalid
from central.field.models import Collection, Visit
from central.inventory.quantities import display_qty
from central.orders.models import SalesOrder, SalesOrderLine
from central.orders.service import share
from central.users.models import User
from sync.field import OrderStatus
from sync.store_time import day_start_utc

FIELD_KEYS = ("orders", "order_total_fen", "visits", "collections_fen", "held_for_approval")


def _rep_id(session: Session, username: str | None) -> int | None:
    if username is None:
        return None
    rep = session.scalar(select(User).where(User.username == username))
    if rep is None or rep.role != "sales_rep":
        raise Invalid(f"没有这个业务员：{username}", f"no such sales rep: {username}", code="rep_not_found",
                      field="rep")
    return rep.id


def field_report(session: Session, *, date_from: date, date_to: date, rep: str | None = None,
                 rep_id: int | None = None, store_id: int | None = None) -> dict[str, Any]:
    """Totals at the top level (`FIELD_KEYS`) and `by_rep` beside them; `store_id`: only the reps
    whose home store it is (a store manager's view)."""
    if date_to < date_from:
        raise Invalid("结束日期早于开始日期", "the last day is before the first", code="date_range", field="to")
    rep_id = rep_id if rep_id is not None else _rep_id(session, rep)
    rows: dict[int | None, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIELD_KEYS, 0))
    store_reps = select(User.id).where(User.store_id == store_id)

    def of_reps(stmt: Any, rep_col: Any) -> Any:
        if rep_id is not None:
            stmt = stmt.where(rep_col == rep_id)
        return stmt.where(rep_col.in_(store_reps)) if store_id is not None else stmt

    def within(stmt: Any, rep_col: Any, day_col: Any) -> Any:
        return of_reps(stmt.where(day_col >= date_from, day_col <= date_to), rep_col)

    for r, n, total, held in session.execute(within(
            select(SalesOrder.rep_id, func.count(), func.coalesce(func.sum(SalesOrder.original_total_fen), 0),
                   func.coalesce(func.sum(case((SalesOrder.held_on_receipt.is_(True), 1), else_=0)), 0))
            .where(SalesOrder.source == "tablet").group_by(SalesOrder.rep_id),
            SalesOrder.rep_id, SalesOrder.business_date)):
        rows[r].update(orders=int(n), order_total_fen=int(total), held_for_approval=int(held))
    for r, n in session.execute(within(select(Visit.rep_id, func.count()).group_by(Visit.rep_id),
                                       Visit.rep_id, Visit.business_date)):
        rows[r]["visits"] += int(n)
    start, end = day_start_utc(date_from), day_start_utc(date.fromordinal(date_to.toordinal() + 1))
    notes = select(VisitNote.rep_id, func.count()).where(VisitNote.visited_at >= start, VisitNote.visited_at < end)
    notes = of_reps(notes, VisitNote.rep_id)
    for r, n in session.execute(notes.group_by(VisitNote.rep_id)):  # older tablets' visit notes count too
        rows[r]["visits"] += int(n)
    for r, total in session.execute(within(
            select(Collection.rep_id, func.coalesce(func.sum(Collection.amount_fen), 0))
            .where(Collection.terminal_id.is_not(None)).group_by(Collection.rep_id),
            Collection.rep_id, Collection.business_date)):
        rows[r]["collections_fen"] += int(total)
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_([r for r in rows if r]))).all())
    totals = dict.fromkeys(FIELD_KEYS, 0)
    for figures in rows.values():
        for k in FIELD_KEYS:
            totals[k] += figures[k]
    return {**totals, "from": date_from.isoformat(), "to": date_to.isoformat(), "rep": rep,
            "by_rep": [{"rep_id": r, "rep": names.get(r) if r else None, **figures}
                       for r, figures in sorted(rows.items(), key=lambda kv: names.get(kv[0] or 0, ""))]}


@dataclass
class Fulfilment:
    ordered_fen: int = 0
    delivered_fen: int = 0
    returned_fen: int = 0
    cancelled_fen: int = 0
    open_fen: int = 0
    ordered_qty_m: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    delivered_qty_m: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    returned_qty_m: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    @property
    def not_sold_fen(self) -> int:
        """Ordered but not (or not for good) sold: cancelled, still open, or came back."""
        return self.ordered_fen - self.delivered_fen + self.returned_fen

    def to_json(self) -> dict[str, Any]:
        def qty(d: dict[str, int]) -> dict[str, str]:
            return {unit: display_qty(q) for unit, q in sorted(d.items())}

        rate = (self.delivered_fen - self.returned_fen) * 10000 // self.ordered_fen if self.ordered_fen else 0
        return {"ordered_fen": self.ordered_fen, "delivered_fen": self.delivered_fen,
                "returned_fen": self.returned_fen, "cancelled_fen": self.cancelled_fen, "open_fen": self.open_fen,
                "not_sold_fen": self.not_sold_fen, "fulfilled_bp": rate, "ordered_qty": qty(self.ordered_qty_m),
                "delivered_qty": qty(self.delivered_qty_m), "returned_qty": qty(self.returned_qty_m)}


GROUPS = ("customer", "rep", "product")


def fulfilment_report(session: Session, *, date_from: date, date_to: date, by: str = "customer",
                      store_id: int | None = None, rep_id: int | None = None) -> dict[str, Any]:
    """Orders of the period (by order date) not rejected: what was ordered, delivered, returned,
    cancelled and is still open, grouped `by` customer, rep or product; totals at the top level.
    Money of a part of a line is its share of the line's amount (as deliveries charge it)."""
    if by not in GROUPS:
        raise Invalid(f"分组应为 {', '.join(GROUPS)}", f"group by one of {', '.join(GROUPS)}", code="group_by", field="by")
    stmt = (select(SalesOrder.customer_id, SalesOrder.rep_id, SalesOrderLine.product_id, SalesOrderLine.name,
                   SalesOrderLine.sku, SalesOrderLine.unit_code, SalesOrderLine.qty_m, SalesOrderLine.amount_fen,
                   SalesOrderLine.delivered_qty_m, SalesOrderLine.returned_qty_m, SalesOrderLine.cancelled_qty_m,
                   SalesOrder.status)
            .join(SalesOrderLine, SalesOrderLine.order_id == SalesOrder.id)
            .where(SalesOrder.business_date >= date_from, SalesOrder.business_date <= date_to,
                   SalesOrder.status.not_in([OrderStatus.REJECTED.value, OrderStatus.HELD.value,
                                             OrderStatus.SUBMITTED.value])))
    if store_id is not None:
        stmt = stmt.where(SalesOrder.store_id == store_id)
    if rep_id is not None:
        stmt = stmt.where(SalesOrder.customer_id.in_(select(Customer.id).where(Customer.rep_id == rep_id)))
    groups: dict[Any, Fulfilment] = defaultdict(Fulfilment)
    labels: dict[Any, str] = {}
    total = Fulfilment()
    for (customer_id, order_rep, product_id, name, sku, unit, qty, amount, delivered, returned, cancelled,
         _status) in session.execute(stmt):
        key = {"customer": customer_id, "rep": order_rep, "product": product_id}[by]
        if by == "product":
            labels[key] = f"{sku} {name}".strip()
        for f in (groups[key], total):
            f.ordered_fen += amount
            f.delivered_fen += share(amount, qty, delivered)
            f.returned_fen += share(amount, qty, returned)
            f.cancelled_fen += (amount - share(amount, qty, qty - cancelled)) if cancelled else 0
            f.open_fen += amount - share(amount, qty, delivered + cancelled)
            f.ordered_qty_m[unit] += qty
            f.delivered_qty_m[unit] += delivered
            f.returned_qty_m[unit] += returned
    if by == "customer":
        labels = {cid: f"{code} {name}" for cid, code, name in session.execute(
            select(Customer.id, Customer.code, Customer.name).where(Customer.id.in_([k for k in groups if k])))}
    elif by == "rep":
        labels = {uid: f"{username} {display}" for uid, username, display in session.execute(
            select(User.id, User.username, User.display_name).where(User.id.in_([k for k in groups if k])))}
    rows = [{by + "_id": key, "label": labels.get(key, "—"), **f.to_json()}
            for key, f in sorted(groups.items(), key=lambda kv: -kv[1].not_sold_fen)]
    return {**total.to_json(), "from": date_from.isoformat(), "to": date_to.isoformat(), "by": by, "rows": rows}
