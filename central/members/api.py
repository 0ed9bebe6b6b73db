"""Members API: find, sign up, edit, the points ledger and head-office adjustments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from central.api.deps import IdQuery, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import changes_of
from central.auth.deps import CurrentUser, require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.members import service
from central.members.models import Member, PointsEntry
from central.members.schemas import MemberIn, MemberOut, MemberPatch, PointsAdjustIn, PointsEntryOut

router = APIRouter(tags=["members 会员"])

Reader = Annotated[Principal, require(P.MEMBERS_READ)]
Writer = Annotated[Principal, require(P.MEMBERS_WRITE, devices=False)]
MemberId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[0-9a-fA-F-]+$")]


@router.get("/members", response_model=Page[MemberOut], summary="会员列表 / members")
def list_members(session: SessionDep, _who: Reader, page: PageDep,
                 q: Annotated[str | None, Query(max_length=32,
                                                description="card number, phone, name or its pinyin initials")] = None,
                 level: Annotated[str | None, Query(max_length=16)] = None, home_store_id: IdQuery = None,
                 overdrawn: Annotated[bool | None, Query(description="only members below zero points")] = None,
                 duplicate_phone: Annotated[bool | None, Query()] = None) -> object:
    stmt = service.search_members(q=q, level=level, home_store_id=home_store_id, overdrawn=overdrawn,
                                  duplicate_phone=duplicate_phone).order_by(Member.card_no)
    return paginate(session, stmt, page, MemberOut.model_validate)


@router.post("/members", response_model=MemberOut, status_code=201, summary="新会员 / sign up a member")
def create_member(body: MemberIn, session: SessionDep, who: Writer) -> object:
    return service.create_member(session, who, **body.model_dump())


@router.get("/members/{member_id}", response_model=MemberOut, summary="会员详情")
def get_member(member_id: MemberId, session: SessionDep, _who: Reader) -> object:
    return service.get_member(session, member_id)


@router.patch("/members/{member_id}", response_model=MemberOut,
              summary="修改会员 / edit a member (contact fields: members.write; card, level, active: members.manage)")
def patch_member(member_id: MemberId, body: MemberPatch, session: SessionDep, who: Writer) -> object:
    member = service.get_member(session, member_id)
    return service.update_member(session, member, changes_of(body, required=("card_no", "level", "active")), who)


@router.get("/members/{member_id}/points", response_model=Page[PointsEntryOut], summary="积分流水 / points ledger")
def points_ledger(member_id: MemberId, session: SessionDep, _who: Reader, page: PageDep) -> object:
    service.get_member(session, member_id)
    stmt = select(PointsEntry).where(PointsEntry.member_id == member_id).order_by(PointsEntry.id.desc())
    return paginate(session, stmt, page, PointsEntryOut.model_validate)


@router.post("/members/{member_id}/points/adjustments", response_model=PointsEntryOut, status_code=201,
             summary="积分调整 / adjust points (head office)")
def adjust_points(member_id: MemberId, body: PointsAdjustIn, session: SessionDep, user: CurrentUser,
                  who: Annotated[Principal, require(P.MEMBERS_ADJUST_POINTS, devices=False)]) -> object:
    member = service.get_member(session, member_id)
    return service.adjust_points(session, member, points=body.points, note=body.note or "", user_id=user.user_id,
                                 who=who)
