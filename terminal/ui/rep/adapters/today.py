"""Today area: the route for today's weekday, reminders and the month's target (`terminal.field.today`,
which computes all of them offline)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from terminal.field.today import Today
from terminal.ui import i18n
from terminal.ui.rep.adapters.customers import CustomersArea
from terminal.ui.rep.adapters.words import pick
from terminal.ui.rep.views import PlanStop, ReminderView, TargetView, TodayView


class TodayArea:
    def __init__(self, today: Today, customers: CustomersArea, day: Callable[[], date]) -> None:
        self._today = today
        self._customers = customers
        self._day = day

    def today(self) -> TodayView:
        day = self._day()
        view = self._today.view(day)
        stops = []
        for stop in view.plan:
            address = self._customers.service_card(stop.customer_key).address or ""
            stops.append(PlanStop(key=stop.customer_key, name=stop.name, address=address,
                                  visited=stop.visited_today))
        reminders = tuple(ReminderView(key=r.customer_key, customer=r.name, text=pick(r.text))
                          for r in view.reminders)
        target = None
        if view.target is not None:
            t = view.target
            percent = 0 if t.target_fen <= 0 else t.achieved_fen * 100 // t.target_fen
            target = TargetView(month=t.month, target_fen=t.target_fen, achieved_fen=t.achieved_fen,
                                unsynced_fen=t.unsynced_fen, percent=percent)
        weekday = i18n.tr("weekday_" + str(day.isoweekday()))
        return TodayView(weekday_text=i18n.tr("date_weekday", date=day.isoformat(), weekday=weekday),
                         stops=tuple(stops), reminders=reminders, target=target)
