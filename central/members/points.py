"""Posting points: ledger row and balance together, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session

from central.db import utcnow
from central.errors import Invalid, not_found
from central.members.models import Member, PointsEntry

POINT_KINDS = ("earn", "redeem", "reverse", "refund", "adjust")


def post_points(session: Session, *, member_id: str, points: int, kind: str, source_type: str,
                source_id: str, occurred_at: datetime, store_id: int | None = None,
                user_id: int | None = None, note: str | None = None,
                recorded_at: datetime | None = None) -> PointsEntry | None:
    """Add `points` (signed) to a member's balance and append the ledger row; None when 0.

    The balance is moved by one atomic UPDATE … RETURNING (which also locks the member row until
    the transaction ends), so concurrent redemptions cannot lose an update. An overdraw is kept
    and flagged, never refused: the till already gave the discount.
    """
    if kind not in POINT_KINDS:
        raise Invalid(f"未知的积分类型 {kind}", f"unknown points kind {kind}", code="points_kind",
                      field="kind")
    if points == 0:
        return None
    balance = session.execute(
        update(Member).where(Member.id == member_id)
        .values(points_balance=Member.points_balance + points)
        .returning(Member.points_balance)
    ).scalar_one_or_none()
    if balance is None:
        raise not_found("会员", "member", "member_id", member_id)
    _publish_balance(session, member_id)
    now = recorded_at or utcnow()
    entry = PointsEntry(
        member_id=member_id, kind=kind, points=points, balance_after=balance,
        overdrawn=balance < 0 and points < 0, source_type=source_type, source_id=source_id,
        store_id=store_id, occurred_at=occurred_at, recorded_at=now, user_id=user_id, note=note)
    session.add(entry)
    return entry



def _publish_balance(session: Session, member_id: str) -> None:
    """Tell the change feed the member changed: the balance moved by SQL the session hooks don't see,
    and tills show the balance (the terminal-side redemption limit comes from it)."""
    from central.syncing.feed import touch
    from sync.master import Entity

    touch(session, Entity.MEMBER, [member_id])
