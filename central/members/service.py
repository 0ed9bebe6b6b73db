"""Head-office work on members: sign-up at the counter, edits, manual points adjustments.

Who may change what is decided here, not in the API or the console pages (both, and the Excel import,
call these functions with the caller as `who`; None = a command or the system):
- `members.write`: sign members up (at level `normal`) and change their `CONTACT_FIELDS`;
- `members.manage`: also the card number, level and active flag (`MANAGED_FIELDS`);
- `members.adjust_points`: correct points by hand, with a reason (head office);
and a store-scoped caller (store manager, cashier) only touches members of their own store.
Every change is audited in the caller's transaction (`central.audit.service.record`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from central.audit import service as audit
from central.auth.principal import Principal
from central.auth.roles import Permission
from central.db import utcnow
from central.errors import Conflict, Forbidden, Invalid, not_found
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


CONTACT_FIELDS = frozenset({"name", "phone", "birthday"})
"""What `members.write` alone may change on a member (a cashier: on members of their own store)."""

MANAGED_FIELDS = frozenset({"card_no", "level", "active", "home_store_id"})
"""What needs `members.manage`: the card, the level (it sets prices and points) and the active flag."""


def authorize_change(who: Principal | None, member: Member | None, fields: dict[str, Any]) -> None:
    """Raise Forbidden unless `who` may sign up (`member` None) or change `member` with `fields`."""
    if who is None:
        return
    who.require(Permission.MEMBERS_WRITE)
    if member is not None:
        who.check_store(member.home_store_id, "home_store_id")
    if "home_store_id" in fields:
        who.check_store(fields["home_store_id"], "home_store_id")
    managed = sorted(k for k in fields if k in MANAGED_FIELDS
                     and not (member is None and (k in ("card_no", "home_store_id")
                                                  or (k == "level" and fields[k] == "normal")
                                                  or (k == "active" and fields[k] is True))))
    if managed and not who.has(Permission.MEMBERS_MANAGE):
        raise Forbidden(f"没有权限修改会员的{'、'.join(managed)}（需要 members.manage）",
                        f"changing a member's {', '.join(managed)} needs members.manage",
                        code="permission_denied", field=managed[0])


def _image(member: Member, keys: Any) -> dict[str, Any]:
    return {k: getattr(member, k) for k in keys}


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


def create_member(session: Session, who: Principal | None = None, *, audited: bool = True,
                  **fields: Any) -> Member:
    """A new member; a store-scoped caller signs members up at their own store (the default).

    `audited=False`: the caller records the change itself (the Excel import, in bulk)."""
    if who is not None and who.store_id is not None and fields.get("home_store_id") is None:
        fields["home_store_id"] = who.store_id
    authorize_change(who, None, fields)
    _check(session, fields)
    now = utcnow()
    member = Member(id=uuid7(), points_balance=0, created_at=now, received_at=now, updated_at=now, **fields)
    session.add(member)
    session.flush()
    if audited:
        audit.record(session, actor=who, action="member.create", entity_type="member", entity_id=member.id,
                     after=dict(fields))
    return member


def update_member(session: Session, member: Member, changes: dict[str, Any], who: Principal | None = None, *,
                  audited: bool = True) -> Member:
    """Apply a PATCH's `changes` (only the fields it names) if `who` may make them; audited."""
    authorize_change(who, member, changes)
    _check(session, changes, member.id)
    before = _image(member, changes)
    for key, value in changes.items():
        setattr(member, key, value)
    member.updated_at = utcnow()
    session.flush()
    if audited:
        old, new = audit.changed_fields(before, _image(member, changes))
        if new or old:
            audit.record(session, actor=who, action="member.update", entity_type="member", entity_id=member.id,
                         before=old, after=new)
    return member


def adjust_points(session: Session, member: Member, *, points: int, note: str, user_id: int | None,
                  who: Principal | None = None) -> PointsEntry:
    """A head-office correction (goodwill, fixing an overdraw): a ledger row like any other, with the
    reason it was made (required: the ledger is what a member disputing their points is shown).

    Needs `members.adjust_points` (and the member's store, for a store-scoped holder); audited as
    `member.points_adjust` with the balance before and after."""
    if who is not None:
        who.require(Permission.MEMBERS_ADJUST_POINTS)
        who.check_store(member.home_store_id, "home_store_id")
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
    audit.record(session, actor=who, action="member.points_adjust", entity_type="member", entity_id=member.id,
                 before={"points_balance": entry.balance_after - points},
                 after={"points_balance": entry.balance_after, "points": points}, reason=note)
    return entry
