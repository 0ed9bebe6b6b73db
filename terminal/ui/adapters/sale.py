"""Sale area: the cart as the sale screen draws it, scans and searches, line edits (quantity, price,
discounts, void), hold and resume, cancel. Every change also updates the customer's display."""

from __future__ import annotations

from decimal import Decimal

from terminal.catalog import Catalog
from terminal.checkout import Checkout
from terminal.members import Member
from terminal.session import Action, Session
from terminal.ui.adapters.approval import ManagerPin, approval_for
from terminal.ui.adapters.display import CustomerScreen
from terminal.ui.format import local_time
from terminal.ui.format import money as fmt_money
from terminal.ui.i18n import get_language
from terminal.ui.views import CartView, HeldView, LineView, MemberView, ProductHit, ResumedView


def member_view(member: Member | None) -> MemberView | None:
    if member is None:
        return None
    return MemberView(id=member.id, card_no=member.card_no, name=member.name or "",
                      phone=member.masked_phone, level=member.level_name, points=member.points_balance)


class SaleArea:
    def __init__(self, checkout: Checkout, catalog: Catalog, session: Session, screen: CustomerScreen) -> None:
        self._checkout = checkout
        self._catalog = catalog
        self._session = session
        self._screen = screen

    # ------------------------------------------------------------------ the cart

    def cart(self, current: int | None = None) -> CartView:
        """The cart as the screen draws it (`current`: the line the last action added or changed);
        the customer's display follows."""
        view = self.cart_view(current)
        self._screen.cart(view)
        return view

    def cart_view(self, current: int | None = None) -> CartView:
        co = self._checkout
        held = len(co.held_carts())
        if co.is_empty:
            return CartView(member=member_view(co.member), held_count=held)
        priced = co.priced
        names = {a.promotion_id: a.name for a in priced.applied}
        lang = get_language()
        # a line's amount is after its share of the 满减 and of the whole-order discount (the pricing
        # allocates both to the lines), so the lines add up to what is due; only the points redeemed
        # at payment (a tender) and 抹零 come after them
        lines = tuple(
            LineView(line_no=ln.line_no, index=ln.cart_index, name=self._catalog.name_in(ln.product_id, ln.name, lang),
                     sku=ln.sku, unit=self._catalog.unit_name(ln.product_id, ln.unit_code), qty=str(ln.qty),
                     unit_price_fen=ln.unit_price_fen, list_amount_fen=ln.list_amount_fen,
                     discount_fen=ln.line_discount_fen + ln.order_discount_fen - ln.points_fen,
                     amount_fen=ln.amount_fen + ln.points_fen,
                     promotions=tuple(names.get(pid, str(pid)) for pid in ln.promotion_ids), is_gift=ln.is_gift)
            for ln in priced.lines)
        return CartView(lines=lines, subtotal_fen=priced.subtotal_fen, discount_fen=priced.discount_fen,
                        rounding_fen=priced.rounding_fen, total_fen=priced.total_fen,
                        points_earned=priced.points_earned, item_count=f"{co.item_count.normalize():f}",
                        member=member_view(co.member), held_count=held, current=current)

    # ------------------------------------------------------------------ adding

    def scan(self, code: str) -> CartView:
        return self.cart(self._checkout.scan(code))

    def search(self, text: str) -> list[ProductHit]:
        return [self.product_hit(hit.product_id) for hit in self._catalog.search(text)]

    def product_hit(self, product_id: int) -> ProductHit:
        """A product's name and its base unit's price (e.g. what a weighed item costs a kilo)."""
        product = self._catalog.product(product_id)
        unit = product.base_unit
        return ProductHit(product_id=product.id, sku=product.sku,
                          name=self._catalog.name_in(product.id, product.name, get_language()), unit=unit.code,
                          unit_name=unit.name or unit.code, price_fen=unit.price_fen)

    def add_product(self, product_id: int, unit_code: str) -> CartView:
        return self.cart(self._checkout.add_product(product_id, unit_code))

    def weighed_product(self, code: str) -> int:
        """The product a code names (for a weighed item scanned without a scale label)."""
        return self._catalog.lookup(code).product.id

    def add_weighed(self, product_id: int, kg: Decimal) -> CartView:
        return self.cart(self._checkout.add_weighed(product_id, kg))

    # ------------------------------------------------------------------ line edits

    def set_qty(self, index: int, qty: Decimal) -> CartView:
        self._checkout.set_qty(index, qty)
        return self.cart()

    def set_price(self, index: int, unit_price_fen: int, approval: ManagerPin | None = None) -> CartView:
        self._checkout.override_price(index, unit_price_fen,
                                      approval_for(self._session, Action.PRICE_OVERRIDE, approval))
        return self.cart()

    def line_discount(self, index: int, amount_fen: int, approval: ManagerPin | None = None) -> CartView:
        self._checkout.discount_line(index, amount_fen=amount_fen,
                                     approval=approval_for(self._session, Action.DISCOUNT, approval))
        return self.cart()

    def order_discount(self, amount_fen: int, approval: ManagerPin | None = None) -> CartView:
        self._checkout.discount_order(amount_fen=amount_fen,
                                      approval=approval_for(self._session, Action.DISCOUNT, approval))
        return self.cart()

    def void_line(self, index: int, approval: ManagerPin | None = None) -> CartView:
        """Remove a line; a manager approves where the store's setting asks for it."""
        needs = self._checkout.void_needs_manager
        self._checkout.void_line(index, approval_for(self._session, Action.VOID_LINE, approval) if needs else None)
        return self.cart()

    # ------------------------------------------------------------------ the whole sale

    def hold(self) -> CartView:
        self._checkout.hold()
        return self.cart()

    def held(self) -> list[HeldView]:
        return [HeldView(id=h.id, time_text=local_time(h.held_at), label=h.label, line_count=h.line_count,
                         total_fen=h.total_fen)
                for h in self._checkout.held_carts()]

    def resume(self, held_id: str) -> ResumedView:
        """The held sale back in the cart at today's prices, with what changed since it was held."""
        resumed = self._checkout.resume(held_id)
        lang = get_language()
        return ResumedView(cart=self.cart(), old_total_fen=resumed.old_total_fen, new_total_fen=resumed.new_total_fen,
                           changes=tuple((self._catalog.name_in(c.product_id, c.name, lang), c.old_unit_price_fen,
                                          c.new_unit_price_fen) for c in resumed.changes))

    def held_texts(self) -> list[str]:
        """The held sales, one line each (time, lines, amount): the warning at shift close lists them."""
        return [f"{h.time_text}  {h.label}  {fmt_money(h.total_fen)}" for h in self.held()]

    def cancel_sale(self) -> CartView:
        self._checkout.cancel()
        return self.cart()
