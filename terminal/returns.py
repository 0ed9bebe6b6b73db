"""Returns against a receipt this terminal knows: choose lines and quantities, refund, reverse points.

Never more than sold minus already returned (checked inside the return's own transaction).
Refund amounts come from the original lines' allocated amounts: the final return of a line gives
back exactly what is left of it, a partial one its share (half-up), so all returns of a sale add
up to what was paid. 抹零 is given back on the return that completes the sale. Stock goes back
(each line is marked `restock`), and points earned on the returned part are taken back, points
that paid for it given back. One `sale.returned` event carries it all to central.

A receipt of another till of the store is looked up online (`terminal.online_lookup`) and kept as
a read-only copy (`remote_sales`) with central's list of returns already made against it, so the
same rules run on it. A receipt of another store is taken back only when head office allows
chain-wide returns at this store (`StoreSettings.chain_returns`, 跨店退货, pulled with the store's
settings); otherwise it is refused with a plain message (code `other_store_receipt`), at lookup and
again when the return is made. The return is this store's (its `store_id`), its goods come back
into this store's stock; central follows the same setting and flags such a return when it is off. Online, our own sales are refreshed the same way (another till may have
returned part of them). Two tills can still each refund what they saw; the guarantee that together
they never return more than was sold lives at central: `central.sales.ingest.apply_sale_returned`
refuses (quarantines) a return beyond the sale's quantities or money.

`preview_return` computes the refund (money per tender, points) without writing anything; the
return itself runs the very same `_plan`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import BaseModel, ValidationError

from drivers.payments.flow import Patience
from drivers.payments.provider import PaymentProvider, refund_number
from sync.allocation import allocate
from sync.events import (
    PaymentPayload,
    SaleCompleted,
    SaleReturned,
    StoredValueRefunded,
    Tender,
    VoucherRestored,
    line_is_weighed,
    utcnow,
    uuid7,
)
from sync.money import Rounding, div_round
from sync.quantity import to_milli
from terminal import code_payments, online_lookup
from terminal.catalog import Catalog
from terminal.errors import NotFound, ReturnError
from terminal.receipt_numbers import next_return_receipt_no, own_receipt_no
from terminal.session import Action, Approval, Session, audit
from terminal.shift import require_own_shift
from terminal.store import Store
from terminal.store.errors import busy_as_error
from terminal.store.returns import PastReturn
from terminal.sync_client.transport import Offline, ServerRejected, SyncError

_QR_PREFIXES = ("RECEIPT:", "R:", "pos-receipt:")

Fetch = Callable[[Store, str], "dict[str, Any] | None"]
"""Asks central for a receipt: its answer, None when central does not know it, `Offline` if unreachable."""


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
    remote: bool = False
    """Sold at another till of the store; fetched from central (read-only copy)."""

    @property
    def fully_returned(self) -> bool:
        return all(ln.qty_left <= 0 for ln in self.lines)


@dataclass(frozen=True)
class PlannedLine:
    line_no: int
    qty: Decimal
    amount_fen: int
    tax_fen: int


@dataclass(frozen=True)
class RefundPreview:
    """What a return of the chosen lines gives back: the money per tender and the points."""

    lines: tuple[PlannedLine, ...]
    refunds: tuple[PaymentPayload, ...]
    total_fen: int
    tax_fen: int
    points_reversed: int
    """Points earned on the returned part, taken back from the member."""
    points_refunded: int
    """Points that paid for the returned part, given back."""
    completes: bool
    """This return leaves nothing of the sale to return."""

    @property
    def cash_fen(self) -> int:
        return sum(r.amount_fen for r in self.refunds if r.tender is Tender.CASH)


@dataclass(frozen=True)
class CompletedReturn:
    return_id: str
    receipt_no: str
    payload: SaleReturned
    event_seq: int
    cash_fen: int
    """Cash to hand back (the caller opens the drawer)."""


class _CentralReturnLine(BaseModel):
    original_line_no: int
    qty: Decimal
    amount_fen: int


class _CentralRefund(BaseModel):
    tender: str
    amount_fen: int


class _CentralReturn(BaseModel):
    """A return central recorded against a remote sale (from any till, ours included)."""

    return_id: str
    lines: list[_CentralReturnLine]
    refunds: list[_CentralRefund]
    points_reversed: int = 0
    points_refunded: int = 0


def _receipt_text(store: Store, text: str) -> str:
    """The receipt number typed or scanned: the QR's prefix dropped; a bare sequence number
    ("000001", "1") is this till's receipt (`receipt_numbers.own_receipt_no`)."""
    q = (text or "").strip()
    for prefix in _QR_PREFIXES:
        if q.startswith(prefix):
            q = q[len(prefix):].strip()
            break
    return own_receipt_no(store, q) if q else q


def find_sale(store: Store, text: str, *, online: bool = True, fetch: Fetch | None = None) -> ReturnableSale:
    """The sale with this receipt number (typed or scanned from the receipt QR; digits alone are the
    sequence part of this till's own number), with what is left to return. Sales of this till are found offline; another till's receipt is fetched from central
    when the till is enrolled and online (`online=False`: never touch the network)."""
    receipt_no = _receipt_text(store, text)
    if not receipt_no:
        raise NotFound("请输入或扫描小票号", "type or scan the receipt number", code="empty_receipt")
    local = _local_sale(store, receipt_no)
    # online, ask central even for our own sales: another till may have returned part of them since
    if online and store.enrolled() and not store.in_transaction:
        try:
            if fetch is not None:
                answer = fetch(store, receipt_no)
            else:  # a receipt we hold is only refreshed: wait less for it than for one we lack
                answer = online_lookup.fetch_receipt(store, receipt_no, timeout=(
                    online_lookup.REFRESH_TIMEOUT_S if local is not None else online_lookup.LOOKUP_TIMEOUT_S))
        except Offline:
            if local is None:
                raise NotFound(f"该小票不在本机，联网后可查询（{receipt_no}）",
                               f"receipt {receipt_no} is not on this terminal; it can be looked up when online",
                               code="receipt_offline") from None
        except ServerRejected as exc:
            if exc.code == "return_other_store":  # central's copy of the setting says no
                raise _other_store_refusal(receipt_no) from None
            if local is None:
                raise NotFound(f"联网查询小票失败：{exc.detail or receipt_no}",
                               f"online receipt lookup failed: {exc.detail_en or exc.detail or receipt_no}",
                               code="lookup_failed") from None
        except SyncError as exc:
            if local is None:
                raise NotFound(f"联网查询小票失败：{exc.detail or receipt_no}",
                               f"online receipt lookup failed: {exc.detail or receipt_no}",
                               code="lookup_failed") from None
        else:
            if answer is not None:
                import_remote_sale(store, answer)
                local = _local_sale(store, receipt_no)
    if local is None:
        if store.enrolled() and online:
            raise NotFound(f"小票 {receipt_no} 不存在（或不是本门店的小票）",
                           f"no receipt {receipt_no} in this store", code="no_receipt")
        raise NotFound(f"本机没有小票 {receipt_no}（其他收银台的小票请联网查询）",
                       f"receipt {receipt_no} is not on this terminal (look it up online)", code="no_receipt")
    sale_id, sale, remote = local
    _check_store_of(store, sale)
    return _returnable(sale, _past_returns(store, sale_id), remote=remote)


def chain_returns_allowed(store: Store) -> bool:
    """Head office lets this store take back other stores' receipts (跨店退货; off until it says so)."""
    return Catalog(store).store_settings().chain_returns


def _other_store_refusal(receipt_no: str) -> NotFound:
    return NotFound(f"小票 {receipt_no} 是其他门店的小票，本店未开通跨店退货，请到原门店办理退货",
                    f"receipt {receipt_no} was sold by another store and this store does not take back other "
                    "stores' receipts (chain-wide returns are off): return it at the store that sold it",
                    code="other_store_receipt")


def _check_store_of(store: Store, sale: SaleCompleted) -> None:
    """A sale of another store is taken back only when head office allows chain-wide returns here."""
    here = store.get_setting("store_id")
    if here is not None and sale.store_id != int(here) and not chain_returns_allowed(store):
        raise _other_store_refusal(sale.receipt_no)


def _local_sale(store: Store, receipt_no: str) -> tuple[str, SaleCompleted, bool] | None:
    """(sale id, sale, sold at another till) from `sales`, else from the copies fetched from central."""
    found = store.sales.json_by_receipt(receipt_no) or store.remote_sales.json_by_receipt(receipt_no)
    if found is None:
        return None
    sale_id, text = found
    sale = SaleCompleted.model_validate_json(text)
    here = store.get_setting("terminal_id")
    return sale_id, sale, here is not None and sale.terminal_id != int(here)


def import_remote_sale(store: Store, answer: Mapping[str, Any]) -> SaleCompleted:
    """Keep central's answer for a receipt as a read-only copy (refreshing the returns it lists; for
    our own sales only those returns matter: other tills may have returned part of them). Refuses a
    sale of another store (unless chain-wide returns are allowed here) or an answer that does not parse."""
    try:
        sale = SaleCompleted.model_validate(answer["sale"])
        returns = [_CentralReturn.model_validate(r) for r in answer.get("returns") or []]
    except (KeyError, TypeError, ValidationError) as exc:
        raise NotFound("总部返回的小票无法识别", f"central's answer is not a sale ({exc})",
                       code="bad_lookup") from None
    _check_store_of(store, sale)
    store.remote_sales.keep(sale, json.dumps([r.model_dump(mode="json") for r in returns]))
    return sale


def _past_returns(store: Store, sale_id: str) -> list[PastReturn]:
    """This till's returns of the sale, plus (remote copies) those central knew of that are not ours."""
    past: dict[str, PastReturn] = {p.return_id: p for p in store.returns.past(sale_id)}
    central = store.remote_sales.returns_json(sale_id)
    for raw in json.loads(central) if central is not None else []:
        ret = _CentralReturn.model_validate(raw)
        if ret.return_id in past:
            continue  # one of ours, already pushed: counted once
        lines: dict[int, tuple[Decimal, int]] = {}
        for ln in ret.lines:
            q, a = lines.get(ln.original_line_no, (Decimal(0), 0))
            lines[ln.original_line_no] = (q + ln.qty, a + ln.amount_fen)
        refunds: dict[str, int] = {}
        for rf in ret.refunds:
            refunds[rf.tender] = refunds.get(rf.tender, 0) + rf.amount_fen
        past[ret.return_id] = PastReturn(return_id=ret.return_id, lines=lines, refunds=refunds,
                                         points_reversed=ret.points_reversed, points_refunded=ret.points_refunded)
    return list(past.values())


def _returnable(sale: SaleCompleted, past: list[PastReturn], *, remote: bool = False) -> ReturnableSale:
    returned: dict[int, tuple[Decimal, int]] = {}
    for p in past:
        for no, (q, a) in p.lines.items():
            q0, a0 = returned.get(no, (Decimal(0), 0))
            returned[no] = (q0 + q, a0 + a)
    lines = tuple(
        ReturnableLine(line_no=ln.line_no, product_id=ln.product_id, sku=ln.sku, name=ln.name,
                       unit_code=ln.unit_code, qty_sold=ln.qty, qty_returned=returned.get(ln.line_no, (Decimal(0), 0))[0],
                       amount_fen=ln.amount_fen, refunded_fen=returned.get(ln.line_no, (Decimal(0), 0))[1],
                       is_gift=ln.is_gift)
        for ln in sale.lines)
    return ReturnableSale(sale=sale, lines=lines, remote=remote)


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


def preview_return(store: Store, receipt: str, lines: Mapping[int, int | str | Decimal], *,
                   refund_to: str = "original") -> RefundPreview:
    """The refund a return of `lines` would give now (money per tender, points), writing nothing.
    Same rules as `return_sale` (both call `_plan`); no manager or open shift needed to look."""
    found = find_sale(store, receipt, online=False)
    return _plan(found, _past_returns(store, found.sale.sale_id), lines, refund_to)


def _plan(found: ReturnableSale, past: list[PastReturn], lines: Mapping[int, int | str | Decimal],
          refund_to: str) -> RefundPreview:
    """The one place the refund of a return is computed: per line, 抹零, tenders, points."""
    if refund_to not in ("original", "cash"):
        raise ReturnError("退款方式只能是原路退回或现金", "refund_to is 'original' or 'cash'", code="bad_refund")
    if not lines:
        raise ReturnError("请选择退货商品", "choose what is returned", code="no_lines")
    sale = found.sale
    by_no = {ln.line_no: ln for ln in found.lines}
    sold = {ln.line_no: ln for ln in sale.lines}
    picked: list[tuple[int, Decimal, int]] = []  # line_no, qty, amount
    for line_no, raw_qty in sorted(lines.items()):
        ln = by_no.get(line_no)
        if ln is None:
            raise ReturnError(f"原小票没有第 {line_no} 行", f"the receipt has no line {line_no}", code="no_line")
        qty = _qty(raw_qty)
        original = sold[line_no]
        if not line_is_weighed(original) and qty != qty.to_integral_value():
            raise ReturnError("计件商品只能整件退", "pieces are returned whole", code="fractional_pieces")
        if qty > ln.qty_left:
            raise ReturnError(f"{ln.name} 最多可退 {ln.qty_left}", f"{ln.name}: at most {ln.qty_left} can be returned",
                              code="too_many")
        if qty == ln.qty_left:
            amount = ln.amount_fen - ln.refunded_fen
        else:
            amount = div_round(original.amount_fen * to_milli(qty), to_milli(original.qty), Rounding.HALF_UP)
            amount = min(amount, ln.amount_fen - ln.refunded_fen)
        picked.append((line_no, qty, amount))
    completes = all(
        ln.qty_left - next((q for no, q, _ in picked if no == ln.line_no), Decimal(0)) <= 0
        for ln in found.lines)
    amounts = [a for _, _, a in picked]
    paid_back, _, _ = _already(past)
    left = sale.total_fen - sum(paid_back.values())  # money taken for the sale, not given back yet
    if completes:
        # the last return gives back exactly what is left: the lines' amounts, 抹零 taken off (or,
        # rounded up, added)
        gap = sum(amounts) - left
    elif sum(amounts) >= left:
        # 抹零 larger than what the rest of the sale could give back (e.g. ¥2.03 of cola and ¥0.05 of
        # apples paid ¥2.00): this return would take it all, or more than was paid; it gives back
        # its share of the money left and the rest keeps its own (never a refund of nothing)
        rest = sum(ln.amount_fen - ln.refunded_fen for ln in found.lines) - sum(amounts)
        gap = sum(amounts) - (left - (left * rest // (sum(amounts) + rest) if rest > 0 else 0))
    else:
        gap = 0
    if gap > 0:
        cuts = allocate(gap, amounts)
        amounts = [a - c for a, c in zip(amounts, cuts, strict=True)]
    elif gap < 0:
        amounts[amounts.index(max(amounts))] -= gap
    planned = tuple(PlannedLine(line_no=no, qty=q, amount_fen=a, tax_fen=_tax(a, sold[no].tax_rate_bp))
                    for (no, q, _), a in zip(picked, amounts, strict=True))
    total = sum(p.amount_fen for p in planned)
    refunds = _refunds(sale, past, total, refund_to)
    points_reversed, points_refunded = _points(sale, past, total, completes)
    return RefundPreview(lines=planned, refunds=tuple(refunds), total_fen=total,
                         tax_fen=sum(p.tax_fen for p in planned), points_reversed=points_reversed,
                         points_refunded=points_refunded, completes=completes)


def return_sale(store: Store, session: Session, receipt: str, lines: Mapping[int, int | str | Decimal], *,
                refund_to: str = "original", reason: str | None = None,
                approval: Approval | None = None, provider: PaymentProvider | None = None,
                patience: Patience = Patience()) -> CompletedReturn:
    """Return `lines` ({original line_no: qty}) of a sale; refund by the original tenders or in cash.

    Needs a manager (refund). Points that paid for the sale always go back as points; stored value
    goes back to the member's balance; a voucher comes back when the whole sale is returned; a
    付款码 payment goes back to the customer's wallet through `provider` first (原路退回), and only
    once the provider accepted the refund is the return committed (refused: nothing is written, the
    cashier may refund in cash instead)."""
    user = session.user
    approved_by = session.require(Action.REFUND, approval)
    if refund_to not in ("original", "cash"):
        raise ReturnError("退款方式只能是原路退回或现金", "refund_to is 'original' or 'cash'", code="bad_refund")
    if not lines:
        raise ReturnError("请选择退货商品", "choose what is returned", code="no_lines")
    if _local_sale(store, _receipt_text(store, receipt)) is None:
        find_sale(store, receipt)  # not looked up yet: fetch it now, outside the transaction
    return_id = _send_provider_refunds(store, receipt, lines, refund_to, provider, patience, reason)
    with busy_as_error(), store.transaction():  # the checks and the writes see the same data
        shift = require_own_shift(store, session)
        found = find_sale(store, receipt, online=False)
        sale = found.sale
        sold = {ln.line_no: ln for ln in sale.lines}
        plan = _plan(found, _past_returns(store, sale.sale_id), lines, refund_to)
        refunds = list(plan.refunds)
        _check_sent_refunds(store, return_id, sale, refunds)
        total = plan.total_fen
        now = utcnow()
        receipt_no = next_return_receipt_no(store)
        payload = SaleReturned(
            return_id=return_id, receipt_no=receipt_no, original_sale_id=sale.sale_id,
            original_receipt_no=sale.receipt_no, store_id=store.store_id(),  # ours, also for a chain-wide return
            terminal_id=store.terminal_id(),  # the till giving the money back (not always the seller)
            shift_id=shift.id, cashier_id=user.id, approved_by=approved_by, member_id=sale.member_id,
            returned_at=now,
            lines=[{"original_line_no": p.line_no, "product_id": sold[p.line_no].product_id,  # type: ignore[misc]
                    "sku": sold[p.line_no].sku, "unit_code": sold[p.line_no].unit_code,
                    "unit_factor": sold[p.line_no].unit_factor, "qty": p.qty, "amount_fen": p.amount_fen,
                    "tax_fen": p.tax_fen, "restock": True} for p in plan.lines],
            refunds=refunds, total_fen=total, tax_fen=plan.tax_fen,
            points_reversed=plan.points_reversed, points_refunded=plan.points_refunded,
            reason=(reason or "")[:200] or None,
        )
        env, payload_json = store.outbox.append_for_record(payload, return_id, occurred_at=now)
        if found.remote:
            _keep_remote_sale(store, sale, env.seq)
        store.returns.add(payload, env.seq, payload_json, shift_id=shift.id)
        if sale.member_id:
            if plan.points_reversed:
                store.members.move_points(sale.member_id, -plan.points_reversed, "reverse", env.seq)
            if plan.points_refunded:
                store.members.move_points(sale.member_id, plan.points_refunded, "refund", env.seq)
        _give_back_prepaid(store, payload, sale, plan.completes, at=now)
        audit(store, "return", cashier_id=user.id, approved_by=approved_by,
              detail={"return_id": return_id, "original": sale.receipt_no, "total_fen": total,
                      "remote": found.remote})
    return CompletedReturn(return_id=return_id, receipt_no=receipt_no, payload=payload, event_seq=env.seq,
                           cash_fen=plan.cash_fen)


def _provider_rows(sale: SaleCompleted, refunds: list[PaymentPayload] | tuple[PaymentPayload, ...]
                   ) -> list[tuple[PaymentPayload, int]]:
    """The refund rows that go back through the provider, with the amount the order was charged."""
    charged = {p.reference: p.amount_fen for p in sale.payments
               if p.reference and code_payments.is_code_payment(p.tender, p.reference, sale.sale_id)}
    return [(r, charged[r.reference]) for r in refunds if r.reference in charged]


def _send_provider_refunds(store: Store, receipt: str, lines: Mapping[int, int | str | Decimal], refund_to: str,
                           provider: PaymentProvider | None, patience: Patience, reason: str | None) -> str:
    """Send the 付款码 part of the refund back through the provider before anything is written; the
    return's id (fresh, or the one an unanswered earlier try of the same refund used, so a retry
    is the same refund) is returned for the return to carry."""
    found = find_sale(store, receipt, online=False)
    sale = found.sale
    plan = _plan(found, _past_returns(store, sale.sale_id), lines, refund_to)
    rows = _provider_rows(sale, plan.refunds)
    if not rows:
        return uuid7()
    if provider is None:
        raise ReturnError("付款码退款需原路退回，但未连上支付渠道：请联网后重试，或改为现金退款",
                          "the payment-code part goes back through the provider, which is not available: "
                          "try again online or refund in cash", code="provider_unavailable")
    return_id = store.provider_charges.pending_return_for([r.reference for r, _ in rows if r.reference]) or uuid7()
    for index, (row, charged_fen) in enumerate(rows, start=1):
        assert row.reference is not None
        result = code_payments.refund(store, provider, return_id=return_id, index=index, order_no=row.reference,
                                      amount_fen=row.amount_fen, total_fen=charged_fen,
                                      reason=(reason or "退货")[:80], patience=patience)
        if not result.done:
            raise ReturnError(f"原路退回未成功：{result.message}（可稍后重试，或改为现金退款）",
                              f"the refund to the customer's wallet did not go through: {result.message_en} "
                              "(try again, or refund in cash)", code="provider_refund_failed")
    return return_id


def _check_sent_refunds(store: Store, return_id: str, sale: SaleCompleted, refunds: list[PaymentPayload]) -> None:
    """The return about to be written refunds through the provider exactly what was sent."""
    for index, (row, _) in enumerate(_provider_rows(sale, refunds), start=1):
        sent = store.provider_charges.refund(refund_number(return_id, index))
        if sent is None or sent.status != "refunded" or sent.amount_fen != row.amount_fen:
            raise ReturnError("原路退回的金额与退货不符，请重新退货", "the provider refund does not match this return: "
                              "start the return again", code="provider_refund_mismatch")


def _give_back_prepaid(store: Store, ret: SaleReturned, sale: SaleCompleted, completes: bool, *,
                       at: datetime) -> None:
    """Stored value refunded goes back to the balance (`stored_value.refunded`); a sale returned
    whole gives its vouchers back (`voucher.restored`). Inside the return's transaction."""
    stored = sum(r.amount_fen for r in ret.refunds if r.tender is Tender.STORE_CREDIT)
    if stored and sale.member_id:
        env = store.outbox.append(StoredValueRefunded(
            movement_id=uuid7(), member_id=sale.member_id, store_id=ret.store_id, terminal_id=ret.terminal_id,
            return_id=ret.return_id, receipt_no=ret.receipt_no, original_sale_id=sale.sale_id, amount_fen=stored,
            refunded_at=at), occurred_at=at)
        store.prepaid.move(sale.member_id, stored, "refund", ret.receipt_no, at, env.seq)
    if not completes:
        return
    for p in sale.payments:
        if p.tender is Tender.VOUCHER and p.reference:
            env = store.outbox.append(VoucherRestored(
                code=p.reference, store_id=ret.store_id, terminal_id=ret.terminal_id, return_id=ret.return_id,
                original_sale_id=sale.sale_id, restored_at=at), occurred_at=at)
            store.prepaid.record_voucher(p.reference, "restored", sale_id=sale.sale_id, receipt_no=ret.receipt_no,
                                         at=at, event_seq=env.seq)


def _keep_remote_sale(store: Store, sale: SaleCompleted, event_seq: int) -> None:
    """The first return of another till's sale writes the copy into `sales` (this till's returns
    reference their original there). It sits under the other till's shift id, in a closed shift
    header of its own, so it never counts in this till's shift figures; its `event_seq` is the
    return that brought it (it has no event of its own here); it is marked printed (not ours to print)."""
    if store.sales.exists(sale.sale_id):
        return
    store.shifts.add_closed_copy_for(sale)
    store.sales.add(sale, event_seq, sale.model_dump_json(), print_status="printed")


def _tax(amount: int, rate_bp: int) -> int:
    from sync.tax import included_tax_fen

    return included_tax_fen(amount, rate_bp)


def _already(past: list[PastReturn]) -> tuple[dict[str, int], int, int]:
    """Money refunded so far per tender (fen), points given back, points taken back."""
    per: dict[str, int] = {}
    for p in past:
        for tender, amount in p.refunds.items():
            per[tender] = per.get(tender, 0) + amount
    return per, sum(p.points_refunded for p in past), sum(p.points_reversed for p in past)


def _refunds(sale: SaleCompleted, past: list[PastReturn], total: int, refund_to: str) -> list[PaymentPayload]:
    """The money back (Σ = `total`): to the original tenders in proportion to what is left of
    each, or all in cash. Points are not money: they come back through `points_refunded`."""
    if total <= 0:
        raise ReturnError("退款金额为零（赠品请随主商品一起退）", "nothing to refund (return gifts with their item)",
                          code="zero_refund")
    if refund_to == "cash":
        if not any(p.tender is Tender.VOUCHER for p in sale.payments):
            return [PaymentPayload(tender=Tender.CASH, amount_fen=total)]
        # a voucher's share is never paid out in cash: only the money part becomes cash
        split = _refunds(sale, past, total, "original")
        kept = [r for r in split if r.tender is Tender.VOUCHER]
        cash = total - sum(r.amount_fen for r in kept)
        return [*kept, *([PaymentPayload(tender=Tender.CASH, amount_fen=cash)] if cash else [])]
    per, _, _ = _already(past)
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


def _points(sale: SaleCompleted, past: list[PastReturn], total: int, completes: bool) -> tuple[int, int]:
    """(points taken back, points given back) for a return of `total` fen: in proportion to the
    money of the sale's lines; the return that completes the sale settles what is left."""
    if not sale.member_id:
        return 0, 0
    _, refunded_so_far, reversed_so_far = _already(past)
    if completes:
        return sale.points_earned - reversed_so_far, sale.points_redeemed - refunded_so_far
    lines_total = max(1, sum(ln.amount_fen for ln in sale.lines))
    rev = div_round(sale.points_earned * total, lines_total, Rounding.DOWN)
    back = div_round(sale.points_redeemed * total, lines_total, Rounding.DOWN)
    return (max(0, min(rev, sale.points_earned - reversed_so_far)),
            max(0, min(back, sale.points_redeemed - refunded_so_far)))


def sale_returns(store: Store, sale_id: str) -> list[SaleReturned]:
    """The returns made against a sale (for the receipt screen)."""
    return store.returns.of_sale(sale_id)
