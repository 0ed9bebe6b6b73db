"""The demo's buying side and stock history make every stock, cost and purchase report show
something real: the trading days' margin by store and category (equal to the sales report), the stock
summary, reorder suggestions, open purchase orders in every state, near-expiry and expired batches,
two kit templates, counts and loans; and the stock ledger still proves out."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from central.counts.models import CountSheet
from central.db import session_scope, utcnow
from central.demo.history import seed_history
from central.demo.seed import seed_demo
from central.inventory.check import check_stock
from central.kits.models import KitTemplate
from central.loans.models import Loan
from central.org.models import Warehouse
from central.purchasing.models import PurchaseOrder
from central.purchasing.reorder import reorder
from central.reporting.margin import margin_report
from central.reporting.sales import sales_report
from central.reporting.stock_reports import stock_warnings
from central.reporting.stock_summary import stock_summary
from sync.store_time import business_date

HISTORY_DAYS = 6


@pytest.mark.slow
def test_every_report_shows_something_on_the_demo(engine: Engine) -> None:
    with session_scope(engine) as s:
        seed_demo(s)
    seed_history(engine, days=HISTORY_DAYS)  # the tills' trading, through the push ingest
    today = business_date(utcnow())
    last_from, last_to = today - timedelta(days=HISTORY_DAYS), today
    with Session(engine) as s:
        sales = sales_report(s, date_from=last_from, date_to=last_to)
        assert sales.totals.sales > 100
        for by in ("store", "category"):
            m = margin_report(s, date_from=last_from, date_to=last_to, by=by)
            assert m.totals.net_fen - m.totals.wholesale_net_fen == sales.totals.net_fen
            assert m.totals.unknown_cost_lines == 0
            assert 0.2 < (m.totals.margin_rate or 0) < 0.4
            assert len(m.rows) >= (3 if by == "store" else 20)
        summary = stock_summary(s, date_from=last_from, date_to=last_to).to_json()
        assert summary["by_kind"]["sale"]["out_cost_fen"] > 0
        assert summary["unknown_cost_products"] == 0
        central = s.scalar(select(Warehouse.id).where(Warehouse.code == "CW01"))
        assert central is not None
        assert len(reorder(s, warehouse_id=central).suggestions) >= 10
        statuses = set(s.scalars(select(PurchaseOrder.status)))
        assert {"received", "partially_received", "pending_approval", "approved", "closed", "draft"} <= statuses
        warnings = stock_warnings(s, warehouse_ids=list(s.scalars(select(Warehouse.id))), today=today)
        assert warnings.near_expiry
        assert warnings.expired
        assert warnings.below_min
        assert s.scalar(select(func.count()).select_from(KitTemplate)) == 2
        assert set(s.scalars(select(CountSheet.status))) == {"posted", "counting"}
        assert set(s.scalars(select(Loan.status))) == {"open"}
        assert check_stock(s).ok
        assert today > date(2020, 1, 1)
