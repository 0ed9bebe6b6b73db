"""Receipts, return slips and shift reports: from committed records to the drivers' layouts.

A sale is committed before it is printed; here a printer fault is caught, recorded on the sale
(`print_status = failed`, with the error) and reported, never raised: the sale stays, and
`unprinted_sales()` lists it for a reprint (after a restart too). Every print after the first is
marked 重印 (reprint) on paper.

Paper speaks the store's receipt language (`StoreSettings.receipt_language`, set by head office and
shipped with the store's master row: `zh-CN` by default, or `en`), never the language the cashier
happens to have switched the screen to. `lang=` overrides it (tests, a one-off English copy).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from drivers.errors import DeviceError
from drivers.layout import return_slip, sale_receipt, shift_report
from drivers.printer import CashDrawer, ReceiptPrinter
from drivers.receipt import (
    ReceiptData,
    ReceiptLine,
    ReceiptMember,
    ReceiptPayment,
    ReturnSlipData,
    ReturnSlipLine,
    ShiftReportData,
    ShiftTenderTotal,
    ShopHeader,
    mask_card,
)
from sync.allocation import allocate
from sync.events import (
    PaymentPayload,
    SaleCompleted,
    StoredValueToppedUp,
    Tender,
    VoucherSold,
    line_is_weighed,
    sale_points_value_fen,
)
from sync.master import Entity
from sync.promotions import PromotionKind
from sync.store_time import STORE_TIMEZONE, business_date, day_start_utc
from terminal.catalog import Catalog, Lang
from terminal.checkout import TENDER_NAMES_ZH
from terminal.errors import NotFound
from terminal.members import find_member
from terminal.receipt_numbers import own_receipt_no
from terminal.shift import ShiftReport, get_shift
from terminal.store import Store
from terminal.store.shifts import Shift

TENDER_NAMES_EN: dict[str, str] = {
    Tender.CASH: "Cash", Tender.BANK_CARD: "Bank card", Tender.WECHAT: "WeChat Pay", Tender.ALIPAY: "Alipay",
    Tender.POINTS: "Points", Tender.STORE_CREDIT: "Store credit", Tender.CREDIT: "On account",
    Tender.VOUCHER: "Voucher",
}


@dataclass(frozen=True)
class PrintResult:
    ok: bool
    error: str | None = None
    """The printer's complaint in plain words (zh-CN first) when `ok` is false."""
    reprint: bool = False
    drawer_opened: bool = False
    """The cash drawer was opened with the document (a sale's first print with cash taken, a
    return slip with cash given back)."""


def tender_name(tender: str, lang: Lang = "zh") -> str:
    return (TENDER_NAMES_ZH if lang == "zh" else TENDER_NAMES_EN).get(tender, tender)


def _user_name(catalog: Catalog, user_id: int | None) -> str:
    if user_id is None:
        return "-"
    data = catalog.entity(Entity.USER.value, user_id)
    return f"{data.get('name') or data.get('code')}" if data else str(user_id)


def _header(store: Store, catalog: Catalog) -> tuple[ShopHeader, tuple[str, ...]]:
    s = catalog.store_settings()
    header = ShopHeader(shop_name=s.receipt_header or s.name or "收银小票", store_name=s.name,
                        address=s.address or "", phone=s.phone or "",
                        terminal_code=store.get_setting("terminal_code") or "")
    footer = tuple(line for line in s.receipt_footer.splitlines() if line.strip())
    return header, footer


def _error_text(exc: DeviceError) -> str:
    return f"{exc.message}：{exc.detail}" if exc.detail else exc.message


def order_shares(sale: SaleCompleted, points_value: int) -> list[int]:
    """Each line's share of the order-level discounts (满减, 整单优惠) without the points, which
    the receipt lists as a tender: the pricing allocated both into the lines' `order_discount_fen`.
    Without points that is the share itself; with points, the order-level amount is split again in
    proportion to those per-line figures (the parts add up exactly; a line may differ by a fen from
    the pricing's own split, which the wire does not carry)."""
    order_level = sum(ln.order_discount_fen for ln in sale.lines) - points_value
    if not points_value:
        return [ln.order_discount_fen for ln in sale.lines]
    if order_level <= 0:
        return [0 for _ in sale.lines]
    return allocate(order_level, [ln.order_discount_fen for ln in sale.lines])


def _paper_reference(store: Store, tender: Tender, reference: str | None) -> str:
    """What a payment's reference prints as: a 付款码 payment's provider transaction number (what
    the customer's wallet shows), else the reference itself; a stored-value card number masked."""
    if not reference:
        return ""
    if tender is Tender.STORE_CREDIT:
        return mask_card(reference)
    return store.provider_charges.committed_transaction_id(reference) or reference


def receipt_data(store: Store, sale_id: str, *, catalog: Catalog | None = None, reprint: bool = False,
                 lang: Lang | None = None) -> ReceiptData:
    """The receipt of a committed sale, built from what was stored (so a reprint is identical)."""
    catalog = catalog or Catalog(store)
    lang = lang or catalog.receipt_language()
    sale = store.sales.load(sale_id)
    if sale is None:
        raise NotFound("销售记录不存在", f"no sale {sale_id}", code="no_sale")
    promo_names: dict[int, tuple[str, str]] = {}
    for pid in sale.promotion_ids:
        d = catalog.entity(Entity.PROMOTION.value, pid)
        if d:
            promo_names[pid] = (str(d.get("name") or pid), str(d.get("kind") or ""))
    points_value = sale_points_value_fen(sale)
    shares = order_shares(sale, points_value)
    threshold_names = [n for n, kind in promo_names.values() if kind == PromotionKind.THRESHOLD.value]
    share_label = "、".join(threshold_names) if threshold_names else ("整单优惠" if lang == "zh" else "Order discount")
    lines = []
    for ln, share in zip(sale.lines, shares, strict=True):
        label = next((promo_names[p][0] for p in ln.promotion_ids
                      if p in promo_names and promo_names[p][1] != PromotionKind.THRESHOLD.value), "")
        if not label and ln.line_discount_fen and not ln.is_gift:
            label = "手工折扣" if lang == "zh" else "Discount"
        qty: int | Decimal = ln.qty if line_is_weighed(ln) else int(ln.qty)  # pieces "2", weights "1.250"
        lines.append(ReceiptLine(name=ln.name, quantity=qty, unit_price_fen=ln.unit_price_fen,
                                 list_amount_fen=ln.list_amount_fen, discount_fen=ln.line_discount_fen,
                                 discount_label=label, unit=catalog.unit_name(ln.product_id, ln.unit_code),
                                 is_gift=ln.is_gift, code=ln.sku, share_fen=share, share_label=share_label))
    payments = tuple(
        ReceiptPayment(method=tender_name(p.tender, lang), amount_fen=p.amount_fen, tendered_fen=p.tendered_fen,
                       reference=_paper_reference(store, p.tender, p.reference))
        for p in sale.payments)
    if points_value:
        count = f"（{sale.points_redeemed} 积分）" if lang == "zh" else f" ({sale.points_redeemed} pts)"
        payments += (ReceiptPayment(method=tender_name(Tender.POINTS, lang) + count, amount_fen=points_value),)
    member = None
    if sale.member_id:
        balance: int | None = None
        card = sale.member_id
        level = sale.member_level or ""
        try:
            m = find_member(store, catalog, sale.member_id)
            balance, card, level = m.points_balance, m.card_no, m.level_name
        except NotFound:
            pass
        member = ReceiptMember(card_no=card, level=level, points_earned=sale.points_earned,
                               points_redeemed=sale.points_redeemed, points_balance=balance)
    header, footer = _header(store, catalog)
    if sale.member_id and any(p.tender is Tender.STORE_CREDIT for p in sale.payments):
        try:
            left = find_member(store, catalog, sale.member_id).stored_value_fen
            footer = ((f"储值余额 ¥{left / 100:.2f}" if lang == "zh" else f"Stored value left ¥{left / 100:.2f}"),
                      *footer)
        except NotFound:
            pass
    return ReceiptData(timezone=STORE_TIMEZONE,
        header=header, receipt_no=sale.receipt_no, issued_at=sale.sold_at,
        cashier=_user_name(catalog, sale.cashier_id), lines=tuple(lines), subtotal_fen=sale.subtotal_fen,
        discount_fen=sale.discount_fen, rounding_fen=sale.rounding_fen, total_fen=sale.total_fen + points_value,
        payments=payments, change_fen=sale.change_fen, tax_fen=sale.tax_fen,
        member=member, footer=footer, reprint=reprint, qr_payload=sale.receipt_no,
    )


def print_sale(store: Store, printer: ReceiptPrinter, sale_id: str, *, catalog: Catalog | None = None,
               open_drawer: bool | None = None, drawer: CashDrawer | None = None,
               lang: Lang | None = None) -> PrintResult:
    """Print (or reprint, marked) a committed sale's receipt and, on its first print with cash
    taken, open the drawer. Never raises for a printer fault: the result says what happened.
    The receipt is in the store's receipt language unless `lang` says otherwise."""
    catalog = catalog or Catalog(store)
    lang = lang or catalog.receipt_language()
    count = store.sales.print_count(sale_id)
    if count is None:
        raise NotFound("销售记录不存在", f"no sale {sale_id}", code="no_sale")
    reprint = count > 0
    data = receipt_data(store, sale_id, catalog=catalog, reprint=reprint, lang=lang)
    if open_drawer is None:
        open_drawer = not reprint and any(p.method == tender_name(Tender.CASH, lang) for p in data.payments)
    try:
        printer.print_document(sale_receipt(data, lang=lang), open_drawer=open_drawer)
    except DeviceError as exc:
        error = _error_text(exc)
        store.sales.mark_print_failed(sale_id, error)
        if open_drawer and drawer is not None:
            try:
                drawer.open()  # the customer still gets their change
            except DeviceError:
                pass
        return PrintResult(ok=False, error=error, reprint=reprint)
    store.sales.mark_printed(sale_id)
    return PrintResult(ok=True, reprint=reprint, drawer_opened=open_drawer)


def unprinted_sales(store: Store) -> list[tuple[str, str, str | None]]:
    """(sale id, receipt no, last error) of sales whose receipt never printed: offered for reprint."""
    return store.sales.unprinted()


def sale_to_reprint(store: Store, receipt_no: str | None) -> str:
    """The sale id a reprint asks for: the receipt number as printed, or its digits alone (this till's,
    `receipt_numbers.own_receipt_no`); the last sale when no number is given. `NotFound` otherwise."""
    sale_id = store.sales.id_by_receipt(own_receipt_no(store, receipt_no)) if receipt_no else last_sale_id(store)
    if sale_id is None:
        raise NotFound(f"没有小票 {receipt_no or ''}".strip(), f"no receipt {receipt_no or ''}".strip(),
                       code="no_receipt")
    return sale_id


def receipt_no_of(store: Store, sale_id: str) -> str:
    """The receipt number of a sale ('' for no such sale)."""
    return store.sales.receipt_no(sale_id) or ""


def last_sale_id(store: Store) -> str | None:
    """The most recent sale (the 重印 button reprints it)."""
    return store.sales.last_id()


def return_slip_data(store: Store, return_id: str, *, catalog: Catalog | None = None, reprint: bool = False,
                     lang: Lang | None = None) -> ReturnSlipData:
    catalog = catalog or Catalog(store)
    lang = lang or catalog.receipt_language()
    ret = store.returns.load(return_id)
    if ret is None:
        raise NotFound("退货记录不存在", f"no return {return_id}", code="no_return")
    original = store.sales.load(ret.original_sale_id)
    names = {} if original is None else {ln.line_no: ln.name for ln in original.lines}
    header, footer = _header(store, catalog)
    return ReturnSlipData(timezone=STORE_TIMEZONE,
        header=header, return_no=ret.receipt_no, original_receipt_no=ret.original_receipt_no,
        issued_at=ret.returned_at, cashier=_user_name(catalog, ret.cashier_id),
        lines=tuple(ReturnSlipLine(name=names.get(ln.original_line_no, ln.sku), quantity=ln.qty,
                                   amount_fen=ln.amount_fen, unit=catalog.unit_name(ln.product_id, ln.unit_code))
                    for ln in ret.lines),
        total_fen=ret.total_fen,
        refunds=tuple(ReceiptPayment(method=tender_name(r.tender, lang), amount_fen=r.amount_fen,
                                     reference=r.reference or "") for r in ret.refunds),
        reason=ret.reason or "", points_reversed=ret.points_reversed,
        approved_by=_user_name(catalog, ret.approved_by) if ret.approved_by else "", footer=footer,
        reprint=reprint,
    )


def print_return(store: Store, printer: ReceiptPrinter, return_id: str, *, catalog: Catalog | None = None,
                 reprint: bool = False, lang: Lang | None = None) -> PrintResult:
    """Print a return slip (store's receipt language), opening the drawer when cash goes out; never
    raises for a printer fault."""
    catalog = catalog or Catalog(store)
    lang = lang or catalog.receipt_language()
    data = return_slip_data(store, return_id, catalog=catalog, reprint=reprint, lang=lang)
    cash = not reprint and any(r.method == tender_name(Tender.CASH, lang) for r in data.refunds)
    try:
        printer.print_document(return_slip(data, lang=lang), open_drawer=cash)
    except DeviceError as exc:
        return PrintResult(ok=False, error=_error_text(exc), reprint=reprint)
    return PrintResult(ok=True, reprint=reprint, drawer_opened=cash)


def shift_label(store: Store, shift: Shift, lang: Lang = "zh") -> str:
    """The name a person knows a shift by: the till, the store's local date it opened, and which
    shift of that day it was ("S01-POS01 2026-03-01 第2班" / "S01-POS01 2026-03-01 shift 2")."""
    day = business_date(shift.opened_at)
    start = day_start_utc(day)
    number = store.shifts.number_in_day(shift, start, start + timedelta(days=1))
    till = store.get_setting("terminal_code") or f"T{shift.terminal_id:02d}"
    return f"{till} {day.isoformat()} " + (f"第{number}班" if lang == "zh" else f"shift {number}")


def shift_report_data(store: Store, report: ShiftReport, *, catalog: Catalog | None = None,
                      reprint: bool = False, lang: Lang | None = None) -> ShiftReportData:
    catalog = catalog or Catalog(store)
    lang = lang or catalog.receipt_language()
    header, _ = _header(store, catalog)
    shift = get_shift(store, report.shift_id)
    tenders = tuple(
        ShiftTenderTotal(method=tender_name(t, lang), sales_fen=report.sales_by_tender.get(t, 0),
                         refunds_fen=report.refunds_by_tender.get(t, 0))
        for t in sorted(set(report.sales_by_tender) | set(report.refunds_by_tender)))
    extra: list[tuple[str, str]] = []
    if report.points_redeemed:
        extra.append(("积分抵扣" if lang == "zh" else "Points redeemed",
                      f"{report.points_redeemed} ({report.points_redeemed_fen / 100:.2f})"))
    zh = lang == "zh"
    if report.topups_count:
        bonus = f"（赠 {report.topup_bonus_fen / 100:.2f}）" if zh else f" (bonus {report.topup_bonus_fen / 100:.2f})"
        extra.append((f"储值充值 {report.topups_count} 笔" if zh else f"Top-ups: {report.topups_count}",
                      f"{report.topups_fen / 100:.2f}" + (bonus if report.topup_bonus_fen else "")))
    if report.voucher_sales_count:
        extra.append((f"售券 {report.voucher_sales_count} 笔" if zh else f"Vouchers sold: {report.voucher_sales_count}",
                      f"{report.voucher_sales_fen / 100:.2f}"))
    for tender, amount in sorted(report.prepaid_by_tender.items()):
        extra.append((("预收·" if zh else "Prepaid in ") + tender_name(tender, lang), f"{amount / 100:.2f}"))
    return ShiftReportData(timezone=STORE_TIMEZONE,
        header=header, kind="Z" if report.kind == "Z" else "X", shift_no=shift_label(store, shift, lang),
        cashier=_user_name(catalog, report.cashier_id), opened_at=report.opened_at, printed_at=report.printed_at,
        sales_count=report.sales_count, sales_total_fen=report.sales_total_fen,
        returns_count=report.returns_count, returns_total_fen=report.returns_total_fen,
        discount_total_fen=report.discount_fen, rounding_total_fen=report.rounding_fen, tenders=tenders,
        opening_float_fen=report.opening_float_fen, expected_cash_fen=report.expected_cash_fen,
        counted_cash_fen=report.counted_cash_fen, closed_at=report.closed_at,
        cancelled_count=report.cancelled_count, no_sale_count=report.no_sale_count,
        voided_lines=report.voided_lines, reprint=reprint,
        extra=tuple(extra),
    )


def print_shift_report(store: Store, printer: ReceiptPrinter, report: ShiftReport, *,
                       catalog: Catalog | None = None, lang: Lang | None = None) -> PrintResult:
    """Print an X or Z report (store's receipt language); never raises for a printer fault (the
    figures stay in the database)."""
    catalog = catalog or Catalog(store)
    lang = lang or catalog.receipt_language()
    data = shift_report_data(store, report, catalog=catalog, lang=lang)
    try:
        printer.print_document(shift_report(data, lang=lang))
    except DeviceError as exc:
        return PrintResult(ok=False, error=_error_text(exc))
    return PrintResult(ok=True)


def receipt_json(store: Store, sale_id: str) -> str:
    """The stored sale as JSON (for a screen that shows a past receipt)."""
    value = store.sales.json(sale_id)
    if value is None:
        raise NotFound("销售记录不存在", f"no sale {sale_id}", code="no_sale")
    return json.dumps(json.loads(value), ensure_ascii=False, indent=1)


# ---------------------------------------------------------------------------- top-ups and voucher sales


def _taken(store: Store, payments: list[PaymentPayload], lang: Lang) -> tuple[ReceiptPayment, ...]:
    return tuple(ReceiptPayment(method=tender_name(p.tender, lang), amount_fen=p.amount_fen,
                                tendered_fen=p.tendered_fen, reference=_paper_reference(store, p.tender, p.reference))
                 for p in payments)


def topup_receipt_data(store: Store, topup_id: str, *, catalog: Catalog | None = None,
                       lang: Lang | None = None) -> ReceiptData:
    """The slip of a stored-value top-up (储值充值): amount, bonus, how it was paid, the balance."""
    catalog = catalog or Catalog(store)
    lang = lang or catalog.receipt_language()
    text = store.prepaid.topup_json(topup_id)
    if text is None:
        raise NotFound("充值记录不存在", f"no top-up {topup_id}", code="no_topup")
    t = StoredValueToppedUp.model_validate_json(text)
    zh = lang == "zh"
    header, footer = _header(store, catalog)
    notes: list[str] = []
    if t.bonus_fen:
        notes.append(f"充值赠送 ¥{t.bonus_fen / 100:.2f}" if zh else f"Bonus ¥{t.bonus_fen / 100:.2f}")
    try:
        m = find_member(store, catalog, t.member_id)
        notes.append(f"会员 {mask_card(m.card_no)}  储值余额 ¥{m.stored_value_fen / 100:.2f}" if zh
                      else f"Member {mask_card(m.card_no)}  balance ¥{m.stored_value_fen / 100:.2f}")
    except NotFound:
        pass
    payments = _taken(store, t.payments, lang)
    change = sum((p.tendered_fen - p.amount_fen) for p in payments if p.tendered_fen is not None)
    line = ReceiptLine(name="储值充值" if zh else "Stored value top-up", quantity=1, unit_price_fen=t.amount_fen,
                       list_amount_fen=t.amount_fen)
    return ReceiptData(timezone=STORE_TIMEZONE, header=header, receipt_no=t.receipt_no, issued_at=t.topped_up_at,
                       cashier=_user_name(catalog, t.cashier_id), lines=(line,), subtotal_fen=t.amount_fen,
                       discount_fen=0, rounding_fen=0, total_fen=t.amount_fen, payments=payments, change_fen=change,
                       footer=(*notes, *footer), qr_payload=t.receipt_no)


def voucher_sale_receipt_data(store: Store, sale_id: str, *, catalog: Catalog | None = None,
                              lang: Lang | None = None) -> ReceiptData:
    """The receipt of pre-sold vouchers (代金券销售): each voucher with its code and price."""
    catalog = catalog or Catalog(store)
    lang = lang or catalog.receipt_language()
    text = store.prepaid.voucher_sale_json(sale_id)
    if text is None:
        raise NotFound("售券记录不存在", f"no voucher sale {sale_id}", code="no_voucher_sale")
    v = VoucherSold.model_validate_json(text)
    header, footer = _header(store, catalog)
    lines = []
    for item in v.items:
        info = store.prepaid.voucher(item.code)
        batch = store.prepaid.batch(info.batch_id) if info is not None else None
        name = batch.name if batch is not None else ("代金券" if lang == "zh" else "Voucher")
        lines.append(ReceiptLine(name=name, quantity=1, unit_price_fen=item.price_fen,
                                 list_amount_fen=item.price_fen, code=item.code))
    payments = _taken(store, v.payments, lang)
    change = sum((p.tendered_fen - p.amount_fen) for p in payments if p.tendered_fen is not None)
    note = "凭券提货，请妥善保管" if lang == "zh" else "Keep the voucher: it is exchanged for goods"
    return ReceiptData(timezone=STORE_TIMEZONE, header=header, receipt_no=v.receipt_no, issued_at=v.sold_at,
                       cashier=_user_name(catalog, v.cashier_id), lines=tuple(lines), subtotal_fen=v.total_fen,
                       discount_fen=0, rounding_fen=0, total_fen=v.total_fen, payments=payments, change_fen=change,
                       footer=(note, *footer), qr_payload=v.receipt_no)


def print_prepaid(store: Store, printer: ReceiptPrinter, data: ReceiptData, *,
                  lang: Lang | None = None) -> PrintResult:
    """Print a top-up slip or a voucher sale's receipt (opening the drawer when cash was taken);
    never raises for a printer fault (the document is committed; it can be reprinted)."""
    lang = lang or Catalog(store).receipt_language()
    open_drawer = any(p.method == tender_name(Tender.CASH, lang) for p in data.payments)
    try:
        printer.print_document(sale_receipt(data, lang=lang), open_drawer=open_drawer)
    except DeviceError as exc:
        return PrintResult(ok=False, error=_error_text(exc))
    return PrintResult(ok=True, drawer_opened=open_drawer)
