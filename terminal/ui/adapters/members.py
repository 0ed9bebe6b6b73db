"""Members area: find a member by card, phone or QR, attach or detach them, enrol a new one."""

from __future__ import annotations

from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.members import create_member, find_member, find_members
from terminal.session import Session
from terminal.store import Store
from terminal.ui.adapters.sale import SaleArea, member_view
from terminal.ui.views import CartView, MemberView


class MembersArea:
    def __init__(self, store: Store, catalog: Catalog, session: Session, checkout: Checkout, sale: SaleArea) -> None:
        self._store = store
        self._catalog = catalog
        self._session = session
        self._checkout = checkout
        self._sale = sale

    def find_member(self, text: str) -> MemberView | None:
        return member_view(find_member(self._store, self._catalog, text))

    def find_members(self, text: str) -> list[MemberView]:
        """The member a search names, or the few whose phone ends with the four digits typed."""
        return [v for v in (member_view(m) for m in find_members(self._store, self._catalog, text)) if v is not None]

    def attach_member(self, text: str) -> CartView:
        self._checkout.set_member(text)
        return self._sale.cart()

    def detach_member(self) -> CartView:
        self._checkout.clear_member()
        return self._sale.cart()

    def create_member(self, phone: str, name: str, card_no: str) -> MemberView:
        member = create_member(self._store, self._catalog, self._session, phone=phone or None,
                               name=name or None, card_no=card_no or None)
        view = member_view(member)
        assert view is not None
        return view
