"""The moving average cost rule on its own (central/costing/average.py): thousands of random
movement sequences, no database."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from central.costing.average import CostState, allocate, apply, cost_of, revalue, round_div

qty = st.integers(min_value=1, max_value=50_000)  # up to 50 base units, in thousandths
movement = st.one_of(
    st.tuples(st.just("in"), qty, st.integers(min_value=0, max_value=2_000_000)),  # with a value (fen)
    st.tuples(st.just("in_at_average"), qty, st.none()),
    st.tuples(st.just("out"), qty, st.none()),
    st.tuples(st.just("revalue"), st.just(0), st.integers(min_value=-50_000, max_value=50_000)),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(movement, max_size=40))
def test_value_on_hand_is_what_came_in_less_what_went_out(moves: list[tuple[str, int, int | None]]) -> None:
    state = CostState()
    came_in = went_out = 0
    for kind, q, v in moves:
        if kind == "revalue":
            assert v is not None
            value, extra, state = revalue(state, v)
        else:
            value, extra, state = apply(state, -q if kind == "out" else q, v if kind == "in" else None)
        for amount in (value, extra):
            if amount is None:
                continue
            if amount >= 0:
                came_in += amount
            else:
                went_out -= amount
        # to the fen, after every movement
        assert state.value_fen == came_in - went_out
        if state.unit_cost_mfen is None:
            assert state.value_fen == 0  # unknown cost is never valued
        if state.qty_m == 0:
            assert state.value_fen == 0  # nothing lingers at zero stock
        if state.qty_m > 0:
            assert state.value_fen >= 0


@given(st.integers(-10**12, 10**12), st.integers(1, 10**9))
def test_round_div_rounds_half_away_from_zero(n: int, d: int) -> None:
    q = round_div(n, d)
    assert abs(n - q * d) * 2 <= d  # the nearest integer
    if abs(n - q * d) * 2 == d:  # a tie goes away from zero
        assert abs(q * d) > abs(n)


def test_examples_of_the_rule() -> None:
    # 3 pieces for ¥10.00: the average is kept to a thousandth of a fen, not rounded to 333 fen
    s = apply(CostState(), 3000, 1000).state
    assert s == CostState(3000, 1000, 333_333)
    # one out costs 333 fen (⅓ of ¥10.00 rounded), the second 334 (half of what is left), the last the rest
    out1, _, s = apply(s, -1000)
    out2, _, s = apply(s, -1000)
    out3, _, s = apply(s, -1000)
    assert (out1, out2, out3) == (-333, -334, -333)
    assert s.value_fen == 0
    # sold before any cost was known: unknown, never zero; the first receipt values the shortfall
    value, extra, s = apply(CostState(), -2000)
    assert value is None
    value, extra, s = apply(s, 5000, 2500)  # 5 at ¥5.00
    assert (value, extra, s) == (2500, -1000, CostState(3000, 1500, 500_000))
    # negative stock costs the average and is valued at the latest unit cost when goods arrive
    assert cost_of(500_000, 1500) == 750


@given(st.integers(-10**9, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_allocate_adds_up_exactly(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    if any(weights):
        whole = sum(weights)
        for part, w in zip(parts, weights, strict=True):
            assert abs(part - total * w / whole) < 1
