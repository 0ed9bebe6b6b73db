"""Pricing throughput: a 50-line cart with 30 running promotions, priced the way the till does it.

The terminal re-prices the whole cart on every scan, so p99 of one `price_cart` call is the figure
that matters (target ≤ 2 ms on a 2-core machine). The context (2,000 products, price lists,
member prices, 30 promotions of every kind) is built once, as the terminal does when master data
changes; each pricing call gets a fresh time via `at_time`.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sync.catalog import (
    MemberLevel,
    MemberLevelPrice,
    MemberRef,
    PriceList,
    PriceListEntry,
    PriceListScope,
    Product,
    SaleUnit,
)
from sync.pricing import Cart, CartLine, PricingContext, price_cart
from sync.promotions import Promotion, PromotionKind
from sync.rounding import RoundingPolicy, RoundingUnit

N_PRODUCTS = 2000
N_LINES = 50
N_PROMOTIONS = 30
AT = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def build_context(seed: int = 7) -> PricingContext:
    rnd = random.Random(seed)
    products = {}
    for pid in range(1, N_PRODUCTS + 1):
        weighed = pid % 10 == 0
        price = rnd.randint(100, 9000)
        units = (SaleUnit("kg", 1, price),) if weighed else (
            SaleUnit("pc", 1, price), SaleUnit("box", 12, price * 11))
        products[pid] = Product(pid, f"SKU{pid:05d}", f"商品{pid}", rnd.choice([1300, 900, 600, 0]), weighed,
                                pid % 40, units)
    start, end = AT - timedelta(days=1), AT + timedelta(days=7)
    kinds = [PromotionKind.PRICE_CUT, PromotionKind.PERCENT_OFF, PromotionKind.BUY_X_GET_Y, PromotionKind.GIFT,
             PromotionKind.THRESHOLD]
    promos = []
    for i in range(N_PROMOTIONS):
        kind = kinds[i % len(kinds)]
        targets = frozenset(rnd.sample(range(1, 200), 8))
        base: dict[str, Any] = {"id": 1000 + i, "name": f"促销{i}", "starts_at": start, "ends_at": end,
                "exclusive": i in (6, 16), "member_only": i % 7 == 3, "priority": i % 3}
        if kind is PromotionKind.PRICE_CUT:
            promos.append(Promotion(kind=kind, product_ids=targets, amount_off_fen=20, **base))
        elif kind is PromotionKind.PERCENT_OFF:
            promos.append(Promotion(kind=kind, category_ids=frozenset({i % 40}), percent_off_bp=1000, **base))
        elif kind is PromotionKind.BUY_X_GET_Y:
            promos.append(Promotion(kind=kind, product_ids=targets, buy_qty=2, free_qty=1, **base))
        elif kind is PromotionKind.GIFT:
            promos.append(Promotion(kind=kind, product_ids=targets, buy_qty=3, gift_product_id=1999,
                                    gift_unit_code="pc", gift_qty=1, **base))
        else:
            promos.append(Promotion(kind=kind, threshold_fen=10000, amount_off_fen=500 + 10 * i, repeat=i % 2 == 0,
                                    **base))
    lists = (PriceList(1, "批发价", PriceListScope.CUSTOMER_GROUP, 1,
                       tuple(PriceListEntry(pid, "box", products[pid].units[-1].price_fen - 100)
                             for pid in range(1, 500) if not products[pid].weighed)),)
    member_prices = tuple(MemberLevelPrice("gold", pid, "pc", products[pid].units[0].price_fen - 10)
                          for pid in range(1, 300) if not products[pid].weighed)
    levels = {"gold": MemberLevel("gold", "金卡", points_per_yuan=Decimal(1), percent_off_bp=200)}
    return PricingContext(at=AT, store_id=1, products=products, promotions=tuple(promos), price_lists=lists,
                          member_levels=levels, member_prices=member_prices,
                          rounding=RoundingPolicy(RoundingUnit.JIAO))


def build_cart(seed: int = 11) -> Cart:
    rnd = random.Random(seed)
    lines = []
    for pid in rnd.sample(range(1, 200), N_LINES):
        if pid % 10 == 0:
            lines.append(CartLine(pid, "kg", f"{rnd.randint(100, 3000) / 1000:.3f}"))
        else:
            lines.append(CartLine(pid, rnd.choice(["pc", "pc", "pc", "box"]), rnd.randint(1, 6)))
    return Cart(lines=tuple(lines), member=MemberRef("m-bench", "gold", 50_000), redeem_points=500)


def run() -> list[tuple[str, str]]:
    t0 = time.perf_counter()
    ctx = build_context()
    build_ms = (time.perf_counter() - t0) * 1000
    cart = build_cart()
    first = price_cart(cart, ctx)
    active = len(first.promotion_ids)
    for _ in range(200):  # warm up
        price_cart(cart, ctx.at_time(AT))
    samples: list[int] = []
    cpu: list[int] = []
    n = 3000
    started = time.perf_counter()
    for i in range(n):
        now = AT + timedelta(seconds=i)
        t, c = time.perf_counter_ns(), time.thread_time_ns()
        price_cart(cart, ctx.at_time(now))
        cpu.append(time.thread_time_ns() - c)
        samples.append(time.perf_counter_ns() - t)
    elapsed = time.perf_counter() - started
    samples.sort()
    cpu.sort()

    def pct(xs: list[int], q: float) -> float:
        return xs[min(len(xs) - 1, int(len(xs) * q))] / 1e6

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return [
        (f"price_cart: carts/second ({N_LINES} lines, {N_PROMOTIONS} running promotions)", f"{n / elapsed:,.0f}"),
        ("price_cart: p99 per cart, wall clock (target ≤ 2 ms)", f"{pct(samples, 0.99):.3f} ms"),
        ("price_cart: p50 per cart, wall clock", f"{pct(samples, 0.5):.3f} ms"),
        ("price_cart: p99 per cart, CPU time of the pricing thread", f"{pct(cpu, 0.99):.3f} ms"),
        ("price_cart: mean per cart, wall clock", f"{statistics.fmean(samples) / 1e6:.3f} ms"),
        ("machine load average while measuring (1 min)", f"{load:.2f}"),
        ("promotions that changed the bench cart", str(active)),
        (f"PricingContext build ({N_PRODUCTS} products, indexes)", f"{build_ms:.1f} ms"),
    ]


if __name__ == "__main__":
    for figure, value in run():
        print(f"{figure:<70} {value}")
