"""`FieldApp`: the rep tablet's services in one object, as the rep app (and `simulate`) use them.

One per open store (not shared between threads). Each attribute is a plain service module's object;
see `terminal/FIELD.md` for what each screen calls.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from sync.store_time import business_date
from terminal.catalog import Catalog
from terminal.field.collections import FieldCollections
from terminal.field.customers import Customers
from terminal.field.mode import TerminalMode, terminal_mode
from terminal.field.order_returns import OrderReturns
from terminal.field.orders import FieldOrders
from terminal.field.rep_session import RepSession
from terminal.field.today import Today
from terminal.field.visits import Visits
from terminal.store import Store


class FieldApp:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.mode: TerminalMode = terminal_mode(store)
        self.session = RepSession(store)
        self.catalog = Catalog(store)
        self.customers = Customers(store)
        self.orders = FieldOrders(store, self.catalog, self.customers)
        self.visits = Visits(store, self.customers)
        self.collections = FieldCollections(store, self.catalog, self.customers)
        self.returns = OrderReturns(store)
        self.today = Today(store, self.customers)

    @staticmethod
    def today_date(at: datetime | None = None) -> date:
        """The store's date now (Asia/Shanghai): what "today" means on every screen."""
        return business_date(at or datetime.now(UTC))
