"""Today (今日): the visit plan by weekday (central's route), reminders computed offline, and this
month's target progress.

Reminders:
- **order due**: a customer whose usual order interval (the average gap between their orders,
  central's last orders and this tablet's) has passed since their last order;
- **overdue**: a customer with receivables past due (aged against the tablet's today);
- **follow-up**: something promised in an earlier visit note, due today or before.
Progress = central's achieved figure at the last pull + this tablet's orders of the month central
has not counted yet (not yet in its `sales_order` rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sync.master import Entity, RepTargetInfo, VisitPlanInfo
from sync.store_time import business_date
from terminal.field.clock import day_range_iso, month_range
from terminal.field.customers import CustomerCard, Customers
from terminal.field.mode import tablet_rep_id
from terminal.store import Store

MIN_ORDERS_FOR_INTERVAL = 2


@dataclass(frozen=True)
class PlanStop:
    customer_key: str
    name: str
    visited_today: bool
    ordered_today: bool


@dataclass(frozen=True)
class Reminder:
    kind: str
    """`order_due`, `overdue` or `follow_up`."""
    customer_key: str
    name: str
    text: tuple[str, str]
    """zh-CN, English."""
    due: str | None = None
    amount_fen: int = 0
    days: int = 0


@dataclass(frozen=True)
class TargetProgress:
    month: str
    target_fen: int
    central_achieved_fen: int
    unsynced_fen: int

    @property
    def achieved_fen(self) -> int:
        return self.central_achieved_fen + self.unsynced_fen

    @property
    def percent(self) -> float:
        return 0.0 if self.target_fen <= 0 else round(100.0 * self.achieved_fen / self.target_fen, 1)


@dataclass(frozen=True)
class TodayView:
    day: date
    plan: list[PlanStop]
    reminders: list[Reminder] = field(default_factory=list)
    target: TargetProgress | None = None


class Today:
    def __init__(self, store: Store, customers: Customers | None = None) -> None:
        self.store = store
        self.customers = customers or Customers(store)

    def view(self, day: date) -> TodayView:
        return TodayView(day=day, plan=self.plan(day), reminders=self.reminders(day), target=self.target(day))

    def plan(self, day: date) -> list[PlanStop]:
        rep_id = tablet_rep_id(self.store)
        row = self.store.master.get(Entity.VISIT_PLAN.value, rep_id) if rep_id else None
        if row is None:
            return []
        plan = VisitPlanInfo.model_validate(row)
        since, until = day_range_iso(day, day)
        visited = {v.customer_key for v in self.store.field.visits(since=since, until=until, done_only=False)}
        ordered = {o.customer_key for o in self.store.field.orders(since=since, until=until)}
        out = []
        for cid in plan.days.get(str(day.isoweekday()), []):
            info = self.customers.info(cid)
            if info is None or not info.active:
                continue
            out.append(PlanStop(customer_key=str(cid), name=info.name, visited_today=str(cid) in visited,
                                ordered_today=str(cid) in ordered))
        return out

    def reminders(self, day: date) -> list[Reminder]:
        out: list[Reminder] = []
        mine = self.store.field.orders()
        for info in self.customers.infos():
            if not info.active:
                continue
            card = self.customers.card(info.id, day)
            out += self._order_due(card, [o.ordered_at for o in mine if o.customer_key == str(info.id)], day)
            if card.overdue_fen > 0 and card.oldest_overdue_days > 0:
                out.append(Reminder(
                    kind="overdue", customer_key=card.key, name=card.name, amount_fen=card.overdue_fen,
                    days=card.oldest_overdue_days,
                    text=(f"欠款逾期 {card.oldest_overdue_days} 天，逾期 ¥{card.overdue_fen / 100:,.2f}",
                          f"receivables {card.oldest_overdue_days} days overdue, ¥{card.overdue_fen / 100:,.2f}")))
        for v in self.store.field.follow_ups():
            if v.follow_up_date and v.follow_up_date <= day.isoformat():
                who = self.customers.info(v.customer_key)
                name = who.name if who else v.customer_key
                out.append(Reminder(kind="follow_up", customer_key=v.customer_key, name=name, due=v.follow_up_date,
                                    text=(f"跟进：{v.follow_up}", f"follow up: {v.follow_up}")))
        for info in self.customers.infos():  # promised in visits recorded elsewhere (central's last visits)
            for lv in info.last_visits:
                if lv.follow_up_date and lv.follow_up_date <= day.isoformat() and self.store.field.visit(
                        lv.visit_id) is None and lv.follow_up_date >= (day - timedelta(days=30)).isoformat():
                    out.append(Reminder(kind="follow_up", customer_key=str(info.id), name=info.name,
                                        due=lv.follow_up_date, text=(f"跟进：{lv.follow_up or ''}",
                                                                     f"follow up: {lv.follow_up or ''}")))
        order = {"follow_up": 0, "overdue": 1, "order_due": 2}
        out.sort(key=lambda r: (order[r.kind], -r.days, r.name))
        return out

    def _order_due(self, card: CustomerCard, local_times: list[str], day: date) -> list[Reminder]:
        days = sorted({_day(o.ordered_at) for o in card.last_orders} | {_day(t) for t in local_times})
        if len(days) < MIN_ORDERS_FOR_INTERVAL:
            return []
        gaps = [(b - a).days for a, b in zip(days, days[1:], strict=False)]
        interval = max(1, round(sum(gaps) / len(gaps)))
        since = (day - days[-1]).days
        if since <= interval:
            return []
        return [Reminder(kind="order_due", customer_key=card.key, name=card.name, days=since,
                         text=(f"平均 {interval} 天订一次货，已 {since} 天未订",
                               f"orders every {interval} days on average; last order {since} days ago"))]

    def target(self, day: date) -> TargetProgress | None:
        rep_id = tablet_rep_id(self.store)
        if rep_id is None:
            return None
        row = self.store.master.get(Entity.REP_TARGET.value, f"{rep_id}:{day:%Y-%m}")
        info = RepTargetInfo.model_validate(row) if row else RepTargetInfo(rep_id=rep_id, month=f"{day:%Y-%m}")
        first, last = month_range(day)
        since, until = day_range_iso(first, last)
        mine = self.store.field.orders(since=since, until=until)
        known = {d["id"] for d in self.store.field.central_orders(order_ids=[o.id for o in mine])}
        unsynced = sum(o.total_fen for o in mine if o.id not in known)
        return TargetProgress(month=info.month, target_fen=info.target_fen, central_achieved_fen=info.achieved_fen,
                              unsynced_fen=unsynced)


def _day(text: str) -> date:
    if "T" not in text:
        return date.fromisoformat(text[:10])
    return business_date(datetime.fromisoformat(text))


__all__ = ["PlanStop", "Reminder", "TargetProgress", "Today", "TodayView"]
