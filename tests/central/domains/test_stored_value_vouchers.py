"""Stored value and vouchers through the sync engine's push: what tills did is applied, what does not
hold is flagged on the review list, and each document moves a balance or a voucher exactly once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from central.db import session_scope
from central.members.models import Member
from central.review.models import ReviewFlag
from central.sales.models import Shift
from central.stored_value import service as sv
from central.stored_value.models import StoredValueEntry, StoredValueTopup
from central.syncing.feed import changes_after
from central.syncing.ingest import DeviceScope, push
from central.syncing.models import SyncQuarantine
from central.vouchers import service as vs
from central.vouchers.models import Voucher, VoucherRedemption, VoucherSale
from sync.events import (
    EventEnvelope,
    PaymentPayload,
    StoredValuePaid,
    StoredValueRefunded,
    StoredValueToppedUp,
    Tender,
    VoucherRedeemed,
    VoucherRestored,
    VoucherSold,
    VoucherSoldItem,
    make_event,
    uuid7,
)
from sync.protocol import PROTOCOL_VERSION, PushRequest

from .conftest import T0, World, line, sale

NOW = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


class Till:
    """One terminal's outbox: events numbered in order, pushed as a real till would."""

    def __init__(self, engine: Engine, w: World, *, second_store: bool = False) -> None:
        self.engine, self.w = engine, w
        self.store = w.store2 if second_store else w.store
        self.terminal = w.terminal2 if second_store else w.terminal
        self.seq = 0

    def event(self, payload: Any) -> EventEnvelope:
        self.seq += 1
        return make_event(terminal_id=self.terminal, seq=self.seq, payload=payload)

    def push(self, *payloads: Any) -> list[str]:
        events = [self.event(p) for p in payloads]
        return self.push_events(events)

    def push_events(self, events: list[EventEnvelope]) -> list[str]:
        with session_scope(self.engine) as s:
            answer = push(s, DeviceScope(terminal_id=self.terminal, store_id=self.store),
                          PushRequest(protocol_version=PROTOCOL_VERSION, terminal_id=self.terminal, events=events),
                          received_at=NOW)
        return [r.status.value for r in answer.results]

    def topup(self, amount: int, bonus: int, *, tender: Tender = Tender.CASH, rule_id: int | None = None,
              at: datetime = T0, member: str | None = None) -> StoredValueToppedUp:
        tid = uuid7()
        return StoredValueToppedUp(
            topup_id=tid, receipt_no=f"T-{tid[-10:]}", member_id=member or self.w.member, store_id=self.store,
            terminal_id=self.terminal, shift_id=f"shift-{self.terminal}", cashier_id=None, amount_fen=amount,
            bonus_fen=bonus, bonus_rule_id=rule_id, payments=[PaymentPayload(tender=tender, amount_fen=amount)],
            topped_up_at=at)

    def paid(self, sale_id: str, receipt: str, amount: int, seen: int | None = None) -> StoredValuePaid:
        return StoredValuePaid(movement_id=uuid7(), member_id=self.w.member, store_id=self.store,
                               terminal_id=self.terminal, sale_id=sale_id, receipt_no=receipt, amount_fen=amount,
                               balance_seen_fen=seen, paid_at=T0)

    def redeemed(self, code: str, amount: int, due: int, *, receipt: str | None = None,
                 at: datetime = T0) -> VoucherRedeemed:
        sid = uuid7()
        return VoucherRedeemed(redemption_id=uuid7(), code=code, store_id=self.store, terminal_id=self.terminal,
                               sale_id=sid, receipt_no=receipt or f"R{self.terminal}-{sid[-6:]}", amount_fen=amount,
                               due_fen=due, redeemed_at=at)


def _feed(s: Session, store: int) -> list[Any]:
    return changes_after(s, 0, store_id=store, rep_id=None, limit=10_000)


def _flags(engine: Engine, kind: str | None = None) -> list[ReviewFlag]:
    with Session(engine) as s:
        stmt = select(ReviewFlag).order_by(ReviewFlag.id)
        if kind:
            stmt = stmt.where(ReviewFlag.kind == kind)
        return list(s.scalars(stmt))


def _balance(engine: Engine, member: str) -> int:
    with Session(engine) as s:
        m = s.get(Member, member)
        assert m is not None
        return m.stored_value_fen


def _rules(engine: Engine) -> None:
    with session_scope(engine) as s:
        sv.create_rule(s, actor=None, name="充500送50", min_topup_fen=50_000, bonus_fen=5_000)
        sv.create_rule(s, actor=None, name="充1000送12%", min_topup_fen=100_000, bonus_bp=1200)


# ---------------------------------------------------------------------------- stored value


def test_a_topup_is_credited_with_the_rules_bonus_once_and_its_cash_goes_to_the_shift(engine: Engine,
                                                                                   world: World) -> None:
    _rules(engine)
    till = Till(engine, world)
    topup = till.topup(100_000, 12_000)
    event = till.event(topup)
    assert till.push_events([event]) == ["applied"]
    assert till.push_events([event]) == ["duplicate"]  # the answer was lost; the till sends it again
    assert _balance(engine, world.member) == 112_000
    with Session(engine) as s:
        entries = s.scalars(select(StoredValueEntry).order_by(StoredValueEntry.id)).all()
        assert [(e.kind, e.amount_fen, e.balance_after) for e in entries] == [("topup", 100_000, 100_000),
                                                                             ("bonus", 12_000, 112_000)]
        doc = s.get(StoredValueTopup, topup.topup_id)
        assert doc is not None
        assert doc.bonus_rule_id is not None
        shift = s.get(Shift, f"shift-{world.terminal}")
        assert shift is not None
        assert shift.cash_in_fen == 100_000
        assert shift.sales_count == 0  # a top-up is not a sale
        # the tills learn the new balance through the member's feed row
        rows = [c for c in _feed(s, world.store) if c.entity == "member"]
        assert rows[-1].data is not None
        assert json.loads(rows[-1].data)["stored_value_fen"] == 112_000
    assert _flags(engine) == []


def test_a_topup_claiming_another_bonus_is_credited_by_the_rules_and_flagged(engine: Engine, world: World) -> None:
    _rules(engine)
    till = Till(engine, world)
    assert till.push(till.topup(50_000, 20_000)) == ["applied"]  # the till gave ¥200, the rules ¥50
    assert _balance(engine, world.member) == 55_000
    (flag,) = _flags(engine, "stored_value_bonus_mismatch")
    assert flag.claimed["bonus_fen"] == 20_000
    assert flag.computed["bonus_fen"] == 5_000
    assert "按总部规则应赠送 ¥50.00" in flag.message_zh


def test_two_stores_offline_overdraw_a_balance_both_applied_and_flagged(engine: Engine, world: World) -> None:
    a, b = Till(engine, world), Till(engine, world, second_store=True)
    assert a.push(a.topup(10_000, 0)) == ["applied"]
    # both tills believed ¥100 and each took ¥80 while offline
    sale_a = sale(world, [line(1, world.rice, 1, 8_000, tax_bp=900)], member_id=world.member,
                  tenders=[(Tender.STORE_CREDIT, 8_000)])
    assert a.push(sale_a, a.paid(sale_a.sale_id, sale_a.receipt_no, 8_000, seen=10_000)) == ["applied", "applied"]
    assert b.push(b.paid(uuid7(), "S02-01-000001", 8_000, seen=10_000)) == ["applied"]
    assert _balance(engine, world.member) == -6_000
    (flag,) = _flags(engine, "stored_value_overdraw")
    assert flag.store_id == world.store2
    assert flag.subject == "S02-01-000001"
    assert flag.computed == {"amount_fen": 8_000, "balance_fen": 2_000, "balance_after_fen": -6_000}
    assert "透支 ¥60.00" in flag.message_zh
    assert _flags(engine, "stored_value_unmatched") == []  # store A's payment matched its sale


def test_a_payment_that_does_not_match_its_sale_is_flagged(engine: Engine, world: World) -> None:
    till = Till(engine, world)
    till.push(till.topup(20_000, 0))
    cash_sale = sale(world, [line(1, world.cola, 1, 300)], member_id=world.member)  # paid in cash
    assert till.push(cash_sale, till.paid(cash_sale.sale_id, cash_sale.receipt_no, 300)) == ["applied", "applied"]
    (flag,) = _flags(engine, "stored_value_unmatched")
    assert flag.computed["amount_fen"] == 0


def test_refunds_go_back_to_the_balance_and_more_than_was_paid_is_flagged(engine: Engine, world: World) -> None:
    till = Till(engine, world)
    till.push(till.topup(20_000, 0))
    paid = sale(world, [line(1, world.rice, 1, 5_990, tax_bp=900)], member_id=world.member,
                tenders=[(Tender.STORE_CREDIT, 5_990)])
    till.push(paid, till.paid(paid.sale_id, paid.receipt_no, 5_990))

    def refund(amount: int) -> StoredValueRefunded:
        return StoredValueRefunded(movement_id=uuid7(), member_id=world.member, store_id=world.store,
                                   terminal_id=world.terminal, return_id=uuid7(), receipt_no=f"RT-{uuid7()[-6:]}",
                                   original_sale_id=paid.sale_id, amount_fen=amount, refunded_at=T0)

    assert till.push(refund(3_000), refund(2_990)) == ["applied", "applied"]
    assert _balance(engine, world.member) == 20_000
    assert _flags(engine, "stored_value_refund_exceeds") == []
    assert till.push(refund(100)) == ["applied"]
    assert len(_flags(engine, "stored_value_refund_exceeds")) == 1


def test_a_topup_paid_with_stored_value_is_refused_and_writes_nothing(engine: Engine, world: World) -> None:
    till = Till(engine, world)
    assert till.push(till.topup(10_000, 0, tender=Tender.STORE_CREDIT)) == ["rejected"]
    assert _balance(engine, world.member) == 0
    with Session(engine) as s:
        (q,) = s.scalars(select(SyncQuarantine)).all()
        assert q.code == "inconsistent_document"
        assert s.scalar(select(StoredValueEntry.id)) is None


def test_a_topup_for_a_member_central_has_not_heard_of_yet_is_deferred(engine: Engine, world: World) -> None:
    till = Till(engine, world)
    assert till.push(till.topup(10_000, 0, member=uuid7())) == ["deferred"]


# ---------------------------------------------------------------------------- vouchers


def _batch(engine: Engine, **over: Any) -> tuple[int, list[str]]:
    values: dict[str, Any] = {"code": "V50", "name": "满200减50代金券", "kind": "value", "value_fen": 5_000,
                              "min_spend_fen": 20_000}
    values.update(over)
    count = values.pop("count", 3)
    with session_scope(engine) as s:
        batch = vs.create_batch(s, actor=None, **values)
        codes = [v.code for v in vs.issue(s, batch, count=count, actor=None)]
        return batch.id, codes


def test_a_voucher_used_at_two_stores_offline_is_applied_twice_and_flagged_with_both_sales(
        engine: Engine, world: World) -> None:
    _, codes = _batch(engine)
    a, b = Till(engine, world), Till(engine, world, second_store=True)
    assert a.push(a.redeemed(codes[0], 5_000, 30_000, receipt="S01-01-000007")) == ["applied"]
    assert b.push(b.redeemed(codes[0], 5_000, 25_000, receipt="S02-01-000003")) == ["applied"]
    with Session(engine) as s:
        v = s.scalar(select(Voucher).where(Voucher.code == codes[0]))
        assert v is not None
        assert (v.status, v.redeemed_receipt_no, v.uses) == ("redeemed", "S01-01-000007", 2)
        uses = s.scalars(select(VoucherRedemption).order_by(VoucherRedemption.receipt_no)).all()
        assert [(u.receipt_no, u.counted) for u in uses] == [("S01-01-000007", True), ("S02-01-000003", False)]
    (flag,) = _flags(engine, "voucher_double_use")
    assert "S01-01-000007（S01）" in flag.message_zh
    assert "S02-01-000003（S02" in flag.message_zh
    assert flag.computed["first_receipt_no"] == "S01-01-000007"


def test_redemptions_outside_the_rules_are_applied_and_flagged(engine: Engine, world: World) -> None:
    _, codes = _batch(engine, valid_to=T0 + timedelta(days=1), store_ids=[world.store])
    till, other = Till(engine, world), Till(engine, world, second_store=True)
    assert till.push(
        till.redeemed(codes[0], 5_000, 10_000),                              # below the ¥200 minimum spend
        till.redeemed(codes[1], 5_000, 30_000, at=T0 + timedelta(days=2)),  # expired
        till.redeemed(codes[2], 9_000, 30_000),                              # more than the voucher is worth
        till.redeemed("990000100000000000", 5_000, 30_000),                  # a code central never issued
    ) == ["applied"] * 4
    assert other.push(other.redeemed(codes[1], 5_000, 30_000)) == ["applied"]  # used up, and not for S02
    kinds = [(f.kind, f.computed.get("refusal")) for f in _flags(engine)]
    assert kinds == [("voucher_not_valid", "voucher_min_spend"), ("voucher_not_valid", "voucher_expired"),
                     ("voucher_amount_mismatch", None), ("voucher_unknown", None), ("voucher_double_use", None)]
    with Session(engine) as s:
        assert set(s.scalars(select(Voucher.status))) == {"redeemed"}


def test_pre_sold_vouchers_are_activated_by_a_till_sale_then_redeemed_against_goods(engine: Engine,
                                                                                    world: World) -> None:
    batch_id, codes = _batch(engine, code="RICE", name="五常大米提货券", kind="goods", value_fen=0, min_spend_fen=0,
                             product_id=world.rice, unit_code="pc", sale_price_fen=5_500, count=2)
    till = Till(engine, world)
    with Session(engine) as s:
        assert set(s.scalars(select(Voucher.status))) == {"unsold"}

    def sold(items: list[tuple[str, int]]) -> VoucherSold:
        sid = uuid7()
        total = sum(p for _, p in items)
        return VoucherSold(sale_id=sid, receipt_no=f"VS-{sid[-6:]}", store_id=world.store, terminal_id=world.terminal,
                           shift_id="shift-v", items=[VoucherSoldItem(code=c, price_fen=p) for c, p in items],
                           total_fen=total, payments=[PaymentPayload(tender=Tender.CASH, amount_fen=total)], sold_at=T0)

    # an unsold card cannot pay for anything yet: applied (the sale happened) and flagged
    assert till.push(till.redeemed(codes[1], 5_990, 5_990)) == ["applied"]
    assert [f.computed.get("refusal") for f in _flags(engine)] == ["voucher_unsold"]
    assert till.push(sold([(codes[0], 5_500)])) == ["applied"]
    assert till.push(sold([(codes[0], 5_000)])) == ["applied"]  # the same card sold again, cheaper
    assert [f.kind for f in _flags(engine)][1:] == ["voucher_double_sale"]
    with Session(engine) as s:
        v = s.scalar(select(Voucher).where(Voucher.code == codes[0]))
        assert v is not None
        assert v.status == "active"
        assert len(s.scalars(select(VoucherSale)).all()) == 2
        shift = s.get(Shift, "shift-v")
        assert shift is not None
        assert shift.cash_in_fen == 10_500
    # later the customer fetches the rice with it
    assert till.push(till.redeemed(codes[0], 5_990, 5_990)) == ["applied"]
    assert len(_flags(engine)) == 2
    with Session(engine) as s:
        assert s.scalar(select(Voucher.status).where(Voucher.code == codes[0])) == "redeemed"
        assert s.scalar(select(Voucher.batch_id).where(Voucher.code == codes[0])) == batch_id


def test_a_whole_return_gives_the_voucher_back(engine: Engine, world: World) -> None:
    _, codes = _batch(engine, min_spend_fen=0)
    till = Till(engine, world)
    used = till.redeemed(codes[0], 5_000, 8_000)
    assert till.push(used) == ["applied"]
    back = VoucherRestored(code=codes[0], store_id=world.store, terminal_id=world.terminal, return_id=uuid7(),
                           original_sale_id=used.sale_id, restored_at=T0)
    assert till.push(back) == ["applied"]
    with Session(engine) as s:
        assert s.scalar(select(Voucher.status).where(Voucher.code == codes[0])) == "active"
    wrong = VoucherRestored(code=codes[1], store_id=world.store, terminal_id=world.terminal, return_id=uuid7(),
                            original_sale_id=used.sale_id, restored_at=T0)
    assert till.push(wrong) == ["applied"]
    assert [f.kind for f in _flags(engine)] == ["voucher_restore_unmatched"]


def test_vouchers_go_only_to_the_tills_of_their_batchs_stores(engine: Engine, world: World) -> None:
    _batch(engine, code="ONLY1", store_ids=[world.store], count=2)
    _batch(engine, code="ALL", count=1)
    with Session(engine) as s:
        def vouchers(store: int) -> int:
            return sum(1 for c in _feed(s, store) if c.entity == "voucher")

        assert vouchers(world.store) == 3
        assert vouchers(world.store2) == 1
    with session_scope(engine) as s:  # head office opens the batch to store 2: its codes follow
        batch = s.scalar(select(vs.VoucherBatch).where(vs.VoucherBatch.code == "ONLY1"))
        assert batch is not None
        vs.update_batch(s, batch, {"store_ids": [world.store, world.store2]}, actor=None)
    with Session(engine) as s:
        assert sum(1 for c in _feed(s, world.store2) if c.entity == "voucher") == 3

