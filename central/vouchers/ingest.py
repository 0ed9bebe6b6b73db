"""Applying the tills' voucher events (called by the sync engine inside its transaction).

Single use is enforced here, where every till's redemptions meet. A redemption is always recorded
(the sale happened and the customer got the goods); the first valid one uses the voucher up, and
anything that does not hold goes on the review list with what was claimed and what central found:
a second use (both sales named), an unknown code, a voucher used outside its batch's rules, an
amount beyond what the rules give. Pre-sold vouchers (代金券销售) are activated by the till's
`voucher.sold`; a card sold twice or at another price is flagged, its money kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.org.models import Store
from central.review.service import flag
from central.sales.errors import DuplicateDocument, InconsistentDocument
from central.sales.ingest import post_takings
from central.stored_value.ingest import check_scope, check_takings
from central.vouchers.models import Voucher, VoucherBatch, VoucherRedemption, VoucherSale
from central.vouchers.service import batch_to_wire, voucher_to_wire
from sync.events import VoucherRedeemed, VoucherRestored, VoucherSold
from sync.store_time import business_date
from sync.vouchers import VoucherKind, VoucherStatus, check_redemption


def _store_code(session: Session, store_id: int | None) -> str:
    if store_id is None:
        return "?"
    return session.scalar(select(Store.code).where(Store.id == store_id)) or str(store_id)


def _locked(session: Session, code: str) -> Voucher | None:
    """The voucher row, locked until the transaction ends (two tills' redemptions queue on it)."""
    return session.scalar(select(Voucher).where(Voucher.code == code).with_for_update(of=Voucher)
                          .execution_options(populate_existing=True))


def apply_voucher_redeemed(session: Session, ev: VoucherRedeemed, *, terminal_id: int, store_id: int,
                           received_at: datetime) -> VoucherRedemption:
    check_scope(ev.store_id, ev.terminal_id, store_id=store_id, terminal_id=terminal_id)
    if session.get(VoucherRedemption, ev.redemption_id) is not None:
        raise DuplicateDocument(f"用券记录已存在：{ev.redemption_id}", f"redemption already recorded: {ev.redemption_id}",
                                field="redemption_id")
    voucher = _locked(session, ev.code)
    row = VoucherRedemption(
        id=ev.redemption_id, voucher_id=voucher.id if voucher else None, code=ev.code, sale_id=ev.sale_id,
        receipt_no=ev.receipt_no, store_id=store_id, terminal_id=terminal_id, member_id=ev.member_id,
        amount_fen=ev.amount_fen, due_fen=ev.due_fen, redeemed_at=ev.redeemed_at, received_at=received_at,
        counted=False)
    here = _store_code(session, store_id)

    def raise_flag(kind: str, zh: str, en: str, claimed: dict[str, object], computed: dict[str, object]) -> None:
        row.flag_kind = kind
        flag(session, kind=kind, store_id=store_id, terminal_id=terminal_id, event_id=None, subject=ev.receipt_no,
             claimed={"code": ev.code, "receipt_no": ev.receipt_no, **claimed},
             computed={"code": ev.code, **computed}, message_zh=zh, message_en=en)

    if voucher is None:
        raise_flag("voucher_unknown", f"小票 {ev.receipt_no}（{here}）用了总部没有的券 {ev.code}，抵扣 ¥{ev.amount_fen / 100:.2f}；"
                   "销售已入账，请核实", f"receipt {ev.receipt_no} ({here}) used voucher {ev.code}, which central does not "
                   f"know, for ¥{ev.amount_fen / 100:.2f}; the sale is applied, please check",
                   {"amount_fen": ev.amount_fen}, {"known": False})
        session.add(row)
        session.flush()
        return row
    batch = session.get(VoucherBatch, voucher.batch_id)
    assert batch is not None
    wire = batch_to_wire(batch)
    amount, refusal = check_redemption(
        wire, voucher_to_wire(voucher), at=ev.redeemed_at, store_id=store_id, due_fen=ev.due_fen,
        member_id=ev.member_id, goods_fen=ev.amount_fen if wire.kind is VoucherKind.GOODS else 0)
    voucher.uses += 1
    if refusal is not None and refusal.code == "voucher_used":
        first = f"{voucher.redeemed_receipt_no}（{_store_code(session, voucher.redeemed_store_id)}）"
        raise_flag("voucher_double_use",
                   f"券 {ev.code} 被使用两次：先用于小票 {first}，又用于小票 {ev.receipt_no}（{here}，"
                   f"¥{ev.amount_fen / 100:.2f}）；两笔销售均已入账，请核实",
                   f"voucher {ev.code} used twice: first on receipt {voucher.redeemed_receipt_no} "
                   f"({_store_code(session, voucher.redeemed_store_id)}), again on receipt {ev.receipt_no} ({here}, "
                   f"¥{ev.amount_fen / 100:.2f}); both sales are applied, please check",
                   {"amount_fen": ev.amount_fen},
                   {"first_receipt_no": voucher.redeemed_receipt_no, "first_sale_id": voucher.redeemed_sale_id,
                    "first_store_id": voucher.redeemed_store_id,
                    "first_redeemed_at": voucher.redeemed_at.isoformat() if voucher.redeemed_at else None})
        session.add(row)
        session.flush()
        return row
    if refusal is not None:
        raise_flag("voucher_not_valid", f"小票 {ev.receipt_no}（{here}）用券 {ev.code}：{refusal.message}；销售已入账，请核实",
                   f"receipt {ev.receipt_no} ({here}) used voucher {ev.code}: {refusal.message_en}; the sale is applied, "
                   "please check", {"amount_fen": ev.amount_fen, "due_fen": ev.due_fen},
                   {"refusal": refusal.code, "status": voucher.status})
    elif ev.amount_fen > amount:
        raise_flag("voucher_amount_mismatch",
                   f"小票 {ev.receipt_no} 用券 {ev.code} 抵扣 ¥{ev.amount_fen / 100:.2f}，按券规则最多 ¥{amount / 100:.2f}；"
                   "销售已入账，请核实", f"receipt {ev.receipt_no} took ¥{ev.amount_fen / 100:.2f} off with voucher "
                   f"{ev.code}; its rules give at most ¥{amount / 100:.2f}; the sale is applied, please check",
                   {"amount_fen": ev.amount_fen, "due_fen": ev.due_fen}, {"amount_fen": amount})
    if voucher.status in (VoucherStatus.ACTIVE, VoucherStatus.UNSOLD):  # used up now, whatever was flagged
        voucher.status = VoucherStatus.REDEEMED.value
        voucher.redeemed_at = ev.redeemed_at
        voucher.redeemed_sale_id = ev.sale_id
        voucher.redeemed_receipt_no = ev.receipt_no
        voucher.redeemed_store_id = store_id
        row.counted = True
    session.add(row)
    session.flush()
    return row


def apply_voucher_sold(session: Session, ev: VoucherSold, *, terminal_id: int, store_id: int,
                       received_at: datetime) -> VoucherSale:
    check_scope(ev.store_id, ev.terminal_id, store_id=store_id, terminal_id=terminal_id)
    if sum(i.price_fen for i in ev.items) != ev.total_fen:
        raise InconsistentDocument("售券明细合计不等于应收", "voucher items do not add up to the total", field="items")
    cash = check_takings(ev.payments, ev.total_fen, ("售券", "voucher sale"))
    clash = session.scalar(select(VoucherSale.receipt_no).where(
        (VoucherSale.id == ev.sale_id) | (VoucherSale.receipt_no == ev.receipt_no)))
    if clash is not None:
        raise DuplicateDocument(f"售券单已存在：{clash}", f"voucher sale already recorded: {clash}", field="sale_id")
    here = _store_code(session, store_id)
    for item in ev.items:
        voucher = _locked(session, item.code)

        def raise_flag(kind: str, zh: str, en: str, computed: dict[str, object], code: str = item.code,
                       price: int = item.price_fen) -> None:
            flag(session, kind=kind, store_id=store_id, terminal_id=terminal_id, event_id=None, subject=ev.receipt_no,
                 claimed={"code": code, "receipt_no": ev.receipt_no, "price_fen": price},
                 computed={"code": code, **computed}, message_zh=zh, message_en=en)

        if voucher is None:
            raise_flag("voucher_unknown", f"售券单 {ev.receipt_no}（{here}）卖出了总部没有的券 {item.code}；款已入账，请核实",
                       f"voucher sale {ev.receipt_no} ({here}) sold voucher {item.code}, which central does not know; "
                       "the money is applied, please check", {"known": False})
            continue
        batch = session.get(VoucherBatch, voucher.batch_id)
        assert batch is not None
        if voucher.status != VoucherStatus.UNSOLD:
            raise_flag("voucher_double_sale",
                       f"券 {item.code} 已是「{voucher.status}」状态（售出单 {voucher.sold_sale_id or '—'}），"
                       f"又在售券单 {ev.receipt_no}（{here}）售出；款已入账，请核实",
                       f"voucher {item.code} was already {voucher.status} (sold on {voucher.sold_sale_id or '—'}) and "
                       f"was sold again on {ev.receipt_no} ({here}); the money is applied, please check",
                       {"status": voucher.status, "sold_sale_id": voucher.sold_sale_id})
            continue
        if batch.sale_price_fen is not None and item.price_fen != batch.sale_price_fen:
            raise_flag("voucher_price_mismatch",
                       f"券 {item.code} 售价 ¥{item.price_fen / 100:.2f}，总部定价 ¥{batch.sale_price_fen / 100:.2f}；"
                       "已激活，请核实", f"voucher {item.code} sold for ¥{item.price_fen / 100:.2f}, head office's price "
                       f"is ¥{batch.sale_price_fen / 100:.2f}; activated, please check",
                       {"price_fen": batch.sale_price_fen})
        voucher.status = VoucherStatus.ACTIVE.value
        voucher.sold_at = ev.sold_at
        voucher.sold_sale_id = ev.sale_id
        voucher.sold_store_id = store_id
    if cash:
        post_takings(session, shift_id=ev.shift_id, store_id=store_id, terminal_id=terminal_id,
                     cashier_id=ev.cashier_id, cash_in_fen=cash, received_at=received_at)
    sale = VoucherSale(
        id=ev.sale_id, receipt_no=ev.receipt_no, store_id=store_id, terminal_id=terminal_id, shift_id=ev.shift_id,
        cashier_id=ev.cashier_id, member_id=ev.member_id, total_fen=ev.total_fen,
        items=[i.model_dump(mode="json") for i in ev.items], payments=[p.model_dump(mode="json") for p in ev.payments],
        sold_at=ev.sold_at, received_at=received_at, business_date=business_date(ev.sold_at))
    session.add(sale)
    session.flush()
    return sale


def apply_voucher_restored(session: Session, ev: VoucherRestored, *, terminal_id: int, store_id: int,
                           received_at: datetime) -> None:
    """Give a voucher back when the sale it paid was returned whole (only if that sale used it up)."""
    check_scope(ev.store_id, ev.terminal_id, store_id=store_id, terminal_id=terminal_id)
    voucher = _locked(session, ev.code)
    use = session.scalar(select(VoucherRedemption).where(
        VoucherRedemption.code == ev.code, VoucherRedemption.sale_id == ev.original_sale_id,
        VoucherRedemption.restored_at.is_(None)))
    if voucher is None or use is None or voucher.redeemed_sale_id != ev.original_sale_id:
        flag(session, kind="voucher_restore_unmatched", store_id=store_id, terminal_id=terminal_id, event_id=None,
             subject=ev.return_id, claimed={"code": ev.code, "original_sale_id": ev.original_sale_id},
             computed={"code": ev.code, "redeemed_sale_id": voucher.redeemed_sale_id if voucher else None},
             message_zh=f"退货退回券 {ev.code}，但总部记录中此券不是由原销售使用的；未恢复，请核实",
             message_en=f"a return gave voucher {ev.code} back, but central does not have it used by the original "
                        "sale; not restored, please check")
        return
    use.restored_at = received_at
    voucher.status = VoucherStatus.ACTIVE.value
    voucher.redeemed_at = None
    voucher.redeemed_sale_id = None
    voucher.redeemed_receipt_no = None
    voucher.redeemed_store_id = None
    session.flush()
