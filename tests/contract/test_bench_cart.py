"""The benchmark's cart is a real pricing situation: check it prices correctly (never its speed)."""

from __future__ import annotations

from bench.pricing import N_LINES, N_PROMOTIONS, build_cart, build_context
from sync.pricing import price_cart


def test_bench_cart_exercises_many_promotions_and_holds_together() -> None:
    ctx, cart = build_context(), build_cart()
    assert len(ctx.promotions) == N_PROMOTIONS
    assert len(cart.lines) == N_LINES
    priced = price_cart(cart, ctx)
    # the figure measures real work: many promotions change the cart, points are redeemed
    assert len(priced.promotion_ids) >= 10
    assert priced.points_value_fen > 0
    assert sum(ln.amount_fen for ln in priced.lines) + priced.rounding_fen == priced.total_fen
    assert price_cart(cart, ctx.at_time(ctx.at)) == priced
