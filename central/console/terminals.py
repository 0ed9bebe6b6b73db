"""Terminals (收银机 and 业务员平板): enrol one by showing a one-time code and its QR code, see each
terminal's version, last contact and pending events, its quarantined events and flagged claims, and
revoke it. Same services as `/api/v1/enrolment-codes` and `/api/v1/terminals/{id}/revoke`; a store
manager sees and enrols their own store's terminals only. The sync health pages (`/sync/...`) list
the quarantined events and flagged claims with what to do about each.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.api.deps import SessionDep
from central.auth.roles import DeviceKind, Role
from central.auth.roles import Permission as P
from central.console.audit_view import record_change, trail
from central.console.exporting import ListExport, list_page
from central.console.i18n import register
from central.console.labels import TERMINAL_KINDS, label
from central.console.listing import Listing, PageOf, Sort
from central.console.qr import qr_svg
from central.console.web import (
    NAV,
    ConsoleRoute,
    FormErrors,
    NavItem,
    OptionalId,
    OptionalText,
    Viewer,
    form_errors,
    page,
    render,
)
from central.db import utcnow
from central.errors import DomainError
from central.excel import Column, Kind
from central.org import service
from central.org.models import Store, Terminal
from central.org.schemas import EnrolmentCodeIn, RevokeIn
from central.review.models import ReviewFlag
from central.syncing.models import SyncQuarantine, TerminalContact
from central.users.models import User

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/terminals", "终端|nav", (P.TERMINALS_MANAGE,), order=80))
Admin = Annotated[Viewer, page(P.TERMINALS_MANAGE)]
TerminalId = Annotated[int, Path(ge=1, le=2_147_483_647)]
STALE_AFTER = timedelta(hours=1)

register({
    "终端": "Terminal", "注册新终端": "Enrol a terminal", "注册码": "Enrolment code", "有效期（小时）": "Valid for (hours)",
    "终端类型": "Kind", "业务员（平板）": "Sales rep (tablet)", "生成注册码": "Make the code",
    "在终端上输入此注册码，或用平板扫描二维码。注册码只能使用一次，{at} 前有效。":
        "Type this code on the terminal, or scan the QR code with the tablet. It works once, until {at}.",
    "命令行注册：": "From a command line:", "注册时间": "Enrolled", "最后推送": "Last push", "最后拉取": "Last pull",
    "地址": "Address", "已吊销": "Revoked", "正常": "Active", "吊销": "Revoke", "吊销原因": "Reason",
    "吊销后此终端的所有请求都会被拒绝，需重新注册。确定吊销吗？":
        "Every request of this terminal will be refused until it is enrolled again. Revoke it?",
    "此终端已于 {at} 吊销": "This terminal was revoked on {at}", "全部类型": "All kinds", "全部状态": "All",
    "终端名称": "Name", "未联系": "never", "联系超时": "out of touch", "二维码": "QR code",
})


TERMINALS = Listing(sorts=[Sort("code", "终端", Terminal.code), Sort("enrolled", "注册时间", Terminal.enrolled_at)],
                    tiebreak=Terminal.id, default_sort="code")


def _stores(session: Session, viewer: Viewer) -> list[tuple[int, str]]:
    stmt = select(Store.id, Store.name).where(Store.active).order_by(Store.code)
    if viewer.principal.store_id is not None:
        stmt = stmt.where(Store.id == viewer.principal.store_id)
    return [(i, n) for i, n in session.execute(stmt)]


@router.get("/terminals")
def terminals(request: Request, viewer: Admin, session: SessionDep, store_id: OptionalId = None,
              kind: OptionalText = None, status: OptionalText = None) -> Response:
    stmt = (select(Terminal, Store.code, TerminalContact)
            .join(Store, Store.id == Terminal.store_id)
            .outerjoin(TerminalContact, TerminalContact.terminal_id == Terminal.id))
    if viewer.principal.store_id is not None:
        stmt = stmt.where(Terminal.store_id == viewer.principal.store_id)
    if store_id is not None:
        stmt = stmt.where(Terminal.store_id == store_id)
    if kind in TERMINAL_KINDS:
        stmt = stmt.where(Terminal.kind == kind)
    if status == "active":
        stmt = stmt.where(Terminal.revoked_at.is_(None))
    elif status == "revoked":
        stmt = stmt.where(Terminal.revoked_at.is_not(None))

    def open_items(ids: list[int]) -> tuple[dict[Any, int], dict[Any, int]]:
        quarantined = dict(session.execute(select(SyncQuarantine.terminal_id, func.count()).where(
            SyncQuarantine.terminal_id.in_(ids), SyncQuarantine.resolved_at.is_(None)).group_by(
            SyncQuarantine.terminal_id)).all())
        flags = dict(session.execute(select(ReviewFlag.terminal_id, func.count()).where(
            ReviewFlag.terminal_id.in_(ids), ReviewFlag.status == "open").group_by(ReviewFlag.terminal_id)).all())
        return quarantined, flags

    def per_page(result: PageOf) -> dict[str, Any]:
        quarantined, flags = open_items([t.id for t, _code, _contact in result.rows])
        return {"quarantined": quarantined, "flags": flags}

    def cells(row: tuple[Terminal, str, TerminalContact | None]) -> list[Any]:
        t, store_code, c = row
        quarantined, flags = open_items([t.id])  # one terminal at a time: a chain has hundreds, not millions
        return [t.code, t.name, store_code, label(viewer.locale, TERMINAL_KINDS, t.kind),
                c.client_version if c else None, c.last_contact_at if c else None,
                c.pending_events if c else None, quarantined.get(t.id, 0), flags.get(t.id, 0), t.enrolled_at,
                viewer.t("已吊销") if t.revoked_at else viewer.t("正常")]

    return list_page(request, viewer, session, TERMINALS, stmt, template="terminals/list.html",
                     export=TERMINAL_EXPORT, cells=cells, per_page=per_page, stores=_stores(session, viewer),
                     store_id=store_id, kind=kind or "", status_filter=status or "", kinds=TERMINAL_KINDS,
                     kind_label=lambda k: label(viewer.locale, TERMINAL_KINDS, k),
                     stale_before=utcnow() - STALE_AFTER, reps=_reps(session, viewer))


TERMINAL_EXPORT = ListExport("终端", "Terminals", [
    Column("终端", "Terminal"), Column("终端名称", "Name"), Column("门店", "Store"), Column("终端类型", "Kind"),
    Column("版本", "Version"), Column("最后联系", "Last contact", Kind.DATETIME),
    Column("待上传", "Pending events", Kind.INT), Column("隔离事件", "Quarantined", Kind.INT),
    Column("待复核", "To review", Kind.INT), Column("注册时间", "Enrolled", Kind.DATETIME), Column("状态", "Status")])


def _reps(session: Session, viewer: Viewer) -> dict[int, str]:
    stmt = select(User.id, User.display_name).where(User.role == Role.SALES_REP.value, User.active)
    if viewer.principal.store_id is not None:
        stmt = stmt.where(User.store_id == viewer.principal.store_id)
    return dict(session.execute(stmt.order_by(User.username)).all())


def _enrol_page(request: Request, viewer: Viewer, session: Session, *, errors: FormErrors,
                values: dict[str, Any], made: dict[str, Any] | None = None) -> Response:
    response = render(request, viewer, "terminals/enrol.html", stores=_stores(session, viewer),
                      reps=_reps(session, viewer), kinds=TERMINAL_KINDS, errors=errors, values=values, made=made)
    response.headers["Cache-Control"] = "no-store"  # the code is a secret until it is used
    return response


@router.get("/terminals/enrol")
def enrol_form(request: Request, viewer: Admin, session: SessionDep) -> Response:
    return _enrol_page(request, viewer, session, errors=FormErrors(), values={"kind": "pos", "ttl_hours": 24})


@router.post("/terminals/enrol")
async def enrol(request: Request, viewer: Admin, session: SessionDep) -> Response:
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in ("store_id", "kind", "rep_user_id", "ttl_hours")}
    try:
        body = EnrolmentCodeIn.model_validate({
            "store_id": values["store_id"] or None, "kind": values["kind"] or "pos",
            "rep_user_id": (values["rep_user_id"] or None) if values["kind"] == DeviceKind.REP.value else None,
            "ttl_hours": values["ttl_hours"] or "24"})
        code, row = service.make_enrolment_code(session, store_id=body.store_id, kind=body.kind,
                                                rep_user_id=body.rep_user_id, ttl=timedelta(hours=body.ttl_hours),
                                                who=viewer.principal)
        record_change(session, viewer, request, action="enrolment_code.create", entity_type="store",
                      entity_id=body.store_id, before=None,
                      after={"kind": row.kind, "rep_user_id": row.rep_user_id, "expires_at": row.expires_at})
    except (ValidationError, DomainError) as exc:
        session.rollback()
        return _enrol_page(request, viewer, session, errors=form_errors(viewer.locale, exc), values=values)
    server = str(request.base_url).rstrip("/")
    payload = json.dumps({"server": server, "code": code}, separators=(",", ":"))
    store = session.get(Store, row.store_id)
    made = {"code": code, "expires_at": row.expires_at, "kind": row.kind, "store": store.name if store else "",
            "qr": qr_svg(payload), "server": server}
    return _enrol_page(request, viewer, session, errors=FormErrors(), values=values, made=made)


@router.get("/terminals/{terminal_id}")
def terminal(request: Request, terminal_id: TerminalId, viewer: Admin, session: SessionDep) -> Response:
    found = service.get_terminal(session, terminal_id, viewer.principal)
    return _terminal_page(request, viewer, session, found, FormErrors())


def _terminal_page(request: Request, viewer: Viewer, session: Session, found: Terminal, errors: FormErrors) -> Response:
    contact = session.get(TerminalContact, found.id)
    store = session.get(Store, found.store_id)
    quarantined = session.scalars(select(SyncQuarantine).where(SyncQuarantine.terminal_id == found.id)
                                  .order_by(SyncQuarantine.id.desc()).limit(20)).all()
    flags = session.scalars(select(ReviewFlag).where(ReviewFlag.terminal_id == found.id)
                            .order_by(ReviewFlag.id.desc()).limit(20)).all()
    rep = session.get(User, found.rep_user_id) if found.rep_user_id else None
    return render(request, viewer, "terminals/detail.html", terminal=found, contact=contact, store=store, rep=rep,
                  quarantined=quarantined, flags=flags, errors=errors,
                  kind_label=lambda k: label(viewer.locale, TERMINAL_KINDS, k),
                  stale=contact is None or utcnow() - contact.last_contact_at > STALE_AFTER,
                  trail=trail(session, "terminal", found.id), saved=request.query_params.get("saved") == "1")


@router.post("/terminals/{terminal_id}/revoke")
async def revoke(request: Request, terminal_id: TerminalId, viewer: Admin, session: SessionDep) -> Response:
    form = await request.form()
    found = service.get_terminal(session, terminal_id, viewer.principal)
    try:
        body = RevokeIn.model_validate({"reason": str(form.get("reason") or "").strip() or None})
        service.revoke_terminal(session, found, reason=body.reason)
        record_change(session, viewer, request, action="terminal.revoke", entity_type="terminal", entity_id=found.id,
                      before={"revoked_at": None}, after={"revoked_at": found.revoked_at}, reason=body.reason)
    except (ValidationError, DomainError) as exc:
        session.rollback()
        return _terminal_page(request, viewer, session, service.get_terminal(session, terminal_id),
                              form_errors(viewer.locale, exc))
    return RedirectResponse(f"/terminals/{found.id}?saved=1", status_code=303)
