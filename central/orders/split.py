"""Which warehouse ships what (订货单按仓位生成发货单): a pure plan, no database.

For each order line, in line order:
1. a product with a default warehouse ships from it, stock or not;
2. else the most preferred warehouse (the one the order asked for, if any), when it holds enough;
3. else the warehouse holding the most of it, when that is enough;
4. else the line is split: each warehouse with stock gives what it holds (whole units for goods
   counted in pieces), the first in preference order gives the rest (it will go negative or be
   delivered later: the rest stays on an open delivery note until it is delivered or cancelled).
Stock planned for one line is not offered to the next. Preference order: the requested warehouse,
then central warehouses, then the store's own (each by id).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from central.inventory.quantities import MILLI


@dataclass(frozen=True)
class LineToShip:
    line_no: int
    product_id: int
    unit_factor: int
    qty_m: int
    """In thousandths of the line's unit."""
    whole_units: bool = True
    """Counted in pieces: a split never ships a fraction of a unit."""


def plan_split(lines: Sequence[LineToShip], *, warehouses: Sequence[int], stock: Mapping[tuple[int, int], int],
               defaults: Mapping[int, int]) -> dict[int, list[tuple[int, int]]]:
    """warehouse id → [(line no, qty_m in the line's unit)], warehouses in preference order.

    `warehouses` are the eligible ones, most preferred first; `stock` is on-hand in thousandths
    of the base unit by (warehouse, product); `defaults` maps a product to its default warehouse.
    """
    if not warehouses:
        raise ValueError("no warehouse to ship from")
    left = {key: qty for key, qty in stock.items() if key[0] in warehouses}
    plan: dict[int, list[tuple[int, int]]] = defaultdict(list)

    def take(wid: int, ln: LineToShip, qty_m: int) -> None:
        plan[wid].append((ln.line_no, qty_m))
        left[(wid, ln.product_id)] = left.get((wid, ln.product_id), 0) - qty_m * ln.unit_factor

    for ln in lines:
        if ln.qty_m <= 0:
            continue
        need = ln.qty_m * ln.unit_factor
        default = defaults.get(ln.product_id)
        if default is not None:
            take(default, ln, ln.qty_m)
            continue
        on_hand = {wid: left.get((wid, ln.product_id), 0) for wid in warehouses}
        if on_hand[warehouses[0]] >= need:
            take(warehouses[0], ln, ln.qty_m)
            continue
        best = max(warehouses, key=lambda w: (on_hand[w], -warehouses.index(w)))
        if on_hand[best] >= need:
            take(best, ln, ln.qty_m)
            continue
        rest = ln.qty_m
        for wid in sorted(warehouses, key=lambda w: (-on_hand[w], warehouses.index(w))):
            if on_hand[wid] <= 0 or rest <= 0:
                break
            can = on_hand[wid] // ln.unit_factor
            if ln.whole_units:
                can -= can % MILLI
            give = min(can, rest)
            if give > 0:
                take(wid, ln, give)
                rest -= give
        if rest > 0:  # nobody holds enough: the most preferred warehouse that ships part of it ships the rest
            shipping = [w for w in warehouses if any(no == ln.line_no for no, _q in plan.get(w, []))]
            first = shipping[0] if shipping else warehouses[0]
            already = sum(q for no, q in plan.get(first, []) if no == ln.line_no)
            plan[first] = [(no, q) for no, q in plan.get(first, []) if no != ln.line_no]
            left[(first, ln.product_id)] = left.get((first, ln.product_id), 0) + already * ln.unit_factor
            take(first, ln, already + rest)
    order = [w for w in warehouses if w in plan] + [w for w in plan if w not in warehouses]
    return {w: plan[w] for w in order}
