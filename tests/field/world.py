"""A small field business at central and a rep tablet enrolled with it (through the real API).

Central: two stores' worth of products from `tests.sync.world.seed` (pieces, boxes of 6 on every
fifth product), a rep of store S01 with PIN 2468 and four customers:
 0  客户1-0  on credit ¥5,000.00, 30 days, its own price list (product 1 at ¥0.90 a piece)
 1  客户1-1  cash on delivery (no limit)
 2  客户1-2  on credit ¥300.00, with a delivery of ¥250.00 posted 40 days ago (overdue)
 3  客户1-3  consignment counter (专柜), ¥2,000.00 credit, 5% discount rate
a floor price on product 5's box, the rep's route (every weekday: customers 0, 1, 2) and this month's
target (¥10,000.00).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine

from central.auth.roles import DeviceKind
from central.db import get_engine, session_scope
from sync.store_time import business_date
from terminal.field.app import FieldApp
from terminal.store import Store, open_store
from terminal.sync_client import setup
from terminal.sync_client.client import SyncClient
from terminal.sync_client.transport import Transport
from tests.sync.world import Seeded, enrolment_code, seed

PIN = "2468"


def hash_pin(pin: str) -> str:
    """Central's argon2 form with cheap parameters (the tests sign in many times)."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(pin)


@dataclass
class FieldWorld:
    url: str
    engine: Engine
    api: TestClient
    seeded: Seeded
    rep_id: int
    customers: list[int]
    store: Store
    app: FieldApp
    extra: dict[str, int] = field(default_factory=dict)

    @property
    def store_id(self) -> int:
        return self.seeded.store_ids["S01"]

    def sync(self) -> None:
        transport = Transport("http://central", self.store.get_setting("credential"), client=self.api, retries=0)
        SyncClient(self.store, transport).sync_round()

    def close(self) -> None:
        from central.db import dispose_engine

        self.store.close()
        self.api.__exit__(None, None, None)
        dispose_engine(self.url)


def seed_field(engine: Engine, store_id: int, product_ids: list[int]) -> tuple[int, list[int]]:
    from central.customers.models import Customer
    from central.field.models import RepTarget, VisitPlanStop
    from central.finance.receivables import post_receivable
    from central.pricing.models import FloorPrice, PriceList, PriceListItem
    from central.users.models import User

    today = business_date(datetime.now(UTC))
    with session_scope(engine) as s:
        rep = User(username="rep01", display_name="业务员张三", role="sales_rep", store_id=store_id,
                   staff_code="0150", pin_hash=hash_pin(PIN))
        s.add(rep)
        s.flush()
        specs = [("客户1-0", 500_000, 30, "direct", 0), ("客户1-1", 0, 0, "direct", 0),
                 ("客户1-2", 30_000, 30, "direct", 0), ("客户1-3", 200_000, 30, "consignment", 500)]
        rows = [Customer(code=f"C1{i:03d}", name=name, rep_id=rep.id, tags=[], contacts=[], credit_limit_fen=limit,
                         credit_days=days, customer_type=ctype, discount_bp=bp, contact_phone=f"1390000{i:04d}")
                for i, (name, limit, days, ctype, bp) in enumerate(specs)]
        s.add_all(rows)
        s.flush()
        pl = PriceList(code="PL-C0", name="客户1-0 协议价", scope="customer", target_id=rows[0].id)
        pl.items.append(PriceListItem(product_id=product_ids[0], unit_code="pc", price_fen=90))
        s.add(pl)
        s.add(FloorPrice(product_id=product_ids[4], unit_code="box", price_fen=600))
        for pos, c in enumerate(rows[:3]):
            for wd in range(1, 8):
                s.add(VisitPlanStop(rep_id=rep.id, weekday=wd, position=pos, customer_id=c.id))
        s.add(RepTarget(rep_id=rep.id, month=f"{today:%Y-%m}", target_fen=1_000_000))
        old = today - timedelta(days=40)
        post_receivable(s, customer=rows[2], kind="charge", amount_fen=25_000, doc_type="delivery", doc_id="D-OLD-1",
                        doc_no="D-OLD-1", doc_date=old, occurred_at=datetime.now(UTC) - timedelta(days=40))
        s.flush()
        return rep.id, [c.id for c in rows]


def build_world_files(root: Path) -> None:
    """Seed central's database `root/central.sqlite3` (migrated) and enrol a tablet in `root/tablet`;
    the ids are kept in `root/world.json`."""
    from central.app import create_app
    from central.db import dispose_engine

    url = f"sqlite:///{root / 'central.sqlite3'}"
    engine = get_engine(url)
    seeded = seed(engine, products=20, members=0, stores=("S01",))
    store_id = seeded.store_ids["S01"]
    rep_id, customers = seed_field(engine, store_id, seeded.product_ids)
    code = enrolment_code(engine, store_id, DeviceKind.REP, rep_user_id=rep_id)
    with TestClient(create_app(url), base_url="http://central") as api:
        store = open_store(root / "tablet")
        try:
            setup.enroll(store, "http://central", code, client=api)
            setup.bootstrap(store, client=api)
        finally:
            store.close()
    dispose_engine(url)
    (root / "world.json").write_text(json.dumps({
        "store_ids": seeded.store_ids, "product_ids": seeded.product_ids, "rep_id": rep_id,
        "customers": customers}))


def open_world(root: Path) -> FieldWorld:
    """A copy of the built world, opened: central's app in-process and the tablet's store."""
    from central.app import create_app

    ids = json.loads((root / "world.json").read_text())
    url = f"sqlite:///{root / 'central.sqlite3'}"
    api = TestClient(create_app(url), base_url="http://central")
    api.__enter__()
    store = open_store(root / "tablet")
    seeded = Seeded(store_ids=ids["store_ids"], product_ids=ids["product_ids"], member_ids=[], cashier_ids={})
    return FieldWorld(url=url, engine=get_engine(url), api=api, seeded=seeded, rep_id=ids["rep_id"],
                      customers=ids["customers"], store=store, app=FieldApp(store))


def today() -> date:
    return business_date(datetime.now(UTC))
