"""Stock count API (盘点): sheets, count entry (scanner / tablet / Excel), variance review, recount,
posting. A blind sheet never shows the counters what the system expects; the variance (with its
value) is for those who may see costs.

Count entry takes up to 20,000 lines a request (`body_limit("count_entry", 4 MiB)`); an Excel file
is sent as the request body (`body_limit("count_import", 16 MiB)`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.api.deps import IdPath, IdQuery, SessionDep
from central.api.gate import body_limit
from central.api.pagination import Page, PageDep, paginate
from central.api.types import OptLong, RefId, Strict, text
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.counts import service
from central.counts.models import CountLine, CountSheet
from central.errors import not_found
from central.inventory.quantities import from_milli
from central.org.models import Warehouse
from central.settings import MiB

router = APIRouter(tags=["counts 盘点"])

Reader = Annotated[Principal, require(P.INVENTORY_READ, devices=False)]
Writer = Annotated[Principal, require(P.INVENTORY_WRITE, devices=False)]
Reviewer = Annotated[Principal, require(P.INVENTORY_WRITE, P.COSTS_READ, devices=False)]


class SheetIn(Strict):
    warehouse_id: RefId
    category_id: RefId | None = None
    zone: text(40) | None = None  # type: ignore[valid-type]
    product_ids: list[RefId] | None = Field(default=None, max_length=service.MAX_ENTRIES)
    blind: bool = False
    note: OptLong = None


class SheetOut(BaseModel):
    id: int
    no: str
    warehouse_id: int
    status: str
    blind: bool
    zone: str | None
    category_id: int | None
    recount_of: int | None
    snapshot_at: datetime
    posted_at: datetime | None
    note: str | None
    lines: int
    counted: int


class EntryIn(Strict):
    product_id: RefId | None = None
    barcode: text(32) | None = None  # type: ignore[valid-type]
    qty: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=3)]


class EntriesIn(Strict):
    mode: Literal["set", "add"] = "set"
    source: Literal["scanner", "tablet", "excel", "manual"] = "manual"
    entries: list[EntryIn] = Field(min_length=1, max_length=service.MAX_ENTRIES)


class EnteredOut(BaseModel):
    lines: int
    added: int


class LineOut(BaseModel):
    product_id: int
    expected_qty: Decimal | None
    """Hidden (null) on a blind sheet."""
    counted_qty: Decimal | None
    difference_qty: Decimal | None
    counted_at: datetime | None
    source: str | None


class VarianceOut(BaseModel):
    lines: int
    counted: int
    differing: int
    gain_fen: int
    loss_fen: int
    unknown_cost_lines: int


class RecountIn(Strict):
    product_ids: list[RefId] = Field(min_length=1, max_length=service.MAX_ENTRIES)


class PostIn(Strict):
    uncounted: Literal["skip", "zero"] = "skip"


class PostedOut(BaseModel):
    sheet: SheetOut
    movements: int
    gain_fen: int
    loss_fen: int


class CancelIn(Strict):
    reason: text(200)  # type: ignore[valid-type]


def _visible(session: Session, who: Principal, sheet_id: int) -> CountSheet:
    sheet = service.get_sheet(session, sheet_id)
    wh = session.get(Warehouse, sheet.warehouse_id)
    who.check_store(wh.store_id if wh else None, "sheet_id")
    return sheet


def sheet_out(session: Session, sheet: CountSheet) -> SheetOut:
    lines, counted = session.execute(select(func.count(), func.count(CountLine.counted_m)).where(
        CountLine.sheet_id == sheet.id)).one()
    return SheetOut(id=sheet.id, no=sheet.no, warehouse_id=sheet.warehouse_id, status=sheet.status, blind=sheet.blind,
                    zone=sheet.zone, category_id=sheet.category_id, recount_of=sheet.recount_of,
                    snapshot_at=sheet.snapshot_at, posted_at=sheet.posted_at, note=sheet.note, lines=int(lines),
                    counted=int(counted))


@router.post("/counts/sheets", response_model=SheetOut, status_code=201,
             summary="新建盘点单 / open a count sheet (snapshot of on-hand)")
def post_sheet(body: SheetIn, session: SessionDep, who: Writer) -> Any:
    wh = session.get(Warehouse, body.warehouse_id)
    if wh is None:
        raise not_found("仓库", "warehouse", "warehouse_id", body.warehouse_id)
    who.check_store(wh.store_id, "warehouse_id")
    sheet = service.open_sheet(session, actor=who, warehouse_id=body.warehouse_id, category_id=body.category_id,
                               zone=body.zone, product_ids=body.product_ids, blind=body.blind, note=body.note)
    return sheet_out(session, sheet)


@router.get("/counts/sheets", response_model=Page[SheetOut], summary="盘点单 / count sheets")
def list_sheets(session: SessionDep, who: Reader, page: PageDep, warehouse_id: IdQuery = None,
                status: Annotated[Literal["counting", "posted", "cancelled"] | None, Query()] = None) -> Any:
    stmt = select(CountSheet).order_by(CountSheet.id.desc())
    if who.store_id is not None:
        stmt = stmt.join(Warehouse, Warehouse.id == CountSheet.warehouse_id).where(Warehouse.store_id == who.store_id)
    if warehouse_id is not None:
        stmt = stmt.where(CountSheet.warehouse_id == warehouse_id)
    if status is not None:
        stmt = stmt.where(CountSheet.status == status)
    return paginate(session, stmt, page, lambda s: sheet_out(session, s))


@router.get("/counts/sheets/{sheet_id}", response_model=SheetOut, summary="盘点单 / one sheet")
def get_sheet(sheet_id: IdPath, session: SessionDep, who: Reader) -> Any:
    return sheet_out(session, _visible(session, who, sheet_id))


@router.get("/counts/sheets/{sheet_id}/lines", response_model=Page[LineOut],
            summary="盘点明细 / the lines (expected hidden on a blind sheet)")
def list_lines(sheet_id: IdPath, session: SessionDep, who: Reader, page: PageDep,
               only: Annotated[Literal["uncounted", "counted", "differing"] | None, Query()] = None) -> Any:
    sheet = _visible(session, who, sheet_id)
    hide = sheet.blind and sheet.status == "counting"
    stmt = select(CountLine).where(CountLine.sheet_id == sheet.id).order_by(CountLine.product_id)
    if only == "uncounted":
        stmt = stmt.where(CountLine.counted_m.is_(None))
    elif only == "counted":
        stmt = stmt.where(CountLine.counted_m.is_not(None))
    elif only == "differing":
        if hide:
            who.require(P.COSTS_READ)
        stmt = stmt.where(CountLine.counted_m.is_not(None), CountLine.counted_m != CountLine.expected_m)

    def out(ln: CountLine) -> LineOut:
        counted = None if ln.counted_m is None else from_milli(ln.counted_m)
        return LineOut(product_id=ln.product_id, expected_qty=None if hide else from_milli(ln.expected_m),
                       counted_qty=counted, counted_at=ln.counted_at, source=ln.source,
                       difference_qty=None if hide or ln.counted_m is None else from_milli(ln.counted_m - ln.expected_m))
    return paginate(session, stmt, page, out)


@router.post("/counts/sheets/{sheet_id}/entries", response_model=EnteredOut,
             summary="录入盘点数量 / enter counts (set by tablet, add by scanner)",
             openapi_extra=body_limit("count_entry", 4 * MiB))
def post_entries(sheet_id: IdPath, body: EntriesIn, session: SessionDep, who: Writer) -> Any:
    _visible(session, who, sheet_id)
    done = service.enter(session, actor=who, sheet_id=sheet_id, mode=body.mode, source=body.source, entries=[
        service.Entry(qty=e.qty, product_id=e.product_id, barcode=e.barcode) for e in body.entries])
    return EnteredOut(lines=done.lines, added=done.added)


@router.post("/counts/sheets/{sheet_id}/import", response_model=EnteredOut,
             summary="Excel 导入盘点数量 / counts from an .xlsx (the request body)",
             openapi_extra={"requestBody": {"content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                 **body_limit("count_import", 16 * MiB)})
async def post_import(sheet_id: IdPath, request: Request, who: Writer) -> Any:
    from starlette.concurrency import run_in_threadpool

    from central.db import session_scope

    data = await request.body()

    def work() -> EnteredOut:
        with session_scope(request.app.state.engine) as session:
            _visible(session, who, sheet_id)
            entries = service.read_counts_workbook(session, data)
            done = service.enter(session, actor=who, sheet_id=sheet_id, mode="set", source="excel", entries=entries)
            return EnteredOut(lines=done.lines, added=done.added)
    return await run_in_threadpool(work)


@router.get("/counts/sheets/{sheet_id}/variance", response_model=VarianceOut,
            summary="差异复核 / the variance, with its value at average cost")
def get_variance(sheet_id: IdPath, session: SessionDep, who: Reviewer) -> Any:
    v = service.variance(session, _visible(session, who, sheet_id))
    return VarianceOut(**v.__dict__)


@router.post("/counts/sheets/{sheet_id}/recount", response_model=SheetOut, status_code=201,
             summary="复盘 / a blind recount of some lines")
def post_recount(sheet_id: IdPath, body: RecountIn, session: SessionDep, who: Writer) -> Any:
    _visible(session, who, sheet_id)
    return sheet_out(session, service.recount(session, actor=who, sheet_id=sheet_id, product_ids=body.product_ids))


@router.post("/counts/sheets/{sheet_id}/post", response_model=PostedOut,
             summary="过账 / post the differences as one stock document")
def post_post(sheet_id: IdPath, body: PostIn, session: SessionDep, who: Reviewer) -> Any:
    _visible(session, who, sheet_id)
    done = service.post_sheet(session, actor=who, sheet_id=sheet_id, uncounted=body.uncounted)
    return PostedOut(sheet=sheet_out(session, done.sheet), movements=done.movements, gain_fen=done.gain_fen,
                     loss_fen=done.loss_fen)


@router.post("/counts/sheets/{sheet_id}/cancel", response_model=SheetOut, summary="作废 / cancel a sheet")
def post_cancel(sheet_id: IdPath, body: CancelIn, session: SessionDep, who: Writer) -> Any:
    _visible(session, who, sheet_id)
    return sheet_out(session, service.cancel_sheet(session, actor=who, sheet_id=sheet_id, reason=body.reason))
