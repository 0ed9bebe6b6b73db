"""The money taken for a document that is not a sale — a stored-value top-up (储值充值) or a
pre-sold voucher sale (代金券销售): cash, bank card or 付款码, never stored value or vouchers
(central refuses prepaid value paid with prepaid value)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sync.events import PaymentPayload, Tender
from terminal.code_payments import CodeCharge
from terminal.errors import PaymentError


@dataclass(frozen=True)
class TakenPayment:
    tender: Tender
    amount_fen: int
    tendered_fen: int | None = None
    reference: str | None = None
    by_provider: bool = False

    def payload(self) -> PaymentPayload:
        return PaymentPayload(tender=self.tender, amount_fen=self.amount_fen, tendered_fen=self.tendered_fen,
                              reference=self.reference)


@dataclass
class Takings:
    """Payments toward `total_fen` (what the customer owes for the document)."""

    total_fen: int
    payments: list[TakenPayment] = field(default_factory=list)

    @property
    def paid_fen(self) -> int:
        return sum(p.amount_fen for p in self.payments)

    @property
    def remaining_fen(self) -> int:
        return max(0, self.total_fen - self.paid_fen)

    @property
    def change_fen(self) -> int:
        return sum((p.tendered_fen or p.amount_fen) - p.amount_fen for p in self.payments)

    @property
    def cash_fen(self) -> int:
        return sum(p.amount_fen for p in self.payments if p.tender is Tender.CASH)

    def _due(self) -> int:
        if self.remaining_fen <= 0:
            raise PaymentError("已付清", "already paid in full", code="paid")
        return self.remaining_fen

    def add_cash(self, tendered_fen: int | None = None) -> TakenPayment:
        due = self._due()
        handed = due if tendered_fen is None else tendered_fen
        if isinstance(handed, bool) or not isinstance(handed, int) or handed <= 0:
            raise PaymentError("金额必须是正整数分", "amounts are positive integers of fen", code="bad_amount")
        payment = TakenPayment(Tender.CASH, min(handed, due), tendered_fen=handed)
        self.payments.append(payment)
        return payment

    def add_card(self, reference: str, amount_fen: int | None = None) -> TakenPayment:
        due = self._due()
        amount = due if amount_fen is None else amount_fen
        ref = (reference or "").strip()
        if not ref:
            raise PaymentError("请扫描或输入刷卡凭证号", "type the card slip reference", code="reference_required")
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 < amount <= due:
            raise PaymentError("刷卡金额应大于零且不超过应收", "a card payment is positive and at most what is due",
                               code="bad_amount")
        payment = TakenPayment(Tender.BANK_CARD, amount, reference=ref[:128])
        self.payments.append(payment)
        return payment

    def add_code(self, charged: CodeCharge) -> TakenPayment:
        if not charged.paid:
            raise PaymentError(charged.result.message or "付款码未扣款", charged.result.message_en or "not paid",
                               code="not_paid")
        if charged.amount_fen > self._due():
            raise PaymentError("付款码金额超过应收", "the charge exceeds what is due", code="overpaid")
        payment = TakenPayment(charged.tender, charged.amount_fen, reference=charged.order_no, by_provider=True)
        self.payments.append(payment)
        return payment

    def require_paid(self) -> None:
        if self.paid_fen != self.total_fen:
            raise PaymentError(f"付款金额不足：应收 {self.total_fen / 100:.2f}，已付 {self.paid_fen / 100:.2f}",
                               f"payments {self.paid_fen} fen do not cover {self.total_fen} fen", code="not_paid")

    def provider_orders(self) -> list[str]:
        return [p.reference for p in self.payments if p.by_provider and p.reference]
