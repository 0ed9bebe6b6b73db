"""Hypothesis properties of the pricing contract: whatever the cart, the figures hold together.

- totals equal the sum of the lines (and subtotal − discount − points + rounding = total);
- no line goes negative, tax never exceeds the amount;
- allocations sum exactly and never exceed a line;
- points are never earned on the points-paid value (nor on the rounding);
- the same cart priced twice (or with the promotions listed in another order) gives the same result;
- bad input raises a typed ContractError, never anything else.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sync.allocation import allocate
from sync.barcodes import barcode_kind, is_valid, with_check_digit
from sync.catalog import MemberLevel, MemberRef, Product, SaleUnit
from sync.errors import ContractError, MoneyError, PricingError, QuantityError, UnknownUnitError
from sync.money import Rounding, format_fen, parse_yuan
from sync.points import PointsPolicy, earn_points
from sync.pricing import Cart, CartLine, PricedCart, PricingContext, price_cart
from sync.promotions import Promotion, PromotionKind
from sync.rounding import RoundingPolicy, RoundingUnit

AT = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

PRODUCTS = {
    1: Product(1, "P1", "可乐", 1300, False, 10, (SaleUnit("pc", 1, 350), SaleUnit("box", 24, 7200))),
    2: Product(2, "P2", "水", 1300, False, 10, (SaleUnit("pc", 1, 200),)),
    3: Product(3, "P3", "面包", 1300, False, 20, (SaleUnit("pc", 1, 650),)),
    4: Product(4, "P4", "苹果", 900, True, 30, (SaleUnit("kg", 1, 1280),)),
    5: Product(5, "P5", "菠菜", 0, True, 30, (SaleUnit("kg", 1, 598),)),
    6: Product(6, "P6", "牛奶", 900, False, 40, (SaleUnit("pc", 1, 300), SaleUnit("box", 12, 3300))),
    7: Product(7, "P7", "杯子", 1300, False, 90, (SaleUnit("pc", 1, 1500),)),
    8: Product(8, "P8", "服务费", 600, False, 60, (SaleUnit("pc", 1, 1),)),
}
LEVELS = {"normal": MemberLevel("normal", "普通", Decimal(1)), "gold": MemberLevel("gold", "金卡", Decimal("1.5"), 500)}


def _window(draw: st.DrawFn) -> tuple[datetime, datetime]:
    start = AT + timedelta(hours=draw(st.integers(-48, 2)))
    return start, start + timedelta(hours=draw(st.integers(1, 96)))


@st.composite
def promotions(draw: st.DrawFn, pid: int) -> Promotion:
    start, end = _window(draw)
    kind = draw(st.sampled_from(["price_cut", "price_cut_off", "percent_off", "buy_x_get_y", "gift", "threshold"]))
    scope = draw(st.sampled_from(["all", "product", "category"]))
    product_ids = frozenset(draw(st.sets(st.integers(1, 8), min_size=1, max_size=3))) if scope == "product" else frozenset()
    category_ids = frozenset(draw(st.sets(st.sampled_from([10, 20, 30, 40]), min_size=1, max_size=2))) \
        if scope == "category" else frozenset()
    common: dict[str, Any] = {
        "id": pid, "name": f"promo{pid}", "starts_at": start, "ends_at": end, "product_ids": product_ids,
        "category_ids": category_ids, "member_only": draw(st.booleans()), "exclusive": draw(st.integers(0, 4)) == 0,
        "priority": draw(st.integers(0, 3)),
        "store_ids": draw(st.sampled_from([frozenset(), frozenset({1}), frozenset({2})])),
    }
    if kind == "price_cut":
        return Promotion(kind=PromotionKind.PRICE_CUT, special_price_fen=draw(st.integers(0, 8000)),
                         unit_code=draw(st.sampled_from(["pc", "box", "kg"])), **common)
    if kind == "price_cut_off":
        return Promotion(kind=PromotionKind.PRICE_CUT, amount_off_fen=draw(st.integers(1, 500)), **common)
    if kind == "percent_off":
        return Promotion(kind=PromotionKind.PERCENT_OFF, percent_off_bp=draw(st.integers(1, 9999)), **common)
    if kind == "buy_x_get_y":
        return Promotion(kind=PromotionKind.BUY_X_GET_Y, buy_qty=draw(st.integers(1, 4)), free_qty=draw(st.integers(1, 2)),
                         **common)
    if kind == "gift":
        return Promotion(kind=PromotionKind.GIFT, buy_qty=draw(st.integers(1, 30)), gift_product_id=7, gift_unit_code="pc",
                         gift_qty=draw(st.integers(1, 2)), repeat=draw(st.booleans()), **common)
    threshold = draw(st.integers(100, 20000))
    repeat = draw(st.booleans())
    return Promotion(kind=PromotionKind.THRESHOLD, threshold_fen=threshold, amount_off_fen=draw(st.integers(1, threshold - 1)),
                     repeat=repeat, max_repeats=draw(st.one_of(st.none(), st.integers(1, 3))) if repeat else None,
                     **common)


@st.composite
def cart_lines(draw: st.DrawFn) -> CartLine:
    pid = draw(st.integers(1, 8))
    product = PRODUCTS[pid]
    unit = draw(st.sampled_from([u.code for u in product.units]))
    if product.weighed:
        qty: int | str = str(Decimal(draw(st.integers(1, 5000))).scaleb(-3))
    else:
        qty = draw(st.integers(1, 30))
    override = draw(st.one_of(st.none(), st.integers(0, 5000))) if draw(st.integers(0, 9)) == 0 else None
    scale = draw(st.integers(1, 9000)) if product.weighed and draw(st.integers(0, 3)) == 0 else None
    return CartLine(pid, unit, qty, price_override_fen=override, scale_amount_fen=scale)


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Cart, PricingContext]:
    promos = tuple(draw(promotions(100 + i)) for i in range(draw(st.integers(0, 8))))
    ctx = PricingContext(
        at=AT, store_id=1, products=PRODUCTS, promotions=promos, member_levels=LEVELS,
        rounding=RoundingPolicy(draw(st.sampled_from(list(RoundingUnit))), draw(st.sampled_from(list(Rounding)))),
        points=PointsPolicy(redeem_points_per_yuan=draw(st.sampled_from([100, 50, 10])),
                            max_redeem_percent_bp=draw(st.integers(0, 10000)),
                            max_earn_per_sale=draw(st.one_of(st.none(), st.integers(0, 500)))),
    )
    member = None
    if draw(st.booleans()):
        member = MemberRef("m", draw(st.sampled_from(["normal", "gold"])), draw(st.integers(0, 100000)))
    lines = tuple(draw(st.lists(cart_lines(), min_size=0, max_size=12)))
    return Cart(lines=lines, member=member), ctx


def _price_or_skip(cart: Cart, ctx: PricingContext) -> PricedCart:
    try:
        return price_cart(cart, ctx)
    except PricingError as e:
        code = e.code
    # only a cart-level condition may refuse a valid-looking random cart
    assert code in {"discount_exceeds_line", "discount_exceeds_total"}, code
    assume(False)
    raise AssertionError("unreachable")


def _check_sums(r: PricedCart) -> None:
    assert sum(ln.amount_fen for ln in r.lines) + r.rounding_fen == r.total_fen
    assert r.subtotal_fen == sum(ln.list_amount_fen for ln in r.lines)
    assert r.subtotal_fen - r.discount_fen - r.points_value_fen + r.rounding_fen == r.total_fen
    assert r.tax_fen == sum(ln.tax_fen for ln in r.lines)
    assert r.due_before_rounding_fen == sum(ln.amount_fen for ln in r.lines)
    for ln in r.lines:
        assert ln.list_amount_fen - ln.line_discount_fen - ln.order_discount_fen == ln.amount_fen


@FAST
@given(scenarios())
def test_totals_equal_sum_of_lines_and_nothing_negative(scenario: tuple[Cart, PricingContext]) -> None:
    # given any cart, when priced
    r = _price_or_skip(*scenario)
    # then every figure holds together
    _check_sums(r)
    assert r.total_fen >= 0
    for ln in r.lines:
        assert ln.amount_fen >= 0
        assert ln.line_discount_fen >= 0
        assert ln.order_discount_fen >= 0
        assert 0 <= ln.points_fen <= ln.order_discount_fen
        assert 0 <= ln.tax_fen <= ln.amount_fen
        if ln.is_gift:
            assert ln.amount_fen == 0
    assert abs(r.rounding_fen) < 100


@FAST
@given(scenarios())
def test_order_level_allocations_sum_exactly(scenario: tuple[Cart, PricingContext]) -> None:
    cart, ctx = scenario
    r = _price_or_skip(cart, ctx)
    threshold = sum(a.discount_fen for a in r.applied if a.kind == "threshold")
    assert sum(ln.order_discount_fen for ln in r.lines) == threshold + cart.order_discount_fen + r.points_value_fen
    assert sum(ln.points_fen for ln in r.lines) == r.points_value_fen


@FAST
@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=60))
def test_allocate_sums_exactly_and_never_exceeds_a_weight(amount: int, weights: list[int]) -> None:
    assume(sum(weights) > 0)
    amount = amount % (sum(weights) + 1)
    shares = allocate(amount, weights)
    assert sum(shares) == amount
    assert all(0 <= s <= w for s, w in zip(shares, weights, strict=True))


@FAST
@given(scenarios(), st.integers(1, 5000))
def test_points_never_earned_on_points_paid_value(scenario: tuple[Cart, PricingContext], want: int) -> None:
    cart, ctx = scenario
    assume(cart.member is not None)
    assert cart.member is not None
    plain = _price_or_skip(cart, ctx)
    points = ctx.points.points_for_fen(min(want, plain.due_before_rounding_fen))
    points = min(points, plain.max_redeemable_points)
    assume(points > 0)
    paid = _price_or_skip(Cart(cart.lines, member=cart.member, redeem_points=points), ctx)
    value = ctx.points.value_fen(points)
    assert paid.points_value_fen == value
    assert paid.due_before_rounding_fen == plain.due_before_rounding_fen - value
    level = LEVELS[cart.member.level]
    # earned on the money part only, before 抹零
    assert paid.points_earned == earn_points(plain.due_before_rounding_fen - value, level.earn_milli,
                                             ctx.points.max_earn_per_sale)
    assert paid.points_earned <= plain.points_earned


@FAST
@given(scenarios(), st.randoms(use_true_random=False))
def test_same_cart_same_result(scenario: tuple[Cart, PricingContext], rnd: random.Random) -> None:
    cart, ctx = scenario
    first = _price_or_skip(cart, ctx)
    assert price_cart(cart, ctx) == first
    shuffled = list(ctx.promotions)
    rnd.shuffle(shuffled)
    again = PricingContext(at=ctx.at, store_id=1, products=PRODUCTS, promotions=tuple(shuffled),
                           member_levels=LEVELS, rounding=ctx.rounding, points=ctx.points)
    assert price_cart(cart, again) == first
    assert price_cart(Cart.from_dict(cart.to_dict()), PricingContext.from_dict(ctx.to_dict())) == first


@FAST
@given(st.integers(-(10**10), 10**10))
def test_format_then_parse_round_trips(fen: int) -> None:
    assert parse_yuan(format_fen(fen), allow_negative=True) == fen


@FAST
@given(st.text(max_size=20))
def test_parse_yuan_never_raises_anything_but_money_error(text: str) -> None:
    try:
        fen = parse_yuan(text)
    except MoneyError as e:
        err: MoneyError | None = e
    else:
        err = None
        assert isinstance(fen, int)
        assert fen >= 0
    if err is not None:
        assert err.message
        assert err.message_en


@FAST
@given(st.text(alphabet="0123456789", min_size=12, max_size=12), st.integers(0, 12), st.integers(1, 9))
def test_any_single_digit_error_is_caught(body: str, pos: int, delta: int) -> None:
    code = with_check_digit(body)
    assert barcode_kind(code).value == "ean13"
    broken = code[:pos] + str((int(code[pos]) + delta) % 10) + code[pos + 1:]
    assert not is_valid(broken)


@FAST
@given(st.one_of(st.integers(-100, 0), st.sampled_from(["-1", "0", "0.0", "1.5", "abc", "NaN", "Infinity", "1e400"]),
                 st.floats(allow_nan=True)))
def test_bad_quantity_is_a_typed_error(qty: object) -> None:
    ctx = PricingContext(at=AT, store_id=1, products=PRODUCTS)
    with pytest.raises(QuantityError):
        price_cart(Cart((CartLine(1, "pc", qty),)), ctx)  # type: ignore[arg-type]


def test_unknown_unit_is_a_typed_error() -> None:
    ctx = PricingContext(at=AT, store_id=1, products=PRODUCTS)
    with pytest.raises(UnknownUnitError) as err:
        price_cart(Cart((CartLine(2, "box", 1),)), ctx)
    assert err.value.field == "lines[0].unit_code"
    assert "没有单位" in err.value.message
    assert "has no unit" in err.value.message_en


@FAST
@given(st.dictionaries(st.sampled_from(["id", "kind", "starts_at", "ends_at", "percent_off_bp", "threshold_fen",
                                        "amount_off_fen", "buy_qty", "special_price_fen"]),
                       st.one_of(st.integers(-5, 20000), st.text(max_size=8), st.none(),
                                 st.sampled_from(["2026-06-01T00:00:00Z", "percent_off", "threshold"]))))
def test_promotion_from_garbage_is_a_promotion_error(d: dict[str, object]) -> None:
    try:
        p = Promotion.from_dict(d)
    except ContractError:
        return
    assert p.ends_at > p.starts_at
