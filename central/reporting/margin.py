"""Gross margin (毛利) by product, category, store, customer or rep over business days: till sales
and wholesale (sales orders delivered to customers) alike.

- Till sales: the same sales and returns as the sales report (central/reporting/sales.py), grouped
  by the same business dates, so `till_net_fen` equals `report sales`'s `net_fen` for the same days:
  what sales took (lines + 抹零) less what returns refunded. Cost is each sale line's cost as central
  valued it when the sale arrived (moving average, `sale_lines.cost_fen`) less the cost returns gave
  back.
- Wholesale: each delivered delivery-note line whose delivery's business day is in the period (its
  amount, the order line's share for the quantity delivered) less each order-return line of the
  period; cost is what the stock ledger took out for that note line (the `delivery` movements' value,
  every batch of it) less what the `return` movements put back for that return line (a return that
  comes back damaged is put back and then written off as a loss: the loss is a stock loss, not the
  cost of this sale). By store, customer and rep a wholesale line counts for its order's store,
  customer and rep (a return for the rep who sold the order). `wholesale_net_fen` is their net.
- Wholesale is counted when asked (`wholesale=True`: `--wholesale` on the command line, `wholesale=true`
  over the API, always on the console's page). Without it `net_fen` is the tills' and equals
  `report sales`'s `net_fen` for the same days (the contract of `pos-central report margin`); with it
  `net_fen` = `till_net_fen` + `wholesale_net_fen`.

- `margin_fen` = `net_fen` − `cost_fen`.
- A line whose cost is unknown (the product had no cost yet; a delivered line with no costed
  ledger movement) is counted in `unknown_cost_lines`
  and its net in `unknown_cost_net_fen`; it adds nothing to `cost_fen` (so the margin is overstated
  by at most that net), and `margin_rate` is taken over lines of known cost only.
- 抹零 (rounding) belongs to a sale, not a line: by store, customer and rep it is in each group's
  net; by product and category it is one row of its own (key `rounding`), so rows always add up.
- `cost_corrections_fen`: cost corrections (late supplier invoices) of the period on goods already
  gone, beside the margin (the sale lines keep the cost they had; history is not rewritten).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.catalog.models import Category, Product
from central.customers.models import Customer
from central.errors import Invalid, NotFound
from central.inventory.models import StockMovement
from central.orders.models import DeliveryNote, DeliveryNoteLine, OrderReturn, OrderReturnLine, SalesOrder
from central.org.models import Store
from central.purchasing.models import CostCorrection
from central.sales.models import ReturnLine, Sale, SaleLine, SaleReturn
from central.users.models import User
from sync.store_time import STORE_TIMEZONE, day_start_utc

GROUPINGS = ("product", "category", "store", "customer", "rep")
MAX_DAYS = 366 * 2
ROUNDING = "rounding"


@dataclass
class Margin:
    net_fen: int = 0
    cost_fen: int = 0
    margin_fen: int = 0
    margin_rate: float | None = None
    sold_lines: int = 0
    returned_lines: int = 0
    unknown_cost_lines: int = 0
    unknown_cost_net_fen: int = 0
    wholesale_net_fen: int = 0
    """Of `net_fen`, what delivered sales orders less order returns took."""
    wholesale_lines: int = 0
    """Delivery-note lines and order-return lines among `sold_lines` and `returned_lines`."""

    def add_sale_line(self, amount: int, cost: int | None, *, wholesale: bool = False) -> None:
        self.net_fen += amount
        self.sold_lines += 1
        if wholesale:
            self.wholesale_net_fen += amount
            self.wholesale_lines += 1
        if cost is None:
            self.unknown_cost_lines += 1
            self.unknown_cost_net_fen += amount
        else:
            self.cost_fen += cost

    def add_return_line(self, amount: int, cost: int | None, *, wholesale: bool = False) -> None:
        self.net_fen -= amount
        self.returned_lines += 1
        if wholesale:
            self.wholesale_net_fen -= amount
            self.wholesale_lines += 1
        if cost is None:
            self.unknown_cost_lines += 1
            self.unknown_cost_net_fen -= amount
        else:
            self.cost_fen -= cost

    def finish(self) -> Margin:
        self.margin_fen = self.net_fen - self.cost_fen
        known = self.net_fen - self.unknown_cost_net_fen
        self.margin_rate = round((known - self.cost_fen) / known, 4) if known else None
        return self

    def add(self, other: Margin) -> None:
        for name in ("net_fen", "cost_fen", "sold_lines", "returned_lines", "unknown_cost_lines",
                     "unknown_cost_net_fen", "wholesale_net_fen", "wholesale_lines"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class MarginReport:
    date_from: date
    date_to: date
    by: str
    store: str | None
    totals: Margin
    rows: list[tuple[str, str, Margin]] = field(default_factory=list)
    """(key, name, figures), largest margin first; the rounding row last."""
    cost_corrections_fen: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "by": self.by, "store": self.store,
                "timezone": STORE_TIMEZONE, "currency": "CNY", **asdict(self.totals),
                "till_net_fen": self.totals.net_fen - self.totals.wholesale_net_fen,
                "cost_corrections_fen": self.cost_corrections_fen,
                "rows": [{"key": key, "name": name, **asdict(m)} for key, name, m in self.rows]}


def margin_report(session: Session, *, date_from: date, date_to: date, by: str = "product",
                  store_code: str | None = None, store_id: int | None = None,
                  wholesale: bool = False) -> MarginReport:
    if by not in GROUPINGS:
        raise Invalid(f"不支持按 {by} 汇总", f"cannot group by {by}", code="group_by", field="by")
    if date_to < date_from:
        raise Invalid("结束日期早于开始日期", "the end date is before the start date", code="date_range", field="to")
    if (date_to - date_from).days > MAX_DAYS:
        raise Invalid("日期范围太长（最多两年）", "date range too long (at most two years)", code="date_range",
                      field="to")
    stores = dict(session.execute(select(Store.id, Store.code)).all())
    if store_code is not None:
        match = [sid for sid, code in stores.items() if code == store_code]
        if not match:
            raise NotFound(f"门店不存在：{store_code}", f"no such store: {store_code}", code="store_not_found",
                           field="store")
        store_id = match[0]
    groups: dict[Any, Margin] = defaultdict(Margin)
    sale_key, return_key = _keys(by)
    sales = (select(sale_key, SaleLine.amount_fen, SaleLine.cost_fen)
             .join(Sale, Sale.id == SaleLine.sale_id)
             .where(Sale.business_date >= date_from, Sale.business_date <= date_to))
    returns = (select(return_key, ReturnLine.amount_fen, ReturnLine.cost_fen)
               .join(SaleReturn, SaleReturn.id == ReturnLine.return_id)
               .join(Sale, Sale.id == SaleReturn.original_sale_id)
               .where(SaleReturn.business_date >= date_from, SaleReturn.business_date <= date_to))
    in_days = (Sale.business_date >= date_from, Sale.business_date <= date_to)
    rounding: Any = select(sale_key, func.sum(Sale.rounding_fen)).where(*in_days).group_by(sale_key)
    if by in ("product", "category"):
        rounding = select(func.sum(Sale.rounding_fen)).where(*in_days)
    if by == "category":
        sales = sales.join(Product, Product.id == SaleLine.product_id)
        returns = returns.join(Product, Product.id == ReturnLine.product_id)
    if store_id is not None:
        sales = sales.where(Sale.store_id == store_id)
        returns = returns.where(SaleReturn.store_id == store_id)
        rounding = rounding.where(Sale.store_id == store_id)
    totals = Margin()
    for key, amount, cost in session.execute(sales):
        groups[key].add_sale_line(int(amount), None if cost is None else int(cost))
    for key, amount, cost in session.execute(returns):
        groups[key].add_return_line(int(amount), None if cost is None else int(cost))
    if wholesale:
        _add_wholesale(session, groups, by, date_from, date_to, store_id)
    rounding_row: Margin | None = None
    if by in ("product", "category"):
        fen = int(session.scalar(rounding) or 0)
        if fen:
            rounding_row = Margin(net_fen=fen)
    else:
        for key, fen in session.execute(rounding):
            groups[key].net_fen += int(fen or 0)
    names = _names(session, by, [k for k in groups if k is not None], stores)
    rows = []
    for key, m in groups.items():
        totals.add(m)
        rows.append((str(key) if key is not None else "", names.get(key, _NONE_NAME[by]), m.finish()))
    rows.sort(key=lambda r: (-r[2].margin_fen, r[0]))
    if rounding_row is not None:
        totals.add(rounding_row)
        rows.append((ROUNDING, "抹零 / rounding", rounding_row.finish()))
    report = MarginReport(date_from, date_to, by, stores.get(store_id) if store_id is not None else None,
                          totals.finish(), rows)
    if store_id is None:
        report.cost_corrections_fen = int(session.scalar(select(func.sum(CostCorrection.variance_fen)).where(
            CostCorrection.corrected_at >= day_start_utc(date_from),
            CostCorrection.corrected_at < day_start_utc(date_to + timedelta(days=1)))) or 0)
    return report


def _ledger_cost(source_type: str, kind: str) -> Any:
    """Per (document, line): the value the ledger moved, how many movements, how many with a value."""
    return (select(StockMovement.source_id.label("doc"), StockMovement.source_line.label("line"),
                   func.sum(StockMovement.value_fen).label("value"), func.count().label("moves"),
                   func.count(StockMovement.value_fen).label("valued"))
            .where(StockMovement.source_type == source_type, StockMovement.kind == kind)
            .group_by(StockMovement.source_id, StockMovement.source_line).subquery())


def _cost(value: Any, moves: Any, valued: Any, sign: int) -> int | None:
    """The line's cost, or None (unknown) when a movement had no value or there was none."""
    if not moves or valued != moves or value is None:
        return None
    return sign * int(value)


def _add_wholesale(session: Session, groups: dict[Any, Margin], by: str, date_from: date, date_to: date,
                   store_id: int | None) -> None:
    """Delivered sales-order lines less order-return lines of the period, at the ledger's cost."""
    out = _ledger_cost("delivery", "sale")
    key: Any = {"product": DeliveryNoteLine.product_id, "category": Product.category_id,
                "store": SalesOrder.store_id, "customer": SalesOrder.customer_id, "rep": SalesOrder.rep_id}[by]
    delivered = (select(key, DeliveryNoteLine.amount_fen, out.c.value, out.c.moves, out.c.valued)
                 .join(DeliveryNote, DeliveryNote.id == DeliveryNoteLine.note_id)
                 .join(SalesOrder, SalesOrder.id == DeliveryNote.order_id)
                 .outerjoin(out, (out.c.doc == DeliveryNoteLine.note_id) & (out.c.line == DeliveryNoteLine.line_no))
                 .where(DeliveryNote.status == "delivered", DeliveryNote.business_date >= date_from,
                        DeliveryNote.business_date <= date_to, DeliveryNoteLine.qty_m > 0))
    back = _ledger_cost("order_return", "return")
    return_key: Any = {"product": OrderReturnLine.product_id, "category": Product.category_id,
                       "store": SalesOrder.store_id, "customer": SalesOrder.customer_id, "rep": SalesOrder.rep_id}[by]
    returned = (select(return_key, OrderReturnLine.amount_fen, back.c.value, back.c.moves, back.c.valued)
                .join(OrderReturn, OrderReturn.id == OrderReturnLine.return_id)
                .join(SalesOrder, SalesOrder.id == OrderReturn.order_id)
                .outerjoin(back, (back.c.doc == OrderReturnLine.return_id)
                           & (back.c.line == OrderReturnLine.line_no))
                .where(OrderReturn.business_date >= date_from, OrderReturn.business_date <= date_to,
                       OrderReturnLine.qty_m > 0))
    if by == "category":
        delivered = delivered.join(Product, Product.id == DeliveryNoteLine.product_id)
        returned = returned.join(Product, Product.id == OrderReturnLine.product_id)
    if store_id is not None:
        delivered = delivered.where(SalesOrder.store_id == store_id)
        returned = returned.where(SalesOrder.store_id == store_id)
    for k, amount, value, moves, valued in session.execute(delivered):
        groups[k].add_sale_line(int(amount), _cost(value, moves, valued, -1), wholesale=True)
    for k, amount, value, moves, valued in session.execute(returned):
        groups[k].add_return_line(int(amount), _cost(value, moves, valued, 1), wholesale=True)


_NONE_NAME = {"product": "", "category": "未分类 / no category", "store": "", "customer": "散客 / walk-in",
              "rep": "无业务员 / no rep"}


def _keys(by: str) -> tuple[Any, Any]:
    """The grouping column of sale lines and of return lines."""
    if by == "product":
        return SaleLine.product_id, ReturnLine.product_id
    if by == "category":
        return Product.category_id, Product.category_id
    if by == "store":
        return Sale.store_id, SaleReturn.store_id
    if by == "customer":
        return Sale.customer_id, Sale.customer_id
    return Sale.rep_id, Sale.rep_id


def _names(session: Session, by: str, keys: list[Any], stores: dict[int, str]) -> dict[Any, str]:
    if not keys:
        return {}
    if by == "store":
        names = dict(session.execute(select(Store.id, Store.name)).all())
        return {k: f"{stores.get(k, k)} {names.get(k, '')}".strip() for k in keys}
    model: Any = {"product": Product, "category": Category, "customer": Customer, "rep": User}[by]
    label = model.display_name if by == "rep" else model.name
    found: dict[Any, str] = {}
    for start in range(0, len(keys), 500):
        part = keys[start:start + 500]
        found.update({k: str(v) for k, v in session.execute(select(model.id, label).where(model.id.in_(part)))})
    if by == "product":
        skus = {}
        for start in range(0, len(keys), 500):
            part = keys[start:start + 500]
            skus.update(dict(session.execute(select(Product.id, Product.sku).where(Product.id.in_(part))).all()))
        return {k: f"{skus.get(k, '')} {found.get(k, '')}".strip() for k in keys}
    return found
