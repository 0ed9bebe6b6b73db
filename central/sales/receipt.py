"""A sale's receipt as central can show it: the same fields, in the same order, as the paper receipt
the till printed (`drivers/layout.py` `sale_receipt`, built by `terminal/printing.py` `receipt_data`),
from central's own copy of the sale.

Why not the drivers' document itself: central may import only `sync/` (tests/architecture), and
the receipt builder and layout live in `drivers/` and `terminal/`. Moving their pure part (the
receipt data classes, the layout, the text preview) into `sync/` would let both ends share it; until
then this mirrors the builder's rules: line discounts labelled with their promotion, order-level
promotions (满减) as their own rows, points shown as a tender, the member's card masked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from central.catalog.models import Product, ProductUnit
from central.members.models import Member
from central.org.models import Store, Terminal
from central.pricing.models import Promotion
from central.sales.models import Sale, SaleLine, SalePayment
from central.users.models import User
from sync.events import points_value_from_discounts


@dataclass(frozen=True)
class ReceiptLineView:
    name: str
    code: str
    quantity_m: int
    unit: str
    unit_price_fen: int
    list_amount_fen: int
    discount_fen: int
    discount_label: str
    is_gift: bool


@dataclass(frozen=True)
class ReceiptView:
    shop_name: str
    store_name: str
    address: str
    phone: str
    terminal_code: str
    receipt_no: str
    cashier: str
    lines: list[ReceiptLineView]
    pieces: int
    subtotal_fen: int
    promotions: list[tuple[str, int]]
    discount_fen: int
    rounding_fen: int
    total_fen: int
    payments: list[tuple[str, int, int | None, str]]
    """(tender code, amount, tendered, reference); the points row has tender `points`."""
    change_fen: int
    tax_fen: int
    member_card: str | None
    member_level: str | None
    points_earned: int
    points_redeemed: int
    footer: list[str] = field(default_factory=list)
    qr_payload: str = ""


def mask_card(card_no: str) -> str:
    """The first 3 and last 4 characters of a card or phone number (`138****5678`), as receipts print it."""
    card_no = card_no.strip()
    if len(card_no) <= 4:
        return "*" * len(card_no)
    keep = 3 if len(card_no) >= 11 else min(2, len(card_no) - 4)
    return card_no[:keep] + "*" * (len(card_no) - keep - 4) + card_no[-4:]


def sale_receipt(session: Session, sale: Sale) -> ReceiptView:
    store = session.get(Store, sale.store_id)
    terminal = session.get(Terminal, sale.terminal_id)
    lines = list(session.scalars(select(SaleLine).where(SaleLine.sale_id == sale.id).order_by(SaleLine.line_no)))
    payments = list(session.scalars(select(SalePayment).where(SalePayment.sale_id == sale.id)
                                    .order_by(SalePayment.id)))
    promo_ids = set(sale.promotion_ids or []) | {p for ln in lines for p in (ln.promotion_ids or [])}
    promos = {p.id: (p.name, p.kind) for p in session.scalars(select(Promotion).where(Promotion.id.in_(promo_ids)))}
    units = {(u.product_id, u.code): u.name for u in session.scalars(select(ProductUnit).where(
        ProductUnit.product_id.in_({ln.product_id for ln in lines})))}
    views = []
    for ln in lines:
        label = next((promos[p][0] for p in (ln.promotion_ids or []) if p in promos and promos[p][1] != "threshold"), "")
        if not label and ln.line_discount_fen and not ln.is_gift:
            label = "手工折扣"
        views.append(ReceiptLineView(name=ln.name, code=ln.sku, quantity_m=ln.qty_m,
                                     unit=units.get((ln.product_id, ln.unit_code)) or ln.unit_code,
                                     unit_price_fen=ln.unit_price_fen, list_amount_fen=ln.list_amount_fen,
                                     discount_fen=ln.line_discount_fen, discount_label=label, is_gift=ln.is_gift))
    points_value = points_value_from_discounts(sum(ln.line_discount_fen for ln in lines),
                                               sum(ln.order_discount_fen for ln in lines), sale.discount_fen)
    weighed = set(session.scalars(select(Product.id).where(Product.id.in_({ln.product_id for ln in lines}),
                                                          Product.weighed.is_(True))))
    order_level = sum(ln.order_discount_fen for ln in lines) - points_value
    promotions: list[tuple[str, int]] = []
    if order_level > 0:
        names = [name for name, kind in promos.values() if kind == "threshold"]
        promotions.append(("、".join(names) if names else "整单优惠", order_level))
    pays: list[tuple[str, int, int | None, str]] = [(p.tender, p.amount_fen, p.tendered_fen, p.reference or "")
                                                   for p in payments]
    if points_value:
        pays.append(("points", points_value, None, ""))
    member = session.get(Member, sale.member_id) if sale.member_id else None
    cashier = session.get(User, sale.cashier_id) if sale.cashier_id else None
    header = (store.receipt_header if store and store.receipt_header else (store.name if store else "")) or ""
    return ReceiptView(
        shop_name=header, store_name=store.name if store else "", address=(store.address or "") if store else "",
        phone=(store.phone or "") if store else "", terminal_code=terminal.code if terminal else "",
        receipt_no=sale.receipt_no, cashier=cashier.display_name if cashier else "-", lines=views,
        pieces=sum(1 if ln.product_id in weighed else ln.qty_m // 1000 for ln in lines),  # a weighed line is one item
        subtotal_fen=sale.subtotal_fen, promotions=promotions, discount_fen=sale.discount_fen,
        rounding_fen=sale.rounding_fen, total_fen=sale.total_fen + points_value, payments=pays,
        change_fen=sale.change_fen, tax_fen=sale.tax_fen,
        member_card=mask_card(member.card_no) if member else None, member_level=sale.member_level,
        points_earned=sale.points_earned, points_redeemed=sale.points_redeemed,
        footer=[ln for ln in ((store.receipt_footer or "") if store else "").splitlines() if ln.strip()],
        qr_payload=sale.receipt_no)
