"""The moving weighted average cost rule (移动加权平均), as pure arithmetic on integers.

Each warehouse × product keeps a `CostState`: quantity on hand (thousandths of the base unit),
value on hand (fen) and the average unit cost (thousandths of a fen per base unit; None while no
cost is known). Every stock movement goes through `apply`, which says what the movement is worth
and what the state becomes. The stock ledger records each movement's value and the on-hand row
adds the same value, so value on hand = Σ values in − Σ costs out, exactly, by construction.

The rules (central/costing/README.md says why):

- **Out** (q < 0): costs its share of the value on hand, `round(V × out / Q)`; the last units
  out take exactly what is left (`out == Q` → `V`), so nothing lingers when stock reaches zero.
  Beyond what is on hand (negative stock), and from negative stock, units cost the average.
  No cost known → the movement's value is unknown (None), never zero.
- **In with a value** (purchase receipt, return at the sale's cost, transfer in): `V += v`; the
  average becomes `V / Q` while stock is positive. The first known cost also values stock that
  had none (at the incoming unit cost), by a value-only revaluation.
- **In without a value** (count surplus, adjustment): at the average, or unknown if there is none.
- Stock that ends at zero ends at zero value, positive stock never has negative value, and
  negative stock is valued at the latest unit cost: whatever it takes to keep that is a
  revaluation (a value-only ledger row, kind `revaluation`), never a silent change.
- **Rounding**: every division rounds half away from zero to the fen (`round_div`); nothing else.
"""

from __future__ import annotations

from typing import NamedTuple

SCALE = 1_000_000
"""unit cost (milli-fen per base unit) × quantity (milli-units) / SCALE = fen."""


def round_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half away from zero, in integers (no float anywhere)."""
    if denominator == 0:
        raise ZeroDivisionError("round_div by zero")
    q, r = divmod(abs(numerator), abs(denominator))
    if 2 * r >= abs(denominator):
        q += 1
    return q if (numerator >= 0) == (denominator > 0) else -q


def cost_of(unit_cost_mfen: int, qty_m: int) -> int:
    """Fen for `qty_m` thousandths of a base unit at `unit_cost_mfen` milli-fen per base unit."""
    return round_div(unit_cost_mfen * qty_m, SCALE)


def unit_cost_mfen(value_fen: int, qty_m: int) -> int:
    """Milli-fen per base unit of `value_fen` spread over `qty_m` thousandths (qty_m ≠ 0)."""
    return round_div(value_fen * SCALE, qty_m)


def fen_to_mfen(unit_cost_fen: int) -> int:
    """A unit cost in whole fen per base unit, as milli-fen (what receipts say: ¥1.25/pc → 1250)."""
    return unit_cost_fen * 1000


class CostState(NamedTuple):
    qty_m: int = 0
    value_fen: int = 0
    unit_cost_mfen: int | None = None
    """The average unit cost; None until a cost is known (then value_fen is 0)."""


class Applied(NamedTuple):
    value_fen: int | None
    """What the movement is worth (signed like its quantity); None = unknown cost."""
    revaluation_fen: int
    """A value-only change the rules needed besides the movement (0 = none)."""
    state: CostState


def apply(state: CostState, qty_m: int, value_fen: int | None = None) -> Applied:
    """Apply one movement of `qty_m` (signed) to `state`; `value_fen` only for incoming goods whose
    value the caller knows (a purchase at its price, a return at the sale's cost, a transfer in)."""
    if qty_m < 0:
        if value_fen is not None:
            raise ValueError("outgoing goods are costed by the average, not given a value")
        return _out(state, -qty_m)
    if qty_m == 0:
        raise ValueError("a movement needs a quantity (value-only changes are revaluations)")
    if value_fen is None:
        if state.unit_cost_mfen is None:
            return Applied(None, 0, CostState(state.qty_m + qty_m, state.value_fen, None))
        value_fen = cost_of(state.unit_cost_mfen, qty_m)
    return _in(state, qty_m, value_fen)


def _out(state: CostState, out: int) -> Applied:
    q, v, avg = state
    if avg is None:
        return Applied(None, 0, CostState(q - out, v, None))
    if q > 0 and out <= q:
        cost = v if out == q else round_div(v * out, q)
    elif q > 0:
        cost = v + cost_of(avg, out - q)
    else:
        cost = cost_of(avg, out)
    return Applied(-cost, 0, CostState(q - out, v - cost, avg))


def _in(state: CostState, qty: int, value: int) -> Applied:
    q, v, avg = state
    incoming_mfen = unit_cost_mfen(value, qty)
    revaluation = 0
    if avg is None and q != 0:
        # stock with no cost yet (or sold without one) takes the first cost known
        revaluation = cost_of(incoming_mfen, q) - v
        v += revaluation
    q2, v2 = q + qty, v + value
    if q2 > 0:
        if v2 < 0:  # oversold at a high cost, then received cheaply: positive stock is never negative value
            revaluation -= v2
            v2 = 0
        return Applied(value, revaluation, CostState(q2, v2, unit_cost_mfen(v2, q2)))
    # still zero or negative: valued at the latest unit cost (zero stock at zero value)
    target = cost_of(incoming_mfen, q2)
    revaluation += target - v2
    return Applied(value, revaluation, CostState(q2, target, incoming_mfen))


def revalue(state: CostState, delta_fen: int) -> Applied:
    """A cost correction of goods still on hand (a late supplier invoice): the value moves by
    `delta_fen` and the average with it. Only positive stock can be revalued (the caller caps the
    quantity it corrects at what is on hand); value never goes below zero."""
    q, v, avg = state
    if q <= 0:
        return Applied(0, 0, state)
    delta = max(delta_fen, -v)
    v2 = v + delta
    return Applied(delta, 0, CostState(q, v2, unit_cost_mfen(v2, q) if (avg is not None or delta) else None))


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split `total` fen over `weights` in proportion, to the fen, summing exactly to `total`
    (largest remainder: each part rounded down, the fen left over go to the largest remainders,
    the earlier part first on a tie). All-zero weights split evenly."""
    if not weights:
        return []
    if not any(weights):
        weights = [1] * len(weights)
    whole = sum(weights)
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    parts = [magnitude * w // whole for w in weights]
    order = sorted(range(len(weights)), key=lambda i: (-(magnitude * weights[i] % whole), i))
    for i in order[:magnitude - sum(parts)]:
        parts[i] += 1
    return [sign * p for p in parts]
