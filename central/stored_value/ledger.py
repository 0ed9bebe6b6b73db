"""Posting stored value: the ledger row and the member's balance together, in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from central.db import utcnow
from central.errors import Invalid, not_found
from central.members.models import Member
from central.stored_value.models import StoredValueEntry
from sync.master import Entity

KINDS = ("topup", "bonus", "pay", "refund", "adjust")


def post(session: Session, *, member_id: str, amount_fen: int, kind: str, source_type: str, source_id: str,
         occurred_at: datetime, store_id: int | None = None, terminal_id: int | None = None,
         receipt_no: str | None = None, user_id: int | None = None, note: str | None = None,
         recorded_at: datetime | None = None) -> StoredValueEntry | None:
    """Move a member's stored value by `amount_fen` (signed) and append the ledger row; None when 0.

    The balance moves by one atomic `UPDATE … RETURNING` (which also locks the member's row until the
    transaction ends), so two stores' payments arriving at once cannot lose an update. A payment
    that takes the balance below zero is kept and marked `overdrawn`: the till already took it.
    The unique key (source, kind) refuses a second movement for the same document."""
    if kind not in KINDS:
        raise Invalid(f"未知的储值变动类型 {kind}", f"unknown stored-value kind {kind}", code="stored_value_kind",
                      field="kind")
    if amount_fen == 0:
        return None
    balance = session.execute(
        update(Member).where(Member.id == member_id)
        .values(stored_value_fen=Member.stored_value_fen + amount_fen, updated_at=utcnow())
        .returning(Member.stored_value_fen)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()
    if balance is None:
        raise not_found("会员", "member", "member_id", member_id)
    loaded = session.identity_map.get(identity_key(Member, member_id))
    if loaded is not None:  # moved by SQL: a loaded member must not show the old balance
        session.expire(loaded, ["stored_value_fen", "updated_at"])
    _publish_balance(session, member_id)
    entry = StoredValueEntry(
        member_id=member_id, kind=kind, amount_fen=amount_fen, balance_after=int(balance),
        overdrawn=balance < 0 and amount_fen < 0, source_type=source_type, source_id=source_id,
        receipt_no=receipt_no, store_id=store_id, terminal_id=terminal_id, occurred_at=occurred_at,
        recorded_at=recorded_at or utcnow(), user_id=user_id, note=note)
    session.add(entry)
    session.flush()
    return entry


def _publish_balance(session: Session, member_id: str) -> None:
    """Tell the change feed the member changed: tills show the balance and let members pay up to it."""
    from central.syncing.feed import touch

    touch(session, Entity.MEMBER, [member_id])
