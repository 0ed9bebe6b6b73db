"""The sales report: counts and money of sales and returns, by store and business day.

Computed from the stored sales and returns (never from the terminals' own figures), grouped by
`business_date`, the store's local date (Asia/Shanghai) of the terminal's sale time. Definitions:

- `gross_fen`: list amounts of the sales (price × quantity, before any discount);
- `discount_fen`: their discounts (line and order level);
- `rounding_fen`: 抹零 (≤ 0 when rounding down);
- `sales_fen`: what the sales took = gross − discount + rounding;
- `returns_fen`: what returns refunded;
- `net_fen`: sales_fen − returns_fen; `tax_fen`: VAT of the sales less VAT refunded.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.errors import Invalid, NotFound
from central.org.models import Store
from central.sales.models import Sale, SaleReturn
from sync.store_time import STORE_TIMEZONE

MAX_DAYS = 366 * 5


@dataclass
class Figures:
    sales: int = 0
    returns: int = 0
    gross_fen: int = 0
    discount_fen: int = 0
    rounding_fen: int = 0
    sales_fen: int = 0
    returns_fen: int = 0
    net_fen: int = 0
    tax_fen: int = 0

    def add(self, other: Figures) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass
class SalesReport:
    date_from: date
    date_to: date
    store: str | None
    totals: Figures = field(default_factory=Figures)
    by_store: dict[str, Figures] = field(default_factory=dict)
    by_day: dict[date, Figures] = field(default_factory=dict)
    rows: list[tuple[str, date, Figures]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The JSON shape of the CLI and the API: totals at the top level, breakdowns beside them."""
        return {
            "from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "store": self.store,
            "timezone": STORE_TIMEZONE, "currency": "CNY", **asdict(self.totals),
            "by_store": [{"store": code, **asdict(f)} for code, f in sorted(self.by_store.items())],
            "by_day": [{"date": d.isoformat(), **asdict(f)} for d, f in sorted(self.by_day.items())],
            "by_store_day": [{"store": code, "date": d.isoformat(), **asdict(f)} for code, d, f in self.rows],
        }


def sales_report(session: Session, *, date_from: date, date_to: date, store_code: str | None = None,
                 store_id: int | None = None) -> SalesReport:
    """Figures between two local dates inclusive, for one store (code or id) or all."""
    if date_to < date_from:
        raise Invalid("结束日期早于开始日期", "the end date is before the start date", code="date_range",
                      field="to")
    if (date_to - date_from).days > MAX_DAYS:
        raise Invalid("日期范围太长（最多五年）", "date range too long (at most five years)", code="date_range",
                      field="to")
    stores = dict(session.execute(select(Store.id, Store.code)).all())
    if store_code is not None:
        match = [sid for sid, code in stores.items() if code == store_code]
        if not match:
            raise NotFound(f"门店不存在：{store_code}", f"no such store: {store_code}", code="store_not_found",
                           field="store")
        store_id = match[0]
    report = SalesReport(date_from, date_to, stores.get(store_id) if store_id is not None else None)
    cells: dict[tuple[int, date], Figures] = {}

    sale_q = (select(Sale.store_id, Sale.business_date, func.count(), func.sum(Sale.subtotal_fen),
                     func.sum(Sale.discount_fen), func.sum(Sale.rounding_fen), func.sum(Sale.total_fen),
                     func.sum(Sale.tax_fen))
              .where(Sale.business_date >= date_from, Sale.business_date <= date_to)
              .group_by(Sale.store_id, Sale.business_date))
    ret_q = (select(SaleReturn.store_id, SaleReturn.business_date, func.count(), func.sum(SaleReturn.total_fen),
                    func.sum(SaleReturn.tax_fen))
             .where(SaleReturn.business_date >= date_from, SaleReturn.business_date <= date_to)
             .group_by(SaleReturn.store_id, SaleReturn.business_date))
    if store_id is not None:
        sale_q = sale_q.where(Sale.store_id == store_id)
        ret_q = ret_q.where(SaleReturn.store_id == store_id)
    for sid, day, n, gross, disc, rounding, total, tax in session.execute(sale_q):
        f = cells.setdefault((sid, day), Figures())
        f.sales, f.gross_fen, f.discount_fen, f.rounding_fen = n, int(gross), int(disc), int(rounding)
        f.sales_fen, f.tax_fen = int(total), int(tax)
    for sid, day, n, total, tax in session.execute(ret_q):
        f = cells.setdefault((sid, day), Figures())
        f.returns, f.returns_fen = n, int(total)
        f.tax_fen -= int(tax)
    for (sid, day), f in sorted(cells.items(), key=lambda kv: (stores.get(kv[0][0], ""), kv[0][1])):
        f.net_fen = f.sales_fen - f.returns_fen
        code = stores.get(sid, str(sid))
        report.rows.append((code, day, f))
        report.totals.add(f)
        report.by_store.setdefault(code, Figures()).add(f)
        report.by_day.setdefault(day, Figures()).add(f)
    return report
