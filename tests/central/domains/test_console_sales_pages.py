"""Console pages over sales pushed through the real ingest: lists, a sale with its receipt preview,
returns, shifts, stock with names, the sales report equal to the API's — and store scope."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from central.db import session_scope
from central.reporting.sales import sales_report
from central.syncing.ingest import DeviceScope, push
from sync.events import Tender, make_event
from sync.protocol import PROTOCOL_VERSION, PushRequest
from sync.store_time import business_date
from tests.central.console.conftest import console_login  # noqa: F401  (fixture)

from .conftest import World, line, return_of, sale, shift_opened


def _push(engine: Engine, w: World, *payloads: object) -> None:
    events = [make_event(terminal_id=w.terminal, seq=i, payload=p, occurred_at=datetime.now(UTC))  # type: ignore[arg-type]
              for i, p in enumerate(payloads, start=1)]
    with session_scope(engine) as s:
        answer = push(s, DeviceScope(terminal_id=w.terminal, store_id=w.store),
                      PushRequest(protocol_version=PROTOCOL_VERSION, terminal_id=w.terminal, events=events))
    assert {r.status.value for r in answer.results} == {"applied"}, answer.results


def test_sales_pages_and_scope(client: TestClient, engine: Engine, world: World, make_user: Callable[..., int],
                               console_login: Callable[..., str]) -> None:  # noqa: F811
    now = datetime.now(UTC) - timedelta(minutes=5)
    first = sale(world, [line(1, world.cola, 2, 300), line(2, world.rice, 1, 5990)], sold_at=now,
                 receipt_no="S01-01-000001", member_id=world.member, member_level="gold")
    second = sale(world, [line(1, world.cola, 1, 6600, unit="box", factor=24)], sold_at=now,
                  tenders=[(Tender.WECHAT, 6600)], receipt_no="S01-01-000002")
    _push(engine, world, shift_opened(world), first, second, return_of(world, first, [(2, "1")], returned_at=now))
    make_user("boss", role="admin")
    make_user("mgr2", role="store_manager", store_id=world.store2)
    make_user("cash", role="cashier", store_id=world.store)
    console_login("boss")
    listed = client.get("/sales")
    assert "S01-01-000001" in listed.text
    assert "S01-01-000002" in listed.text
    detail = client.get(f"/sales/{first.sale_id}")
    assert detail.status_code == 200
    assert 'id="receipt"' in detail.text
    assert "¥65.90" in detail.text
    assert "<svg" in detail.text  # the receipt's return QR code
    assert client.get("/returns").status_code == 200
    shifts = client.get("/shifts")
    assert "S01-01" in shifts.text
    stock = client.get("/stock?q=kkkl")
    assert "可口可乐 330ml" in stock.text
    day = business_date(now)
    report = client.get(f"/reports/sales?date_from={day}&date_to={day}&g1=store&g2=&g3=")
    with session_scope(engine, write=False) as s:
        expected = sales_report(s, date_from=day, date_to=day).totals.net_fen
    assert f"¥{expected // 100:,}.{expected % 100:02d}" in report.text
    assert client.get(f"/reports/sales?date_from={day}&date_to={day}&export=xlsx").content[:2] == b"PK"
    assert client.get(f"/sales?date_from={day}&export=xlsx").content[:2] == b"PK"

    console_login("mgr2")
    assert "S01-01-000001" not in client.get("/sales").text
    assert client.get(f"/sales/{first.sale_id}").status_code == 404
    assert client.get(f"/reports/sales?store_id={world.store}").status_code == 403
    assert client.get(f"/sales?store_id={world.store}").status_code == 403
    console_login("cash")
    for path in ("/sales", f"/sales/{first.sale_id}", "/shifts", "/stock", "/reports/sales", "/reports/ageing"):
        assert client.get(path).status_code == 403, path
