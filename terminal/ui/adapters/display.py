"""The customer's pole display as the sale and payment areas drive it (no Kivy, no rules)."""

from __future__ import annotations

from terminal.catalog import Catalog, Lang
from terminal.customer_display import CustomerDisplay, display_from_settings
from terminal.ui.views import CartView, PaymentState


class CustomerScreen:
    """What the customer sees; every call returns at once (a missing display never holds a sale)."""

    def __init__(self, catalog: Catalog, url: str | None) -> None:
        self._catalog = catalog
        self.display: CustomerDisplay | None = None
        if url:
            lang, name = self._language()
            self.display = display_from_settings(url, lang=lang, store_name=name)
            if self.display is not None:
                self.display.welcome()

    def _language(self) -> tuple[Lang, str]:
        """The customer's side speaks the store's receipt language (head office's setting)."""
        return self._catalog.receipt_language(), self._catalog.store_settings().name

    def welcome(self) -> None:
        """Idle (signed out, locked, shift screens): the welcome line."""
        if self.display is not None:
            self.display.welcome()

    def cart(self, cart: CartView) -> None:
        """After a cart change: the item just scanned (or the last line) and the total."""
        if self.display is None:
            return
        if not cart.lines:
            self.display.set_language(*self._language())  # master data may have changed
            self.display.welcome()
            return
        line = next((ln for ln in cart.lines if cart.current is not None and ln.index == cart.current),
                    cart.lines[-1])
        self.display.item(line.name, line.qty, line.amount_fen, cart.total_fen)

    def payment(self, state: PaymentState) -> None:
        """What is due, what the customer handed over (amounts taken plus change), what is left."""
        if self.display is not None:
            self.display.payment(state.due_fen, state.paid_fen + state.change_fen, state.remaining_fen,
                                 state.change_fen)

    def paid(self, state: PaymentState, change_fen: int) -> None:
        """After the sale: paid and change stay up until the next customer's first item."""
        if self.display is not None:
            self.display.payment(state.due_fen, state.paid_fen + state.change_fen, 0, change_fen)

    def close(self) -> None:
        if self.display is not None:
            self.display.close()
