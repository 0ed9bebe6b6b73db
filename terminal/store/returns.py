"""Returns in the till's database: a return's rows (header, lines, refunds) with its JSON, and what
was already returned of a sale (the returns rules in `terminal.returns` build on it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

from sync.events import SaleReturned, Tender
from terminal.store.stored_json import pack, unpack

if TYPE_CHECKING:
    from terminal.store.db import Store


@dataclass
class PastReturn:
    """One return this till made against a sale: quantity and money per original line, money per
    tender, points."""

    return_id: str
    points_reversed: int
    points_refunded: int
    lines: dict[int, tuple[Decimal, int]] = field(default_factory=dict)
    refunds: dict[str, int] = field(default_factory=dict)


class Returns:
    """The `returns`, `return_lines` and `refunds` tables of one open store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, p: SaleReturned, event_seq: int, payload_json: str, *, shift_id: str) -> None:
        """The return's rows (header with its JSON, lines, refunds), inside the caller's transaction with
        the event at `event_seq` (`Outbox.append_for_record`, which made `payload_json`)."""
        store = self._store
        store.require_transaction("Returns.add")
        store.execute(
            "INSERT INTO returns(id, receipt_no, original_sale_id, shift_id, cashier_id, approved_by, returned_at, "
            "total_fen, tax_fen, points_reversed, points_refunded, reason, event_seq, payload) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (p.return_id, p.receipt_no, p.original_sale_id, shift_id, p.cashier_id, p.approved_by,
             p.returned_at.isoformat(), p.total_fen, p.tax_fen, p.points_reversed, p.points_refunded, p.reason,
             event_seq, pack(payload_json)))
        store.conn.executemany(
            "INSERT INTO return_lines(return_id, sale_id, original_line_no, qty, amount_fen, tax_fen) "
            "VALUES (?,?,?,?,?,?)",
            [(p.return_id, p.original_sale_id, ln.original_line_no, str(ln.qty), ln.amount_fen, ln.tax_fen)
             for ln in p.lines])
        store.conn.executemany(
            "INSERT INTO refunds(return_id, idx, tender, amount_fen, reference, points) VALUES (?,?,?,?,?,?)",
            [(p.return_id, i, r.tender.value, r.amount_fen, r.reference, r.points) for i, r in enumerate(p.refunds)])

    def past(self, sale_id: str) -> list[PastReturn]:
        """This till's returns of a sale, with what each gave back."""
        store = self._store
        past: dict[str, PastReturn] = {}
        for rid, rev, back in store.all(
                "SELECT id, points_reversed, points_refunded FROM returns WHERE original_sale_id=?", (sale_id,)):
            past[rid] = PastReturn(return_id=rid, points_reversed=int(rev), points_refunded=int(back))
        for rid, no, qty, amount in store.all(
                "SELECT return_id, original_line_no, qty, amount_fen FROM return_lines WHERE sale_id=?", (sale_id,)):
            past[rid].lines[int(no)] = (Decimal(qty), int(amount))
        for rid, tender, amount in store.all(
                "SELECT f.return_id, f.tender, f.amount_fen FROM refunds f JOIN returns r ON r.id=f.return_id "
                "WHERE r.original_sale_id=?", (sale_id,)):
            past[rid].refunds[str(tender)] = past[rid].refunds.get(str(tender), 0) + int(amount)
        return list(past.values())

    def load(self, return_id: str) -> SaleReturned | None:
        value = self._store.scalar("SELECT payload FROM returns WHERE id=?", (return_id,))
        return None if value is None else SaleReturned.model_validate_json(unpack(value))

    def of_sale(self, sale_id: str) -> list[SaleReturned]:
        """The returns made here against a sale, oldest first."""
        return [SaleReturned.model_validate_json(unpack(r[0])) for r in self._store.all(
            "SELECT payload FROM returns WHERE original_sale_id=? ORDER BY returned_at", (sale_id,))]

    def refunded_cash(self, return_id: str) -> bool:
        """True when part of the refund was paid in cash (the drawer opens)."""
        return bool(self._store.scalar("SELECT 1 FROM refunds WHERE return_id=? AND tender=?",
                                       (return_id, Tender.CASH.value)))
