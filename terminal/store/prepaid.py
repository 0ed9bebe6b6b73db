"""Stored value (储值) and vouchers in the till's database: central's balances and vouchers (master
rows) with what this till did on top of them until central acknowledges it, and the till's own
top-ups and voucher sales (for the shift and the receipt)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sync.events import PaymentPayload, StoredValueToppedUp, VoucherSold
from sync.master import Entity
from sync.stored_value import BonusRule
from sync.vouchers import VoucherBatch, VoucherInfo

if TYPE_CHECKING:
    from terminal.store.db import Store


@dataclass(frozen=True)
class Movement:
    """One stored-value movement made at this till (newest first in `movements`)."""

    delta_fen: int
    kind: str
    receipt_no: str
    at: datetime
    acked: bool
    """Central has acknowledged it (its balance includes it from the next pull on)."""


@dataclass(frozen=True)
class LocalVoucherUse:
    kind: str
    """redeemed, sold or restored."""
    sale_id: str
    receipt_no: str
    at: datetime


class Prepaid:
    """Stored-value and voucher rows of one open store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    # ------------------------------------------------------------------ stored value

    def bonus_rules(self) -> list[BonusRule]:
        return [BonusRule.model_validate(d) for d in self._store.master.rows(Entity.STORED_VALUE_RULE.value)]

    def move(self, member_id: str, delta_fen: int, kind: str, receipt_no: str, at: datetime, event_seq: int) -> None:
        """A stored-value movement carried by the event at `event_seq` (inside its transaction)."""
        self._store.require_transaction("Prepaid.move")
        self._store.execute(
            "INSERT INTO stored_value_local(member_id, delta_fen, kind, receipt_no, at, event_seq) "
            "VALUES (?, ?, ?, ?, ?, ?)", (member_id, delta_fen, kind, receipt_no, at.isoformat(), event_seq))

    def unacked_fen(self, member_id: str) -> int:
        """Stored value this till moved in events central has not acknowledged yet."""
        return int(self._store.scalar(
            "SELECT coalesce(sum(m.delta_fen), 0) FROM stored_value_local m JOIN outbox o ON o.seq = m.event_seq "
            "WHERE m.member_id=? AND o.status <> 'acked'", (member_id,)))

    def movements(self, member_id: str, limit: int = 10) -> list[Movement]:
        rows = self._store.all(
            "SELECT m.delta_fen, m.kind, m.receipt_no, m.at, o.status FROM stored_value_local m "
            "JOIN outbox o ON o.seq = m.event_seq WHERE m.member_id=? ORDER BY m.id DESC LIMIT ?", (member_id, limit))
        return [Movement(delta_fen=int(r[0]), kind=str(r[1]), receipt_no=str(r[2]), at=datetime.fromisoformat(r[3]),
                         acked=r[4] == "acked") for r in rows]

    def add_topup(self, p: StoredValueToppedUp, event_seq: int) -> None:
        self._store.require_transaction("Prepaid.add_topup")
        self._store.execute(
            "INSERT INTO topups(id, receipt_no, shift_id, member_id, amount_fen, bonus_fen, at, event_seq, payload) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (p.topup_id, p.receipt_no, p.shift_id, p.member_id, p.amount_fen, p.bonus_fen, p.topped_up_at.isoformat(),
             event_seq, p.model_dump_json()))
        self._payments(p.topup_id, "topup", p.shift_id, p.payments)

    def add_voucher_sale(self, p: VoucherSold, event_seq: int) -> None:
        self._store.require_transaction("Prepaid.add_voucher_sale")
        self._store.execute(
            "INSERT INTO voucher_sales(id, receipt_no, shift_id, total_fen, at, event_seq, payload) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (p.sale_id, p.receipt_no, p.shift_id, p.total_fen, p.sold_at.isoformat(), event_seq, p.model_dump_json()))
        self._payments(p.sale_id, "voucher_sale", p.shift_id, p.payments)

    def _payments(self, doc_id: str, kind: str, shift_id: str, payments: list[PaymentPayload]) -> None:
        for pay in payments:
            self._store.execute(
                "INSERT INTO prepaid_payments(doc_id, kind, shift_id, tender, amount_fen, reference) "
                "VALUES (?, ?, ?, ?, ?, ?)", (doc_id, kind, shift_id, pay.tender.value, pay.amount_fen, pay.reference))

    def topup_json(self, topup_id: str) -> str | None:
        value = self._store.scalar("SELECT payload FROM topups WHERE id=?", (topup_id,))
        return None if value is None else str(value)

    def voucher_sale_json(self, sale_id: str) -> str | None:
        value = self._store.scalar("SELECT payload FROM voucher_sales WHERE id=?", (sale_id,))
        return None if value is None else str(value)

    def shift_takings(self, shift_id: str) -> dict[str, Any]:
        """A shift's top-ups and voucher sales: counts, totals, bonus given, money by tender."""
        store = self._store
        t = store.one("SELECT count(*), coalesce(sum(amount_fen), 0), coalesce(sum(bonus_fen), 0) FROM topups "
                      "WHERE shift_id=?", (shift_id,))
        v = store.one("SELECT count(*), coalesce(sum(total_fen), 0) FROM voucher_sales WHERE shift_id=?", (shift_id,))
        assert t is not None
        assert v is not None
        by_tender = {str(r[0]): int(r[1]) for r in store.all(
            "SELECT tender, sum(amount_fen) FROM prepaid_payments WHERE shift_id=? GROUP BY tender ORDER BY tender",
            (shift_id,))}
        return {"topups_count": int(t[0]), "topups_fen": int(t[1]), "bonus_fen": int(t[2]),
                "voucher_sales_count": int(v[0]), "voucher_sales_fen": int(v[1]), "by_tender": by_tender}

    # ------------------------------------------------------------------ vouchers

    def voucher(self, code: str) -> VoucherInfo | None:
        data = self._store.master.get(Entity.VOUCHER.value, code)
        return None if data is None else VoucherInfo.model_validate(data)

    def batch(self, batch_id: int) -> VoucherBatch | None:
        data = self._store.master.get(Entity.VOUCHER_BATCH.value, batch_id)
        return None if data is None else VoucherBatch.model_validate(data)

    def record_voucher(self, code: str, kind: str, *, sale_id: str, receipt_no: str, at: datetime,
                       event_seq: int) -> None:
        self._store.require_transaction("Prepaid.record_voucher")
        self._store.execute(
            "INSERT INTO voucher_local(code, kind, sale_id, receipt_no, at, event_seq) VALUES (?, ?, ?, ?, ?, ?)",
            (code, kind, sale_id, receipt_no, at.isoformat(), event_seq))

    def last_local_use(self, code: str) -> LocalVoucherUse | None:
        """The latest thing this till did to the voucher (whether or not central has heard of it:
        central's row may still be older than our acknowledged event until the next pull)."""
        row = self._store.one("SELECT kind, sale_id, receipt_no, at FROM voucher_local WHERE code=? "
                              "ORDER BY id DESC LIMIT 1", (code,))
        if row is None:
            return None
        return LocalVoucherUse(kind=str(row[0]), sale_id=str(row[1]), receipt_no=str(row[2]),
                               at=datetime.fromisoformat(row[3]))

    def vouchers_of_sale(self, sale_id: str) -> list[str]:
        return [str(r[0]) for r in self._store.all(
            "SELECT code FROM voucher_local WHERE sale_id=? AND kind='redeemed' ORDER BY id", (sale_id,))]
