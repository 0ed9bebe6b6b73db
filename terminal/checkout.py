"""Checkout: the cart a cashier builds, priced on every change, paid, and committed in ONE transaction.

Plain Python used by the Kivy screens and by `pos-terminal simulate` alike. Every change re-prices
the whole cart with the shared `sync.pricing.price_cart` (promotions apply by themselves and show
on the lines). `complete()` writes the sale, its lines, its payments, the member's points movement
and its `sale.completed` outbox event in a single `Store.transaction()` *before* anything is
printed: a crash or a printer fault can never lose a paid sale or leave half of one.

Points: redeemed points pay part of the sale. `price_cart` allocates their value into the lines'
`order_discount_fen`, so `total_fen` is what is paid in money and the payments (money tenders
only) add up exactly to it, as central checks; the points travel as `points_redeemed`, and their
value is Σ line and order discounts − `discount_fen` (the receipt prints it as a 积分抵扣 tender).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from functools import cached_property
from typing import Any

from sync.catalog import MemberRef, Product, SaleUnit
from sync.errors import ContractError
from sync.events import (
    PaymentPayload,
    SaleCancelled,
    SaleCompleted,
    StoredValuePaid,
    Tender,
    VoucherRedeemed,
    utcnow,
    uuid7,
)
from sync.money import Rounding, div_round
from sync.pricing import SOURCE_OVERRIDE, Cart, CartLine, PricedCart, PricedLine, price_cart
from sync.quantity import normalize_qty
from terminal.catalog import Catalog, Scanned
from terminal.code_payments import CodeCharge
from terminal.errors import CartError, NotFound, PaymentError, contract_checked
from terminal.members import Member, create_member, find_member
from terminal.receipt_numbers import SALE_SEQ, receipt_prefix
from terminal.session import Action, Approval, Session, audit
from terminal.shift import current_shift, require_own_shift
from terminal.store import Store
from terminal.store.errors import busy_as_error
from terminal.vouchers import voucher_redemption

TENDER_NAMES_ZH: dict[str, str] = {
    Tender.CASH: "现金", Tender.BANK_CARD: "银行卡", Tender.WECHAT: "微信支付", Tender.ALIPAY: "支付宝",
    Tender.POINTS: "积分抵扣", Tender.STORE_CREDIT: "储值卡", Tender.CREDIT: "赊账", Tender.VOUCHER: "代金券",
}
MONEY_TENDERS = frozenset({Tender.CASH, Tender.BANK_CARD, Tender.WECHAT, Tender.ALIPAY})
REFERENCE_TENDERS = frozenset({Tender.BANK_CARD, Tender.WECHAT, Tender.ALIPAY})
CASH_NOTES_FEN = (10000, 5000, 2000, 1000)


@dataclass(frozen=True)
class LineItem:
    """One line as the cashier keyed it (the priced view is `Checkout.priced.lines`).

    Immutable (edits make a new item with `dataclasses.replace`), so its `CartLine` is built once
    and reused by every re-pricing of the cart.
    """

    product: Product
    unit: SaleUnit
    qty: Decimal
    barcode: str = ""
    scale_amount_fen: int | None = None
    price_override_fen: int | None = None
    manual_discount_fen: int = 0
    override_approved_by: int | None = None
    """The manager who approved `price_override_fen` (sent as the line's `approved_by`: central
    flags an override that names no manager of the store)."""

    def cart_line(self) -> CartLine:
        return self._cart_line

    @cached_property
    def _cart_line(self) -> CartLine:
        return CartLine(product_id=self.product.id, unit_code=self.unit.code, qty=self.qty,
                        price_override_fen=self.price_override_fen, scale_amount_fen=self.scale_amount_fen,
                        manual_discount_fen=self.manual_discount_fen)

    def to_dict(self) -> dict[str, object]:
        return {"product_id": self.product.id, "unit_code": self.unit.code, "qty": str(self.qty),
                "barcode": self.barcode, "scale_amount_fen": self.scale_amount_fen,
                "price_override_fen": self.price_override_fen, "manual_discount_fen": self.manual_discount_fen,
                "override_approved_by": self.override_approved_by}


@dataclass(frozen=True)
class Payment:
    tender: Tender
    amount_fen: int
    """Applied to the sale."""
    tendered_fen: int | None = None
    """Cash handed over (≥ amount); the difference is change."""
    reference: str | None = None
    """Card slip, the provider's order number (付款码), the member's card (储值) or the voucher code."""
    points: int | None = None
    due_fen: int | None = None
    """A voucher: what was due when it was applied (central re-checks the minimum spend with it)."""
    balance_seen_fen: int | None = None
    """Stored value: the balance the till knew when it was spent (shown at central if overdrawn)."""
    by_provider: bool = False
    """Charged through the payment provider (付款码): removing it gives the money back first."""

    def payload(self) -> PaymentPayload:
        return PaymentPayload(tender=self.tender, amount_fen=self.amount_fen, tendered_fen=self.tendered_fen,
                              reference=self.reference, points=self.points)


@dataclass(frozen=True)
class CompletedSale:
    """A committed sale: durable on disk with its outbox event before this object exists."""

    sale_id: str
    receipt_no: str
    payload: SaleCompleted
    event_seq: int
    change_fen: int
    cash_fen: int
    """Cash taken in (so the caller knows to open the drawer)."""
    member: Member | None = None


@dataclass(frozen=True)
class HeldCart:
    id: str
    label: str
    """The cashier's note, else what the cart holds in zh-CN: "挂单 3 行商品"."""
    held_at: datetime
    line_count: int
    total_fen: int = 0
    """The amount due when it was held (re-priced on resume)."""
    label_en: str = ""
    """The same in English: the cashier's note, else "Held sale: 3 lines"."""


@dataclass(frozen=True)
class PriceChange:
    """A held line whose price changed while it was parked (shown when the sale is resumed)."""

    product_id: int
    name: str
    old_unit_price_fen: int
    new_unit_price_fen: int


@dataclass(frozen=True)
class Resumed:
    """A held sale brought back, re-priced now: what changed against the prices it was held at."""

    changes: tuple[PriceChange, ...] = ()
    old_total_fen: int = 0
    new_total_fen: int = 0


_OLD_AUTO_LABEL = re.compile(r"挂单 \d+ 件")
"""The label held carts got before it said what it counts (it counted lines as 件, pieces)."""


def held_labels(note: str, line_count: int) -> tuple[str, str]:
    """(zh-CN, English) label of a held cart: the cashier's note, else its number of lines."""
    note = note.strip()
    if note and not _OLD_AUTO_LABEL.fullmatch(note):
        return note, note
    return f"挂单 {line_count} 行商品", f"Held sale: {line_count} line{'' if line_count == 1 else 's'}"


@dataclass
class _State:
    cart_id: str = field(default_factory=uuid7)
    items: list[LineItem] = field(default_factory=list)
    member: Member | None = None
    order_discount_fen: int = 0
    redeem_points: int = 0
    payments: list[Payment] = field(default_factory=list)
    approvals: list[int] = field(default_factory=list)


class Checkout:
    """One till's current sale. Not thread-safe: the UI calls it from its main thread."""

    def __init__(self, store: Store, session: Session, catalog: Catalog | None = None, *,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.store = store
        self.session = session
        self.catalog = catalog or Catalog(store)
        self.clock = clock
        self._s = _State()
        self._priced: PricedCart | None = None
        self._priced_at: datetime | None = None
        self._priced_token: tuple[int, int] = (-1, -1)

    # ------------------------------------------------------------------ reading the cart

    @property
    def cart_id(self) -> str:
        return self._s.cart_id

    @property
    def items(self) -> list[LineItem]:
        return list(self._s.items)

    @property
    def member(self) -> Member | None:
        return self._s.member

    @property
    def payments(self) -> list[Payment]:
        return list(self._s.payments)

    @property
    def order_discount_fen(self) -> int:
        return self._s.order_discount_fen

    @property
    def redeem_points_count(self) -> int:
        return self._s.redeem_points

    @property
    def is_empty(self) -> bool:
        return not self._s.items

    def _cart(self) -> Cart:
        m = self._s.member
        ref = MemberRef(member_id=m.id, level=m.level, points_balance=m.points_balance) if m else None
        return Cart(lines=tuple(i.cart_line() for i in self._s.items), member=ref,
                    redeem_points=self._s.redeem_points, order_discount_fen=self._s.order_discount_fen)

    def _price(self, cart: Cart | None = None) -> PricedCart:
        now = self.clock()
        try:
            priced = price_cart(cart or self._cart(), self.catalog.pricing_context(now))
        except ContractError as e:
            raise CartError(e.message, e.message_en, code=e.code) from e
        if cart is None:
            self._priced_at, self._priced_token = now, self.catalog.token
        return priced

    def _current_pricing(self) -> PricedCart:
        """The cart's pricing for the commit: re-priced unless nothing could have changed it since
        (same master data, no promotion or price list starting or ending in between)."""
        self.catalog.refresh()
        if (self._priced is not None and self._priced_at is not None
                and self._priced_token == self.catalog.token
                and not self.catalog.price_boundary_between(self._priced_at, self.clock())):
            return self._priced
        self._priced = self._price()
        return self._priced

    @property
    def priced(self) -> PricedCart:
        """The cart priced now: lines with their promotions, totals, points earned before payment."""
        if self._priced is None:
            self._priced = self._price()
        return self._priced

    def priced_line(self, index: int) -> PricedLine:
        for line in self.priced.lines:
            if line.cart_index == index:
                return line
        raise CartError("没有这一行", f"no line {index}", code="no_line")

    @property
    def total_fen(self) -> int:
        """What is paid in money (after promotions, discounts, points and 抹零)."""
        return self.priced.total_fen if self._s.items else 0

    @property
    def paid_fen(self) -> int:
        return sum(p.amount_fen for p in self._s.payments if p.tender is not Tender.POINTS)

    @property
    def remaining_fen(self) -> int:
        return max(0, self.total_fen - self.paid_fen)

    @property
    def change_fen(self) -> int:
        return sum((p.tendered_fen or p.amount_fen) - p.amount_fen for p in self._s.payments)

    @property
    def item_count(self) -> Decimal:
        """How many items the cart holds, as the customer counts them: pieces one by one, a weighed
        line once (0.512 kg of apples is one item), gift lines included."""
        if not self._s.items:
            return Decimal(0)
        return sum((Decimal(1) if self.catalog.product(ln.product_id).weighed else ln.qty
                    for ln in self.priced.lines), Decimal(0))

    @property
    def points_earned(self) -> int:
        """Points the member will earn (shown before payment)."""
        return self.priced.points_earned if self._s.items else 0

    # ------------------------------------------------------------------ changing the cart

    def _changed(self) -> None:
        self._priced = None
        self._priced_at = None

    def _editable(self) -> None:
        self.session.user  # noqa: B018 - raises when nobody is signed in or the till is locked
        if self._s.payments:
            raise CartError("已有付款，请先撤销付款再修改", "payments were taken: remove them before editing",
                            code="payments_taken")

    def _commit_edit(self, items: list[LineItem], **changes: object) -> None:
        """Apply an edit only if the cart still prices (bad input never leaves a broken cart)."""
        candidate = replace(self._s, items=items, **changes)  # type: ignore[arg-type]
        old = self._s
        self._s = candidate
        try:
            self._priced = self._price()
        except CartError:
            self._s = old
            self._priced = None
            raise

    def _line(self, index: int) -> LineItem:
        if not 0 <= index < len(self._s.items):
            raise CartError("没有这一行", f"no line {index}", code="no_line")
        return self._s.items[index]

    def scan(self, code: str) -> int:
        """Add what a barcode names (piece, box, scale label or SKU); returns the cart line index.
        Scanning the same piece again adds one to its line."""
        self._editable()
        try:
            hit = self.catalog.lookup(code)
        except ContractError as e:
            raise NotFound(e.message, e.message_en, code=e.code) from e
        return self._add(hit)

    def add_product(self, product_id: int, unit_code: str | None = None, qty: int | str | Decimal = 1) -> int:
        """Add a product picked from search (base unit unless `unit_code`)."""
        self._editable()
        product = self.catalog.product(product_id)
        try:
            unit = product.unit(unit_code) if unit_code else product.base_unit
        except ContractError as e:
            raise CartError(e.message, e.message_en, code=e.code) from e
        return self._add(Scanned(product=product, unit=unit, barcode=""), qty)

    def _add(self, hit: Scanned, qty: int | str | Decimal = 1) -> int:
        items = list(self._s.items)
        if hit.weight_kg is not None:
            item = LineItem(product=hit.product, unit=hit.unit, qty=hit.weight_kg, barcode=hit.barcode)
        elif hit.amount_fen is not None:
            item = LineItem(product=hit.product, unit=hit.unit, qty=self._scale_qty(hit), barcode=hit.barcode,
                            scale_amount_fen=hit.amount_fen)
        else:
            if hit.product.weighed:
                raise CartError(f"称重商品请过秤：{hit.product.name}", f"weigh {hit.product.name} first",
                                code="needs_weight")
            q = self._qty(hit.product, qty)
            for i, existing in enumerate(items):
                if (existing.product.id == hit.product.id and existing.unit.code == hit.unit.code
                        and existing.scale_amount_fen is None and existing.price_override_fen is None
                        and existing.manual_discount_fen == 0):
                    items[i] = replace(existing, qty=existing.qty + q)
                    self._commit_edit(items)
                    return i
            item = LineItem(product=hit.product, unit=hit.unit, qty=q, barcode=hit.barcode)
        items.append(item)
        self._commit_edit(items)
        return len(items) - 1

    def add_weighed(self, product_id: int, weight_kg: Decimal | str) -> int:
        """Add a weighed product with the weight read from the scale (kg, 3 places)."""
        self._editable()
        product = self.catalog.product(product_id)
        if not product.weighed:
            raise CartError(f"{product.name} 不是称重商品", f"{product.name} is not sold by weight",
                            code="not_weighed")
        items = [*self._s.items, LineItem(product=product, unit=product.base_unit,
                                          qty=self._qty(product, weight_kg))]
        self._commit_edit(items)
        return len(items) - 1

    @staticmethod
    def _scale_qty(hit: Scanned) -> Decimal:
        """Weight implied by a price-embedded label (amount ÷ price per kg), for stock and display."""
        price = hit.unit.price_fen
        if not price or hit.amount_fen is None:
            return Decimal("1.000") if hit.product.weighed else Decimal(1)
        milli = max(1, div_round(hit.amount_fen * 1000, price, Rounding.HALF_UP))
        qty = Decimal(milli).scaleb(-3).quantize(Decimal("0.001"))
        return qty if hit.product.weighed else max(Decimal(1), qty.to_integral_value())

    @staticmethod
    def _qty(product: Product, qty: int | str | Decimal) -> Decimal:
        try:
            return normalize_qty(qty, weighed=product.weighed)
        except ContractError as e:
            raise CartError(e.message, e.message_en, code=e.code) from e

    def set_qty(self, index: int, qty: int | str | Decimal) -> None:
        """Change a line's quantity (a scale label's amount is fixed: void and rescan instead)."""
        self._editable()
        item = self._line(index)
        if item.scale_amount_fen is not None:
            raise CartError("称重标签商品不能改数量", "a price-label line cannot change quantity",
                            code="scale_line")
        items = list(self._s.items)
        items[index] = replace(item, qty=self._qty(item.product, qty))
        self._commit_edit(items)

    def override_price(self, index: int, unit_price_fen: int, approval: Approval | None = None) -> None:
        """Set a line's unit price by hand (needs a manager): the line then takes no promotion."""
        self._editable()
        item = self._line(index)
        if isinstance(unit_price_fen, bool) or not isinstance(unit_price_fen, int) or unit_price_fen < 0:
            raise CartError("价格必须是非负整数分", "a price is a non-negative amount in fen", code="bad_price")
        manager = self.session.require(Action.PRICE_OVERRIDE, approval)
        items = list(self._s.items)
        items[index] = replace(item, price_override_fen=unit_price_fen, scale_amount_fen=None,
                               override_approved_by=manager)
        old_price = self.priced_line(index).unit_price_fen
        self._commit_edit(items, approvals=[*self._s.approvals, manager or 0])
        audit(self.store, "price_override", cashier_id=self.session.user.id, approved_by=manager,
              detail={"cart_id": self.cart_id, "sku": item.product.sku, "from_fen": old_price,
                      "to_fen": unit_price_fen})

    def discount_line(self, index: int, *, amount_fen: int | None = None, percent_off_bp: int | None = None,
                      approval: Approval | None = None) -> None:
        """A manual discount on one line (amount, or percent of what is left after promotions)."""
        self._editable()
        item = self._line(index)
        manager = self.session.require(Action.DISCOUNT, approval)
        items = list(self._s.items)
        items[index] = replace(item, manual_discount_fen=0)
        base = self._price(Cart(lines=tuple(i.cart_line() for i in items), member=self._cart().member))
        line = next(ln for ln in base.lines if ln.cart_index == index)
        room = line.list_amount_fen - line.line_discount_fen
        discount = self._discount_amount(room, amount_fen, percent_off_bp)
        items[index] = replace(item, manual_discount_fen=discount)
        self._commit_edit(items)
        audit(self.store, "line_discount", cashier_id=self.session.user.id, approved_by=manager,
              detail={"cart_id": self.cart_id, "sku": item.product.sku, "discount_fen": discount})

    def discount_order(self, *, amount_fen: int | None = None, percent_off_bp: int | None = None,
                       approval: Approval | None = None) -> None:
        """A whole-order discount (整单优惠), allocated over the lines."""
        self._editable()
        if not self._s.items:
            raise CartError("购物车是空的", "the cart is empty", code="empty_cart")
        manager = self.session.require(Action.DISCOUNT, approval)
        room = self._price(replace(self._cart(), order_discount_fen=0, redeem_points=0)).due_before_rounding_fen
        discount = self._discount_amount(room, amount_fen, percent_off_bp)
        self._commit_edit(list(self._s.items), order_discount_fen=discount, redeem_points=0)
        audit(self.store, "order_discount", cashier_id=self.session.user.id, approved_by=manager,
              detail={"cart_id": self.cart_id, "discount_fen": discount})

    @staticmethod
    def _discount_amount(room: int, amount_fen: int | None, percent_off_bp: int | None) -> int:
        if (amount_fen is None) == (percent_off_bp is None):
            raise CartError("请输入折扣金额或折扣比例之一", "give either an amount or a percentage",
                            code="bad_discount")
        if amount_fen is not None:
            if isinstance(amount_fen, bool) or not isinstance(amount_fen, int) or amount_fen < 0:
                raise CartError("折扣金额必须是非负整数分", "a discount is a non-negative amount in fen",
                                code="bad_discount")
            value = amount_fen
        else:
            bp = percent_off_bp
            if isinstance(bp, bool) or not isinstance(bp, int) or not 0 <= bp <= 10000:
                raise CartError("折扣比例必须在 0–100% 之间", "a percentage is 0–10000 basis points",
                                code="bad_discount")
            value = div_round(room * bp, 10000, Rounding.HALF_UP)
        if value > room:
            raise CartError("折扣超过了金额", "the discount exceeds the amount", code="discount_exceeds_line")
        return value

    @property
    def void_needs_manager(self) -> bool:
        """The store's setting from head office: voiding a line needs a manager's PIN."""
        return self.catalog.store_settings().void_needs_manager

    def void_line(self, index: int, approval: Approval | None = None) -> None:
        """Remove a line, with a manager's approval where the store asks for it (loss prevention);
        recorded in the audit log (what, how many, its amount, who approved), counted on the X/Z."""
        self._editable()
        item = self._line(index)
        manager = self.session.require(Action.VOID_LINE, approval) if self.void_needs_manager else None
        amount = self.priced_line(index).amount_fen
        items = [x for i, x in enumerate(self._s.items) if i != index]
        changes: dict[str, object] = {}
        if not items:
            changes = {"order_discount_fen": 0, "redeem_points": 0}
        self._commit_edit(items, **changes)
        audit(self.store, "void_line", cashier_id=self.session.user.id, approved_by=manager,
              detail={"cart_id": self.cart_id, "sku": item.product.sku, "name": item.product.name,
                      "qty": str(item.qty), "amount_fen": amount})

    # ------------------------------------------------------------------ member and points

    def set_member(self, text: str) -> Member:
        """Attach a member by card number, phone or QR; prices and points follow at once."""
        self._editable()
        member = find_member(self.store, self.catalog, text)
        self._commit_edit(list(self._s.items), member=member, redeem_points=0)
        return member

    def create_member(self, *, phone: str | None, name: str | None = None, card_no: str | None = None,
                      level: str = "normal") -> Member:
        """Enrol a new member at the till and attach them to this sale."""
        self._editable()
        member = create_member(self.store, self.catalog, self.session, phone=phone, name=name,
                               card_no=card_no, level=level)
        self._commit_edit(list(self._s.items), member=member, redeem_points=0)
        return member

    def clear_member(self) -> None:
        self._editable()
        self._commit_edit(list(self._s.items), member=None, redeem_points=0)

    @property
    def max_redeemable_points(self) -> int:
        return self.priced.max_redeemable_points if self._s.items and self._s.member else 0

    def redeem_points(self, points: int) -> None:
        """Pay part of the sale with the member's points (0 to undo)."""
        self._editable()
        if isinstance(points, bool) or not isinstance(points, int) or points < 0:
            raise CartError("积分必须是非负整数", "points are a whole non-negative number", code="bad_points")
        if self._s.member is None and points:
            raise PaymentError("请先输入会员", "attach a member first", code="points_need_member")
        self._commit_edit(list(self._s.items), redeem_points=points)

    # ------------------------------------------------------------------ payments

    def quick_cash_amounts(self) -> list[int]:
        """Quick-amount buttons for cash: exact, then the next round amounts of ¥10/20/50/100."""
        due = self.remaining_fen
        if due <= 0:
            return []
        out = [due]
        for step in (1000, 2000, 5000, 10000):
            amount = -(-due // step) * step
            if amount not in out:
                out.append(amount)
        return out[:5]

    def add_payment(self, tender: Tender | str, amount_fen: int | None = None, *,
                    tendered_fen: int | None = None, reference: str | None = None) -> Payment:
        """Take a payment. Cash: give `tendered_fen` (what was handed over); the amount applied is
        at most what is still due and the rest is change. Card/WeChat/Alipay: the amount (default:
        everything still due) with the transaction reference (scanned payment code)."""
        self.session.user  # noqa: B018
        if not self._s.items:
            raise PaymentError("购物车是空的", "the cart is empty", code="empty_cart")
        try:
            t = Tender(tender)
        except ValueError:
            raise PaymentError(f"不支持的付款方式：{tender}", f"unknown tender {tender}", code="bad_tender") from None
        if t not in MONEY_TENDERS:
            raise PaymentError("积分请用积分抵扣", "use redeem_points for points", code="bad_tender")
        due = self.remaining_fen
        if due <= 0:
            raise PaymentError("已付清", "already paid in full", code="paid")
        for v in (amount_fen, tendered_fen):
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v <= 0):
                raise PaymentError("金额必须是正整数分", "amounts are positive integers of fen", code="bad_amount")
        if t is Tender.CASH:
            handed = tendered_fen if tendered_fen is not None else (amount_fen if amount_fen is not None else due)
            applied = min(handed, due if amount_fen is None else min(amount_fen, due))
            if applied <= 0:
                raise PaymentError("金额必须大于零", "the amount must be positive", code="bad_amount")
            payment = Payment(tender=t, amount_fen=applied, tendered_fen=handed)
        else:
            amount = due if amount_fen is None else amount_fen
            if amount > due:
                raise PaymentError("非现金付款不能超过应付金额", "a non-cash payment cannot exceed the amount due",
                                   code="overpaid")
            ref = (reference or "").strip()
            if not ref:
                raise PaymentError("请扫描或输入付款凭证号", "scan or type the payment reference",
                                   code="reference_required")
            if len(ref) > 128:
                raise PaymentError("凭证号过长", "reference too long", code="bad_reference")
            payment = Payment(tender=t, amount_fen=amount, reference=ref)
        self._s.payments.append(payment)
        return payment

    def remove_payment(self, index: int, *, given_back: bool = False) -> None:
        """Take a payment off the sale. A 付款码 payment holds the customer's money at the provider:
        it is removed only once given back (`terminal.code_payments.void`, then `given_back=True`)."""
        if not 0 <= index < len(self._s.payments):
            raise PaymentError("没有这笔付款", f"no payment {index}", code="no_payment")
        if self._s.payments[index].by_provider and not given_back:
            raise PaymentError("付款码已扣款，请先撤销（原路退回）再删除", "a payment-code payment must be cancelled "
                               "(money given back) before it is removed", code="code_payment_held")
        del self._s.payments[index]

    def clear_payments(self) -> None:
        if any(p.by_provider for p in self._s.payments):
            raise PaymentError("付款码已扣款，请先撤销（原路退回）", "cancel the payment-code payments first",
                               code="code_payment_held")
        self._s.payments.clear()

    def code_payments(self) -> list[tuple[int, Payment]]:
        """(index, payment) of the payments taken through the provider (to give back before dropping)."""
        return [(i, p) for i, p in enumerate(self._s.payments) if p.by_provider]

    def add_code_payment(self, charged: CodeCharge) -> Payment:
        """Record a payment-code charge the provider confirmed (`terminal.code_payments.charge`)."""
        self.session.user  # noqa: B018
        if not charged.paid:
            raise PaymentError(charged.result.message or "付款码未扣款", charged.result.message_en or "not paid",
                               code="not_paid")
        if charged.amount_fen > self.remaining_fen:
            raise PaymentError("付款码金额超过应付金额", "the charge exceeds the amount due", code="overpaid")
        payment = Payment(tender=charged.tender, amount_fen=charged.amount_fen, reference=charged.order_no,
                          by_provider=True)
        self._s.payments.append(payment)
        return payment

    def pay_stored_value(self, amount_fen: int | None = None) -> Payment:
        """Pay (part of) the sale from the member's stored value (储值), offline too: at most what
        the till knows of the balance (central's plus this till's own movements) and what is due."""
        self.session.user  # noqa: B018
        member = self._s.member
        if member is None:
            raise PaymentError("储值支付请先输入会员", "identify the member first", code="stored_value_needs_member")
        if not self._s.items:
            raise PaymentError("购物车是空的", "the cart is empty", code="empty_cart")
        due = self.remaining_fen
        if due <= 0:
            raise PaymentError("已付清", "already paid in full", code="paid")
        fresh = find_member(self.store, self.catalog, member.id)
        used = sum(p.amount_fen for p in self._s.payments if p.tender is Tender.STORE_CREDIT)
        balance = fresh.stored_value_fen - used
        if balance <= 0:
            raise PaymentError(f"储值余额不足（余额 ¥{max(0, fresh.stored_value_fen) / 100:.2f}）",
                               f"no stored value left (balance ¥{max(0, fresh.stored_value_fen) / 100:.2f})",
                               code="stored_value_empty")
        amount = min(due, balance) if amount_fen is None else amount_fen
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise PaymentError("金额必须是正整数分", "amounts are positive integers of fen", code="bad_amount")
        if amount > balance:
            raise PaymentError(f"储值余额不足：余额 ¥{balance / 100:.2f}", f"stored value balance is only "
                               f"¥{balance / 100:.2f}", code="stored_value_short")
        if amount > due:
            raise PaymentError("储值支付不能超过应付金额", "stored value cannot pay more than is due", code="overpaid")
        payment = Payment(tender=Tender.STORE_CREDIT, amount_fen=amount, reference=member.card_no,
                          balance_seen_fen=fresh.stored_value_fen)
        self._s.payments.append(payment)
        return payment

    def apply_voucher(self, code: str) -> Payment:
        """Redeem a scanned voucher or coupon against what is still due, checked offline against
        what the till knows (`terminal.vouchers.redemption`); no change is given (不找零)."""
        self.session.user  # noqa: B018
        if not self._s.items:
            raise PaymentError("购物车是空的", "the cart is empty", code="empty_cart")
        text = (code or "").strip()
        if any(p.tender is Tender.VOUCHER and p.reference == text for p in self._s.payments):
            raise PaymentError("此券已用于本单", "this voucher is already on this sale", code="voucher_on_sale")
        due = self.remaining_fen
        amount = voucher_redemption(self.store, text, priced=self.priced, due_fen=due,
                                    member_id=self._s.member.id if self._s.member else None, at=self.clock())
        payment = Payment(tender=Tender.VOUCHER, amount_fen=amount, reference=text, due_fen=due)
        self._s.payments.append(payment)
        return payment

    def tenders(self) -> list[Payment]:
        """What pays the sale, as the payment screen and the receipt list it: the points redeemed
        first (a `POINTS` row: their money value and how many), then the money payments in order."""
        rows = list(self._s.payments)
        priced = self.priced if self._s.items else None
        if priced is not None and priced.points_redeemed:
            rows.insert(0, Payment(tender=Tender.POINTS, amount_fen=priced.points_value_fen,
                                   points=priced.points_redeemed))
        return rows

    def remove_tender(self, row: int) -> None:
        """Take back one row of `tenders()`: the points row gives the points back (un-redeems them),
        any other removes that payment."""
        rows = self.tenders()
        if not 0 <= row < len(rows):
            raise PaymentError("没有这笔付款", f"no payment {row}", code="no_payment")
        if rows[row].tender is Tender.POINTS:
            self.redeem_points(0)
        else:
            self.remove_payment(row - (1 if rows[0].tender is Tender.POINTS else 0))

    # ------------------------------------------------------------------ hold, resume, cancel

    def hold(self, label: str | None = None) -> HeldCart:
        """Park this cart (挂单) and start a new one; resumed later, even after a restart."""
        user = self.session.user
        if not self._s.items:
            raise CartError("购物车是空的", "the cart is empty", code="empty_cart")
        if self._s.payments:
            raise CartError("已有付款，不能挂单", "payments were taken: cannot hold", code="payments_taken")
        note = (label or "").strip()[:40]
        zh, en = held_labels(note, len(self._s.items))
        held = HeldCart(id=self._s.cart_id, label=zh, label_en=en, held_at=self.clock(),
                        line_count=len(self._s.items), total_fen=self.total_fen)
        prices = {ln.cart_index: ln.unit_price_fen for ln in self.priced.lines if ln.cart_index is not None}
        items = [{**item.to_dict(), "held_unit_price_fen": prices.get(i)} for i, item in enumerate(self._s.items)]
        data = {"items": items, "total_fen": held.total_fen,
                "member_card": self._s.member.card_no if self._s.member else None,
                "order_discount_fen": self._s.order_discount_fen, "redeem_points": self._s.redeem_points}
        with self.store.transaction():
            self.store.held_carts.add(held.id, held_at=held.held_at, cashier_id=user.id, label=note, data=data)
            audit(self.store, "hold", cashier_id=user.id, detail={"cart_id": held.id})
        self._reset()
        return held

    def held_carts(self) -> list[HeldCart]:
        out: list[HeldCart] = []
        for r in self.store.held_carts.all():
            zh, en = held_labels(r.label, len(r.data["items"]))
            out.append(HeldCart(id=r.id, label=zh, label_en=en, held_at=r.held_at,
                                line_count=len(r.data["items"]), total_fen=int(r.data.get("total_fen", 0))))
        return out

    def resume(self, held_id: str) -> Resumed:
        """Bring a held cart back (current cart must be empty), re-priced at today's prices (master
        data synced meanwhile included); returns the lines whose unit price changed since it was
        held (a sale held before a price change came back at the old price, without a word)."""
        user = self.session.user
        if self._s.items:
            raise CartError("请先完成或挂起当前销售", "finish or hold the current sale first", code="cart_not_empty")
        row = self.store.held_carts.get(held_id)
        if row is None:
            raise NotFound("挂单不存在", "no such held cart", code="no_held_cart")
        data = row.data
        self.catalog.refresh()  # prices synced while it was parked (another connection's commit)
        items: list[LineItem] = []
        for d in data["items"]:
            product = self.catalog.product(d["product_id"])
            items.append(LineItem(product=product, unit=product.unit(d["unit_code"]), qty=Decimal(d["qty"]),
                                  barcode=d.get("barcode", ""), scale_amount_fen=d.get("scale_amount_fen"),
                                  price_override_fen=d.get("price_override_fen"),
                                  manual_discount_fen=d.get("manual_discount_fen", 0),
                                  override_approved_by=d.get("override_approved_by")))
        member = find_member(self.store, self.catalog, data["member_card"]) if data.get("member_card") else None
        state = _State(cart_id=row.id, items=items, member=member,
                       order_discount_fen=data.get("order_discount_fen", 0))
        old = self._s
        self._s = state
        self._changed()
        try:
            priced = self.priced
        except CartError:
            self._s = old
            self._changed()
            raise
        now_prices = {ln.cart_index: ln.unit_price_fen for ln in priced.lines if ln.cart_index is not None}
        changes = tuple(
            PriceChange(product_id=item.product.id, name=item.product.name, old_unit_price_fen=int(d["held_unit_price_fen"]),
                        new_unit_price_fen=now_prices[i])
            for i, (item, d) in enumerate(zip(items, data["items"], strict=True))
            if d.get("held_unit_price_fen") is not None and now_prices.get(i) is not None
            and int(d["held_unit_price_fen"]) != now_prices[i])
        resumed = Resumed(changes=changes, old_total_fen=int(data.get("total_fen", 0)), new_total_fen=self.total_fen)
        with self.store.transaction():
            self.store.held_carts.remove(held_id)
            audit(self.store, "resume", cashier_id=user.id,
                  detail={"cart_id": held_id, "old_total_fen": resumed.old_total_fen,
                          "new_total_fen": resumed.new_total_fen, "price_changes": len(changes)})
        return resumed

    def cancel(self, reason: str | None = None) -> None:
        """Abandon the sale; recorded (`sale.cancelled`) for loss prevention, then a fresh cart."""
        user = self.session.user
        if any(p.by_provider for p in self._s.payments):
            raise PaymentError("付款码已扣款，请先撤销（原路退回）再取消交易", "cancel the payment-code payments "
                               "(money given back) before dropping the sale", code="code_payment_held")
        if not self._s.items:
            self._reset()
            return
        shift = current_shift(self.store)  # a cart rung up before the shift opened can still be dropped
        amount = self.priced.total_fen
        now = self.clock()
        with self.store.transaction():
            self.store.outbox.append(SaleCancelled(
                cart_id=self._s.cart_id, store_id=self.store.store_id(),
                terminal_id=int(self.store.get_setting("terminal_id") or 0), shift_id=shift.id if shift else None,
                cashier_id=user.id, cancelled_at=now, line_count=len(self._s.items), amount_fen=amount,
                reason=(reason or "")[:200] or None,
            ), occurred_at=now)
            audit(self.store, "cancel_sale", cashier_id=user.id,
                  detail={"cart_id": self._s.cart_id, "amount_fen": amount, "reason": reason})
        self._reset()

    def _reset(self) -> None:
        self._s = _State()
        self._priced = None

    # ------------------------------------------------------------------ completing

    def _line_payload(self, line: PricedLine) -> dict[str, Any]:
        """A priced line in wire form; an overridden price names the manager who approved it (the
        key is only there on such lines, so every other sale's wire form is as before)."""
        payload = line.to_payload_dict()
        approver = _override_approver(self._s.items, line)
        if approver:
            payload["approved_by"] = approver
        return payload

    def complete(self, *, note: str | None = None) -> CompletedSale:
        """Commit the paid sale: sale, lines, payments, points and the `sale.completed` outbox event
        in ONE transaction, before any printing. Then the till starts a new cart."""
        user = self.session.user
        if not self._s.items:
            raise CartError("购物车是空的", "the cart is empty", code="empty_cart")
        shift = require_own_shift(self.store, self.session)
        priced = self._current_pricing()
        paid = self.paid_fen
        if paid != priced.total_fen:
            raise PaymentError(
                f"付款金额不足：应付 {priced.total_fen / 100:.2f}，已付 {paid / 100:.2f}",
                f"payments {paid} fen do not cover the total {priced.total_fen} fen", code="not_paid")
        member = self._s.member
        payments = list(self._s.payments)
        sale_id = self._s.cart_id
        now = self.clock()
        change = sum((p.tendered_fen or p.amount_fen) - p.amount_fen for p in payments)
        settings = self.store.settings()
        enrolled_as = settings.get("terminal_id")
        terminal_id = int(enrolled_as or 0)
        with contract_checked():
            payment_payloads = [p.payload() for p in payments]
        fields: dict[str, Any] = {
            "sale_id": sale_id, "store_id": int(settings.get("store_id") or 0), "terminal_id": terminal_id,
            "shift_id": shift.id, "cashier_id": user.id, "member_id": member.id if member else None,
            "member_level": member.level if member else None, "sold_at": now,
            # plain dicts: SaleCompleted validates the lines in the same (single) validation
            "lines": [self._line_payload(ln) for ln in priced.lines],
            "payments": payment_payloads, "subtotal_fen": priced.subtotal_fen,
            "discount_fen": priced.discount_fen, "rounding_fen": priced.rounding_fen, "total_fen": priced.total_fen,
            "change_fen": change, "tax_fen": priced.tax_fen, "points_earned": priced.points_earned,
            "points_redeemed": priced.points_redeemed, "points_value_fen": priced.points_value_fen,
            "price_version": self.catalog.price_version(),
            "promotion_ids": list(priced.promotion_ids), "note": note,
        }
        # the prefix is read before BEGIN (settings, or the synced terminal row: not changed by a
        # sale); only the gap-free counter is bumped inside the sale's transaction
        prefix = receipt_prefix(self.store)
        with busy_as_error(), self.store.transaction():
            receipt_no = f"{prefix}-{self.store.next_seq(SALE_SEQ):06d}"
            payload = SaleCompleted.model_validate({**fields, "receipt_no": receipt_no})
            env, payload_json = self.store.outbox.append_for_record(
                payload, sale_id, occurred_at=now, terminal_id=terminal_id if enrolled_as is not None else None)
            record_sale(self.store, payload, env.seq, payload_json)
            record_prepaid_tenders(self.store, payload, payments, at=now, terminal_id=terminal_id)
        cash = sum(p.amount_fen for p in payments if p.tender is Tender.CASH)
        self._reset()
        return CompletedSale(sale_id=sale_id, receipt_no=receipt_no, payload=payload, event_seq=env.seq,
                             change_fen=change, cash_fen=cash, member=member)


def _override_approver(items: list[LineItem], line: PricedLine) -> int | None:
    """Who approved a price override on the cart line a priced line came from (None otherwise)."""
    if line.price_source != SOURCE_OVERRIDE or line.cart_index is None:
        return None
    return items[line.cart_index].override_approved_by


def record_sale(store: Store, payload: SaleCompleted, event_seq: int, payload_json: str) -> None:
    """Write a completed sale's rows and its member's points (inside the caller's transaction, with
    its outbox event at `event_seq`, `Outbox.append_for_record`, which made `payload_json`)."""
    store.require_transaction("record_sale")
    p = payload
    store.sales.add(p, event_seq, payload_json)
    if p.member_id:
        if p.points_earned:
            store.members.move_points(p.member_id, p.points_earned, "earn", event_seq)
        if p.points_redeemed:
            store.members.move_points(p.member_id, -p.points_redeemed, "redeem", event_seq)


def record_prepaid_tenders(store: Store, sale: SaleCompleted, payments: list[Payment], *, at: datetime,
                           terminal_id: int) -> None:
    """In the sale's transaction, after its event: the 付款码 charges it used are committed, its
    stored-value payment (`stored_value.paid`) and vouchers (`voucher.redeemed`) are recorded as
    events of their own and on the till's ledger, so the balance and the voucher are spent here at
    once, offline too."""
    orders = [p.reference for p in payments if p.by_provider and p.reference]
    if orders:
        store.provider_charges.mark_committed(orders)
    stored = sum(p.amount_fen for p in payments if p.tender is Tender.STORE_CREDIT)
    if stored and sale.member_id:
        seen = next((p.balance_seen_fen for p in payments if p.tender is Tender.STORE_CREDIT), None)
        env = store.outbox.append(StoredValuePaid(
            movement_id=uuid7(), member_id=sale.member_id, store_id=sale.store_id, terminal_id=terminal_id,
            sale_id=sale.sale_id, receipt_no=sale.receipt_no, amount_fen=stored,
            balance_seen_fen=max(0, seen) if seen is not None else None, paid_at=at), occurred_at=at)
        store.prepaid.move(sale.member_id, -stored, "pay", sale.receipt_no, at, env.seq)
    for p in payments:
        if p.tender is Tender.VOUCHER and p.reference:
            env = store.outbox.append(VoucherRedeemed(
                redemption_id=uuid7(), code=p.reference, store_id=sale.store_id, terminal_id=terminal_id,
                sale_id=sale.sale_id, receipt_no=sale.receipt_no, member_id=sale.member_id, amount_fen=p.amount_fen,
                due_fen=p.due_fen if p.due_fen is not None else p.amount_fen, redeemed_at=at), occurred_at=at)
            store.prepaid.record_voucher(p.reference, "redeemed", sale_id=sale.sale_id, receipt_no=sale.receipt_no,
                                         at=at, event_seq=env.seq)
