"""One till as the app sees it: its open database and services, and one adapter per area."""

from __future__ import annotations

from pathlib import Path

from terminal import code_payments
from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.devices import device_config
from terminal.payment_settings import open_till_provider
from terminal.session import Session
from terminal.store import Store, open_store
from terminal.ui.adapters.devices import DevicesArea
from terminal.ui.adapters.display import CustomerScreen
from terminal.ui.adapters.members import MembersArea
from terminal.ui.adapters.payment import PaymentArea
from terminal.ui.adapters.returns import ReturnsArea
from terminal.ui.adapters.sale import SaleArea
from terminal.ui.adapters.shift import ShiftArea
from terminal.ui.adapters.signin import SignIn
from terminal.ui.adapters.sync_status import SyncArea


class Till:
    """Owns the open store and the services of one till; used only from the UI thread (workers open
    their own connections)."""

    def __init__(self, data_dir: str | Path, *, display_url: str | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.store: Store = open_store(self.data_dir)
        self.session = Session(self.store)
        self.catalog = Catalog(self.store)
        self.checkout = Checkout(self.store, self.session, self.catalog)
        self.customer_screen = CustomerScreen(self.catalog, display_url or device_config(self.store).display_url)
        self.sync = SyncArea(self.data_dir, self.store, self.session)
        self.devices = DevicesArea(self.data_dir, self.store, self.session)
        self.signin = SignIn(self.session, self.customer_screen)
        self.shift = ShiftArea(self.store, self.session, self.customer_screen, self.sync)
        self.sale = SaleArea(self.checkout, self.catalog, self.session, self.customer_screen)
        self.members = MembersArea(self.store, self.catalog, self.session, self.checkout, self.sale)
        self.provider, problem = open_till_provider(self.store)
        self.payment = PaymentArea(self.checkout, self.sale, self.customer_screen, self.sync, self.provider, problem)
        self.returns = ReturnsArea(self.store, self.catalog, self.session, self.provider)

    def settle_open_charges(self) -> int:
        """Give back 付款码 charges left without a committed sale (the till stopped mid-payment):
        run at start, before the first sale; how many were settled."""
        if self.provider is None or not self.store.provider_charges.open():
            return 0
        return len(code_payments.settle_open_charges(self.store, self.provider, keep=frozenset({self.checkout.cart_id})))

    def close(self) -> None:
        if self.provider is not None:
            self.provider.close()
        self.sync.close()
        self.customer_screen.close()
        self.store.close()
