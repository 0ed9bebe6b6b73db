"""进销存汇总: per warehouse and product over a period of business days, opening, in, out and closing,
in quantity and at cost, with the movements by type.

Computed from the stock ledger, by the time each movement happened (`occurred_at`; a till's sale
at the till's clock), over the store's local days (Asia/Shanghai). Closing = on-hand now less
everything that happened after the period; opening = closing − in + out. So closing at today
equals the ledger's on-hand, and for every product opening + in − out = closing exactly. One
aggregate query over the movements since the period began (a BRIN index on `occurred_at` finds
them on PostgreSQL) and one read of on-hand: the cost grows with the movements from the period's
start to now, not with the whole ledger.

Values: the ledger's `value_fen` (moving average cost). A product whose cost is unknown here (no
cost known yet, or a movement of the period at unknown cost) has its cost figures null, never
zero; the totals count such products in `unknown_cost_products`. Revaluations (value only) count
as in or out by the sign of their value.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from central.catalog.models import Product
from central.errors import Invalid, NotFound
from central.inventory.models import StockMovement, StockOnHand
from central.inventory.quantities import from_milli
from central.org.models import Warehouse
from sync.store_time import STORE_TIMEZONE, day_start_utc

MAX_DAYS = 366 * 2


@dataclass
class Line:
    warehouse_id: int
    product_id: int
    opening_m: int = 0
    in_m: int = 0
    out_m: int = 0
    closing_m: int = 0
    opening_fen: int = 0
    in_fen: int = 0
    out_fen: int = 0
    closing_fen: int = 0
    cost_known: bool = True
    by_kind: dict[str, list[int]] = field(default_factory=dict)
    """kind → [in_m, out_m, in_fen, out_fen]."""


@dataclass
class StockSummary:
    date_from: date
    date_to: date
    warehouse: str | None
    lines: list[Line]
    products: dict[int, tuple[str, str]]
    """id → (sku, name)."""
    warehouses: dict[int, str]
    """id → code."""

    def totals(self) -> dict[str, Any]:
        t = Line(0, 0)
        kinds: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        unknown = 0
        for ln in self.lines:
            t.opening_m += ln.opening_m
            t.in_m += ln.in_m
            t.out_m += ln.out_m
            t.closing_m += ln.closing_m
            if not ln.cost_known:
                unknown += 1
            else:
                t.opening_fen += ln.opening_fen
                t.in_fen += ln.in_fen
                t.out_fen += ln.out_fen
                t.closing_fen += ln.closing_fen
            for kind, figures in ln.by_kind.items():
                acc = kinds[kind]
                acc[0] += figures[0]
                acc[1] += figures[1]
                if ln.cost_known:
                    acc[2] += figures[2]
                    acc[3] += figures[3]
        return {**_figures(t, True), "unknown_cost_products": unknown, "by_kind": _kinds(kinds, True)}

    def to_json(self) -> dict[str, Any]:
        """The JSON of `pos-central report stock-summary --json` and `GET /reports/stock-summary`."""
        return {"from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "warehouse": self.warehouse,
                "timezone": STORE_TIMEZONE, "currency": "CNY", **self.totals(),
                "products": [self.line_json(ln) for ln in self.lines]}

    def line_json(self, ln: Line) -> dict[str, Any]:
        sku, name = self.products.get(ln.product_id, ("", ""))
        return {"warehouse": self.warehouses.get(ln.warehouse_id, str(ln.warehouse_id)), "product_id": ln.product_id,
                "sku": sku, "name": name, **_figures(ln, ln.cost_known), "by_kind": _kinds(ln.by_kind, ln.cost_known)}


def _qty(m: int) -> str:
    return str(from_milli(m))


def _figures(ln: Line, known: bool) -> dict[str, Any]:
    return {"opening_qty": _qty(ln.opening_m), "in_qty": _qty(ln.in_m), "out_qty": _qty(ln.out_m),
            "closing_qty": _qty(ln.closing_m),
            "opening_cost_fen": ln.opening_fen if known else None, "in_cost_fen": ln.in_fen if known else None,
            "out_cost_fen": ln.out_fen if known else None, "closing_cost_fen": ln.closing_fen if known else None}


def _kinds(kinds: dict[str, list[int]], known: bool) -> dict[str, dict[str, Any]]:
    return {k: {"in_qty": _qty(v[0]), "out_qty": _qty(v[1]), "in_cost_fen": v[2] if known else None,
                "out_cost_fen": v[3] if known else None} for k, v in sorted(kinds.items())}


def stock_summary(session: Session, *, date_from: date, date_to: date, warehouse_code: str | None = None,
                  warehouse_ids: list[int] | None = None, product_ids: list[int] | None = None) -> StockSummary:
    """The summary between two business days inclusive, for one warehouse (by code), the warehouses
    given (a store manager's), or all."""
    if date_to < date_from:
        raise Invalid("结束日期早于开始日期", "the end date is before the start date", code="date_range", field="to")
    if (date_to - date_from).days > MAX_DAYS:
        raise Invalid("日期范围太长（最多两年）", "date range too long (at most two years)", code="date_range",
                      field="to")
    warehouses = dict(session.execute(select(Warehouse.id, Warehouse.code)).all())
    wanted = warehouse_ids
    if warehouse_code is not None:
        match = [wid for wid, code in warehouses.items() if code == warehouse_code]
        if not match:
            raise NotFound(f"仓库不存在：{warehouse_code}", f"no such warehouse: {warehouse_code}",
                           code="warehouse_not_found", field="warehouse")
        if wanted is not None and match[0] not in wanted:
            raise NotFound(f"仓库不存在：{warehouse_code}", f"no such warehouse: {warehouse_code}",
                           code="warehouse_not_found", field="warehouse")
        wanted = match
    start, end = day_start_utc(date_from), day_start_utc(date_to + timedelta(days=1))
    m = StockMovement
    in_period = m.occurred_at < end
    qty_in = case((m.qty_m > 0, m.qty_m), else_=0)
    qty_out = case((m.qty_m < 0, -m.qty_m), else_=0)
    incoming = (m.qty_m > 0) | ((m.qty_m == 0) & (m.value_fen > 0))
    val_in = case((incoming, m.value_fen), else_=0)
    val_out = case((~incoming, -m.value_fen), else_=0)
    stmt = (select(m.warehouse_id, m.product_id, m.kind, in_period, func.sum(qty_in), func.sum(qty_out),
                   func.sum(func.coalesce(val_in, 0)), func.sum(func.coalesce(val_out, 0)),
                   func.sum(case((m.value_fen.is_(None), 1), else_=0)))
            .where(m.occurred_at >= start)
            .group_by(m.warehouse_id, m.product_id, m.kind, in_period))
    hand = select(StockOnHand.warehouse_id, StockOnHand.product_id, StockOnHand.qty_m, StockOnHand.value_fen,
                  StockOnHand.avg_cost_mfen)
    if wanted is not None:
        stmt = stmt.where(m.warehouse_id.in_(wanted))
        hand = hand.where(StockOnHand.warehouse_id.in_(wanted))
    if product_ids is not None:
        stmt = stmt.where(m.product_id.in_(product_ids))
        hand = hand.where(StockOnHand.product_id.in_(product_ids))
    lines: dict[tuple[int, int], Line] = {}
    for w, p, q, v, avg in session.execute(hand):
        ln = lines[(w, p)] = Line(w, p, closing_m=int(q), closing_fen=int(v))
        ln.cost_known = avg is not None or int(q) == 0
    for w, p, kind, inside, q_in, q_out, v_in, v_out, unknown in session.execute(stmt):
        ln = lines.get((w, p)) or lines.setdefault((w, p), Line(w, p))
        q_in, q_out, v_in, v_out = int(q_in or 0), int(q_out or 0), int(v_in or 0), int(v_out or 0)
        if inside:
            ln.in_m += q_in
            ln.out_m += q_out
            ln.in_fen += v_in
            ln.out_fen += v_out
            figures = ln.by_kind.setdefault(kind, [0, 0, 0, 0])
            figures[0] += q_in
            figures[1] += q_out
            figures[2] += v_in
            figures[3] += v_out
            if unknown:
                ln.cost_known = False
        else:  # after the period: take it back off what is on hand now
            ln.closing_m -= q_in - q_out
            ln.closing_fen -= v_in - v_out
    out = []
    for key in sorted(lines):
        ln = lines[key]
        ln.opening_m = ln.closing_m - ln.in_m + ln.out_m
        ln.opening_fen = ln.closing_fen - ln.in_fen + ln.out_fen
        if ln.opening_m or ln.in_m or ln.out_m or ln.closing_m or ln.in_fen or ln.out_fen or ln.closing_fen:
            out.append(ln)
    ids = {ln.product_id for ln in out}
    names_q = select(Product.id, Product.sku, Product.name)
    if len(ids) <= 500:  # a few: by id; many: all of them in one pass (cheaper than a huge IN list)
        names_q = names_q.where(Product.id.in_(sorted(ids)))
    names = {pid: (sku, name) for pid, sku, name in session.execute(names_q) if pid in ids}
    return StockSummary(date_from, date_to, warehouse_code, out, names, warehouses)
