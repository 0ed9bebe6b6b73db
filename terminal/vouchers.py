"""Vouchers and coupons at the till (代金券 / 优惠券 / 提货券): redeem by scanning, offline, and sell
pre-sold vouchers (代金券销售).

What the till knows of a voucher is central's row from the last sync with this till's own uses on
top (`voucher_local`): a voucher redeemed here is refused here at once, offline, even before
central hears of it. Two tills offline can still each accept the same code; central applies both
sales and flags the second use with both receipts (`central.vouchers.ingest`).

A voucher pays as the tender `voucher` (no change). The amount is `sync.vouchers.check_redemption`'s,
the rule central re-applies; a goods voucher (提货券) pays the cart's price of the goods it names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sync.events import VoucherSold, VoucherSoldItem, utcnow, uuid7
from sync.money import Rounding, div_round
from sync.pricing import PricedCart
from sync.quantity import to_milli
from sync.vouchers import VoucherBatch, VoucherInfo, VoucherKind, VoucherStatus, check_redemption
from terminal.errors import PaymentError
from terminal.receipt_numbers import receipt_prefix
from terminal.session import Session, audit
from terminal.shift import require_own_shift
from terminal.store import Store
from terminal.store.errors import busy_as_error
from terminal.takings import Takings

VOUCHER_SALE_SEQ = "voucher_sale_receipt"


def known_voucher(store: Store, code: str) -> tuple[VoucherBatch, VoucherInfo]:
    """The voucher and its batch as this till knows them (central's row + this till's own uses)."""
    text = (code or "").strip()
    if not text:
        raise PaymentError("请扫描券码", "scan the voucher code", code="empty_voucher")
    info = store.prepaid.voucher(text)
    if info is None:
        raise PaymentError(f"本机不认识此券：{text}（新发的券请联网同步后再用）",
                       f"this till does not know voucher {text} (sync first if it is new)", code="voucher_unknown")
    batch = store.prepaid.batch(info.batch_id)
    if batch is None:
        raise PaymentError(f"本机没有此券的批次（{info.batch_id}），请联网同步", f"the voucher's batch {info.batch_id} "
                       "is not on this till: sync first", code="voucher_batch_unknown")
    mine = store.prepaid.last_local_use(text)
    if mine is not None:
        if mine.kind == "redeemed":
            info = info.model_copy(update={"status": VoucherStatus.REDEEMED, "redeemed_receipt_no": mine.receipt_no})
        elif mine.kind in ("sold", "restored") and info.status in (VoucherStatus.UNSOLD, VoucherStatus.REDEEMED):
            info = info.model_copy(update={"status": VoucherStatus.ACTIVE, "redeemed_receipt_no": None})
    return batch, info


def goods_value(priced: PricedCart, batch: VoucherBatch) -> int:
    """What the goods a 提货券 names cost in this cart: `qty` of them at the price they carry here."""
    if batch.kind is not VoucherKind.GOODS:
        return 0
    wanted = Decimal(batch.qty)
    value = 0
    for ln in priced.lines:
        if wanted <= 0:
            break
        if ln.product_id != batch.product_id or ln.unit_code != batch.unit_code or ln.is_gift or ln.qty <= 0:
            continue
        take = min(wanted, ln.qty)
        value += ln.amount_fen if take == ln.qty else div_round(ln.amount_fen * to_milli(take), to_milli(ln.qty),
                                                                 Rounding.HALF_UP)
        wanted -= take
    return value


def voucher_redemption(store: Store, code: str, *, priced: PricedCart, due_fen: int, member_id: str | None,
                       at: datetime) -> int:
    """What the voucher pays of the sale now, or `PaymentError` with the cashier's reason."""
    batch, info = known_voucher(store, code)
    amount, refusal = check_redemption(batch, info, at=at, store_id=store.store_id(), due_fen=due_fen,
                                       member_id=member_id, goods_fen=goods_value(priced, batch))
    if refusal is not None:
        raise PaymentError(refusal.message, refusal.message_en, code=refusal.code)
    if amount <= 0:
        raise PaymentError("此券抵扣金额为零", "this voucher takes nothing off", code="voucher_nothing")
    return amount


# ---------------------------------------------------------------------------- 代金券销售


@dataclass(frozen=True)
class SellableVoucher:
    code: str
    name: str
    price_fen: int


def sellable(store: Store, code: str, *, at: datetime | None = None) -> SellableVoucher:
    """A pre-sold voucher card the till may sell now: its batch has a sale price, it is unsold, the
    batch is active and valid here."""
    batch, info = known_voucher(store, code)
    now = at or utcnow()
    if batch.sale_price_fen is None:
        raise PaymentError("此券不是售卖型代金券", "this voucher is not one sold at the till", code="voucher_not_for_sale")
    if info.status is not VoucherStatus.UNSOLD:
        raise PaymentError("此券已售出或已使用，不能再卖", "this voucher was already sold or used",
                           code="voucher_already_sold")
    if not batch.active or (batch.valid_to is not None and now >= batch.valid_to):
        raise PaymentError("此券批次已停用或已过期", "the voucher's batch is withdrawn or expired", code="voucher_void")
    if batch.store_ids and store.store_id() not in batch.store_ids:
        raise PaymentError("此券不能在本店销售", "this voucher is not sold at this store", code="voucher_wrong_store")
    return SellableVoucher(code=info.code, name=batch.name, price_fen=batch.sale_price_fen)


@dataclass(frozen=True)
class CompletedVoucherSale:
    sale_id: str
    receipt_no: str
    payload: VoucherSold
    change_fen: int
    cash_fen: int


class VoucherSale:
    """Selling pre-sold vouchers (代金券销售): scan the cards, take the money, commit `voucher.sold`."""

    def __init__(self, store: Store, session: Session, *, member_id: str | None = None) -> None:
        self.store = store
        self.session = session
        self.sale_id = uuid7()
        """Also the document 付款码 order numbers are derived from."""
        self.member_id = member_id
        self.items: list[SellableVoucher] = []
        self.takings = Takings(0)

    @property
    def total_fen(self) -> int:
        return sum(i.price_fen for i in self.items)

    def add(self, code: str) -> SellableVoucher:
        if self.takings.payments:
            raise PaymentError("已收款，不能再加券", "payments were taken: no more vouchers", code="payments_taken")
        item = sellable(self.store, code)
        if any(i.code == item.code for i in self.items):
            raise PaymentError("此券已在本单", "this voucher is already on this sale", code="voucher_on_sale")
        self.items.append(item)
        self.takings.total_fen = self.total_fen
        return item

    def complete(self) -> CompletedVoucherSale:
        user = self.session.user
        if not self.items:
            raise PaymentError("请先扫描要出售的券", "scan the vouchers to sell first", code="no_vouchers")
        self.takings.require_paid()
        now = utcnow()
        with busy_as_error(), self.store.transaction():
            shift = require_own_shift(self.store, self.session)
            for item in self.items:  # still unsold here (another screen may have sold one meanwhile)
                sellable(self.store, item.code, at=now)
            receipt_no = f"{receipt_prefix(self.store)}-V{self.store.next_seq(VOUCHER_SALE_SEQ):06d}"
            terminal_id = self.store.terminal_id()
            payload = VoucherSold(
                sale_id=self.sale_id, receipt_no=receipt_no, store_id=self.store.store_id(), terminal_id=terminal_id,
                shift_id=shift.id, cashier_id=user.id, member_id=self.member_id,
                items=[VoucherSoldItem(code=i.code, price_fen=i.price_fen) for i in self.items],
                total_fen=self.total_fen, payments=[p.payload() for p in self.takings.payments], sold_at=now)
            env = self.store.outbox.append(payload, occurred_at=now)
            self.store.prepaid.add_voucher_sale(payload, env.seq)
            for item in self.items:
                self.store.prepaid.record_voucher(item.code, "sold", sale_id=self.sale_id, receipt_no=receipt_no,
                                                  at=now, event_seq=env.seq)
            self.store.provider_charges.mark_committed(self.takings.provider_orders())
            audit(self.store, "voucher_sale", cashier_id=user.id,
                  detail={"sale_id": self.sale_id, "codes": [i.code for i in self.items], "total_fen": self.total_fen})
        return CompletedVoucherSale(sale_id=self.sale_id, receipt_no=receipt_no, payload=payload,
                                    change_fen=self.takings.change_fen, cash_fen=self.takings.cash_fen)
