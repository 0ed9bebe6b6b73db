"""Applying the tills' stored-value events (called by the sync engine inside its transaction).

What happened at the till is applied — the money was taken, the balance spent — and what does not
hold is put on the review list (`central.review.service.flag`), never refused:

- a top-up is credited with the bonus *central's* rules give at that time and store; a till that
  gave another bonus (stale rules offline, or a forged claim) is flagged with both figures;
- a payment that overdraws the balance (two stores spending it offline) is applied and flagged;
- a payment or refund that does not match its sale at central is flagged.

Only a document that does not add up (payments ≠ amount, a tender that cannot pay a top-up) or
names another store is refused (quarantined); an event for a member central does not know yet
is deferred (the member's `member.created` from another till has not arrived).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from central.errors import WrongScope
from central.review.service import flag
from central.sales.errors import DuplicateDocument, InconsistentDocument
from central.sales.ingest import post_takings
from central.sales.models import Sale, SalePayment
from central.stored_value import ledger
from central.stored_value.models import StoredValueEntry, StoredValueTopup
from central.stored_value.service import active_rules, get_member
from sync.events import PaymentPayload, StoredValuePaid, StoredValueRefunded, StoredValueToppedUp, Tender
from sync.store_time import business_date
from sync.stored_value import bonus_for

TAKINGS_TENDERS = frozenset({Tender.CASH, Tender.BANK_CARD, Tender.WECHAT, Tender.ALIPAY})
"""Tenders that can pay for stored value or vouchers: money, not another prepaid balance."""


def check_scope(ev_store: int, ev_terminal: int, *, store_id: int, terminal_id: int) -> None:
    if ev_store != store_id or ev_terminal != terminal_id:
        raise WrongScope(f"事件属于门店 {ev_store} 终端 {ev_terminal}，不是发送它的终端",
                         f"event is for store {ev_store} terminal {ev_terminal}, not the sending terminal",
                         field="store_id")


def check_takings(payments: list[PaymentPayload], total_fen: int, what: tuple[str, str]) -> int:
    """The payments of a top-up or voucher sale add up and are money; the cash part (for the drawer)."""
    paid = sum(p.amount_fen for p in payments)
    if paid != total_fen:
        raise InconsistentDocument(f"{what[0]}付款合计 {paid} 分不等于金额 {total_fen} 分",
                                   f"{what[1]}: payments {paid} fen do not equal the amount {total_fen} fen",
                                   field="payments")
    wrong = [p.tender.value for p in payments if p.tender not in TAKINGS_TENDERS]
    if wrong:
        raise InconsistentDocument(f"{what[0]}不能用 {wrong[0]} 付款", f"{what[1]} cannot be paid with {wrong[0]}",
                                   field="payments.tender")
    return sum(p.amount_fen for p in payments if p.tender is Tender.CASH)


def apply_stored_value_topped_up(session: Session, ev: StoredValueToppedUp, *, terminal_id: int, store_id: int,
                                 received_at: datetime) -> StoredValueTopup:
    """Credit a top-up (amount + central's bonus), post its cash to the shift, keep the document."""
    check_scope(ev.store_id, ev.terminal_id, store_id=store_id, terminal_id=terminal_id)
    cash = check_takings(ev.payments, ev.amount_fen, ("充值", "top-up"))
    member = get_member(session, ev.member_id)  # member_not_found: deferred until it arrives
    clash = session.scalar(select(StoredValueTopup.receipt_no).where(
        (StoredValueTopup.id == ev.topup_id) | (StoredValueTopup.receipt_no == ev.receipt_no)))
    if clash is not None:
        raise DuplicateDocument(f"充值单已存在：{clash}", f"top-up already recorded: {clash}", field="topup_id")
    bonus, rule = bonus_for(ev.amount_fen, active_rules(session), at=ev.topped_up_at, store_id=store_id)
    if bonus != ev.bonus_fen:
        flag(session, kind="stored_value_bonus_mismatch", store_id=store_id, terminal_id=terminal_id,
             event_id=None, subject=ev.receipt_no,
             claimed={"bonus_fen": ev.bonus_fen, "bonus_rule_id": ev.bonus_rule_id},
             computed={"bonus_fen": bonus, "bonus_rule_id": rule.id if rule else None},
             message_zh=f"充值 {ev.receipt_no}（会员 {member.card_no}，¥{ev.amount_fen / 100:.2f}）收银机赠送 "
                        f"¥{ev.bonus_fen / 100:.2f}，按总部规则应赠送 ¥{bonus / 100:.2f}；已按规则入账",
             message_en=f"top-up {ev.receipt_no} (member {member.card_no}, ¥{ev.amount_fen / 100:.2f}): the till gave "
                        f"a bonus of ¥{ev.bonus_fen / 100:.2f}, head office's rules give ¥{bonus / 100:.2f}; "
                        "credited by the rules")
    common: dict[str, Any] = {"member_id": member.id, "source_type": "topup", "source_id": ev.topup_id, "occurred_at": ev.topped_up_at,
              "store_id": store_id, "terminal_id": terminal_id, "receipt_no": ev.receipt_no,
              "recorded_at": received_at}
    ledger.post(session, amount_fen=ev.amount_fen, kind="topup", user_id=ev.cashier_id, **common)
    ledger.post(session, amount_fen=bonus, kind="bonus", note=rule.name[:200] if rule else None, **common)
    if cash:
        post_takings(session, shift_id=ev.shift_id, store_id=store_id, terminal_id=terminal_id,
                     cashier_id=ev.cashier_id, cash_in_fen=cash, received_at=received_at)
    topup = StoredValueTopup(
        id=ev.topup_id, receipt_no=ev.receipt_no, member_id=member.id, store_id=store_id, terminal_id=terminal_id,
        shift_id=ev.shift_id, cashier_id=ev.cashier_id, amount_fen=ev.amount_fen, bonus_fen=bonus,
        claimed_bonus_fen=ev.bonus_fen, bonus_rule_id=rule.id if rule else None,
        payments=[p.model_dump(mode="json") for p in ev.payments], topped_up_at=ev.topped_up_at,
        received_at=received_at, business_date=business_date(ev.topped_up_at))
    session.add(topup)
    session.flush()
    return topup


def apply_stored_value_paid(session: Session, ev: StoredValuePaid, *, terminal_id: int, store_id: int,
                            received_at: datetime) -> StoredValueEntry:
    """Take a sale's stored-value payment off the balance; flag an overdraw or a mismatch with the sale."""
    check_scope(ev.store_id, ev.terminal_id, store_id=store_id, terminal_id=terminal_id)
    member = get_member(session, ev.member_id)
    entry = ledger.post(session, member_id=member.id, amount_fen=-ev.amount_fen, kind="pay", source_type="sale",
                        source_id=ev.sale_id, occurred_at=ev.paid_at, store_id=store_id, terminal_id=terminal_id,
                        receipt_no=ev.receipt_no, recorded_at=received_at)
    assert entry is not None
    if entry.overdrawn:
        before = entry.balance_after + ev.amount_fen
        flag(session, kind="stored_value_overdraw", store_id=store_id, terminal_id=terminal_id, event_id=None,
             subject=ev.receipt_no,
             claimed={"amount_fen": ev.amount_fen, "balance_fen": ev.balance_seen_fen},
             computed={"amount_fen": ev.amount_fen, "balance_fen": before, "balance_after_fen": entry.balance_after},
             message_zh=f"会员 {member.card_no} 用储值支付 ¥{ev.amount_fen / 100:.2f}（小票 {ev.receipt_no}），总部余额仅 "
                        f"¥{before / 100:.2f}，透支 ¥{-entry.balance_after / 100:.2f}（多店离线同时消费）；已入账",
             message_en=f"member {member.card_no} paid ¥{ev.amount_fen / 100:.2f} from stored value (receipt "
                        f"{ev.receipt_no}) with ¥{before / 100:.2f} at central: overdrawn by "
                        f"¥{-entry.balance_after / 100:.2f} (stores offline at once); applied")
    sale = session.get(Sale, ev.sale_id)
    if sale is not None:
        on_sale = int(session.scalar(select(func.coalesce(func.sum(SalePayment.amount_fen), 0)).where(
            SalePayment.sale_id == ev.sale_id, SalePayment.tender == Tender.STORE_CREDIT.value)) or 0)
        if on_sale != ev.amount_fen or sale.member_id != ev.member_id:
            flag(session, kind="stored_value_unmatched", store_id=store_id, terminal_id=terminal_id, event_id=None,
                 subject=ev.receipt_no,
                 claimed={"amount_fen": ev.amount_fen, "member_id": ev.member_id},
                 computed={"amount_fen": on_sale, "member_id": sale.member_id},
                 message_zh=f"储值扣款 ¥{ev.amount_fen / 100:.2f} 与销售单 {ev.receipt_no} 的储值付款 "
                            f"¥{on_sale / 100:.2f}（或会员）不符；已按扣款入账",
                 message_en=f"stored-value payment ¥{ev.amount_fen / 100:.2f} does not match sale {ev.receipt_no}'s "
                            f"stored-value tender ¥{on_sale / 100:.2f} (or its member); applied as paid")
    return entry


def apply_stored_value_refunded(session: Session, ev: StoredValueRefunded, *, terminal_id: int, store_id: int,
                                received_at: datetime) -> StoredValueEntry:
    """Give a return's refund back to the balance; flag refunds beyond what the sale paid from it."""
    check_scope(ev.store_id, ev.terminal_id, store_id=store_id, terminal_id=terminal_id)
    member = get_member(session, ev.member_id)
    paid = -int(session.scalar(select(func.coalesce(func.sum(StoredValueEntry.amount_fen), 0)).where(
        StoredValueEntry.source_type == "sale", StoredValueEntry.source_id == ev.original_sale_id,
        StoredValueEntry.kind == "pay")) or 0)
    refunded = int(session.scalar(select(func.coalesce(func.sum(StoredValueEntry.amount_fen), 0)).where(
        StoredValueEntry.kind == "refund", StoredValueEntry.note == _refund_note(ev.original_sale_id))) or 0)
    entry = ledger.post(session, member_id=member.id, amount_fen=ev.amount_fen, kind="refund", source_type="return",
                        source_id=ev.return_id, occurred_at=ev.refunded_at, store_id=store_id,
                        terminal_id=terminal_id, receipt_no=ev.receipt_no, recorded_at=received_at,
                        note=_refund_note(ev.original_sale_id))
    assert entry is not None
    if refunded + ev.amount_fen > paid:
        flag(session, kind="stored_value_refund_exceeds", store_id=store_id, terminal_id=terminal_id, event_id=None,
             subject=ev.receipt_no,
             claimed={"refund_fen": ev.amount_fen, "refunded_before_fen": refunded},
             computed={"paid_from_stored_value_fen": paid},
             message_zh=f"退货 {ev.receipt_no} 退回储值 ¥{ev.amount_fen / 100:.2f}，原销售只用储值支付 ¥{paid / 100:.2f}"
                        f"（此前已退 ¥{refunded / 100:.2f}）；已入账，请核实",
             message_en=f"return {ev.receipt_no} refunded ¥{ev.amount_fen / 100:.2f} to stored value; the sale paid only "
                        f"¥{paid / 100:.2f} from it (¥{refunded / 100:.2f} refunded before); applied, please check")
    return entry


def _refund_note(original_sale_id: str) -> str:
    """Refund rows name the sale they give back to, so later refunds of it can be summed."""
    return f"sale {original_sale_id}"

