"""A small real business for sync tests: central database (migrated), stores, products, members,
cashiers; terminals enrolled through the real API; events built as the till builds them.

Events are appended with the terminal's own outbox (`store.outbox.append`) inside
a store transaction, exactly as checkout does; the sale figures are consistent (lines + rounding =
total = payments) so central's ingest accepts them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from central.auth.roles import DeviceKind
from central.catalog.models import Barcode, Product, ProductUnit
from central.db import session_scope
from central.members.models import Member
from central.org import service as org
from central.pricing.models import MemberLevel
from central.users.models import User
from sync.events import (
    CollectionRecorded,
    EventEnvelope,
    FieldOrderCreated,
    PaymentPayload,
    ReturnLinePayload,
    SaleCompleted,
    SaleLinePayload,
    SaleReturned,
    ShiftOpened,
    Tender,
    VisitRecorded,
    uuid7,
)
from sync.field import CollectionMethod
from terminal.store import Store, open_store
from terminal.sync_client import setup
from terminal.sync_client.client import SyncClient
from terminal.sync_client.transport import Transport


def ean13(body12: str) -> str:
    digits = [int(c) for c in body12]
    check = (10 - (sum(digits[0::2]) + 3 * sum(digits[1::2])) % 10) % 10
    return body12 + str(check)


@dataclass
class Seeded:
    store_ids: dict[str, int]
    product_ids: list[int]
    member_ids: list[str]
    cashier_ids: dict[int, int]
    """store id → a cashier of that store."""


def seed(engine: Engine, *, products: int = 20, members: int = 4, stores: tuple[str, ...] = ("S01", "S02")) -> Seeded:
    """Stores with warehouses, products (piece + some boxes, valid EAN-13s), levels, members."""
    with session_scope(engine) as s:
        store_ids = {}
        for code in stores:
            st = org.create_store(s, code=code, name=f"门店{code}")
            store_ids[code] = st.id
        s.add_all([MemberLevel(code="normal", name="普通会员"), MemberLevel(code="gold", name="金卡")])
        pids = []
        for i in range(1, products + 1):
            p = Product(sku=f"SKU{i:05d}", name=f"商品{i}", pinyin=f"sp{i}", tax_rate_bp=1300)
            unit = ProductUnit(code="pc", name="个", factor=1, price_fen=100 + i)
            p.units.append(unit)
            box = None
            if i % 5 == 0:
                box = ProductUnit(code="box", name="箱", factor=6, price_fen=(100 + i) * 6 - 10)
                p.units.append(box)
            s.add(p)
            s.flush()
            unit.barcodes.append(Barcode(barcode=ean13(f"69{i:010d}"), product_id=p.id))
            if box is not None:
                box.barcodes.append(Barcode(barcode=ean13(f"68{i:010d}"), product_id=p.id))
            pids.append(p.id)
        cashiers = {}
        for code, sid in store_ids.items():
            u = User(username=f"cashier{code}", display_name=f"收银员{code}", role="cashier", store_id=sid,
                     staff_code=f"{sid:02d}01", pin_hash="$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$3JkzSXjmoxo")
            s.add(u)
            s.flush()
            cashiers[sid] = u.id
        mids = []
        for i in range(members):
            m = Member(id=uuid7(), card_no=f"M{i:06d}", phone=f"1380000{i:04d}", name=f"会员{i}", level="normal",
                       points_balance=500)
            s.add(m)
            mids.append(m.id)
    return Seeded(store_ids, pids, mids, cashiers)


def enrolment_code(engine: Engine, store_id: int, kind: DeviceKind = DeviceKind.POS,
                   rep_user_id: int | None = None) -> str:
    with session_scope(engine) as s:
        code, _ = org.make_enrolment_code(s, store_id=store_id, kind=kind, rep_user_id=rep_user_id)
    return code


@dataclass
class Till:
    """One terminal: its own SQLite store and what it committed (the ground truth of the tests)."""

    store: Store
    client: httpx.Client | None
    server: str
    sales: dict[str, SaleCompleted] = field(default_factory=dict)
    returns: dict[str, SaleReturned] = field(default_factory=dict)
    shift_id: str = ""
    cashier_id: int | None = None
    rng: random.Random = field(default_factory=lambda: random.Random(1))

    @property
    def terminal_id(self) -> int:
        return int(self.store.get_setting("terminal_id") or 0)

    @property
    def store_id(self) -> int:
        return int(self.store.get_setting("store_id") or 0)

    def sync_client(self, transport: Transport | None = None, **kw: Any) -> SyncClient:
        if transport is None:
            transport = Transport(self.server, self.store.get_setting("credential"), client=self.client,
                                  retries=0, **kw)
        return SyncClient(self.store, transport, batch=kw.pop("batch", 50) if "batch" in kw else 50)

    def open_shift(self) -> EventEnvelope:
        self.shift_id = uuid7()
        with self.store.transaction():
            return self.store.outbox.append(ShiftOpened(
                shift_id=self.shift_id, store_id=self.store_id, terminal_id=self.terminal_id,
                cashier_id=self.cashier_id or self._any_cashier(),
                opened_at=datetime.now(UTC), opening_float_fen=10000))

    def sell(self, products: list[int], *, member_id: str | None = None, redeem: int = 0,
             qty: int = 1, sold_at: datetime | None = None) -> SaleCompleted:
        """Ring up one paid sale (pieces, list price; `redeem` points pay part of it, 1 point = 1 fen)."""
        if not self.shift_id:
            self.open_shift()
        lines = []
        for n, pid in enumerate(products, start=1):
            price = self._price(pid)
            amount = price * qty
            tax = amount * 1300 // 11300
            lines.append(SaleLinePayload(
                line_no=n, product_id=pid, sku=f"SKU{pid:05d}", name=f"商品{pid}", unit_code="pc", unit_factor=1,
                qty=Decimal(qty), unit_price_fen=price, price_source="base", list_amount_fen=amount,
                line_discount_fen=0, order_discount_fen=0, amount_fen=amount, tax_rate_bp=1300, tax_fen=tax))
        total = sum(ln.amount_fen for ln in lines)
        redeem = min(redeem, total)
        payments = []
        if redeem:
            payments.append(PaymentPayload(tender=Tender.POINTS, amount_fen=redeem, points=redeem))
        if total - redeem:
            payments.append(PaymentPayload(tender=Tender.CASH, amount_fen=total - redeem))
        receipt_seq = self.rng.randrange(10**9)
        sale = SaleCompleted(
            sale_id=uuid7(), receipt_no=f"T{self.terminal_id}-{receipt_seq}", store_id=self.store_id,
            terminal_id=self.terminal_id, shift_id=self.shift_id, cashier_id=None, member_id=member_id,
            sold_at=sold_at or datetime.now(UTC), lines=lines, payments=payments, subtotal_fen=total, discount_fen=0,
            price_version=int(self.store.scalar("SELECT value FROM sync_state WHERE key='cursor'") or 0),
            rounding_fen=0, total_fen=total, tax_fen=sum(ln.tax_fen for ln in lines),
            points_earned=(total - redeem) // 100 if member_id else 0, points_redeemed=redeem)
        with self.store.transaction():
            self.store.outbox.append(sale)
        self.sales[sale.sale_id] = sale
        return sale

    def give_back(self, sale: SaleCompleted, *, cashier_id: int | None = None) -> SaleReturned:
        """Return the first line of a sale (this till's, or any the test names), in full, refunded in cash."""
        line = sale.lines[0]
        ret = SaleReturned(
            return_id=uuid7(), receipt_no=f"R{self.terminal_id}-{self.rng.randrange(10**9)}",
            original_sale_id=sale.sale_id, original_receipt_no=sale.receipt_no, store_id=self.store_id,
            terminal_id=self.terminal_id, shift_id=self.shift_id or sale.shift_id, cashier_id=cashier_id, member_id=None,
            returned_at=datetime.now(UTC),
            lines=[ReturnLinePayload(original_line_no=line.line_no, product_id=line.product_id, sku=line.sku,
                                     unit_code=line.unit_code, unit_factor=line.unit_factor, qty=line.qty,
                                     amount_fen=line.amount_fen, tax_fen=line.tax_fen)],
            refunds=[PaymentPayload(tender=Tender.CASH, amount_fen=line.amount_fen)] if line.amount_fen else [
                PaymentPayload(tender=Tender.CASH, amount_fen=1)],
            total_fen=line.amount_fen, tax_fen=line.tax_fen)
        with self.store.transaction():
            self.store.outbox.append(ret)
        self.returns[ret.return_id] = ret
        return ret

    def _any_cashier(self) -> int:
        row = self.store.one("SELECT id FROM master WHERE entity='user' LIMIT 1")
        return int(row[0]) if row else 1

    def _price(self, pid: int) -> int:
        row = self.store.one("SELECT data FROM master WHERE entity='product' AND id=?", (str(pid),))
        if row is None:
            return 100 + pid
        import json

        data = json.loads(row[0])
        return int(next(u["price_fen"] for u in data["units"] if u["code"] == "pc"))

    def pending(self) -> int:
        return self.store.outbox.pending_count()


def seed_rep(engine: Engine, store_id: int, customers: int = 3) -> tuple[int, list[int]]:
    """A sales rep of the store and their customers (the first on ¥5,000.00 credit, the others cash
    on delivery); their user id and the customers' ids."""
    from central.customers.models import Customer

    with session_scope(engine) as s:
        rep = User(username=f"rep{store_id}", display_name=f"业务员{store_id}", role="sales_rep", store_id=store_id,
                   staff_code=f"{store_id:02d}50", pin_hash="$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$3JkzSXjmoxo")
        s.add(rep)
        s.flush()
        rows = [Customer(code=f"C{store_id}{i:03d}", name=f"客户{store_id}-{i}", rep_id=rep.id, tags=[], contacts=[],
                         credit_limit_fen=500_000 if i == 0 else 0, credit_days=30) for i in range(customers)]
        s.add_all(rows)
        s.flush()
        return rep.id, [c.id for c in rows]


@dataclass
class Tablet(Till):
    """A rep's tablet: field orders, visits and collections made by the rep app's own services
    (`terminal.field`), so the exactly-once tests cover what a rep really sends."""

    rep_id: int = 0
    orders: dict[str, FieldOrderCreated] = field(default_factory=dict)
    visits: dict[str, VisitRecorded] = field(default_factory=dict)
    collections: dict[str, CollectionRecorded] = field(default_factory=dict)
    _app: Any = None

    @property
    def app(self) -> Any:
        """The tablet's `terminal.field.app.FieldApp`, its rep signed in (as `simulate` does)."""
        if self._app is None:
            from terminal.field.app import FieldApp

            self._app = FieldApp(self.store)
            self._app.session.sign_in_as_rep(reason="tests")
        return self._app

    def take_order(self, customer_id: int, products: list[int], qty: int = 2, on_credit: bool = True
                   ) -> FieldOrderCreated:
        from terminal.field.orders import OrderDraft, OrderLineInput

        app = self.app
        draft = OrderDraft(customer_key=str(customer_id), lines=[OrderLineInput(pid, "pc", qty) for pid in products],
                           on_credit=on_credit)
        order = app.orders.submit(app.session, draft).order
        self.orders[order.order_id] = order
        return order

    def visit(self, customer_id: int) -> VisitRecorded:
        app = self.app
        v = app.visits.check_in(app.session, str(customer_id))
        app.visits.set_notes(v.visit_id, "巡店")
        visit = app.visits.check_out(app.session, v.visit_id)
        self.visits[visit.visit_id] = visit
        return visit

    def collect(self, customer_id: int, amount_fen: int) -> CollectionRecorded:
        app = self.app
        c = app.collections.record(app.session, str(customer_id), amount_fen, CollectionMethod.CASH)
        self.collections[c.collection_id] = c
        return c


def enrol_tablet(engine: Engine, data_dir: Path, store_id: int, rep_id: int, server: str,
                 client: httpx.Client | None = None, seed_: int = 1) -> Tablet:
    code = enrolment_code(engine, store_id, DeviceKind.REP, rep_user_id=rep_id)
    store = open_store(data_dir)
    setup.enroll(store, server, code, client=client)
    setup.bootstrap(store, client=client)
    return Tablet(store=store, client=client, server=server, rng=random.Random(seed_), rep_id=rep_id)


def enrol_till(engine: Engine, data_dir: Path, store_id: int, server: str,
               client: httpx.Client | None = None, seed_: int = 1) -> Till:
    code = enrolment_code(engine, store_id)
    store = open_store(data_dir)
    setup.enroll(store, server, code, client=client)
    setup.bootstrap(store, client=client)
    return Till(store=store, client=client, server=server, rng=random.Random(seed_))


def central_counts(engine: Engine) -> dict[str, Any]:
    """What central holds: sales and returns by id, stock ledger and points ledger sums."""
    from central.inventory.models import StockMovement
    from central.members.models import PointsEntry
    from central.sales.models import Sale, SaleReturn

    with session_scope(engine, write=False) as s:
        sales = set(s.execute(select(Sale.id)).scalars())
        returns = set(s.execute(select(SaleReturn.id)).scalars())
        stock = {int(p): int(q) for p, q in s.execute(
            select(StockMovement.product_id, func.sum(StockMovement.qty_m)).group_by(StockMovement.product_id))}
        points = {str(m): int(q) for m, q in s.execute(
            select(PointsEntry.member_id, func.sum(PointsEntry.points)).group_by(PointsEntry.member_id))}
    from central.field.models import Collection, Visit
    from central.orders.models import SalesOrder

    with session_scope(engine, write=False) as s:
        orders = dict(s.execute(select(SalesOrder.id, SalesOrder.original_total_fen)).all())
        visits = set(s.execute(select(Visit.id)).scalars())
        collections = dict(s.execute(select(Collection.id, Collection.amount_fen)).all())
    return {"sales": sales, "returns": returns, "stock": stock, "points": points, "orders": orders,
            "visits": visits, "collections": collections}
