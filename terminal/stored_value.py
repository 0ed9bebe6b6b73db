"""Stored value (储值卡) at the till: the balance and last movements of a member, top-ups with head
office's bonus rules, refunds back to the balance.

The balance the till shows and lets a member spend is central's (the member's master row, from
the last sync) plus this till's own movements central has not acknowledged yet, so a payment
offline is taken off at once. Two tills offline can both spend the same balance; central applies
both and flags the overdraw (`central.stored_value.ingest`). Top-ups get the bonus of
`sync.stored_value.bonus_for` over the rules the till pulled; central credits what its own rules
give and flags a difference.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sync.events import StoredValueToppedUp, utcnow, uuid7
from sync.stored_value import BonusRule, bonus_for, topup_refusal
from terminal.catalog import Catalog
from terminal.errors import PaymentError
from terminal.members import Member, find_member
from terminal.receipt_numbers import receipt_prefix
from terminal.session import Session, audit
from terminal.shift import require_own_shift
from terminal.store import Store
from terminal.store.errors import busy_as_error
from terminal.store.prepaid import Movement
from terminal.takings import Takings

TOPUP_SEQ = "topup_receipt"
MOVEMENT_NAMES = {"pay": ("储值消费", "Paid"), "refund": ("退回储值", "Refunded"), "topup": ("充值", "Top-up"),
                  "bonus": ("充值赠送", "Bonus")}


@dataclass(frozen=True)
class Balance:
    member: Member
    balance_fen: int
    movements: list[Movement]
    """This till's latest movements, newest first (central's other movements are in its balance)."""


def balance(store: Store, catalog: Catalog, member_text: str, *, limit: int = 10) -> Balance:
    member = find_member(store, catalog, member_text)
    return Balance(member=member, balance_fen=member.stored_value_fen,
                   movements=store.prepaid.movements(member.id, limit))


@dataclass(frozen=True)
class Quote:
    amount_fen: int
    bonus_fen: int
    rule: BonusRule | None


def quote(store: Store, member: Member, amount_fen: int, *, at: datetime | None = None) -> Quote:
    """The bonus a top-up of `amount_fen` earns here now, refused (PaymentError) past the limits."""
    if isinstance(amount_fen, bool) or not isinstance(amount_fen, int):
        raise PaymentError("金额必须是整数分", "amounts are whole fen", code="bad_amount")
    bonus, rule = bonus_for(amount_fen, store.prepaid.bonus_rules(), at=at or utcnow(), store_id=store.store_id())
    refusal = topup_refusal(balance_fen=member.stored_value_fen, amount_fen=amount_fen, bonus_fen=bonus)
    if refusal is not None:
        raise PaymentError(refusal[0], refusal[1], code="bad_topup")
    return Quote(amount_fen=amount_fen, bonus_fen=bonus, rule=rule)


@dataclass(frozen=True)
class CompletedTopup:
    topup_id: str
    receipt_no: str
    payload: StoredValueToppedUp
    balance_fen: int
    change_fen: int
    cash_fen: int


class TopUp:
    """One top-up being taken: member and amount chosen, then paid (cash, card, 付款码), then committed."""

    def __init__(self, store: Store, session: Session, catalog: Catalog, member: Member, amount_fen: int) -> None:
        self.store = store
        self.session = session
        self.catalog = catalog
        self.member = member
        self.topup_id = uuid7()
        """Also the document 付款码 order numbers are derived from."""
        self.quote = quote(store, member, amount_fen)
        self.takings = Takings(amount_fen)

    def complete(self) -> CompletedTopup:
        user = self.session.user
        self.takings.require_paid()
        now = utcnow()
        with busy_as_error(), self.store.transaction():
            shift = require_own_shift(self.store, self.session)
            fresh = find_member(self.store, self.catalog, self.member.id)
            q = quote(self.store, fresh, self.quote.amount_fen, at=now)
            receipt_no = f"{receipt_prefix(self.store)}-C{self.store.next_seq(TOPUP_SEQ):06d}"
            payload = StoredValueToppedUp(
                topup_id=self.topup_id, receipt_no=receipt_no, member_id=fresh.id, store_id=self.store.store_id(),
                terminal_id=self.store.terminal_id(), shift_id=shift.id, cashier_id=user.id,
                amount_fen=q.amount_fen, bonus_fen=q.bonus_fen, bonus_rule_id=q.rule.id if q.rule else None,
                payments=[p.payload() for p in self.takings.payments], topped_up_at=now)
            env = self.store.outbox.append(payload, occurred_at=now)
            self.store.prepaid.add_topup(payload, env.seq)
            self.store.prepaid.move(fresh.id, q.amount_fen, "topup", receipt_no, now, env.seq)
            if q.bonus_fen:
                self.store.prepaid.move(fresh.id, q.bonus_fen, "bonus", receipt_no, now, env.seq)
            self.store.provider_charges.mark_committed(self.takings.provider_orders())
            audit(self.store, "stored_value_topup", cashier_id=user.id,
                  detail={"topup_id": self.topup_id, "member_id": fresh.id, "amount_fen": q.amount_fen,
                          "bonus_fen": q.bonus_fen})
        after = find_member(self.store, self.catalog, fresh.id).stored_value_fen
        return CompletedTopup(topup_id=self.topup_id, receipt_no=receipt_no, payload=payload, balance_fen=after,
                              change_fen=self.takings.change_fen, cash_fen=self.takings.cash_fen)
