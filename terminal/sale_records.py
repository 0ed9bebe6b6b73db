"""A sale's rows in the till's database, and reading a stored sale back.

Why here: the sale's full JSON (lines with their price, promotion and allocation detail) is kept
once. For a sale rung up at this till it is the text of its `sale.completed` outbox event, which
is never deleted, so `sales.payload` is NULL; a copy of another till's sale (fetched from central
for a return) has no event of its own here and keeps its text in `sales.payload`. Every reader
goes through `sale_json` so it never has to know which.
"""

from __future__ import annotations

from sync.events import SaleCompleted
from terminal.store import Store

_SALE_JSON = ("SELECT s.id, coalesce(s.payload, o.payload) AS payload FROM sales s "
              "LEFT JOIN outbox o ON s.payload IS NULL AND o.seq = s.event_seq ")


def write_sale_rows(store: Store, p: SaleCompleted, event_seq: int, payload_json: str | None = None,
                    print_status: str = "pending") -> None:
    """The sale's own rows (header, lines, payments), inside the caller's transaction: for a sale
    rung up here (`payload_json` None: the outbox event at `event_seq` holds its text) and for a copy
    of one fetched from central for a return (its own text; already printed elsewhere)."""
    store.require_transaction("write_sale_rows")
    store.execute(
        "INSERT INTO sales(id, receipt_no, shift_id, cashier_id, member_id, member_level, sold_at, "
        "subtotal_fen, discount_fen, rounding_fen, total_fen, change_fen, tax_fen, points_earned, "
        "points_redeemed, event_seq, payload, print_status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        (p.sale_id, p.receipt_no, p.shift_id, p.cashier_id, p.member_id, p.member_level, p.sold_at.isoformat(),
         p.subtotal_fen, p.discount_fen, p.rounding_fen, p.total_fen, p.change_fen, p.tax_fen,
         p.points_earned, p.points_redeemed, event_seq, payload_json, print_status),
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


def sale_json(store: Store, sale_id: str) -> str | None:
    """The stored sale's JSON (as its `sale.completed` event carries it), or None for no such sale."""
    row = store.one(_SALE_JSON + "WHERE s.id=?", (sale_id,))
    return None if row is None else str(row["payload"])


def sale_json_by_receipt(store: Store, receipt_no: str) -> tuple[str, str] | None:
    """(sale id, JSON) of the sale with this receipt number in `sales`, or None."""
    row = store.one(_SALE_JSON + "WHERE s.receipt_no=?", (receipt_no,))
    return None if row is None else (str(row["id"]), str(row["payload"]))


def load_sale(store: Store, sale_id: str) -> SaleCompleted | None:
    text = sale_json(store, sale_id)
    return None if text is None else SaleCompleted.model_validate_json(text)
