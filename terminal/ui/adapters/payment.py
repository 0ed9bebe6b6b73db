"""Payment area: what is due, the tenders taken (points first), cash with quick amounts and change,
card / WeChat / Alipay with their reference, then the sale committed."""

from __future__ import annotations

from sync.events import Tender
from terminal.checkout import Checkout
from terminal.errors import CartError
from terminal.ui.adapters.display import CustomerScreen
from terminal.ui.adapters.sale import SaleArea
from terminal.ui.adapters.sync_status import SyncArea
from terminal.ui.views import CartView, PaymentState, PaymentView, SaleDone


class PaymentArea:
    def __init__(self, checkout: Checkout, sale: SaleArea, screen: CustomerScreen, sync: SyncArea) -> None:
        self._checkout = checkout
        self._sale = sale
        self._screen = screen
        self._sync = sync

    def payment_state(self) -> PaymentState:
        state = self.state_view()
        self._screen.payment(state)
        return state

    def state_view(self) -> PaymentState:
        co = self._checkout
        payments = tuple(PaymentView(tender=p.tender.value, amount_fen=p.amount_fen, reference=p.reference or "",
                                     tendered_fen=p.tendered_fen, points=p.points) for p in co.tenders())
        return PaymentState(due_fen=co.total_fen, paid_fen=co.paid_fen, remaining_fen=co.remaining_fen,
                            change_fen=co.change_fen, rounding_fen=co.priced.rounding_fen if not co.is_empty else 0,
                            payments=payments, points_available=co.max_redeemable_points,
                            quick_cash_fen=tuple(co.quick_cash_amounts()))

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
        """Take back one row of the payments shown (the points row gives the points back)."""
        self._checkout.remove_tender(row)
        return self.payment_state()

    def redeem_points(self, points: int) -> PaymentState:
        self._checkout.redeem_points(points)
        return self.payment_state()

    def leave_payment(self) -> CartView:
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
