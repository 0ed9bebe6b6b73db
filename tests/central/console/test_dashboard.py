"""The dashboard page: who may open it, what store they see, and sync health as terminals report it."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.db import session_scope
from central.syncing.models import TerminalContact
from sync.protocol import CLIENT_VERSION_HEADER, PENDING_EVENTS_HEADER, PROTOCOL_HEADER, PROTOCOL_VERSION


def _enrol(client: TestClient, admin: dict[str, str], store_id: int) -> tuple[int, str]:
    code = client.post("/api/v1/enrolment-codes", json={"store_id": store_id, "kind": "pos"}, headers=admin).json()["code"]
    r = client.post("/api/v1/enroll", json={"code": code, "nonce": secrets.token_urlsafe(24)})
    assert r.status_code == 201, r.text
    return r.json()["terminal_id"], r.json()["secret"]


def test_dashboard_by_role_and_store(client: TestClient, engine: Engine, admin: dict[str, str],
                                     make_store: Callable[..., int], make_user: Callable[..., int],
                                     console_login: Callable[..., str]) -> None:
    s1, s2 = make_store("S01", name="张江店"), make_store("S02", name="徐家汇店")
    make_user("boss", role="admin")
    make_user("mgr1", role="store_manager", store_id=s1)
    make_user("cash1", role="cashier", store_id=s1)
    terminal_id, secret = _enrol(client, admin, s2)
    # a till pushes (nothing to send) and says which version it runs and how much waits in its outbox
    pushed = client.post("/api/v1/sync/push", json={"protocol_version": PROTOCOL_VERSION, "terminal_id": terminal_id,
                                                     "events": []},
                         headers={"Authorization": f"Device {terminal_id}:{secret}", PROTOCOL_HEADER: str(PROTOCOL_VERSION),
                                  CLIENT_VERSION_HEADER: "pos-suite 9.9<script>", PENDING_EVENTS_HEADER: "17"})
    assert pushed.status_code == 200, pushed.text
    with session_scope(engine, write=False) as s:
        contact = s.scalar(select(TerminalContact).where(TerminalContact.terminal_id == terminal_id))
        assert contact is not None
        assert (contact.client_version, contact.pending_events) == ("pos-suite 9.9script", 17)
        assert contact.last_push_at is not None

    console_login("boss")
    page = client.get("/dashboard?period=7d")
    assert page.status_code == 200
    assert "张江店" in page.text
    assert "徐家汇店" in page.text
    assert "S02-POS01" in page.text
    assert "pos-suite 9.9script" in page.text
    assert client.get("/", follow_redirects=False).headers["location"] == "/dashboard"

    console_login("mgr1")
    own = client.get("/dashboard")
    assert own.status_code == 200
    assert "张江店" in own.text
    assert "徐家汇店" not in own.text
    assert "S02-POS01" not in own.text
    other = client.get(f"/dashboard?store_id={s2}")
    assert other.status_code == 403
    assert "徐家汇店" not in other.text

    console_login("cash1")
    denied = client.get("/dashboard")
    assert denied.status_code == 403
    assert "没有权限" in denied.text
    home = client.get("/")
    assert home.status_code == 200
    assert "/dashboard" not in home.text


def test_stock_below_minimum_and_below_zero_are_warned(client: TestClient, engine: Engine,
                                                       make_store: Callable[..., int], make_user: Callable[..., int],
                                                       console_login: Callable[..., str]) -> None:
    from central.catalog import service as catalog
    from central.inventory.models import StockLevel, StockOnHand
    from central.org.models import Warehouse

    store = make_store("S01", name="张江店")
    make_user("boss", role="admin")
    with session_scope(engine) as s:
        wh = s.scalar(select(Warehouse.id).where(Warehouse.store_id == store))
        short, negative, fine = (catalog.create_product(s, sku=sku, name=name, units=[
            {"code": "pc", "name": "个", "factor": 1, "price_fen": 100, "barcodes": []}]).id
            for sku, name in (("A1", "矿泉水"), ("A2", "牛奶"), ("A3", "面包")))
        s.add_all([StockOnHand(warehouse_id=wh, product_id=short, qty_m=3000),
                   StockOnHand(warehouse_id=wh, product_id=negative, qty_m=-2000),
                   StockOnHand(warehouse_id=wh, product_id=fine, qty_m=50000),
                   StockLevel(warehouse_id=wh, product_id=short, min_m=10000),
                   StockLevel(warehouse_id=wh, product_id=fine, min_m=10000)])
    console_login("boss")
    warnings = client.get("/dashboard").text.split('id="warnings"')[1].split("</section>")[0]
    assert "矿泉水" in warnings
    assert "牛奶" in warnings
    assert "面包" not in warnings
    below = client.get("/stock?below=1").text
    assert "矿泉水" in below
    assert "牛奶" in below
    assert "面包" not in below
