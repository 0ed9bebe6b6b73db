"""Returns against a receipt this terminal knows: choose lines and quantities, refund, reverse points.

Never more than sold minus already returned (checked inside the return's own transaction).
Refund amounts come from the original lines' allocated amounts: the final return of a line gives
back exactly what is left of it, a partial one its share (half-up), so all returns of a sale add
up to what was paid. 抹零 is given back on the return that completes the sale. Stock goes back
(each line is marked `restock`), and points earned on the returned part are taken back, points
that paid for it given back. One `sale.returned` event carries it all to central.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sync.allocation import allocate
from sync.events import PaymentPayload, SaleCompleted, SaleReturned, Tender, utcnow, uuid7
from sync.money import Rounding, div_round
from sync.quantity import to_milli
from terminal.errors import NotFound, ReturnError, busy_as_error
from terminal.receipt_numbers import next_return_receipt_no
from terminal.session import Action, Approval, Session, audit
from terminal.shift import require_open_shift
from terminal.store import Store
from terminal.store.outbox import append_event

_QR_PREFIXES = ("RECEIPT:", "R:", "pos-receipt:")


@dataclass(frozen=True)
class ReturnableLine:
    line_no: int
    product_id: int
    sku: str
    name: str
    unit_code: str
    qty_sold: Decimal
    qty_returned: Decimal
    amount_fen: int
    refunded_fen: int
    is_gift: bool

    @property
    def qty_left(self) -> Decimal:
        return self.qty_sold - self.qty_returned


@dataclass(frozen=True)
class ReturnableSale:
    sale: SaleCompleted
    lines: tuple[ReturnableLine, ...]

    @property
    def fully_returned(self) -> bool:
        return all(ln.qty_left <= 0 for ln in self.lines)


@dataclass(frozen=True)
class CompletedReturn:
    return_id: str
    receipt_no: str
    payload: SaleReturned
    event_seq: int
    cash_fen: int
    """Cash to hand back (the caller opens the drawer)."""


def _receipt_text(text: str) -> str:
    q = (text or "").strip()
    for prefix in _QR_PREFIXES:
        if q.startswith(prefix):
            return q[len(prefix):].strip()
    return q


def find_sale(store: Store, text: str) -> ReturnableSale:
    """The sale with this receipt number (typed or scanned from the receipt QR), with what is left
    to return. Only sales this terminal knows can be returned offline."""
    receipt_no = _receipt_text(text)
    if not receipt_no:
        raise NotFound("请输入或扫描小票号", "type or scan the receipt number", code="empty_receipt")
    row = store.one("SELECT id, payload FROM sales WHERE receipt_no=?", (receipt_no,))
    if row is None:
        raise NotFound(f"本机没有小票 {receipt_no}（其他收银台的小票请联网查询）",
                       f"receipt {receipt_no} is not on this terminal (look it up online)", code="no_receipt")
    return _returnable(store, row["id"], SaleCompleted.model_validate_json(row["payload"]))


def _returnable(store: Store, sale_id: str, sale: SaleCompleted) -> ReturnableSale:
    returned: dict[int, tuple[Decimal, int]] = {}
    for r in store.all("SELECT original_line_no, qty, amount_fen FROM return_lines WHERE sale_id=?", (sale_id,)):
        q, a = returned.get(r[0], (Decimal(0), 0))
        returned[r[0]] = (q + Decimal(r[1]), a + int(r[2]))
    lines = tuple(
        ReturnableLine(line_no=ln.line_no, product_id=ln.product_id, sku=ln.sku, name=ln.name,
                       unit_code=ln.unit_code, qty_sold=ln.qty, qty_returned=returned.get(ln.line_no, (Decimal(0), 0))[0],
                       amount_fen=ln.amount_fen, refunded_fen=returned.get(ln.line_no, (Decimal(0), 0))[1],
                       is_gift=ln.is_gift)
        for ln in sale.lines)
    return ReturnableSale(sale=sale, lines=lines)


def _qty(value: int | str | Decimal) -> Decimal:
    if isinstance(value, bool | float):
        raise ReturnError("退货数量无效", "invalid return quantity", code="bad_qty")
    try:
        q = Decimal(str(value))
    except InvalidOperation:
        raise ReturnError("退货数量无效", "invalid return quantity", code="bad_qty") from None
    if not q.is_finite() or q <= 0 or q != q.quantize(Decimal("0.001")):
        raise ReturnError("退货数量必须大于零（最多三位小数）", "a return quantity is positive, ≤ 3 decimals",
                          code="bad_qty")
    return q


def return_sale(store: Store, session: Session, receipt: str, lines: Mapping[int, int | str | Decimal], *,
                refund_to: str = "original", reason: str | None = None,
                approval: Approval | None = None) -> CompletedReturn:
    """Return `lines` ({original line_no: qty}) of a sale; refund by the original tenders or in cash.

    Needs a manager (refund). Points that paid for the sale always go back as points."""
    user = session.user
    approved_by = session.require(Action.REFUND, approval)
    if refund_to not in ("original", "cash"):
        raise ReturnError("退款方式只能是原路退回或现金", "refund_to is 'original' or 'cash'", code="bad_refund")
    if not lines:
        raise ReturnError("请选择退货商品", "choose what is returned", code="no_lines")
    with busy_as_error(), store.transaction():  # the checks and the writes see the same data
        shift = require_open_shift(store)
        found = find_sale(store, receipt)
        sale = found.sale
        by_no = {ln.line_no: ln for ln in found.lines}
        sold = {ln.line_no: ln for ln in sale.lines}
        picked: list[tuple[int, Decimal, int, int]] = []  # line_no, qty, amount, tax
        for line_no, raw_qty in sorted(lines.items()):
            ln = by_no.get(line_no)
            if ln is None:
                raise ReturnError(f"原小票没有第 {line_no} 行", f"the receipt has no line {line_no}", code="no_line")
            qty = _qty(raw_qty)
            original = sold[line_no]
            weighed = int(original.qty.as_tuple().exponent) < 0  # pieces are stored whole ("2"), weights "2.000"
            if not weighed and qty != qty.to_integral_value():
                raise ReturnError("计件商品只能整件退", "pieces are returned whole", code="fractional_pieces")
            if qty > ln.qty_left:
                raise ReturnError(f"{ln.name} 最多可退 {ln.qty_left}", f"{ln.name}: at most {ln.qty_left} can be returned",
                                  code="too_many")
            if qty == ln.qty_left:
                amount = ln.amount_fen - ln.refunded_fen
            else:
                amount = div_round(original.amount_fen * to_milli(qty), to_milli(original.qty), Rounding.HALF_UP)
                amount = min(amount, ln.amount_fen - ln.refunded_fen)
            picked.append((line_no, qty, amount, 0))
        completes = all(
            ln.qty_left - next((q for no, q, _, _ in picked if no == ln.line_no), Decimal(0)) <= 0
            for ln in found.lines)
        amounts = [a for _, _, a, _ in picked]
        if completes and sale.rounding_fen:
            # the last return gives back what was actually paid: take the 抹零 off the lines
            take = min(-sale.rounding_fen, sum(amounts)) if sale.rounding_fen < 0 else -sale.rounding_fen
            if take > 0:
                cuts = allocate(take, amounts)
                amounts = [a - c for a, c in zip(amounts, cuts, strict=True)]
            else:
                amounts[amounts.index(max(amounts))] += -take
        picked = [(no, q, a, _tax(a, sold[no].tax_rate_bp)) for (no, q, _, _), a in zip(picked, amounts, strict=True)]
        total = sum(a for _, _, a, _ in picked)
        refunds = _refunds(store, sale, total, refund_to)
        points_reversed, points_refunded = _points(store, sale, total, completes)
        now = utcnow()
        return_id = uuid7()
        receipt_no = next_return_receipt_no(store)
        payload = SaleReturned(
            return_id=return_id, receipt_no=receipt_no, original_sale_id=sale.sale_id,
            original_receipt_no=sale.receipt_no, store_id=sale.store_id, terminal_id=sale.terminal_id,
            shift_id=shift.id, cashier_id=user.id, approved_by=approved_by, member_id=sale.member_id,
            returned_at=now,
            lines=[{"original_line_no": no, "product_id": sold[no].product_id, "sku": sold[no].sku,
                    "unit_code": sold[no].unit_code, "unit_factor": sold[no].unit_factor, "qty": q,
                    "amount_fen": a, "tax_fen": t, "restock": True} for no, q, a, t in picked],  # type: ignore[misc]
            refunds=refunds, total_fen=total, tax_fen=sum(t for _, _, _, t in picked),
            points_reversed=points_reversed, points_refunded=points_refunded,
            reason=(reason or "")[:200] or None,
        )
        env = append_event(store, payload, occurred_at=now)
        store.execute(
            "INSERT INTO returns(id, receipt_no, original_sale_id, shift_id, cashier_id, approved_by, returned_at, "
            "total_fen, tax_fen, points_reversed, points_refunded, reason, event_seq, payload) "
            "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (return_id, receipt_no, sale.sale_id, shift.id, user.id, approved_by, now.isoformat(), total,
             payload.tax_fen, points_reversed, points_refunded, payload.reason, env.seq, payload.model_dump_json()))
        store.conn.executemany(
            "INSERT INTO return_lines(return_id, sale_id, original_line_no, qty, amount_fen, tax_fen) "
            "VALUES (?,?,?,?,?,?)", [(return_id, sale.sale_id, no, str(q), a, t) for no, q, a, t in picked])
        store.conn.executemany(
            "INSERT INTO refunds(return_id, idx, tender, amount_fen, reference, points) VALUES (?,?,?,?,?,?)",
            [(return_id, i, r.tender.value, r.amount_fen, r.reference, r.points) for i, r in enumerate(refunds)])
        if sale.member_id:
            if points_reversed:
                store.execute("INSERT INTO points_local(member_id, delta, reason, event_seq) VALUES (?,?,'reverse',?)",
                              (sale.member_id, -points_reversed, env.seq))
            if points_refunded:
                store.execute("INSERT INTO points_local(member_id, delta, reason, event_seq) VALUES (?,?,'refund',?)",
                              (sale.member_id, points_refunded, env.seq))
        audit(store, "return", cashier_id=user.id, approved_by=approved_by,
              detail={"return_id": return_id, "original": sale.receipt_no, "total_fen": total})
    cash = sum(r.amount_fen for r in refunds if r.tender is Tender.CASH)
    return CompletedReturn(return_id=return_id, receipt_no=receipt_no, payload=payload, event_seq=env.seq,
                           cash_fen=cash)


def _tax(amount: int, rate_bp: int) -> int:
    from sync.tax import included_tax_fen

    return included_tax_fen(amount, rate_bp)


def _already(store: Store, sale_id: str) -> tuple[dict[str, int], int, int]:
    """Money refunded so far per tender (fen), points given back, points taken back."""
    per: dict[str, int] = {}
    for tender, amount in store.all(
            "SELECT f.tender, sum(f.amount_fen) FROM refunds f JOIN returns r ON r.id=f.return_id "
            "WHERE r.original_sale_id=? GROUP BY f.tender", (sale_id,)):
        per[str(tender)] = int(amount)
    row = store.one("SELECT coalesce(sum(points_refunded),0), coalesce(sum(points_reversed),0) "
                    "FROM returns WHERE original_sale_id=?", (sale_id,))
    assert row is not None
    return per, int(row[0]), int(row[1])


def _refunds(store: Store, sale: SaleCompleted, total: int, refund_to: str) -> list[PaymentPayload]:
    """The money back (Σ = `total`): to the original tenders in proportion to what is left of
    each, or all in cash. Points are not money: they come back through `points_refunded`."""
    if total <= 0:
        raise ReturnError("退款金额为零（赠品请随主商品一起退）", "nothing to refund (return gifts with their item)",
                          code="zero_refund")
    if refund_to == "cash":
        return [PaymentPayload(tender=Tender.CASH, amount_fen=total)]
    per, _, _ = _already(store, sale.sale_id)
    left_by_payment: list[tuple[Tender, int, str | None]] = []
    for p in sale.payments:
        if p.tender is Tender.POINTS:
            continue
        used = min(per.get(p.tender.value, 0), p.amount_fen)
        per[p.tender.value] = per.get(p.tender.value, 0) - used
        if p.amount_fen - used > 0:
            left_by_payment.append((p.tender, p.amount_fen - used, p.reference))
    room = sum(x[1] for x in left_by_payment)
    if room < total:
        # earlier returns went to cash, or 抹零 rounded up: whatever the tenders cannot take goes to cash
        extra = total - room
        parts = [x[1] for x in left_by_payment]
        refunds = [PaymentPayload(tender=t, amount_fen=a, reference=r)
                   for (t, _, r), a in zip(left_by_payment, parts, strict=True) if a]
        return [*refunds, PaymentPayload(tender=Tender.CASH, amount_fen=extra)]
    shares = allocate(total, [x[1] for x in left_by_payment])
    return [PaymentPayload(tender=t, amount_fen=a, reference=r)
            for (t, _, r), a in zip(left_by_payment, shares, strict=True) if a]


def _points(store: Store, sale: SaleCompleted, total: int, completes: bool) -> tuple[int, int]:
    """(points taken back, points given back) for a return of `total` fen: in proportion to the
    money of the sale's lines; the return that completes the sale settles what is left."""
    if not sale.member_id:
        return 0, 0
    _, refunded_so_far, reversed_so_far = _already(store, sale.sale_id)
    if completes:
        return sale.points_earned - reversed_so_far, sale.points_redeemed - refunded_so_far
    lines_total = max(1, sum(ln.amount_fen for ln in sale.lines))
    rev = div_round(sale.points_earned * total, lines_total, Rounding.DOWN)
    back = div_round(sale.points_redeemed * total, lines_total, Rounding.DOWN)
    return (max(0, min(rev, sale.points_earned - reversed_so_far)),
            max(0, min(back, sale.points_redeemed - refunded_so_far)))


def sale_returns(store: Store, sale_id: str) -> list[SaleReturned]:
    """The returns made against a sale (for the receipt screen)."""
    return [SaleReturned.model_validate(json.loads(r[0]))
            for r in store.all("SELECT payload FROM returns WHERE original_sale_id=? ORDER BY returned_at", (sale_id,))]
