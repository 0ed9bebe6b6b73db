"""Sales in the till's database: a sale's rows (header, lines, payments), its stored JSON, its
receipt's print status, and the read-only copies of other tills' sales fetched from central.

A sale keeps its own stored form: its full JSON (lines with their price, promotion and allocation
detail) in `sales.payload`, the payload of its `sale.completed` event, whose outbox row points at
the sale instead of holding a second copy (migration 0007), packed by `stored_json` (fewer pages
for the sale's durable commit than the event's text used to take). The columns beside it are what the till sums and searches
(shift figures, receipt numbers, print status). A copy of another till's sale (fetched from central
for a return) is stored the same way, its event being the return that brought it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sync.events import SaleCompleted, Tender, utcnow
from terminal.store.stored_json import pack, unpack

if TYPE_CHECKING:
    from terminal.store.db import Store

class Sales:
    """The `sales`, `sale_lines` and `payments` tables of one open store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, p: SaleCompleted, event_seq: int, payload_json: str, *, print_status: str = "pending") -> None:
        """The sale's rows (header with its JSON, lines, payments), inside the caller's transaction
        with the event at `event_seq` (`Outbox.append_for_record`, which made `payload_json`); a copy
        of another till's sale is written `printed` (not ours to print)."""
        store = self._store
        store.require_transaction("Sales.add")
        store.conn.execute(
            "INSERT INTO sales(id, receipt_no, shift_id, cashier_id, member_id, member_level, sold_at, "
            "subtotal_fen, discount_fen, rounding_fen, total_fen, change_fen, tax_fen, points_earned, "
            "points_redeemed, event_seq, payload, print_status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (p.sale_id, p.receipt_no, p.shift_id, p.cashier_id, p.member_id, p.member_level, p.sold_at.isoformat(),
             p.subtotal_fen, p.discount_fen, p.rounding_fen, p.total_fen, p.change_fen, p.tax_fen,
             p.points_earned, p.points_redeemed, event_seq, pack(payload_json), print_status),
        )
        store.conn.executemany(
            "INSERT INTO sale_lines(sale_id, line_no, product_id, sku, name, unit_code, unit_factor, qty, "
            "unit_price_fen, list_amount_fen, line_discount_fen, order_discount_fen, amount_fen, tax_rate_bp, "
            "tax_fen, is_gift) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            [(p.sale_id, ln.line_no, ln.product_id, ln.sku, ln.name, ln.unit_code, ln.unit_factor, str(ln.qty),
              ln.unit_price_fen, ln.list_amount_fen, ln.line_discount_fen, ln.order_discount_fen, ln.amount_fen,
              ln.tax_rate_bp, ln.tax_fen, int(ln.is_gift)) for ln in p.lines],
        )
        store.conn.executemany(
            "INSERT INTO payments(sale_id, idx, tender, amount_fen, tendered_fen, reference, points) "
            "VALUES (?,?,?,?,?,?,?)",
            [(p.sale_id, i, pay.tender.value, pay.amount_fen, pay.tendered_fen, pay.reference, pay.points)
             for i, pay in enumerate(p.payments)],
        )
        store.sales_since_backup += 1  # (a rolled-back sale counts too: the backup comes a sale early)

    # ------------------------------------------------------------------ reading a sale

    def json(self, sale_id: str) -> str | None:
        """The stored sale's JSON (as its `sale.completed` event carries it), or None for no such sale."""
        value = self._store.scalar("SELECT payload FROM sales WHERE id=?", (sale_id,))
        return None if value is None else unpack(value)

    def json_by_receipt(self, receipt_no: str) -> tuple[str, str] | None:
        """(sale id, JSON) of the sale with this receipt number, or None."""
        row = self._store.one("SELECT id, payload FROM sales WHERE receipt_no=?", (receipt_no,))
        return None if row is None else (str(row["id"]), unpack(row["payload"]))

    def load(self, sale_id: str) -> SaleCompleted | None:
        text = self.json(sale_id)
        return None if text is None else SaleCompleted.model_validate_json(text)

    def exists(self, sale_id: str) -> bool:
        return self._store.one("SELECT 1 FROM sales WHERE id=?", (sale_id,)) is not None

    def id_by_receipt(self, receipt_no: str) -> str | None:
        value = self._store.scalar("SELECT id FROM sales WHERE receipt_no=?", (receipt_no,))
        return None if value is None else str(value)

    def receipt_no(self, sale_id: str) -> str | None:
        value = self._store.scalar("SELECT receipt_no FROM sales WHERE id=?", (sale_id,))
        return None if value is None else str(value)

    def last_id(self) -> str | None:
        """The most recent sale (the 重印 button reprints it)."""
        # (sales is a WITHOUT ROWID table since migration 0006: the receipt number breaks a tie)
        value = self._store.scalar("SELECT id FROM sales ORDER BY sold_at DESC, receipt_no DESC LIMIT 1")
        return None if value is None else str(value)

    def took_cash(self, sale_id: str) -> bool:
        """True when part of the sale was paid in cash (its first print opens the drawer)."""
        return bool(self._store.scalar("SELECT 1 FROM payments WHERE sale_id=? AND tender=?",
                                       (sale_id, Tender.CASH.value)))

    # ------------------------------------------------------------------ receipts

    def print_count(self, sale_id: str) -> int | None:
        """How many times the receipt printed; None for no such sale."""
        value = self._store.scalar("SELECT print_count FROM sales WHERE id=?", (sale_id,))
        return None if value is None else int(value)

    def mark_printed(self, sale_id: str) -> None:
        with self._store.transaction() as store:
            store.execute("UPDATE sales SET print_status='printed', print_count=print_count+1, print_error=NULL "
                          "WHERE id=?", (sale_id,))

    def mark_print_failed(self, sale_id: str, error: str) -> None:
        with self._store.transaction() as store:
            store.execute("UPDATE sales SET print_status='failed', print_error=? WHERE id=?", (error[:500], sale_id))

    def unprinted(self) -> list[tuple[str, str, str | None]]:
        """(sale id, receipt no, last error) of sales whose receipt never printed, oldest first."""
        return [(str(r[0]), str(r[1]), r[2]) for r in self._store.all(
            "SELECT id, receipt_no, print_error FROM sales WHERE print_status <> 'printed' ORDER BY sold_at")]


class RemoteSales:
    """Read-only copies of sales made at another till of this store (`remote_sales`), fetched from
    central with central's list of the returns already made against them (any till's)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def keep(self, sale: SaleCompleted, returns_json: str) -> None:
        """Keep (or refresh the returns of) central's copy of a sale."""
        with self._store.transaction() as store:
            store.execute(
                "INSERT INTO remote_sales(sale_id, receipt_no, store_id, payload, returns, fetched_at) "
                "VALUES (?,?,?,?,?,?) ON CONFLICT(sale_id) DO UPDATE SET returns=excluded.returns, "
                "fetched_at=excluded.fetched_at",
                (sale.sale_id, sale.receipt_no, sale.store_id, sale.model_dump_json(), returns_json,
                 utcnow().isoformat()))

    def json_by_receipt(self, receipt_no: str) -> tuple[str, str] | None:
        """(sale id, JSON) of the copy with this receipt number, or None."""
        row = self._store.one("SELECT sale_id, payload FROM remote_sales WHERE receipt_no=?", (receipt_no,))
        return None if row is None else (str(row["sale_id"]), str(row["payload"]))

    def returns_json(self, sale_id: str) -> str | None:
        """Central's list of the returns made against the sale (JSON), or None without a copy."""
        value = self._store.scalar("SELECT returns FROM remote_sales WHERE sale_id=?", (sale_id,))
        return None if value is None else str(value)
