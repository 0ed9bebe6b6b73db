"""Payment area: what is due, the tenders taken (points first), cash with quick amounts and change,
card / WeChat / Alipay with their reference, 付款码 charged through the provider, the member's
stored value, vouchers, then the sale committed.

A 付款码 charge is three calls so the screen stays alive while the customer confirms on the phone:
`prepare_code` (UI thread: journalled before sending), `send_code` (a worker thread: network only),
`finish_code` (UI thread: the payment added only when paid)."""

from __future__ import annotations

from collections.abc import Callable

from drivers.payments.flow import Patience
from drivers.payments.provider import ChargeResult, PaymentProvider
from sync.events import Tender
from terminal import code_payments
from terminal.checkout import Checkout
from terminal.code_payments import PreparedCharge
from terminal.errors import CartError, PaymentError
from terminal.ui.adapters.display import CustomerScreen
from terminal.ui.adapters.sale import SaleArea
from terminal.ui.adapters.sync_status import SyncArea
from terminal.ui.views import CartView, PaymentState, PaymentView, SaleDone


class PaymentArea:
    def __init__(self, checkout: Checkout, sale: SaleArea, screen: CustomerScreen, sync: SyncArea,
                 provider: PaymentProvider | None = None, provider_problem: str = "",
                 patience: Patience = Patience()) -> None:
        self._checkout = checkout
        self._sale = sale
        self._screen = screen
        self._sync = sync
        self._provider = provider
        self._provider_problem = provider_problem
        self._patience = patience

    def payment_state(self) -> PaymentState:
        state = self.state_view()
        self._screen.payment(state)
        return state

    def state_view(self) -> PaymentState:
        co = self._checkout
        payments = tuple(PaymentView(tender=p.tender.value, amount_fen=p.amount_fen, reference=p.reference or "",
                                     tendered_fen=p.tendered_fen, points=p.points) for p in co.tenders())
        code = self.code_availability()
        return PaymentState(due_fen=co.total_fen, paid_fen=co.paid_fen, remaining_fen=co.remaining_fen,
                            change_fen=co.change_fen, rounding_fen=co.priced.rounding_fen if not co.is_empty else 0,
                            payments=payments, points_available=co.max_redeemable_points,
                            quick_cash_fen=tuple(co.quick_cash_amounts()), code_ok=code.ok,
                            code_reason=code.reason, code_reason_en=code.reason_en,
                            stored_value_fen=self._stored_value())

    def _stored_value(self) -> int | None:
        member = self._checkout.member
        if member is None:
            return None
        used = sum(p.amount_fen for p in self._checkout.payments if p.tender is Tender.STORE_CREDIT)
        return member.stored_value_fen - used

    def code_availability(self) -> code_payments.Availability:
        """Whether 付款码 can be taken now: a provider configured, and the till online (a till not
        enrolled with central has no network state to go by and tries the provider directly)."""
        if self._provider is None and self._provider_problem:
            return code_payments.Availability(False, self._provider_problem, self._provider_problem)
        store = self._checkout.store
        online = self._sync.status().online or not store.enrolled()
        return code_payments.availability(self._provider, online=online)

    # ------------------------------------------------------------------ 付款码

    def prepare_code(self, auth_code: str, amount_fen: int | None) -> PreparedCharge:
        """Journal the charge of a scanned code (UI thread): the amount, else what is still due."""
        available = self.code_availability()
        if not available.ok or self._provider is None:
            raise PaymentError(available.reason, available.reason_en, code="code_unavailable")
        co = self._checkout
        if co.is_empty:
            raise CartError("购物车是空的", "the cart is empty", code="empty_cart")
        amount = co.remaining_fen if amount_fen is None else amount_fen
        if amount > co.remaining_fen:
            raise PaymentError("付款码金额不能超过应付金额", "a payment-code payment cannot exceed the amount due",
                               code="overpaid")
        return code_payments.prepare(co.store, self._provider, doc_id=co.cart_id, auth_code=auth_code,
                                     amount_fen=amount, description=self._description(), patience=self._patience)

    def send_code(self, prepared: PreparedCharge, on_progress: Callable[[ChargeResult], None] | None = None,
                  give_up: Callable[[], bool] | None = None) -> ChargeResult:
        """The provider's definite answer (worker thread: no database here)."""
        assert self._provider is not None
        return code_payments.send(self._provider, prepared, patience=self._patience, on_progress=on_progress,
                                  give_up=give_up)

    def finish_code(self, prepared: PreparedCharge, result: ChargeResult) -> PaymentState:
        """Journal the answer and, only when paid, add the payment (UI thread)."""
        charged = code_payments.finish(self._checkout.store, prepared, result)
        if not charged.paid:
            raise PaymentError(result.message or "付款码未扣款", result.message_en or "not charged",
                               code=result.code or "not_paid")
        self._checkout.add_code_payment(charged)
        return self.payment_state()

    def _description(self) -> str:
        name = self._checkout.catalog.store_settings().name or "商品"
        return f"{name} 商品"[:40]

    def _give_back_code_payments(self) -> None:
        co = self._checkout
        for index, payment in reversed(co.code_payments()):
            if self._provider is None or payment.reference is None:
                raise PaymentError("付款码已扣款，但未连上支付渠道，无法撤销", "cannot reach the provider to give the "
                                   "payment back", code="code_payment_held")
            code_payments.void(co.store, self._provider, payment.reference, patience=self._patience)
            co.remove_payment(index, given_back=True)

    # ------------------------------------------------------------------ stored value and vouchers

    def pay_stored_value(self, amount_fen: int | None) -> PaymentState:
        self._checkout.pay_stored_value(amount_fen)
        return self.payment_state()

    def apply_voucher(self, code: str) -> PaymentState:
        self._checkout.apply_voucher(code)
        return self.payment_state()

    def start_payment(self) -> PaymentState:
        if self._checkout.is_empty:
            raise CartError("购物车是空的", "the cart is empty", code="empty_cart")
        return self.payment_state()

    def add_payment(self, tender: str, amount_fen: int | None, reference: str) -> PaymentState:
        """Cash: `amount_fen` is what the customer handed over (None: exactly what is due); other
        tenders: the amount (None: what is still due) with the payment's reference."""
        if tender == Tender.CASH.value:
            self._checkout.add_payment(Tender.CASH, tendered_fen=amount_fen)
        else:
            self._checkout.add_payment(tender, amount_fen, reference=reference)
        return self.payment_state()

    def remove_payment(self, row: int) -> PaymentState:
        """Take back one row of the payments shown (the points row gives the points back; a 付款码
        payment is cancelled at the provider first, which gives the money back)."""
        rows = self._checkout.tenders()
        if 0 <= row < len(rows) and rows[row].by_provider:
            reference = rows[row].reference
            if self._provider is None or reference is None:
                raise PaymentError("付款码已扣款，但未连上支付渠道，无法撤销", "cannot reach the provider to give the "
                                   "payment back", code="code_payment_held")
            code_payments.void(self._checkout.store, self._provider, reference, patience=self._patience)
            index = next(i for i, p in self._checkout.code_payments() if p.reference == reference)
            self._checkout.remove_payment(index, given_back=True)
            return self.payment_state()
        self._checkout.remove_tender(row)
        return self.payment_state()

    def redeem_points(self, points: int) -> PaymentState:
        self._checkout.redeem_points(points)
        return self.payment_state()

    def leave_payment(self) -> CartView:
        self._give_back_code_payments()
        self._checkout.clear_payments()
        return self._sale.cart()

    def complete_sale(self) -> SaleDone:
        """Commit the sale (one transaction, outbox included); the app then prints it and opens the
        drawer for cash. The commit comes first: a printer fault only means a reprint."""
        paid = self.state_view()
        done = self._checkout.complete()
        self._screen.paid(paid, done.change_fen)
        self._sync.trigger()
        return SaleDone(sale_id=done.sale_id, receipt_no=done.receipt_no, total_fen=done.payload.total_fen,
                        change_fen=done.change_fen, cash=done.cash_fen > 0)
