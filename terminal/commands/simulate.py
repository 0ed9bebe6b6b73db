"""`pos-terminal simulate --sales N [--seed S] [--data DIR]`: ring up realistic sales offline
(on a rep tablet, `--orders N`: field orders, visits and collections, see terminal/field/simulate.py).

Every sale goes through the very same `terminal.checkout.Checkout` the cashier screens call:
random carts from the local catalog (scanned by barcode, boxes, weighed fresh food), members,
the promotions in force, points redemption, mixed and split tenders, and some returns through
`terminal.returns`. No network. The last line of output is a JSON summary:
`sales` (count, returns excluded), `returns` (count), `net_fen` (money taken minus refunded).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path

from sync.events import Tender
from sync.master import Entity
from terminal.catalog import Catalog
from terminal.checkout import Checkout, CompletedSale
from terminal.errors import TerminalError
from terminal.returns import find_sale, return_sale
from terminal.session import Action, Approval, Session
from terminal.shift import current_shift, open_shift, others_shift, take_over_shift
from terminal.store import Store, open_store
from terminal.store.seed import seed_demo


def add_arguments(parser: argparse.ArgumentParser) -> None:
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--sales", type=int, metavar="N", help="how many sales to ring up (a till)")
    what.add_argument("--orders", type=int, metavar="N",
                      help="how many field orders to take, with visits and collections (a rep tablet)")
    parser.add_argument("--seed", type=int, default=None, metavar="S", help="random seed (same seed, same carts)")
    parser.add_argument("--return-rate", type=float, default=0.05, metavar="R",
                        help="share of sales followed by a return of an earlier sale (default 0.05)")
    parser.add_argument("--demo-catalog", action="store_true",
                        help="on a terminal that was never enrolled, first load a small demo catalog")


def data_dir(args: argparse.Namespace) -> Path:
    return Path(args.data or os.environ.get("POS_TERMINAL_DATA") or "data/terminal")


def _fail(code: str, message: str, message_en: str) -> int:
    print(f"{message}\n{message_en}", file=sys.stderr)
    print(json.dumps({"error": code, "message": message, "message_en": message_en,
                      "sales": 0, "returns": 0, "net_fen": 0}, ensure_ascii=False))
    return 2


class Simulator:
    """Drives a `Checkout` like a busy cashier would."""

    def __init__(self, store: Store, rng: random.Random, return_rate: float) -> None:
        self.store = store
        self.rng = rng
        self.return_rate = return_rate
        self.catalog = Catalog(store)
        self.session = Session(store)
        users = store.master.rows(Entity.USER.value)
        cashiers = [u for u in users if u.get("active", True) and u.get("role") in ("cashier", "store_manager", "admin")]
        if not cashiers:
            raise TerminalError("没有可用的收银员资料", "no cashier in the synced users", code="no_cashier")
        cashier = next((u for u in cashiers if u["role"] == "cashier"), cashiers[0])
        manager = next((u for u in cashiers if u["role"] in ("store_manager", "admin")), cashier)
        self.session.sign_in_as(int(cashier["id"]), reason="pos-terminal simulate")
        self.manager_id = int(manager["id"])
        self.checkout = Checkout(store, self.session, self.catalog)
        self.product_ids = store.master.product_ids()
        self.barcodes: dict[int, list[str]] = {}
        for barcode, pid in store.master.barcodes():
            self.barcodes.setdefault(pid, []).append(barcode)
        self.members = [m["card_no"] for m in store.master.rows(Entity.MEMBER.value, limit=500)]
        self.sold: list[CompletedSale] = []
        self.sales = self.returns = self.gross = self.refunded = self.cancelled = 0

    def approval(self, action: Action) -> Approval:
        """A manager standing next to the till (simulated: no PIN typed)."""
        from sync.events import utcnow

        return Approval(action=action, manager_id=self.manager_id, at=utcnow())

    def ensure_shift(self) -> None:
        if current_shift(self.store) is None:
            open_shift(self.store, self.session, 50_000)
        elif others_shift(self.store, self.session) is not None:  # a cashier's shift left open on this till
            take_over_shift(self.store, self.session, self.approval(Action.TAKE_OVER_SHIFT))

    def fill_cart(self) -> None:
        co = self.checkout
        rng = self.rng
        for _ in range(rng.choice((1, 1, 2, 2, 3, 3, 4, 5, 6, 8, 12))):
            pid = rng.choice(self.product_ids)
            product = self.catalog.product(pid)
            if product.weighed:
                co.add_weighed(pid, Decimal(rng.randint(150, 2500)).scaleb(-3))
                continue
            codes = self.barcodes.get(pid)
            if codes:
                index = co.scan(rng.choice(codes))
            else:
                index = co.add_product(pid)
            if rng.random() < 0.15:
                co.set_qty(index, rng.randint(2, 4))
        if rng.random() < 0.02:
            co.discount_line(rng.randrange(len(co.items)), percent_off_bp=rng.choice((500, 1000, 2000)),
                             approval=self.approval(Action.DISCOUNT))
        if rng.random() < 0.02:
            try:  # a new member signs up at the till
                member = co.create_member(phone=f"139{rng.randrange(10**8):08d}", name="新会员")
                self.members.append(member.card_no)
            except TerminalError:
                pass  # that phone number is already a member
        elif self.members and rng.random() < 0.4:
            co.set_member(rng.choice(self.members))
            if co.max_redeemable_points and rng.random() < 0.3:
                co.redeem_points(co.max_redeemable_points)
        if rng.random() < 0.03:
            co.discount_order(percent_off_bp=500, approval=self.approval(Action.DISCOUNT))

    def pay(self) -> None:
        co = self.checkout
        rng = self.rng
        if co.remaining_fen == 0:
            return
        roll = rng.random()
        ref = f"SIM{rng.randrange(10**12):012d}"
        if roll < 0.45:
            co.add_payment(Tender.CASH, tendered_fen=rng.choice(co.quick_cash_amounts()))
        elif roll < 0.65:
            co.add_payment(Tender.WECHAT, reference="WX" + ref)
        elif roll < 0.82:
            co.add_payment(Tender.ALIPAY, reference="ALI" + ref)
        elif roll < 0.92 or co.remaining_fen < 2:
            co.add_payment(Tender.BANK_CARD, reference="CARD" + ref)
        else:
            part = rng.randint(1, co.remaining_fen - 1)
            co.add_payment(Tender.BANK_CARD, part, reference="CARD" + ref)
            co.add_payment(Tender.CASH, tendered_fen=rng.choice(co.quick_cash_amounts()))

    def one_sale(self) -> None:
        self.ensure_shift()
        self.fill_cart()
        if self.rng.random() < 0.01:
            self.checkout.cancel("顾客放弃")
            self.cancelled += 1
            self.fill_cart()
        self.pay()
        sale = self.checkout.complete()
        self.sold.append(sale)
        self.sales += 1
        self.gross += sale.payload.total_fen
        if len(self.sold) > 3 and self.rng.random() < self.return_rate:
            self.one_return()

    def one_return(self) -> None:
        for _ in range(5):
            original = self.rng.choice(self.sold[:-1])
            found = find_sale(self.store, original.receipt_no)
            left = [ln for ln in found.lines if ln.qty_left > 0 and not ln.is_gift and ln.amount_fen > ln.refunded_fen]
            if not left:
                continue
            line = self.rng.choice(left)
            qty = line.qty_left if line.qty_left < 1 or line.qty_left != line.qty_left.to_integral_value() \
                else Decimal(self.rng.randint(1, int(line.qty_left)))
            try:
                ret = return_sale(self.store, self.session, original.receipt_no, {line.line_no: qty},
                                  refund_to="cash" if self.rng.random() < 0.3 else "original",
                                  reason="模拟退货", approval=self.approval(Action.REFUND))
            except TerminalError:
                continue  # e.g. nothing left to refund on that line
            self.returns += 1
            self.refunded += ret.payload.total_fen
            return


def run(args: argparse.Namespace) -> int:
    if args.orders is not None:
        from terminal.field.simulate_command import run_orders

        return run_orders(args, data_dir(args))
    if args.sales < 0:
        print("--sales must be ≥ 0", file=sys.stderr)
        return 2
    directory = data_dir(args)
    store = open_store(directory)
    try:
        catalog = Catalog(store)
        if not catalog.has_catalog():
            if args.demo_catalog and store.get_setting("terminal_id") is None:
                seed_demo(store)
                print(f"已载入演示商品资料 (demo catalog loaded into {directory})", file=sys.stderr)
            else:
                return _fail(
                    "no_catalog",
                    f"终端数据目录 {directory} 中还没有商品资料：请先运行 pos-terminal enroll 下载主数据"
                    "（未注册的终端可加 --demo-catalog 使用演示资料）。",
                    f"no catalog in {directory} yet: run `pos-terminal enroll` first "
                    "(or --demo-catalog on a terminal that was never enrolled).")
        if store.get_setting("terminal_id") is None:
            return _fail("not_enrolled", "终端尚未注册", "this terminal is not enrolled")
        rng = random.Random(args.seed)
        sim = Simulator(store, rng, args.return_rate)
        started = time.perf_counter()
        step = max(1, args.sales // 10)
        for i in range(args.sales):
            sim.one_sale()
            if (i + 1) % step == 0 and args.sales >= 100:
                print(f"{i + 1}/{args.sales} sales", file=sys.stderr)
        seconds = time.perf_counter() - started
        shift = current_shift(store)
        summary = {
            "sales": sim.sales, "returns": sim.returns, "net_fen": sim.gross - sim.refunded,
            "gross_fen": sim.gross, "refunded_fen": sim.refunded, "cancelled": sim.cancelled,
            "pending_events": store.outbox.pending_count(), "seconds": round(seconds, 3),
            "shift_id": shift.id if shift else None,
            "data": str(directory),
        }
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    except TerminalError as e:
        return _fail(e.code, e.message, e.message_en)
    finally:
        store.close()
