"""Console pages 补货建议, 采购订单, 毛利分析, 进销存汇总, 库存预警 (TestClient, SQLite and PostgreSQL):
a buyer drafts an order from the suggestions, submits it, receives it in two arrivals with batches
and expiry dates; the owner reads the margin; who may open what; every text has its English."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, select

from central.catalog.models import Product, Supplier
from central.console import costs, purchasing
from central.console.i18n import EN
from central.db import session_scope, utcnow
from central.inventory import service as stock
from central.inventory.models import StockBatch, StockLevel
from central.purchasing import service
from central.purchasing.models import PurchaseOrder
from central.sales import ingest
from sync.store_time import business_date
from tests.central.console.conftest import console_login  # noqa: F401  (the fixture)
from tests.central.domains.conftest import World, line, sale, world  # noqa: F401  (the fixture)

TEMPLATES = Path(purchasing.__file__).parent / "templates"


def test_buyer_reorders_and_receives_in_two_arrivals(client: TestClient, engine: Engine, world: World,  # noqa: F811
                                                     make_user: Callable[..., int],
                                                     console_login: Callable[..., str]) -> None:  # noqa: F811
    with session_scope(engine) as s:
        rice = s.get(Product, world.rice)
        assert rice is not None
        rice.shelf_life_tracked = True
        sup = Supplier(code="SUP1", name="华东粮油贸易有限公司")
        s.add(sup)
        s.flush()
        service.set_supplier_price(s, actor=None, supplier_id=sup.id, product_id=world.rice, unit_code="pc",
                                   price_fen=4000, lead_time_days=2)
        s.add(StockLevel(warehouse_id=world.warehouse, product_id=world.rice, min_m=10_000, max_m=30_000))
    make_user("buyer", role="warehouse")
    csrf = console_login("buyer")
    page = client.get("/purchasing/reorder", params={"warehouse": "S01-W1"})
    assert page.status_code == 200, page.text
    assert f'data-product="{world.rice}"' in page.text
    r = client.post("/purchasing/reorder", data={"csrf": csrf, "warehouse": "S01-W1", "product_id": str(world.rice),
                                                 f"units_{world.rice}": "30"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    order_url = r.headers["location"].split("?")[0]
    order_id = int(order_url.rsplit("/", 1)[1])
    assert "草稿" in client.get(order_url).text
    assert client.post(f"{order_url}/submit", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    assert "已审批" in client.get(order_url).text
    # first arrival: 12 bags of batch R1 (a batch is required for rice)
    r = client.post(f"{order_url}/receive", data={"csrf": csrf, "qty_1": "12"})
    assert r.status_code == 422
    assert "批次" in r.text
    expiry = (business_date(utcnow()) + timedelta(days=200)).isoformat()
    r = client.post(f"{order_url}/receive", data={"csrf": csrf, "qty_1": "12", "batch_1": "R1", "expiry_1": expiry,
                                                  "produced_1": "2026-01-01", "landed_cost": "12.50"})
    assert r.status_code == 200, r.text
    assert "部分到货" in r.text
    r = client.post(f"{order_url}/receive", data={"csrf": csrf, "qty_1": "18", "batch_1": "R2", "expiry_1": expiry})
    assert "已到齐" in r.text
    with session_scope(engine) as s:
        order = s.get(PurchaseOrder, order_id)
        assert order is not None
        assert order.status == "received"
        assert {b.batch_no: b.qty_m for b in s.scalars(select(StockBatch))} == {"R1": 12_000, "R2": 18_000}
    # the buyer may not read margins; a cashier opens no purchasing page
    assert client.get("/reports/margin").status_code == 403
    make_user("cash", role="cashier", store_id=world.store)
    console_login("cash")
    assert client.get("/purchasing/orders").status_code == 403


def test_owner_reads_margin_summary_and_warnings(client: TestClient, engine: Engine, world: World,  # noqa: F811
                                                 make_user: Callable[..., int],
                                                 console_login: Callable[..., str]) -> None:  # noqa: F811
    today = business_date(utcnow())
    first, last = costs.last_month(today)
    with session_scope(engine) as s:
        stock.receive_purchase(s, warehouse_id=world.warehouse, lines=[
            stock.DocLine(world.cola, Decimal(48), unit_cost_fen=150, batch_no="C1", expiry_date=today + timedelta(1))])
        sold = sale(world, [line(1, world.cola, 4, 300)], sold_at=utcnow() - timedelta(days=today.day + 2))
        ingest.apply_sale_completed(s, sold, terminal_id=world.terminal, store_id=world.store, received_at=utcnow())
        cola = s.get(Product, world.cola)
        assert cola is not None
        cola.shelf_life_tracked = True
        s.add(StockBatch(warehouse_id=world.warehouse, product_id=world.cola, batch_no="OLD", qty_m=1000,
                         expiry_date=today - timedelta(days=3)))
    make_user("owner", role="admin")
    console_login("owner")
    page = client.get("/reports/margin")
    assert page.status_code == 200, page.text
    assert f'value="{first.isoformat()}"' in page.text
    assert f'value="{last.isoformat()}"' in page.text
    assert "¥12.00" in page.text
    assert "¥6.00" in page.text
    assert 'data-chart="' in page.text
    by_store = client.get("/reports/margin", params={"by": "store"})
    assert "S01" in by_store.text
    assert client.get("/stock/summary", params={"warehouse": "S01-W1"}).status_code == 200
    warnings = client.get("/stock/warnings").text
    assert "OLD" in warnings
    assert re.search(r'id="expired".*?OLD', warnings, re.S)
    # a store manager of another store sees nothing of this one
    make_user("mgr2", role="store_manager", store_id=world.store2)
    console_login("mgr2")
    assert "OLD" not in client.get("/stock/warnings").text
    assert client.get("/reports/margin").status_code == 403  # no costs.read
    assert date.today()


def test_every_text_of_the_pages_has_its_english() -> None:
    texts = set()
    for template in [*TEMPLATES.joinpath("purchasing").glob("*.html"), *TEMPLATES.joinpath("stock").glob("*.html")]:
        source = template.read_text()
        texts |= set(re.findall(r"_\('([^']+)'", source))
        outside = re.sub(r"\{\{.*?\}\}|\{%.*?%\}", "", source, flags=re.S)
        assert not re.search(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]", outside), template.name
    texts |= set(purchasing.STATUS_NAMES.values()) | set(costs.GROUP_NAMES.values())
    assert sorted(t for t in texts if t not in EN) == []
