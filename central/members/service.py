"""Head-office work on members: sign-up at the counter, edits, manual points adjustments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from central.db import utcnow
from central.errors import Conflict, Invalid, not_found
from central.members.models import Member, PointsEntry
from central.members.points import post_points
from central.pricing.models import MemberLevel
from sync.events import uuid7


def search_members(*, q: str | None = None, level: str | None = None, home_store_id: int | None = None,
                   overdrawn: bool | None = None, duplicate_phone: bool | None = None) -> Select[Member]:
    """A select of members matching the filters: `q` is an exact card number, part of a phone number,
    part of the name, or the name's pinyin initials (张伟 → zw)."""
    stmt = select(Member)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(or_(Member.card_no == q, Member.phone.like(like), Member.name.like(like),
                              Member.name_pinyin.like(f"{q.lower()}%")))
    if level:
        stmt = stmt.where(Member.level == level)
    if home_store_id is not None:
        stmt = stmt.where(Member.home_store_id == home_store_id)
    if overdrawn is not None:
        stmt = stmt.where(Member.points_balance < 0 if overdrawn else Member.points_balance >= 0)
    if duplicate_phone is not None:
        stmt = stmt.where(Member.duplicate_phone == duplicate_phone)
    return stmt


def get_member(session: Session, member_id: str) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise not_found("会员", "member", "member_id", member_id)
    return member


def _check(session: Session, fields: dict[str, Any], member_id: str | None = None) -> None:
    if "card_no" in fields:
        clash = session.scalar(select(Member.id).where(Member.card_no == fields["card_no"]))
        if clash is not None and clash != member_id:
            raise Conflict(f"会员卡号已存在：{fields['card_no']}", f"card number {fields['card_no']} already exists",
                           code="duplicate", field="card_no")
    if "phone" in fields and fields["phone"]:
        clash = session.scalar(select(Member.id).where(Member.phone == fields["phone"]).limit(1))
        if clash is not None and clash != member_id:
            raise Conflict(f"手机号已是会员：{fields['phone']}", f"phone {fields['phone']} already belongs to a member",
                           code="duplicate", field="phone")
    if "level" in fields and fields["level"] != "normal" and session.scalar(select(MemberLevel.id).where(MemberLevel.code == fields["level"])) is None:
        raise Invalid(f"未知的会员等级 {fields['level']}", f"unknown member level {fields['level']}",
                      code="level", field="level")


def create_member(session: Session, **fields: Any) -> Member:
    _check(session, fields)
    now = utcnow()
    member = Member(id=uuid7(), points_balance=0, created_at=now, received_at=now, updated_at=now, **fields)
    session.add(member)
    session.flush()
    return member


def update_member(session: Session, member: Member, changes: dict[str, Any]) -> Member:
    _check(session, changes, member.id)
    for key, value in changes.items():
        setattr(member, key, value)
    member.updated_at = utcnow()
    session.flush()
    return member


def adjust_points(session: Session, member: Member, *, points: int, note: str, user_id: int | None) -> PointsEntry:
    """A head-office correction (goodwill, fixing an overdraw): a ledger row like any other, with the
    reason it was made (required: the ledger is what a member disputing their points is shown)."""
    if not (note or "").strip():
        raise Invalid("调整积分须写明原因", "say why the points are adjusted (note)", code="note_required", field="note")
    if points == 0:
        raise Invalid("调整积分不能为零", "an adjustment of zero points", code="points", field="points")
    now = utcnow()
    entry = post_points(session, member_id=member.id, points=points, kind="adjust", source_type="manual",
                        source_id=f"ADJ-{uuid7()}", occurred_at=now, user_id=user_id, note=note, recorded_at=now)
    assert entry is not None
    session.flush()
    session.refresh(member)
    return entry
