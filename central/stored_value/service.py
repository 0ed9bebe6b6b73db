"""Stored value at head office: bonus rules, a member's balance and movements, adjustments.

Functions take an open session, flush, and never commit; every change head office makes is
audited in the same transaction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.audit.service import record
from central.auth.principal import Principal, UserPrincipal
from central.db import utcnow
from central.errors import Invalid, not_found
from central.members.models import Member
from central.org.models import Store
from central.stored_value import ledger
from central.stored_value.models import StoredValueEntry, StoredValueRule
from sync.stored_value import MAX_BALANCE_FEN, BonusRule, bonus_for

RULE_FIELDS = ("name", "min_topup_fen", "bonus_fen", "bonus_bp", "valid_from", "valid_to", "store_ids", "active")


def rule_to_wire(rule: StoredValueRule) -> BonusRule:
    return BonusRule(id=rule.id, name=rule.name, min_topup_fen=rule.min_topup_fen, bonus_fen=rule.bonus_fen,
                     bonus_bp=rule.bonus_bp, valid_from=rule.valid_from, valid_to=rule.valid_to,
                     store_ids=tuple(rule.store_ids or ()))


def _check_rule(session: Session, values: dict[str, Any]) -> None:
    """The rule as it would be stored must be a valid wire rule (the tills' form) at real stores."""
    try:
        BonusRule(id=0, **{k: values[k] for k in RULE_FIELDS if k != "active"})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or None
        raise Invalid(f"充值赠送规则无效：{err['msg']}", f"invalid bonus rule: {err['msg']}", code="bad_bonus_rule",
                      field=where) from None
    stores = sorted(set(values["store_ids"] or ()))
    if stores:
        known = set(session.scalars(select(Store.id).where(Store.id.in_(stores))))
        missing = [s for s in stores if s not in known]
        if missing:
            raise not_found("门店", "store", "store_ids", missing[0])


def create_rule(session: Session, *, actor: Principal | None, name: str, min_topup_fen: int, bonus_fen: int = 0,
                bonus_bp: int = 0, valid_from: datetime | None = None, valid_to: datetime | None = None,
                store_ids: list[int] | None = None, active: bool = True) -> StoredValueRule:
    values = {"name": name, "min_topup_fen": min_topup_fen, "bonus_fen": bonus_fen, "bonus_bp": bonus_bp,
              "valid_from": valid_from, "valid_to": valid_to, "store_ids": sorted(set(store_ids or ())),
              "active": active}
    _check_rule(session, values)
    rule = StoredValueRule(**values)
    session.add(rule)
    session.flush()
    record(session, actor=actor, action="stored_value_rule.create", entity_type="stored_value_rule",
           entity_id=rule.id, after=values)
    return rule


def get_rule(session: Session, rule_id: int) -> StoredValueRule:
    rule = session.get(StoredValueRule, rule_id)
    if rule is None:
        raise not_found("充值赠送规则", "bonus rule", "id", rule_id)
    return rule


def update_rule(session: Session, rule: StoredValueRule, changes: dict[str, Any], *,
                actor: Principal | None) -> StoredValueRule:
    before = {k: getattr(rule, k) for k in RULE_FIELDS}
    values = {**before, **{k: v for k, v in changes.items() if k in RULE_FIELDS}}
    if "store_ids" in changes:
        values["store_ids"] = sorted(set(changes["store_ids"] or ()))
    _check_rule(session, values)
    for k in RULE_FIELDS:
        setattr(rule, k, values[k])
    session.flush()
    record(session, actor=actor, action="stored_value_rule.update", entity_type="stored_value_rule",
           entity_id=rule.id, before={k: before[k] for k in changes}, after={k: values[k] for k in changes})
    return rule


def active_rules(session: Session) -> list[BonusRule]:
    return [rule_to_wire(r) for r in session.scalars(
        select(StoredValueRule).where(StoredValueRule.active.is_(True)).order_by(StoredValueRule.id))]


def quote_bonus(session: Session, *, amount_fen: int, store_id: int, at: datetime | None = None
                ) -> tuple[int, BonusRule | None]:
    """The bonus a top-up gets now (or at `at`) at a store, by the rules central holds."""
    return bonus_for(amount_fen, active_rules(session), at=at or utcnow(), store_id=store_id)


def get_member(session: Session, member_id: str) -> Member:
    member = session.get(Member, member_id)
    if member is None:
        raise not_found("会员", "member", "member_id", member_id)
    return member


def movements(session: Session, member_id: str, *, limit: int = 20) -> list[StoredValueEntry]:
    return list(session.scalars(select(StoredValueEntry).where(StoredValueEntry.member_id == member_id)
                                .order_by(StoredValueEntry.id.desc()).limit(limit)))


def adjust(session: Session, member: Member, *, amount_fen: int, note: str, actor: Principal | None,
           store_id: int | None = None) -> StoredValueEntry:
    """Head office corrects a balance (a bonus honoured after review, a card refunded in cash …).

    A note is required; the balance may not go below zero nor above the prepaid-card limit."""
    note = (note or "").strip()
    if not note:
        raise Invalid("调整储值必须说明原因", "say why the balance is adjusted (note)", code="note_required",
                      field="note")
    if amount_fen == 0:
        raise Invalid("调整金额不能为零", "the adjustment must not be zero", code="zero_amount", field="amount_fen")
    session.refresh(member, ["stored_value_fen"])
    after = member.stored_value_fen + amount_fen
    if after < 0:
        raise Invalid(f"调整后余额为负（现有 ¥{member.stored_value_fen / 100:.2f}）",
                      f"the balance would go below zero (now ¥{member.stored_value_fen / 100:.2f})",
                      code="stored_value_negative", field="amount_fen")
    if amount_fen > 0 and after > MAX_BALANCE_FEN:
        raise Invalid(f"调整后余额超过记名储值卡上限 ¥{MAX_BALANCE_FEN // 100:,}",
                      f"the balance would exceed the ¥{MAX_BALANCE_FEN // 100:,} prepaid-card limit",
                      code="stored_value_limit", field="amount_fen")
    user_id = actor.user_id if isinstance(actor, UserPrincipal) else None
    now = utcnow()
    entry = ledger.post(session, member_id=member.id, amount_fen=amount_fen, kind="adjust", source_type="adjust",
                        source_id=f"adjust-{now.strftime('%Y%m%d%H%M%S%f')}-{member.id[:8]}", occurred_at=now,
                        store_id=store_id, user_id=user_id, note=note[:200], recorded_at=now)
    assert entry is not None
    record(session, actor=actor, action="stored_value.adjust", entity_type="member", entity_id=member.id,
           before={"stored_value_fen": after - amount_fen}, after={"stored_value_fen": after}, reason=note)
    return entry
