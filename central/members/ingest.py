"""Applying `member.created` from a till (called by the sync engine inside its transaction).

A member made offline carries a UUID made on the till and a card number; the card number must
be unique (a clash is a conflict to resolve). The same phone at two stores is accepted and the
newcomer flagged `duplicate_phone` for head office to merge: refusing it would orphan the
member's sales that follow in the outbox.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from central.errors import Conflict, Invalid, WrongScope
from central.members.models import Member
from central.review.service import flag
from sync.events import MemberCreated

SIGN_UP_LEVEL = "normal"
"""The level a member signed up at a till starts at (a cashier does not give levels: docs/roles.md)."""


def parse_birthday(text: str | None) -> date | None:
    """ISO date (YYYY-MM-DD) or None; anything else is a clear error naming the field."""
    if text is None or text == "":
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid(f"生日格式不对：{text}（应为 YYYY-MM-DD）", f"bad birthday {text!r} (want YYYY-MM-DD)",
                      code="birthday", field="birthday") from None


def apply_member_created(session: Session, ev: MemberCreated, *, terminal_id: int, store_id: int,
                         received_at: datetime) -> Member:
    """Create the member the till signed up; never commits."""
    if ev.store_id != store_id:
        raise WrongScope(f"事件属于门店 {ev.store_id}，不是本终端的门店 {store_id}",
                         f"event is for store {ev.store_id}, not this terminal's store {store_id}",
                         field="store_id")
    birthday = parse_birthday(ev.birthday)
    clash = session.execute(select(Member.id, Member.card_no).where(
        or_(Member.id == ev.member_id, Member.card_no == ev.card_no))).first()
    if clash is not None:
        field = "member_id" if clash.id == ev.member_id else "card_no"
        raise Conflict(f"会员已存在（{field}）：{ev.card_no}", f"member already exists ({field}): {ev.card_no}",
                       code="duplicate_member", field=field)
    level = ev.level
    if level != SIGN_UP_LEVEL:  # a till signs members up at the normal level; a level is head office's to give
        flag(session, kind="member_level", store_id=store_id, terminal_id=terminal_id, event_id=None,
             subject=ev.card_no, claimed={"level": ev.level}, computed={"level": SIGN_UP_LEVEL},
             message_zh=f"收银台新建会员 {ev.card_no} 时声称等级为 {ev.level}，已按普通会员建档",
             message_en=f"the till signed member {ev.card_no} up at level {ev.level}; kept at normal")
        level = SIGN_UP_LEVEL
    duplicate_phone = bool(ev.phone) and session.scalar(
        select(Member.id).where(Member.phone == ev.phone).limit(1)) is not None
    member = Member(
        id=ev.member_id, card_no=ev.card_no, phone=ev.phone, name=ev.name, birthday=birthday,
        level=level, home_store_id=store_id, points_balance=0, duplicate_phone=duplicate_phone,
        active=True, created_at=ev.created_at, received_at=received_at,
        created_by_terminal_id=terminal_id, updated_at=received_at)
    session.add(member)
    session.flush()
    return member
