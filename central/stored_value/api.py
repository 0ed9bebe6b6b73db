"""Stored-value API: top-up bonus rules (head office), a member's balance and movements, adjustments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from sqlalchemy import select

from central.api.deps import IdPath, SessionDep
from central.api.pagination import Page, PageDep, paginate
from central.api.types import changes_of
from central.auth.deps import require
from central.auth.principal import Principal
from central.auth.roles import Permission as P
from central.stored_value import service
from central.stored_value.models import StoredValueEntry, StoredValueRule
from central.stored_value.schemas import (
    AdjustIn,
    BalanceOut,
    BonusQuoteOut,
    MovementOut,
    RuleIn,
    RuleOut,
    RulePatch,
)

router = APIRouter(tags=["stored value 储值"])

Reader = Annotated[Principal, require(P.STORED_VALUE_READ)]
Writer = Annotated[Principal, require(P.STORED_VALUE_WRITE, devices=False)]
MemberId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[0-9a-fA-F-]+$")]


@router.get("/stored-value/rules", response_model=Page[RuleOut], summary="充值赠送规则 / top-up bonus rules")
def list_rules(session: SessionDep, _who: Reader, page: PageDep,
               active: Annotated[bool | None, Query()] = None) -> object:
    stmt = select(StoredValueRule).order_by(StoredValueRule.min_topup_fen, StoredValueRule.id)
    if active is not None:
        stmt = stmt.where(StoredValueRule.active.is_(active))
    return paginate(session, stmt, page, RuleOut.model_validate)


@router.post("/stored-value/rules", response_model=RuleOut, status_code=201, summary="新充值赠送规则")
def create_rule(body: RuleIn, session: SessionDep, who: Writer) -> object:
    return service.create_rule(session, actor=who, **body.model_dump())


@router.patch("/stored-value/rules/{rule_id}", response_model=RuleOut, summary="修改充值赠送规则")
def patch_rule(rule_id: IdPath, body: RulePatch, session: SessionDep, who: Writer) -> object:
    rule = service.get_rule(session, rule_id)
    changes = changes_of(body, required=("name", "min_topup_fen", "bonus_fen", "bonus_bp", "store_ids", "active"))
    return service.update_rule(session, rule, changes, actor=who)


@router.get("/stored-value/bonus-quote", response_model=BonusQuoteOut, summary="充值赠送试算 / the bonus a top-up gets")
def bonus_quote(session: SessionDep, who: Reader, amount_fen: Annotated[int, Query(gt=0, le=500_000)],
                store_id: Annotated[int | None, Query(ge=1)] = None) -> BonusQuoteOut:
    store = store_id if store_id is not None else who.store_id
    who.check_store(store)
    bonus, rule = service.quote_bonus(session, amount_fen=amount_fen, store_id=store or 0)
    return BonusQuoteOut(amount_fen=amount_fen, bonus_fen=bonus, rule_id=rule.id if rule else None,
                         rule_name=rule.name if rule else None)


@router.get("/members/{member_id}/stored-value", response_model=BalanceOut, summary="储值余额与最近流水 / balance")
def balance(member_id: MemberId, session: SessionDep, _who: Reader,
            last: Annotated[int, Query(ge=0, le=100)] = 10) -> BalanceOut:
    member = service.get_member(session, member_id)
    return BalanceOut(member_id=member.id, card_no=member.card_no, name=member.name,
                      balance_fen=member.stored_value_fen,
                      movements=[MovementOut.model_validate(m) for m in service.movements(session, member.id, limit=last)])


@router.get("/members/{member_id}/stored-value/movements", response_model=Page[MovementOut],
            summary="储值流水 / stored-value ledger")
def movements(member_id: MemberId, session: SessionDep, _who: Reader, page: PageDep) -> object:
    service.get_member(session, member_id)
    stmt = select(StoredValueEntry).where(StoredValueEntry.member_id == member_id).order_by(StoredValueEntry.id.desc())
    return paginate(session, stmt, page, MovementOut.model_validate)


@router.post("/members/{member_id}/stored-value/adjustments", response_model=MovementOut, status_code=201,
             summary="储值调整 / adjust a balance (head office)")
def adjust(member_id: MemberId, body: AdjustIn, session: SessionDep, who: Writer) -> object:
    member = service.get_member(session, member_id)
    return service.adjust(session, member, amount_fen=body.amount_fen, note=body.note, actor=who,
                          store_id=body.store_id)
