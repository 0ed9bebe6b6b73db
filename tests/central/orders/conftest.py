"""A small wholesale business for the order-to-delivery tests: two stores, a central warehouse,
reps with rep tablets (real device credentials), customers of each kind, products in pieces and
boxes, a floor price; and helpers to push a tablet's events through the real sync endpoint."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine, select

from central.auth.tokens import digest
from central.catalog.models import Product, ProductUnit
from central.customers.models import Customer
from central.db import session_scope
from central.inventory.ledger import Movement, post_movements
from central.org.models import Terminal, Warehouse
from central.org.service import create_warehouse
from central.pricing.models import FloorPrice
from sync.events import FieldOrderCreated, FieldOrderLine, make_event, uuid7
from sync.protocol import PROTOCOL_VERSION

T0 = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai


@dataclass
class Field:
    store: int
    store2: int
    shop_wh: int
    """S01-W1, the store's own warehouse."""
    central_wh: int
    """CW01, a central warehouse (no store)."""
    rep: int
    other_rep: int
    tablet: dict[str, str]
    """Authorization header of rep1's tablet."""
    tablet_id: int
    other_tablet: dict[str, str]
    other_tablet_id: int
    customer: int
    """Rep1's direct customer: credit ¥1,000.00, 30 days."""
    cod_customer: int
    """Rep1's customer without credit (cash on delivery)."""
    other_customer: int
    """Rep2's customer."""
    cola: int
    """Pieces at ¥3.00 and boxes of 24 at ¥66.00; floor price of a box ¥60.00."""
    rice: int
    water: int
    seq: list[int]

    def push(self, client: TestClient, *payloads: BaseModel, tablet: dict[str, str] | None = None,
             tablet_id: int | None = None) -> list[dict[str, Any]]:
        """Push events as a tablet does; the per-event results."""
        tid = tablet_id or self.tablet_id
        events = []
        for p in payloads:
            self.seq[0] += 1
            events.append(make_event(terminal_id=tid, seq=self.seq[0], payload=p).model_dump(mode="json"))
        r = client.post("/api/v1/sync/push", headers=tablet or self.tablet,
                        json={"protocol_version": PROTOCOL_VERSION, "terminal_id": tid, "events": events})
        assert r.status_code == 200, r.text
        return list(r.json()["results"])

    def order(self, *, customer: int | None = None, lines: list[tuple[int, str, int, str, int]] | None = None,
              rep: int | None = None, tablet_id: int | None = None, **extra: Any) -> FieldOrderCreated:
        """An order: lines (product, unit, factor, qty, amount) default to 5 boxes of cola at ¥66.00."""
        lines = lines or [(self.cola, "box", 24, "5", 33_000)]
        oid = uuid7()
        if "new_customer_id" not in extra:  # a customer made offline is named by the tablet's id instead
            extra["customer_id"] = customer or self.customer
        return FieldOrderCreated(
            order_id=oid, order_no=f"FO-{oid[-8:]}", rep_id=rep or self.rep,
            terminal_id=tablet_id or self.tablet_id, ordered_at=extra.pop("ordered_at", T0),
            lines=[FieldOrderLine(product_id=p, sku=str(p), unit_code=u, unit_factor=f, qty=Decimal(q),
                                  unit_price_fen=a // int(Decimal(q)) if Decimal(q) else 0, amount_fen=a,
                                  is_gift=a == 0)
                   for p, u, f, q, a in lines],
            total_fen=sum(x[4] for x in lines), **extra)


@pytest.fixture
def field(engine: Engine, make_store: Callable[..., int], make_user: Callable[..., int]) -> Field:
    s1, s2 = make_store("S01"), make_store("S02")
    rep = make_user("rep1", role="sales_rep", store_id=s1)
    other_rep = make_user("rep2", role="sales_rep", store_id=s1)
    with session_scope(engine) as s:
        shop_wh = s.scalar(select(Warehouse.id).where(Warehouse.store_id == s1))
        assert shop_wh is not None
        central_wh = create_warehouse(s, code="CW01", name="中心仓", store_id=None).id
        t1 = Terminal(code="S01-R01", store_id=s1, kind="rep", rep_user_id=rep, secret_hash=digest("tablet-one"))
        t2 = Terminal(code="S01-R02", store_id=s1, kind="rep", rep_user_id=other_rep, secret_hash=digest("tablet-two"))
        cola = Product(sku="1001", name="可口可乐 330ml", pinyin="kkkl", tax_rate_bp=1300,
                       units=[ProductUnit(code="pc", factor=1, price_fen=300),
                              ProductUnit(code="box", factor=24, price_fen=6600)])
        rice = Product(sku="2001", name="五常大米 5kg", pinyin="wcdm", tax_rate_bp=900,
                       units=[ProductUnit(code="pc", factor=1, price_fen=5990)])
        water = Product(sku="3001", name="农夫山泉 550ml", pinyin="nfsq", tax_rate_bp=1300,
                        units=[ProductUnit(code="pc", factor=1, price_fen=200),
                               ProductUnit(code="box", factor=12, price_fen=2200)])
        s.add_all([t1, t2, cola, rice, water])
        s.flush()
        s.add(FloorPrice(product_id=cola.id, unit_code="box", price_fen=6000))
        c1 = Customer(code="C0001", name="好邻居便利店", rep_id=rep, credit_limit_fen=100_000, credit_days=30, tags=[],
                      contacts=[])
        c2 = Customer(code="C0002", name="老王面馆", rep_id=rep, tags=[], contacts=[])
        c3 = Customer(code="C0003", name="李家超市", rep_id=other_rep, credit_limit_fen=500_000, credit_days=15,
                      tags=[], contacts=[])
        s.add_all([c1, c2, c3])
        s.flush()
        # stock: cola 10 boxes in the shop, 100 boxes centrally; rice only in the shop; water nowhere
        post_movements(s, [Movement(warehouse_id=w, product_id=p, kind="purchase_receipt", qty_m=q * 1000,
                                    source_type="purchase_receipt", source_id="GR-1", occurred_at=T0)
                           for w, p, q in ((shop_wh, cola.id, 240), (central_wh, cola.id, 2400),
                                           (shop_wh, rice.id, 50))])
        return Field(store=s1, store2=s2, shop_wh=shop_wh, central_wh=central_wh, rep=rep, other_rep=other_rep,
                     tablet={"Authorization": f"Device {t1.id}:tablet-one"}, tablet_id=t1.id,
                     other_tablet={"Authorization": f"Device {t2.id}:tablet-two"}, other_tablet_id=t2.id,
                     customer=c1.id, cod_customer=c2.id, other_customer=c3.id, cola=cola.id, rice=rice.id,
                     water=water.id, seq=[0])
