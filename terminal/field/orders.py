"""Field orders (订货单): price a draft at the customer's prices, check credit offline, submit.

Prices come from the `sync.pricing` contract, as at the till: the customer's own price list, its
group's list and discount rate (`sync.catalog.CustomerTerms`), the promotions in force (a promotion's
gift lines arrive as gift lines). A rep's own gift (赠品) is a line the customer does not pay for:
amount 0, its list value as the discount. Lines in boxes or pieces are units of sale (多规格).

The credit check is `sync.field.check_order` over the customer card's figures (central's at the
last pull plus this tablet's unsynced orders and collections, see `terminal.field.customers`), the
synced floor prices and the store's settings. A failing order is saved *held for approval* with
its reasons, or refused when the store's `credit_policy` is `block` (`CreditBlocked`). The order
and its `field_order.created` event are one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sync.catalog import CustomerTerms
from sync.events import FieldOrderCreated, FieldOrderLine, utcnow, uuid7
from sync.field import CreditPolicy, OrderLineCheck, Verdict, check_order, hold_message
from sync.master import Entity
from sync.pricing import AppliedPromotion, Cart, CartLine, price_cart
from sync.store_time import business_date
from terminal.catalog import Catalog
from terminal.errors import CartError, NotFound, TerminalError
from terminal.field.customers import CustomerCard, Customers
from terminal.field.rep_session import RepSession
from terminal.receipt_numbers import receipt_prefix
from terminal.store import Store

ORDER_SEQ = "field_order"
MAX_LINES = 500
REMARKS_MAX = 500


class OrderError(CartError):
    code = "order_error"


class CreditBlocked(TerminalError):
    """The store blocks orders that fail the credit check (`credit_policy = block`): nothing saved."""

    code = "credit_blocked"

    def __init__(self, priced: PricedOrder) -> None:
        zh, en = priced.hold_message
        super().__init__(f"信用检查未通过，不能下单：{zh}", f"the credit check failed, the order cannot be taken: {en}")
        self.priced = priced


@dataclass(frozen=True)
class OrderLineInput:
    """One line as the rep picked it: product, unit of sale (e.g. "pc", "box"), quantity in that unit."""

    product_id: int
    unit_code: str
    qty: Decimal | int | str
    gift: bool = False
    """A gift the rep gives (赠品): the customer pays nothing for it; stock still moves."""


@dataclass
class OrderDraft:
    """An order being taken. Change it freely; `FieldOrders.price` prices it again each time."""

    customer_key: str
    """`CustomerHit.key` / `CustomerCard.key`: central's id, or the tablet's id of a new customer."""
    lines: list[OrderLineInput] = field(default_factory=list)
    on_credit: bool | None = None
    """None: on account when the customer has credit terms, else cash on delivery."""
    requested_date: date | None = None
    warehouse_id: int | None = None
    remarks: str | None = None
    visit_id: str | None = None


@dataclass(frozen=True)
class PricedOrder:
    """A draft priced and checked: what the order screen shows and what `submit` would save."""

    lines: tuple[FieldOrderLine, ...]
    total_fen: int
    """Σ line amounts: what the customer will owe."""
    list_total_fen: int
    """Σ unit price × qty, gifts included."""
    discount_fen: int
    applied: tuple[AppliedPromotion, ...]
    on_credit: bool
    verdict: Verdict
    credit_policy: str
    card: CustomerCard
    price_version: int

    @property
    def held(self) -> bool:
        return self.verdict.held

    @property
    def hold_reasons(self) -> tuple[str, ...]:
        return tuple(r.value for r in self.verdict.reasons)

    @property
    def hold_message(self) -> tuple[str, str]:
        """Why it would be held, in words (zh-CN, English); empty when it passes."""
        return hold_message(self.hold_reasons) if self.held else ("", "")

    @property
    def blocked(self) -> bool:
        """The store refuses such an order on the tablet (`credit_policy = block`)."""
        return self.held and self.credit_policy == CreditPolicy.BLOCK.value


@dataclass(frozen=True)
class SubmittedOrder:
    order: FieldOrderCreated
    priced: PricedOrder
    event_seq: int

    @property
    def order_id(self) -> str:
        return self.order.order_id

    @property
    def held(self) -> bool:
        return self.order.held


def _qty(value: Decimal | int | str) -> Decimal:
    try:
        qty = Decimal(str(value))
    except InvalidOperation:
        raise OrderError("数量不正确", f"bad quantity {value!r}", code="qty") from None
    if not qty.is_finite() or qty <= 0 or qty != qty.quantize(Decimal("0.001")) or qty > 1_000_000:
        raise OrderError("数量必须大于零（最多三位小数）", f"quantity must be positive, 3 decimals at most: {value}",
                         code="qty")
    return qty


class FieldOrders:
    """Prices, checks and saves a rep's orders. One per app (it keeps the catalog's caches warm)."""

    def __init__(self, store: Store, catalog: Catalog | None = None, customers: Customers | None = None) -> None:
        self.store = store
        self.catalog = catalog or Catalog(store)
        self.customers = customers or Customers(store)

    def price(self, draft: OrderDraft, *, at: datetime | None = None, card: CustomerCard | None = None) -> PricedOrder:
        """Price and check the draft now (or at `at`). `card`: the customer card already read (the
        order screen reads it once, then re-prices on every change)."""
        at = at or utcnow()
        if not draft.lines:
            raise OrderError("订单没有商品", "the order has no lines", code="empty_order")
        if len(draft.lines) > MAX_LINES:
            raise OrderError(f"订单最多 {MAX_LINES} 行", f"at most {MAX_LINES} lines", code="too_many_lines")
        card = card or self.customers.card(draft.customer_key, business_date(at))
        ctx = self.catalog.pricing_context(at)
        sold = [(i, ln) for i, ln in enumerate(draft.lines) if not ln.gift]
        terms = None
        if card.customer_id is not None:
            terms = CustomerTerms(customer_id=card.customer_id, group_id=card.group_id,
                                  percent_off_bp=max(0, min(card.discount_bp, 9999)))
        priced_lines: list[FieldOrderLine] = []
        applied: tuple[AppliedPromotion, ...] = ()
        if sold:
            cart = Cart(lines=tuple(CartLine(product_id=ln.product_id, unit_code=ln.unit_code, qty=_qty(ln.qty))
                                    for _, ln in sold), customer=terms)
            try:
                result = price_cart(cart, ctx)
            except (KeyError, ValueError) as exc:
                raise OrderError("商品或单位不存在", f"unknown product or unit: {exc}", code="no_product") from exc
            applied = result.applied
            for pl in result.lines:
                priced_lines.append(FieldOrderLine(
                    product_id=pl.product_id, sku=pl.sku, unit_code=pl.unit_code, unit_factor=pl.unit_factor,
                    qty=pl.qty, unit_price_fen=pl.unit_price_fen, amount_fen=pl.amount_fen, name=pl.name,
                    is_gift=pl.is_gift, discount_fen=pl.line_discount_fen + pl.order_discount_fen,
                    promotion_ids=list(pl.promotion_ids)))
        for ln in draft.lines:
            if ln.gift:
                priced_lines.append(self._gift_line(ln))
        on_credit = card.on_credit_allowed if draft.on_credit is None else bool(draft.on_credit)
        total = sum(ln.amount_fen for ln in priced_lines)
        settings = self.catalog.store_settings()
        floors = self._floor_prices({ln.product_id for ln in priced_lines})
        verdict = check_order(
            total_fen=total, on_credit=on_credit,
            lines=[OrderLineCheck(ln.product_id, ln.unit_code, ln.qty, ln.amount_fen, ln.is_gift) for ln in priced_lines],
            credit=card.credit_state(), floor_prices=floors, allowed_overdue_days=settings.allowed_overdue_days,
            today=business_date(at))
        return PricedOrder(lines=tuple(priced_lines), total_fen=total,
                           list_total_fen=int(sum(Decimal(ln.unit_price_fen) * ln.qty for ln in priced_lines)),
                           discount_fen=sum(ln.discount_fen for ln in priced_lines), applied=applied,
                           on_credit=on_credit, verdict=verdict, credit_policy=settings.credit_policy, card=card,
                           price_version=self.catalog.price_version())

    def _gift_line(self, ln: OrderLineInput) -> FieldOrderLine:
        try:
            product = self.catalog.product(ln.product_id)
            unit = product.unit(ln.unit_code)
        except (KeyError, ValueError, NotFound) as exc:
            raise OrderError("商品或单位不存在", f"unknown product or unit: {exc}", code="no_product") from exc
        qty = _qty(ln.qty)
        value = int((Decimal(unit.price_fen) * qty).to_integral_value())
        return FieldOrderLine(product_id=product.id, sku=product.sku, unit_code=unit.code, unit_factor=unit.factor,
                              qty=qty, unit_price_fen=unit.price_fen, amount_fen=0, name=product.name, is_gift=True,
                              discount_fen=value)

    def _floor_prices(self, product_ids: set[int]) -> dict[tuple[int, str], int]:
        out: dict[tuple[int, str], int] = {}
        for pid in product_ids:
            row = self.store.master.get(Entity.FLOOR_PRICE.value, pid)
            if row:
                for unit, fen in (row.get("prices") or {}).items():
                    out[(pid, str(unit))] = int(fen)
        return out

    def submit(self, session: RepSession, draft: OrderDraft, *, at: datetime | None = None) -> SubmittedOrder:
        """Save the order with its event (held with its reasons when the check fails; refused under
        `credit_policy = block`)."""
        rep = session.user
        at = at or utcnow()
        priced = self.price(draft, at=at)
        if priced.blocked:
            raise CreditBlocked(priced)
        remarks = (draft.remarks or "").strip() or None
        if remarks is not None and len(remarks) > REMARKS_MAX:
            raise OrderError(f"备注最多 {REMARKS_MAX} 字", f"remarks: at most {REMARKS_MAX} characters", code="remarks")
        card = priced.card
        store = self.store
        with store.transaction():
            order = FieldOrderCreated(
                order_id=uuid7(), order_no=f"{receipt_prefix(store)}-{store.next_seq(ORDER_SEQ):06d}",
                customer_id=card.customer_id, new_customer_id=card.new_customer_id, rep_id=rep.id,
                terminal_id=store.terminal_id(), ordered_at=at, lines=list(priced.lines), total_fen=priced.total_fen,
                on_credit=priced.on_credit, note=remarks, store_id=store.store_id() or None,
                requested_date=draft.requested_date, warehouse_id=draft.warehouse_id, held=priced.held,
                hold_reasons=list(priced.hold_reasons), visit_id=draft.visit_id, price_version=priced.price_version)
            env = store.field.add_order(order)
            if draft.visit_id:
                store.field.link_order_to_visit(draft.visit_id, order.order_id)
        return SubmittedOrder(order=order, priced=priced, event_seq=env.seq)

    def warehouses(self) -> list[int]:
        """Warehouses the rep may ask to ship from: the store's own (central may split by stock)."""
        wid = self.catalog.store_settings().warehouse_id
        return [wid] if wid else []


def lines_from(pairs: Sequence[tuple[int, str, Decimal | int | str]]) -> list[OrderLineInput]:
    """Convenience: (product id, unit code, qty) triples as order lines."""
    return [OrderLineInput(pid, unit, qty) for pid, unit, qty in pairs]
