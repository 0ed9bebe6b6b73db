"""A till cannot give a new member a level (#10 §4.1): the member is kept at normal and head office
sees the claim on the review list."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from central.db import session_scope
from central.members.ingest import apply_member_created
from central.members.models import Member
from central.review.models import ReviewFlag
from sync.events import MemberCreated, uuid7

from .conftest import T0, World
from .test_members_customers_ingest import NOW


def test_a_level_claimed_by_the_till_is_not_given(engine: Engine, world: World) -> None:
    ev = MemberCreated(member_id=uuid7(), card_no="M7001", phone="13900000077", name="王五", birthday=None,
                       level="gold", store_id=world.store, created_at=T0)
    with session_scope(engine) as s:
        apply_member_created(s, ev, terminal_id=world.terminal, store_id=world.store, received_at=NOW)
    with Session(engine) as s:
        member = s.get(Member, ev.member_id)
        assert member is not None
        assert member.level == "normal"
        flags = s.scalars(select(ReviewFlag).where(ReviewFlag.kind == "member_level")).all()
        assert [(f.subject, f.claimed, f.computed, f.store_id) for f in flags] == [
            ("M7001", {"level": "gold"}, {"level": "normal"}, world.store)]
