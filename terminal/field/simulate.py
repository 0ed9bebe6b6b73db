"""A rep's working days, simulated through the rep app's own services (`FieldApp`): visits on the
route with the steps the customer's type requires (a photo now and then), orders in pieces and boxes
at each customer's prices, some with a gift, some too large for the customer's credit (held for
approval, or refused where the store blocks), collections of what customers owe, and now and then a
new customer signed up on the spot. No network; `pos-terminal simulate --orders N` prints the summary.
"""

from __future__ import annotations

import random
import struct
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sync.field import CollectionMethod, CustomerType, VisitStep
from terminal.errors import TerminalError
from terminal.field.app import FieldApp
from terminal.field.orders import CreditBlocked, OrderDraft, OrderLineInput
from terminal.store import Store

SHOP_NAMES = ("便民超市", "好又多商店", "鑫鑫便利店", "老王烟酒店", "阳光小卖部", "福满多商行", "佳佳副食店", "兴隆粮油店")


def tiny_png(seed: int) -> bytes:
    """A small, valid PNG (8×8, one colour from `seed`): the camera's stand-in."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    pixel = bytes(((seed * 37) % 256, (seed * 91) % 256, (seed * 53) % 256))
    raw = b"".join(b"\x00" + pixel * 8 for _ in range(8))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 8, 8, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


@dataclass
class FieldSummary:
    orders: int = 0
    order_total_fen: int = 0
    held_for_approval: int = 0
    blocked: int = 0
    box_lines: int = 0
    gift_lines: int = 0
    visits: int = 0
    photos: int = 0
    collections: int = 0
    collections_fen: int = 0
    new_customers: int = 0
    order_ids: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k != "order_ids"}
        return out


class FieldSimulator:
    def __init__(self, store: Store, rng: random.Random) -> None:
        self.store = store
        self.rng = rng
        self.app = FieldApp(store)
        self.app.session.sign_in_as_rep(reason="pos-terminal simulate --orders")
        self.customers = [str(c.id) for c in self.app.customers.infos() if c.active]
        if not self.customers:
            raise TerminalError("本平板没有客户资料（请先同步）", "this tablet has no customers (sync first)",
                                code="no_customers")
        self.products = store.master.product_ids()
        if not self.products:
            raise TerminalError("本平板没有商品资料（请先同步）", "this tablet has no products (sync first)",
                                code="no_catalog")
        self.summary = FieldSummary()

    def _lines(self, big: bool) -> list[OrderLineInput]:
        rng = self.rng
        lines = []
        for pid in rng.sample(self.products, k=min(len(self.products), rng.randint(1, 6))):
            product = self.app.catalog.product(pid)
            if product.weighed:
                continue  # a rep orders packed goods
            boxes = [u for u in product.units if u.factor > 1]
            if boxes and rng.random() < 0.4:
                unit = rng.choice(boxes).code
                qty = rng.randint(1, 5) * (40 if big else 1)
                self.summary.box_lines += 1
            else:
                unit = product.base_unit.code
                qty = rng.randint(1, 24) * (40 if big else 1)
            lines.append(OrderLineInput(pid, unit, qty))
        if lines and rng.random() < 0.2:
            product = self.app.catalog.product(rng.choice(self.products))
            lines.append(OrderLineInput(product.id, product.base_unit.code, rng.randint(1, 3), gift=True))
            self.summary.gift_lines += 1
        return lines

    def one_order(self) -> None:
        """Usually at a visit: check in, do the required steps, take the order, maybe collect, check out."""
        rng, app = self.rng, self.app
        if rng.random() < 0.04:
            created = app.customers.create(app.session, name=f"{rng.choice(SHOP_NAMES)}{rng.randint(1, 999)}号",
                                           customer_type=CustomerType.DIRECT,
                                           contact_phone=f"13{rng.randint(100000000, 999999999)}")
            self.customers.append(created.customer_id)
            self.summary.new_customers += 1
            key = created.customer_id
        else:
            key = rng.choice(self.customers)
        visit = None
        if rng.random() < 0.7:
            visit = app.visits.check_in(app.session, key)
            for step in visit.required_steps:
                if step == VisitStep.PHOTO:
                    app.visits.add_photo(visit.visit_id, tiny_png(rng.randint(0, 10_000)), step=step)
                    self.summary.photos += 1
                elif step not in (VisitStep.ORDER, VisitStep.COLLECTION):
                    counts = [(pid, "pc", rng.randint(0, 30)) for pid in rng.sample(self.products, 2)] \
                        if step == VisitStep.STOCK_COUNT else []
                    prices = [("竞品饮料 500ml", rng.randint(250, 450), "某品牌")] \
                        if step == VisitStep.COMPETITOR_PRICES else []
                    app.visits.record_step(visit.visit_id, step, stock_counts=counts,  # type: ignore[arg-type]
                                           competitor_prices=prices)  # type: ignore[arg-type]
            app.visits.set_notes(visit.visit_id, rng.choice(["货架整齐", "老板要求补货", "缺两个单品", "竞品在做促销"]))
            if rng.random() < 0.1:
                from datetime import timedelta

                app.visits.set_follow_up(visit.visit_id, app.today_date() + timedelta(days=rng.randint(0, 7)),
                                         "带新品样品")
        lines = self._lines(big=rng.random() < 0.12)
        if lines:
            draft = OrderDraft(customer_key=key, lines=lines, remarks=rng.choice([None, "上午送货", "走后门"]),
                               visit_id=visit.visit_id if visit else None)
            try:
                done = app.orders.submit(app.session, draft)
            except CreditBlocked:
                self.summary.blocked += 1
            else:
                s = self.summary
                s.orders += 1
                s.order_total_fen += done.order.total_fen
                s.held_for_approval += int(done.held)
                s.order_ids.append(done.order_id)
        if visit is not None:
            self._maybe_collect(key)
            app.visits.check_out(app.session, visit.visit_id)
            self.summary.visits += 1

    def _maybe_collect(self, key: str) -> None:
        rng, app = self.rng, self.app
        if rng.random() >= 0.3:
            return
        card = app.customers.card(key, app.today_date())
        owed = max(0, card.balance_fen - card.advances_fen)
        amount = rng.randint(1, max(1, owed)) if owed > 0 else rng.choice([5_000, 10_000, 20_000])
        method = rng.choice([CollectionMethod.CASH, CollectionMethod.BANK_TRANSFER, CollectionMethod.WECHAT])
        ref = f"TX{rng.randint(10**9, 10**10 - 1)}" if method is not CollectionMethod.CASH else None
        app.collections.record(app.session, key, amount, method, reference=ref)
        self.summary.collections += 1
        self.summary.collections_fen += amount


def simulate_orders(store: Store, orders: int, seed: int | None = None) -> FieldSummary:
    """Take `orders` order attempts (blocked ones count as attempts, not orders)."""
    sim = FieldSimulator(store, random.Random(seed))
    for _ in range(orders):
        sim.one_order()
    return sim.summary


__all__ = ["Decimal", "FieldSimulator", "FieldSummary", "simulate_orders", "tiny_png"]
