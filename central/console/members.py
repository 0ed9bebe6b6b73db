"""Members (会员): search by name, phone, card or pinyin initials; a member's points ledger and purchase
history; edits (`MemberPatch`); points adjustments with a reason, for the roles that may make them
(`members.adjust_points`: head office, not store staff). Same services as `/api/v1/members`, which
decide who may change what (`central.members.service.authorize_change`) and audit every change."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.api.deps import SessionDep
from central.api.types import changes_of
from central.auth.roles import Permission as P
from central.console.audit_view import trail
from central.console.exporting import ListExport, list_page
from central.console.i18n import register
from central.console.labels import POINT_KINDS, label
from central.console.listing import Listing, Sort
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
from central.errors import DomainError, Forbidden
from central.excel import Column, Kind
from central.members import service
from central.members.models import Member, PointsEntry
from central.members.schemas import MemberPatch, PointsAdjustIn
from central.org.models import Store
from central.pricing.models import MemberLevel
from central.sales.models import Sale

router = APIRouter(route_class=ConsoleRoute, include_in_schema=False)
NAV.append(NavItem("/members", "会员|nav", (P.MEMBERS_READ,), order=40))
Reader = Annotated[Viewer, page(P.MEMBERS_READ)]
Writer = Annotated[Viewer, page(P.MEMBERS_READ, P.MEMBERS_WRITE)]
Adjuster = Annotated[Viewer, page(P.MEMBERS_READ, P.MEMBERS_ADJUST_POINTS)]
MemberId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[0-9a-fA-F-]+$")]

register({
    "会员卡号": "Card number", "手机号": "Phone", "姓名": "Name", "等级": "Level", "积分": "Points",
    "开卡门店": "Home store", "开卡时间": "Joined", "姓名、手机号、卡号或拼音首字母": "Name, phone, card number or pinyin initials",
    "全部等级": "All levels", "积分流水": "Points ledger", "消费记录": "Purchase history", "调整积分": "Adjust points",
    "积分变动": "Points", "余额": "Balance", "来源": "Source", "备注": "Note", "调整原因": "Reason",
    "正数增加，负数扣减": "positive adds, negative takes away", "已调整积分": "Points adjusted",
    "小票号": "Receipt", "生日": "Birthday", "修改会员": "Edit member", "透支": "Overdrawn",
    "手机号与他人重复": "Phone shared with another member", "更多": "More", "门店|col": "Store",
})

MEMBERS = Listing(sorts=[Sort("card", "会员卡号", Member.card_no), Sort("name", "姓名", Member.name_pinyin),
                         Sort("joined", "开卡时间", Member.created_at), Sort("points", "积分", Member.points_balance)],
                  tiebreak=Member.id, default_sort="joined", default_desc=True)


def _filters(q: str | None, level: str | None, home_store_id: int | None) -> Any:
    return service.search_members(q=(q or "").strip() or None, level=level or None, home_store_id=home_store_id)


def _levels(session: Session) -> dict[str, str]:
    return dict(session.execute(select(MemberLevel.code, MemberLevel.name).order_by(MemberLevel.sort_order)).all())


MEMBER_EXPORT = ListExport("会员", "Members", [
    Column("会员卡号", "Card number"), Column("姓名", "Name"), Column("手机号", "Phone"), Column("等级", "Level"),
    Column("积分", "Points", Kind.INT), Column("开卡门店", "Home store"), Column("开卡时间", "Joined", Kind.DATETIME),
    Column("启用", "Active", Kind.BOOL)])


@router.get("/members")
def members(request: Request, viewer: Reader, session: SessionDep, q: OptionalText = None, level: OptionalText = None,
            home_store_id: OptionalId = None) -> Response:
    stores = dict(session.execute(select(Store.id, Store.name).order_by(Store.code)).all())
    levels = _levels(session)

    def cells(m: Member) -> list[Any]:
        return [m.card_no, m.name, m.phone, levels.get(m.level, m.level), m.points_balance,
                stores.get(m.home_store_id or 0), m.created_at, m.active]

    return list_page(request, viewer, session, MEMBERS, _filters(q, level, home_store_id), template="members/list.html",
                     export=MEMBER_EXPORT, cells=cells, q=q or "", level=level or "", home_store_id=home_store_id,
                     levels=levels, stores=stores)


LEDGER = Listing(sorts=[Sort("id", "时间", PointsEntry.id)], tiebreak=PointsEntry.id, default_sort="id",
                 default_desc=True)


def _member_page(request: Request, viewer: Viewer, session: Session, member: Member, *,
                 errors: FormErrors | None = None, values: dict[str, Any] | None = None,
                 flash: str | None = None) -> Response:
    ledger = LEDGER.page(session, select(PointsEntry).where(PointsEntry.member_id == member.id),
                         LEDGER.params(request))
    purchases = session.execute(
        select(Sale.id, Sale.receipt_no, Sale.sold_at, Sale.total_fen, Sale.points_earned, Store.name)
        .join(Store, Store.id == Sale.store_id).where(Sale.member_id == member.id)
        .order_by(Sale.sold_at.desc()).limit(20)).all()
    store = session.get(Store, member.home_store_id) if member.home_store_id else None
    mine = viewer.principal.may_see_store(member.home_store_id)  # store staff change their store's members only
    return render(request, viewer, "members/detail.html", member=member, ledger=ledger, purchases=purchases,
                  home_store=store, levels=_levels(session), errors=errors or FormErrors(), values=values or {},
                  flash_ok=flash, kind_label=lambda k: label(viewer.locale, POINT_KINDS, k),
                  trail=trail(session, "member", member.id),
                  can_adjust=viewer.can(P.MEMBERS_ADJUST_POINTS) and mine,
                  can_write=viewer.can(P.MEMBERS_WRITE) and mine, can_manage=viewer.can(P.MEMBERS_MANAGE))


@router.get("/members/{member_id}")
def member(request: Request, member_id: MemberId, viewer: Reader, session: SessionDep) -> Response:
    found = service.get_member(session, member_id)
    flash = viewer.t("已保存") if request.query_params.get("saved") else None
    return _member_page(request, viewer, session, found, flash=flash)


def _image(m: Member) -> dict[str, Any]:
    return {"card_no": m.card_no, "name": m.name, "phone": m.phone, "birthday": m.birthday, "level": m.level,
            "active": m.active}


@router.post("/members/{member_id}")
async def edit_member(request: Request, member_id: MemberId, viewer: Writer, session: SessionDep) -> Response:
    form = await request.form()
    found = service.get_member(session, member_id)
    before = _image(found)
    data: dict[str, Any] = {k: (str(form.get(k) or "").strip() or None)
                            for k in ("card_no", "name", "phone", "birthday", "level")}
    data["active"] = form.get("active") == "on"
    if not viewer.can(P.MEMBERS_MANAGE):  # their form has no card, level or active fields
        data = {k: v for k, v in data.items() if k not in service.MANAGED_FIELDS}
    try:
        body = MemberPatch.model_validate(data)
        # only what the form really changes (the service refuses what this viewer may not change)
        changes = {k: v for k, v in changes_of(body, required=("card_no", "level", "active")).items()
                   if before.get(k) != v}
        service.update_member(session, found, changes, viewer.principal)
    except Forbidden:
        raise  # not a form mistake: the 403 page
    except (ValidationError, DomainError) as exc:
        session.rollback()
        found = service.get_member(session, member_id)
        return _member_page(request, viewer, session, found, errors=form_errors(viewer.locale, exc), values=data)
    return RedirectResponse(f"/members/{found.id}?saved=1", status_code=303)


@router.post("/members/{member_id}/points")
async def adjust(request: Request, member_id: MemberId, viewer: Adjuster, session: SessionDep) -> Response:
    form = await request.form()
    found = service.get_member(session, member_id)
    values = {"points": str(form.get("points") or "").strip(), "note": str(form.get("note") or "").strip()}
    try:
        body = PointsAdjustIn.model_validate({"points": values["points"] or "x", "note": values["note"] or None})
        service.adjust_points(session, found, points=body.points, note=body.note or "", user_id=viewer.user_id,
                              who=viewer.principal)
    except Forbidden:
        raise
    except (ValidationError, DomainError) as exc:
        session.rollback()
        found = service.get_member(session, member_id)
        return _member_page(request, viewer, session, found, errors=form_errors(viewer.locale, exc), values=values)
    return RedirectResponse(f"/members/{found.id}?saved=1#points", status_code=303)
