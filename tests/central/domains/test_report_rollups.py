"""Report rollups: closed days summarised once, today live, a late sale rebuilding its day — and the
figures always equal the sales report computed straight from the sales."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func, select

from central.db import session_scope
from central.reporting import rollups
from central.reporting.models import RollupDay, RollupProductDay
from central.reporting.sales import sales_report
from central.syncing.ingest import DeviceScope, push
from sync.events import Tender, make_event
from sync.protocol import PROTOCOL_VERSION, PushRequest
from sync.store_time import STORE_TZ

from .conftest import World, line, return_of, sale, shift_opened

NOW = datetime(2026, 3, 10, 6, 0, tzinfo=UTC)  # 14:00 in Shanghai
TODAY = date(2026, 3, 10)


def _at(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, 15, tzinfo=STORE_TZ).astimezone(UTC)


class Till:
    def __init__(self, engine: Engine, w: World) -> None:
        self.engine, self.w, self.seq = engine, w, 0

    def push(self, *payloads: object, received_at: datetime) -> None:
        events = []
        for p in payloads:
            self.seq += 1
            events.append(make_event(terminal_id=self.w.terminal, seq=self.seq, payload=p,  # type: ignore[arg-type]
                                     occurred_at=received_at))
        with session_scope(self.engine) as s:
            answer = push(s, DeviceScope(terminal_id=self.w.terminal, store_id=self.w.store),
                          PushRequest(protocol_version=PROTOCOL_VERSION, terminal_id=self.w.terminal, events=events),
                          received_at=received_at)
        assert {r.status.value for r in answer.results} == {"applied"}, answer.results


def _figures(engine: Engine, date_from: date, date_to: date, store: int) -> tuple[int, int, int, dict[str, int]]:
    with session_scope(engine, write=False) as s:
        rows = rollups.hour_rows(s, date_from, date_to, [store], TODAY)
        tenders = rollups.tender_rows(s, date_from, date_to, [store], TODAY)
        facts = rollups.product_facts(date_from, date_to, [store], TODAY)
        net = s.scalar(select(func.sum(facts.c.net_fen) - func.sum(facts.c.returned_fen)))
    return (sum(r["sales_fen"] for r in rows), sum(r["returns_fen"] for r in rows), int(net or 0),
            {k: v[0] - v[1] for k, v in tenders.items()})


def test_rollups_equal_the_sales_report_and_follow_late_sales(engine: Engine, world: World) -> None:
    till = Till(engine, world)
    d1, d2 = TODAY - timedelta(days=2), TODAY - timedelta(days=1)
    s1 = sale(world, [line(1, world.cola, 2, 300), line(2, world.rice, 1, 5990)], sold_at=_at(d1, 9))
    s2 = sale(world, [line(1, world.cola, 1, 6600, unit="box", factor=24)], sold_at=_at(d2, 20),
              tenders=[(Tender.WECHAT, 6600)])
    s3 = sale(world, [line(1, world.rice, 2, 5990)], sold_at=_at(TODAY, 11), tenders=[(Tender.ALIPAY, 11980)])
    till.push(shift_opened(world), s1, s2, received_at=NOW - timedelta(days=1))
    till.push(return_of(world, s1, [(2, "1")], returned_at=_at(d2, 10)), s3, received_at=NOW - timedelta(hours=1))

    built = rollups.refresh(engine, d1, TODAY, now=NOW)
    assert built == 2  # the two closed days; today is read live
    with session_scope(engine, write=False) as s:
        report = sales_report(s, date_from=d1, date_to=TODAY, store_id=world.store)
        assert s.scalar(select(func.count()).select_from(RollupDay)) == 2
        assert s.scalar(select(func.sum(RollupProductDay.qty_m)).where(
            RollupProductDay.product_id == world.cola)) == 26_000  # 2 cans and a box of 24, in base units
    sales, returns, net, tenders = _figures(engine, d1, TODAY, world.store)
    assert (sales, returns, net) == (report.totals.sales_fen, report.totals.returns_fen, report.totals.net_fen)
    assert tenders == {"cash": 6590 - 5990, "wechat": 6600, "alipay": 11980}
    assert rollups.refresh(engine, d1, TODAY, now=NOW + timedelta(minutes=11)) == 0  # nothing new: nothing built

    # a till that was offline pushes a sale of two days ago: that day is rebuilt, whole, once
    late = sale(world, [line(1, world.cola, 5, 300)], sold_at=_at(d1, 21))
    till.push(late, received_at=NOW + timedelta(minutes=20))
    assert rollups.refresh(engine, d1, TODAY, now=NOW + timedelta(minutes=21)) == 1
    with session_scope(engine, write=False) as s:
        report = sales_report(s, date_from=d1, date_to=TODAY, store_id=world.store)
    assert _figures(engine, d1, TODAY, world.store)[:3] == (
        report.totals.sales_fen, report.totals.returns_fen, report.totals.net_fen)
    assert report.totals.sales_fen == 6590 + 6600 + 11980 + 1500


def test_hours_are_the_stores_local_hours(engine: Engine, world: World) -> None:
    till = Till(engine, world)
    day = TODAY - timedelta(days=1)
    till.push(shift_opened(world), sale(world, [line(1, world.cola, 1, 300)], sold_at=_at(day, 23)),
              sale(world, [line(1, world.cola, 1, 300)], sold_at=_at(day, 0)), received_at=NOW)
    rollups.refresh(engine, day, day, now=NOW)
    with session_scope(engine, write=False) as s:
        rows = rollups.hour_rows(s, day, day, [world.store], TODAY)
    assert sorted(r["hour"] for r in rows) == [0, 23]
