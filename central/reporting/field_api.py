"""Field reports API: `GET /reports/field` answers what `pos-central report field --json` prints;
`GET /reports/fulfilment` ordered vs delivered vs returned by customer, rep or product."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query

from central.api.deps import SessionDep
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.reporting.field import field_report, fulfilment_report

router = APIRouter(tags=["reports 报表"])

Reader = Annotated[Principal, require(P.ORDERS_READ, devices=False)]
From = Annotated[date, Query(alias="from", description="first business day, YYYY-MM-DD")]
To = Annotated[date, Query(alias="to", description="last business day, inclusive")]


@router.get("/reports/field", summary="外勤报表 / what central received from the reps' tablets",
            description="Top level: `orders`, `order_total_fen`, `visits`, `collections_fen`, `held_for_approval` "
                        "(orders as received, by the tablet's business day); `by_rep` beside them. A rep gets "
                        "their own figures only, a store manager their store's reps'.")
def report_field(session: SessionDep, who: Reader, date_from: From, date_to: To,
                 rep: Annotated[str | None, Query(max_length=64, description="rep username")] = None
                 ) -> dict[str, Any]:
    if who.rep_id is not None:
        return field_report(session, date_from=date_from, date_to=date_to, rep_id=who.rep_id)
    return field_report(session, date_from=date_from, date_to=date_to, rep=rep, store_id=who.store_id)


@router.get("/reports/fulfilment", summary="订单履约 / ordered vs delivered vs returned",
            description="Orders of the period (not held or rejected) grouped `by` customer, rep or product, the "
                        "groups with the most not sold first. A store manager gets their store, a rep their "
                        "customers.")
def report_fulfilment(session: SessionDep, who: Reader, date_from: From, date_to: To,
                      by: Annotated[str, Query(pattern="^(customer|rep|product)$")] = "customer") -> dict[str, Any]:
    return fulfilment_report(session, date_from=date_from, date_to=date_to, by=by, store_id=who.store_id,
                             rep_id=who.rep_id)
