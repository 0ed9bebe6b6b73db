"""Posting points: ledger row and balance together, in the caller's transaction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from central.bulk import insert_rows, json_rows, pg_execute
from central.db import utcnow
from central.errors import Invalid, not_found
from central.members.models import Member, PointsEntry
from sync.master import Entity

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

    touch(session, Entity.MEMBER, [member_id])


@dataclass(frozen=True)
class PointsPosting:
    """One points movement to post with `post_points_many` (signed `points`)."""

    member_id: str
    points: int
    kind: str
    source_type: str
    source_id: str
    occurred_at: datetime
    store_id: int | None = None
    user_id: int | None = None
    note: str | None = None


def post_points_many(session: Session, postings: Sequence[PointsPosting],
                     *, recorded_at: datetime | None = None) -> list[tuple[PointsPosting, int]]:
    """`post_points` for many postings at once (a push batch): each member's balance moves once by
    the sum of its postings, and the ledger rows go in with one statement, each with the running
    balance it left behind and the overdraw flag, exactly as if posted one by one in order.

    PostgreSQL: the members' rows are locked in id order first (two batches touching the same
    members queue instead of deadlocking), then one `UPDATE … FROM json_to_recordset(…) RETURNING`. The lock
    is `FOR NO KEY UPDATE`, the one an UPDATE of a non-key column takes: it does not conflict with
    the key-share locks other transactions' sale rows (foreign keys to the member) hold.

    Returns the postings that overdrew a balance, each with the balance it left (for the review list).
    """
    postings = [p for p in postings if p.points != 0]
    for p in postings:
        if p.kind not in POINT_KINDS:
            raise Invalid(f"未知的积分类型 {p.kind}", f"unknown points kind {p.kind}", code="points_kind",
                          field="kind")
    if not postings:
        return []
    totals: dict[str, int] = defaultdict(int)
    for p in postings:
        totals[p.member_id] += p.points
    ids = sorted(totals)
    members: Table = Member.__table__  # type: ignore[assignment]
    after: dict[str, int] = {}
    touched = utcnow()  # members.updated_at, as the ORM's onupdate would set it
    if session.get_bind().dialect.name == "postgresql":
        # FOR NO KEY UPDATE: the lock the UPDATE itself takes
        pg_execute(session, "SELECT m.id FROM members m JOIN json_array_elements_text(%s::json) AS w(id) "
                   "ON m.id = w.id ORDER BY m.id FOR NO KEY UPDATE OF m", [json_rows(ids)])
        after = {str(m): int(b) for m, b in pg_execute(
            session, "UPDATE members SET points_balance = members.points_balance + d.delta, updated_at = %s "
            "FROM json_to_recordset(%s::json) AS d(id varchar, delta int) WHERE members.id = d.id "
            "RETURNING members.id, members.points_balance",
            [touched, json_rows([{"id": m, "delta": totals[m]} for m in ids])])}
    else:
        for m in ids:
            balance = session.execute(
                update(members).where(members.c.id == m)
                .values(points_balance=members.c.points_balance + totals[m], updated_at=touched)
                .returning(members.c.points_balance)
            ).scalar_one_or_none()
            if balance is not None:
                after[m] = int(balance)
    missing = [m for m in ids if m not in after]
    if missing:
        raise not_found("会员", "member", "member_id", missing[0])
    for m in ids:
        loaded = session.identity_map.get(identity_key(Member, m))
        if loaded is not None:  # moved by Core SQL: a loaded member must not show the old balance
            session.expire(loaded, ["points_balance", "updated_at"])
        _publish_balance(session, m)
    now = recorded_at or utcnow()
    running = {m: after[m] - totals[m] for m in ids}
    rows = []
    overdrawn: list[tuple[PointsPosting, int]] = []
    for p in postings:
        running[p.member_id] += p.points
        balance = running[p.member_id]
        if balance < 0 and p.points < 0:
            overdrawn.append((p, balance))
        rows.append({
            "member_id": p.member_id, "kind": p.kind, "points": p.points, "balance_after": balance,
            "overdrawn": balance < 0 and p.points < 0, "source_type": p.source_type, "source_id": p.source_id,
            "store_id": p.store_id, "occurred_at": p.occurred_at, "recorded_at": now, "user_id": p.user_id,
            "note": p.note})
    insert_rows(session, PointsEntry.__table__, rows)  # type: ignore[arg-type]
    return overdrawn
