"""What the sync did not simply accept, for a person to act on: quarantined events (refused, or a repeat
with other content: retry once the cause is fixed, or dismiss) and flagged claims (applied, but a
claim did not hold: resolve with a note). Same services as `/api/v1/sync/quarantine/...` and
`/api/v1/review/flags/...`, the same permissions, store-scoped for store managers; audited."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select

from central.api.deps import SessionDep
from central.auth.roles import Permission as P
from central.console.audit_view import record_change
from central.console.exporting import ListExport, list_page
from central.console.i18n import pick, register
from central.console.listing import Listing, Sort
from central.console.web import ConsoleRoute, OptionalId, OptionalText, Viewer, form_errors, page, render
from central.errors import DomainError
from central.excel import Column, Kind
from central.org.models import Store, Terminal
from central.review import service as review
from central.review.models import ReviewFlag
from central.review.service import KIND_NAMES
from central.syncing import quarantine
from central.syncing.models import SyncQuarantine
from sync.protocol import QuarantineResolve

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
QuarantineReader = Annotated[Viewer, page(P.SALES_READ)]
QuarantineResolver = Annotated[Viewer, page(P.SALES_READ, P.ORG_WRITE)]
FlagReader = Annotated[Viewer, page(P.REVIEW_READ)]
FlagResolver = Annotated[Viewer, page(P.REVIEW_READ, P.REVIEW_RESOLVE)]
ItemId = Annotated[int, Path(ge=1, le=9_223_372_036_854_775_807)]

register({
    "事件": "Event", "原因": "Reason", "内容": "Content", "重新入账": "Apply again", "关闭": "Dismiss",
    "处理说明": "Note", "已处理": "Resolved", "未处理": "Open", "终端声称": "Terminal claimed",
    "总部核算": "Central computed", "说明": "What happened", "复核": "Review", "标记处理": "Resolve",
    "修复原因后可重新入账（仍然只入账一次）；冲突或越权事件只能关闭。":
        "Once the cause is fixed, apply it again (still exactly once); conflicts and forbidden events can only be dismissed.",
    "收银机或平板声称的、总部核对不符的内容；销售已入账，声称的部分未被采信。":
        "What a till or tablet claimed that central could not confirm; the sale was applied, the claim was not believed.",
    "全部": "All",
})

QUARANTINE = Listing(sorts=[Sort("id", "时间", SyncQuarantine.id)], tiebreak=SyncQuarantine.id, default_sort="id",
                     default_desc=True)
FLAGS = Listing(sorts=[Sort("id", "时间", ReviewFlag.id)], tiebreak=ReviewFlag.id, default_sort="id",
                default_desc=True)


def _terminal_codes(session: Any) -> dict[int, str]:
    return dict(session.execute(select(Terminal.id, Terminal.code)).all())


@router.get("/sync/quarantine")
def quarantined(request: Request, viewer: QuarantineReader, session: SessionDep, terminal_id: OptionalId = None,
                state: OptionalText = None) -> Response:
    stmt = select(SyncQuarantine)
    if viewer.principal.store_id is not None:
        stmt = stmt.where(SyncQuarantine.store_id == viewer.principal.store_id)
    if terminal_id is not None:
        stmt = stmt.where(SyncQuarantine.terminal_id == terminal_id)
    if state != "all":
        stmt = stmt.where(SyncQuarantine.resolved_at.is_(None))
    terminals = _terminal_codes(session)
    stores = dict(session.execute(select(Store.id, Store.code)).all())

    def cells(q: SyncQuarantine) -> list[Any]:
        return [q.received_at, terminals.get(q.terminal_id), stores.get(q.store_id or 0), q.seq, q.type, q.event_id,
                q.code, pick(viewer.locale, q.message, q.message_en), q.resolution, q.resolved_at, q.note]

    return list_page(request, viewer, session, QUARANTINE, stmt, template="sync/quarantine.html",
                     export=QUARANTINE_EXPORT, cells=cells, terminals=terminals, stores=stores,
                     terminal_id=terminal_id, state=state or "", can_resolve=viewer.can(P.ORG_WRITE),
                     flash_ok=viewer.t("已保存") if request.query_params.get("saved") else None)


QUARANTINE_EXPORT = ListExport("隔离事件", "Quarantined events", [
    Column("接收时间", "Received", Kind.DATETIME), Column("终端", "Terminal"), Column("门店", "Store"),
    Column("序号", "Seq", Kind.INT), Column("事件类型", "Event type"), Column("事件号", "Event id"),
    Column("原因代码", "Code"), Column("原因", "Reason", width=40), Column("处理结果", "Resolution"),
    Column("处理时间", "Resolved", Kind.DATETIME), Column("处理说明", "Note", width=24)])


@router.post("/sync/quarantine/{item_id}")
async def resolve_quarantined(request: Request, item_id: ItemId, viewer: QuarantineResolver,
                              session: SessionDep) -> Response:
    form = await request.form()
    item = session.get(SyncQuarantine, item_id)
    if item is not None:
        viewer.principal.check_store(item.store_id)
    try:
        body = QuarantineResolve.model_validate({"action": form.get("action"), "note": form.get("note") or None})
        done = quarantine.resolve(session, item_id, action=body.action, note=body.note, user_id=viewer.user_id)
        record_change(session, viewer, request, action=f"quarantine.{body.action}", entity_type="quarantine",
                      entity_id=item_id, before={"resolved": False}, after={"resolution": done["resolution"]},
                      reason=body.note)
    except (ValidationError, DomainError) as exc:
        session.rollback()
        return render(request, viewer, "error.html", status=422, title=viewer.t("请求无效"),
                      message=form_errors(viewer.locale, exc).general or "")
    return RedirectResponse("/sync/quarantine?saved=1", status_code=303)


@router.get("/sync/flags")
def flags(request: Request, viewer: FlagReader, session: SessionDep, terminal_id: OptionalId = None,
          kind: OptionalText = None, state: OptionalText = None) -> Response:
    stmt = select(ReviewFlag)
    if viewer.principal.store_id is not None:
        stmt = stmt.where(ReviewFlag.store_id == viewer.principal.store_id)
    if terminal_id is not None:
        stmt = stmt.where(ReviewFlag.terminal_id == terminal_id)
    if kind:
        stmt = stmt.where(ReviewFlag.kind == kind)
    if state != "all":
        stmt = stmt.where(ReviewFlag.status == "open")
    terminals = _terminal_codes(session)
    stores = dict(session.execute(select(Store.id, Store.code)).all())

    def cells(f: ReviewFlag) -> list[Any]:
        names = KIND_NAMES.get(f.kind)
        return [f.created_at, pick(viewer.locale, *names) if names else f.kind, stores.get(f.store_id or 0),
                terminals.get(f.terminal_id or 0), f.subject, f.event_id,
                pick(viewer.locale, f.message_zh, f.message_en), _pairs(f.claimed), _pairs(f.computed),
                viewer.t("未处理") if f.status == "open" else viewer.t("已处理"), f.resolved_at, f.resolution_note]

    return list_page(request, viewer, session, FLAGS, stmt, template="sync/flags.html", export=FLAG_EXPORT,
                     cells=cells, terminals=terminals, stores=stores, terminal_id=terminal_id, kind=kind or "",
                     state=state or "", kind_names=KIND_NAMES, can_resolve=viewer.can(P.REVIEW_RESOLVE),
                     flash_ok=viewer.t("已保存") if request.query_params.get("saved") else None)


def _pairs(values: dict[str, Any]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in (values or {}).items())


FLAG_EXPORT = ListExport("待复核", "Review flags", [
    Column("时间", "Flagged", Kind.DATETIME), Column("类型", "Kind"), Column("门店", "Store"), Column("终端", "Terminal"),
    Column("对象", "Subject"), Column("事件号", "Event id"), Column("说明", "What happened", width=40),
    Column("终端声称", "Claimed", width=30), Column("总部核算", "Central computed", width=30), Column("状态", "Status"),
    Column("处理时间", "Resolved", Kind.DATETIME), Column("处理说明", "Note", width=24)])


@router.post("/sync/flags/{flag_id}")
async def resolve_flag(request: Request, flag_id: ItemId, viewer: FlagResolver, session: SessionDep) -> Response:
    form = await request.form()
    row = review.get_flag(session, flag_id, for_update=True)
    viewer.principal.check_store(row.store_id)
    note = str(form.get("note") or "")
    try:
        review.resolve(session, row, note=note, user_id=viewer.user_id)
        record_change(session, viewer, request, action="review_flag.resolve", entity_type="review_flag",
                      entity_id=flag_id, before={"status": "open"}, after={"status": "resolved"}, reason=note.strip())
    except DomainError as exc:
        session.rollback()
        return render(request, viewer, "error.html", status=422, title=viewer.t("请求无效"),
                      message=form_errors(viewer.locale, exc).general or "")
    return RedirectResponse("/sync/flags?saved=1", status_code=303)
