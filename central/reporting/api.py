"""Reports API: `GET /reports/sales` answers exactly what `pos-central report sales --json` prints."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from central.api.deps import SessionDep
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.org.models import Store
from central.reporting.sales import sales_report

router = APIRouter(tags=["reports 报表"])

Reader = Annotated[Principal, require(P.REPORTS_READ, devices=False)]


@router.get("/reports/sales", summary="销售报表 / sales by store and day",
            description="Counts of sales and returns, gross, discounts, net and tax by store and business day "
                        "(store local dates, Asia/Shanghai). Top level: `sales`, `returns`, `net_fen` and the other "
                        "totals; `by_store`, `by_day`, `by_store_day` beside them. A store manager gets their "
                        "store only.")
def report_sales(session: SessionDep, who: Reader,
                 date_from: Annotated[date, Query(alias="from", description="first business day, YYYY-MM-DD")],
                 date_to: Annotated[date, Query(alias="to", description="last business day, inclusive")],
                 store: Annotated[str | None, Query(max_length=16, description="store code, e.g. S01")] = None
                 ) -> dict[str, Any]:
    store_id = None
    if who.store_id is not None:
        own = session.get(Store, who.store_id)
        if store is not None and (own is None or own.code != store):
            who.check_store(-1, "store")
        store_id, store = who.store_id, None
    return sales_report(session, date_from=date_from, date_to=date_to, store_code=store, store_id=store_id).to_json()
