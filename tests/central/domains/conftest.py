"""A small business to apply events to: two stores with warehouses and tills, products, a member,
a rep with a customer; and builders of well-formed wire events (the real `sync.events` models)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from central.catalog.models import Product, ProductUnit
from central.customers.models import Customer
from central.db import session_scope
from central.members.models import Member
from central.org.models import Terminal
from central.pricing.models import MemberLevel
from sync.events import (
    PaymentPayload,
    ReturnLinePayload,
    SaleCompleted,
    SaleLinePayload,
    SaleReturned,
    ShiftOpened,
    Tender,
    uuid7,
)

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@dataclass
class World:
    store: int
    store2: int
    warehouse: int
    terminal: int
    terminal2: int
    cashier: int
    rep: int
    other_rep: int
    customer: int
    other_customer: int
    member: str
    cola: int
    """¥3.00 a can, also sold in boxes of 24."""
    rice: int
    apples: int
    """Weighed, per kg."""
    version: int = 0
    """The change feed's version once the world is built: the price version its sales cite."""


@pytest.fixture
def world(engine: Engine, make_store: Callable[..., int], make_user: Callable[..., int]) -> World:
    s1, s2 = make_store("S01"), make_store("S02")
    cashier = make_user("cashier1", role="cashier", store_id=s1)
    rep = make_user("rep1", role="sales_rep", store_id=s1)
    other_rep = make_user("rep2", role="sales_rep", store_id=s1)
    with session_scope(engine) as s:
        from sqlalchemy import select

        from central.org.models import Warehouse

        wh = s.scalar(select(Warehouse.id).where(Warehouse.store_id == s1))
        t1 = Terminal(code="S01-01", store_id=s1, kind="pos", secret_hash="x" * 64)
        t2 = Terminal(code="S02-01", store_id=s2, kind="pos", secret_hash="y" * 64)
        cola = Product(sku="1001", name="可口可乐 330ml", pinyin="kkkl", tax_rate_bp=1300,
                       units=[ProductUnit(code="pc", factor=1, price_fen=300),
                              ProductUnit(code="box", factor=24, price_fen=6600)])
        rice = Product(sku="2001", name="五常大米 5kg", pinyin="wcdm", tax_rate_bp=900,
                       units=[ProductUnit(code="pc", factor=1, price_fen=5990)])
        apples = Product(sku="3001", name="红富士苹果", pinyin="hfspg", tax_rate_bp=900, weighed=True,
                         units=[ProductUnit(code="kg", factor=1, price_fen=1280)])
        s.add_all([t1, t2, cola, rice, apples])
        s.flush()
        c1 = Customer(code="C0001", name="好邻居便利店", rep_id=rep, credit_limit_fen=100_000, credit_days=30,
                      tags=[])
        c2 = Customer(code="C0002", name="老王餐馆", rep_id=other_rep, tags=[])
        # the member's level earns 1 point a yuan: central recomputes every sale's points with it
        gold = MemberLevel(code="gold", name="金卡", points_per_yuan=Decimal(1))
        s.add(gold)
        s.flush()
        member = Member(id=uuid7(), card_no="M0001", phone="13800000001", name="张三", level="gold",
                        home_store_id=s1, points_balance=500)
        s.add_all([c1, c2, member])
        s.flush()
        world = World(store=s1, store2=s2, warehouse=wh or 0, terminal=t1.id, terminal2=t2.id, cashier=cashier,
                      rep=rep, other_rep=other_rep, customer=c1.id, other_customer=c2.id, member=member.id,
                      cola=cola.id, rice=rice.id, apples=apples.id)
    with session_scope(engine) as s:
        from sqlalchemy import func, select

        from central.syncing.models import SyncFeed

        world.version = int(s.scalar(select(func.max(SyncFeed.seq))) or 0)
    return world


def line(no: int, product_id: int, qty: str | int, price_fen: int, *, unit: str = "pc", factor: int = 1,
         discount: int = 0, order_discount: int = 0, tax_bp: int = 1300, cost: int | None = None) -> SaleLinePayload:
    list_amount = int(Decimal(qty) * price_fen)
    amount = list_amount - discount - order_discount
    return SaleLinePayload(
        line_no=no, product_id=product_id, sku=f"SKU{product_id}", name=f"商品{product_id}", unit_code=unit,
        unit_factor=factor, qty=Decimal(qty), unit_price_fen=price_fen, price_source="base",
        list_amount_fen=list_amount, line_discount_fen=discount, order_discount_fen=order_discount,
        amount_fen=amount, tax_rate_bp=tax_bp, tax_fen=amount * tax_bp // (10000 + tax_bp),
        unit_cost_fen=cost)


def sale(w: World, lines: list[SaleLinePayload], *, shift_id: str = "shift-1", tenders: list[Any] | None = None,
         rounding: int = 0, sold_at: datetime = T0, receipt_no: str | None = None, **extra: Any) -> SaleCompleted:
    """A sale that adds up: paid in cash unless `tenders` [(Tender, fen), ...] say otherwise."""
    total = sum(ln.amount_fen for ln in lines) + rounding
    payments = [PaymentPayload(tender=t, amount_fen=a) for t, a in (tenders or [(Tender.CASH, total)])]
    sale_id = uuid7()
    extra.setdefault("cashier_id", w.cashier)
    extra.setdefault("price_version", w.version)
    return SaleCompleted(
        sale_id=sale_id, receipt_no=receipt_no or f"S01-01-{sale_id[-8:]}", store_id=w.store,
        terminal_id=w.terminal, shift_id=shift_id, sold_at=sold_at, lines=lines,
        payments=payments, subtotal_fen=sum(ln.list_amount_fen for ln in lines),
        discount_fen=sum(ln.line_discount_fen + ln.order_discount_fen for ln in lines), rounding_fen=rounding,
        total_fen=total, tax_fen=sum(ln.tax_fen for ln in lines), **extra)


def return_of(w: World, original: SaleCompleted, picks: list[tuple[int, str]], *, shift_id: str = "shift-1",
              tender: Tender = Tender.CASH, restock: bool = True, returned_at: datetime = T0,
              **extra: Any) -> SaleReturned:
    """Return `qty` of line `line_no` for each (line_no, qty), refunding pro rata of the line's amount."""
    lines = []
    for no, qty in picks:
        ol = next(ln for ln in original.lines if ln.line_no == no)
        amount = int(ol.amount_fen * Decimal(qty) / ol.qty)
        lines.append(ReturnLinePayload(
            original_line_no=no, product_id=ol.product_id, sku=ol.sku, unit_code=ol.unit_code,
            unit_factor=ol.unit_factor, qty=Decimal(qty), amount_fen=amount,
            tax_fen=amount * ol.tax_rate_bp // (10000 + ol.tax_rate_bp), restock=restock))
    total = sum(ln.amount_fen for ln in lines)
    rid = uuid7()
    return SaleReturned(
        return_id=rid, receipt_no=f"R-{rid[-8:]}", original_sale_id=original.sale_id,
        original_receipt_no=original.receipt_no, store_id=w.store, terminal_id=w.terminal, shift_id=shift_id,
        cashier_id=w.cashier, returned_at=returned_at, lines=lines,
        refunds=[PaymentPayload(tender=tender, amount_fen=total)], total_fen=total,
        tax_fen=sum(ln.tax_fen for ln in lines), **extra)


def shift_opened(w: World, shift_id: str = "shift-1", float_fen: int = 20_000) -> ShiftOpened:
    return ShiftOpened(shift_id=shift_id, store_id=w.store, terminal_id=w.terminal, cashier_id=w.cashier,
                       opened_at=T0, opening_float_fen=float_fen)
