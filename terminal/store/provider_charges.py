"""Payment-code charges and provider refunds in the till's database (`provider_charges`,
`provider_refunds`): each is written and committed before the provider hears of it, and updated
with what the provider answered, so no charge the till sent is ever forgotten (see
`terminal.code_payments`)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from terminal.store.db import Store

OPEN_STATUSES = ("sending", "paid", "unknown")
"""A charge in one of these may hold the customer's money without a committed document."""


@dataclass(frozen=True)
class ChargeRow:
    order_no: str
    doc_id: str
    attempt: int
    provider: str
    tender: str
    amount_fen: int
    status: str
    transaction_id: str | None
    code: str | None
    created_at: datetime


@dataclass(frozen=True)
class RefundRow:
    refund_no: str
    return_id: str
    order_no: str
    amount_fen: int
    status: str
    refund_id: str | None


def _charge(row: sqlite3.Row) -> ChargeRow:
    return ChargeRow(order_no=row["order_no"], doc_id=row["doc_id"], attempt=int(row["attempt"]),
                     provider=row["provider"], tender=row["tender"], amount_fen=int(row["amount_fen"]),
                     status=row["status"], transaction_id=row["transaction_id"], code=row["code"],
                     created_at=datetime.fromisoformat(row["created_at"]))


class ProviderCharges:
    """The journal of payment-code charges and provider refunds of one open store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def last_attempt(self, doc_id: str) -> ChargeRow | None:
        row = self._store.one("SELECT * FROM provider_charges WHERE doc_id=? ORDER BY attempt DESC LIMIT 1",
                              (doc_id,))
        return None if row is None else _charge(row)

    def of_doc(self, doc_id: str) -> list[ChargeRow]:
        return [_charge(r) for r in self._store.all(
            "SELECT * FROM provider_charges WHERE doc_id=? ORDER BY attempt", (doc_id,))]

    def get(self, order_no: str) -> ChargeRow | None:
        row = self._store.one("SELECT * FROM provider_charges WHERE order_no=?", (order_no,))
        return None if row is None else _charge(row)

    def add_sending(self, *, order_no: str, doc_id: str, attempt: int, provider: str, tender: str,
                    amount_fen: int, at: datetime) -> None:
        """The charge about to be sent (its own committed transaction: durable before the request)."""
        with self._store.transaction():
            self._store.execute(
                "INSERT INTO provider_charges(order_no, doc_id, attempt, provider, tender, amount_fen, status, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, 'sending', ?)",
                (order_no, doc_id, attempt, provider, tender, amount_fen, at.isoformat()))

    def set_status(self, order_no: str, status: str, *, transaction_id: str | None = None, code: str | None = None,
                   at: datetime) -> None:
        """What the provider answered (joins the caller's transaction if there is one)."""
        with self._store.transaction():
            self._store.execute(
                "UPDATE provider_charges SET status=?, transaction_id=coalesce(?, transaction_id), code=?, "
                "settled_at=? WHERE order_no=?", (status, transaction_id, code, at.isoformat(), order_no))

    def mark_committed(self, order_nos: list[str]) -> None:
        """The document these charges paid is committed (inside its transaction)."""
        self._store.require_transaction("ProviderCharges.mark_committed")
        for order_no in order_nos:
            self._store.execute("UPDATE provider_charges SET status='committed' WHERE order_no=?", (order_no,))

    def open(self) -> list[ChargeRow]:
        """Charges that may hold money with no committed document: sent and unanswered, answered
        unknown, or paid for a document that was never committed."""
        return [_charge(r) for r in self._store.all(
            "SELECT * FROM provider_charges WHERE status IN ('sending', 'paid', 'unknown') ORDER BY created_at")]

    def committed_transaction_id(self, order_no: str) -> str | None:
        value = self._store.scalar("SELECT transaction_id FROM provider_charges WHERE order_no=?", (order_no,))
        return None if value is None else str(value)

    # ------------------------------------------------------------------ refunds

    def refund(self, refund_no: str) -> RefundRow | None:
        row = self._store.one("SELECT * FROM provider_refunds WHERE refund_no=?", (refund_no,))
        if row is None:
            return None
        return RefundRow(refund_no=row["refund_no"], return_id=row["return_id"], order_no=row["order_no"],
                         amount_fen=int(row["amount_fen"]), status=row["status"], refund_id=row["refund_id"])

    def add_refund(self, *, refund_no: str, return_id: str, order_no: str, amount_fen: int, at: datetime) -> None:
        with self._store.transaction():
            self._store.execute(
                "INSERT OR IGNORE INTO provider_refunds(refund_no, return_id, order_no, amount_fen, status, created_at) "
                "VALUES (?, ?, ?, ?, 'sending', ?)", (refund_no, return_id, order_no, amount_fen, at.isoformat()))

    def set_refund_status(self, refund_no: str, status: str, refund_id: str | None = None) -> None:
        with self._store.transaction():
            self._store.execute("UPDATE provider_refunds SET status=?, refund_id=coalesce(?, refund_id) "
                                "WHERE refund_no=?", (status, refund_id, refund_no))

    def pending_return_for(self, order_nos: list[str]) -> str | None:
        """The return id of a provider refund of one of these orders sent but not known to be done
        (an unanswered refund): a retried return reuses it, so it is the same refund, never a second."""
        if not order_nos:
            return None
        marks = ",".join("?" for _ in order_nos)
        value = self._store.scalar(
            f"SELECT r.return_id FROM provider_refunds r WHERE r.order_no IN ({marks}) "  # noqa: S608 - placeholders only
            "AND NOT EXISTS (SELECT 1 FROM returns t WHERE t.id = r.return_id) "
            "AND r.status IN ('sending', 'unknown', 'refunded') ORDER BY r.created_at LIMIT 1", tuple(order_nos))
        return None if value is None else str(value)
