"""The receipt templates: sale receipt, return slip and X/Z shift report, as documents.

Each template is the single definition of what a slip says, in reading order; the renderers
decide how it looks on 58 mm or 80 mm paper and on screen. Labels are zh-CN by default, English
on request (`lang="en"`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

from drivers.document import Blank, Block, Columns, Cut, Document, QRCode, Rule, Text
from drivers.money import format_fen, format_quantity
from drivers.receipt import (
    ReceiptData,
    ReceiptLine,
    ReceiptMember,
    ReturnSlipData,
    ShiftReportData,
    ShopHeader,
)

Lang = Literal["zh", "en"]

_LABELS: dict[str, tuple[str, str]] = {
    "reprint": ("** 重印 **", "** REPRINT **"),
    "phone": ("电话", "Tel"),
    "receipt_no": ("单号", "No."),
    "time": ("时间", "Time"),
    "cashier": ("收银", "Cashier"),
    "terminal": ("机号", "Till"),
    "gift": ("[赠]", "[gift]"),
    "line_discount": ("优惠", "Discount"),
    "items": ("件数", "Items"),
    "subtotal": ("小计", "Subtotal"),
    "discount_total": ("优惠合计", "Total discount"),
    "rounding": ("抹零", "Rounding"),
    "total": ("应付", "TOTAL"),
    "tendered": ("实收", "Tendered"),
    "reference": ("流水号", "Ref"),
    "change": ("找零", "Change"),
    "tax": ("其中税额", "incl. VAT"),
    "member": ("会员", "Member"),
    "points_earned": ("本次积分", "Points earned"),
    "points_redeemed": ("积分抵扣", "Points used"),
    "points_balance": ("积分余额", "Points balance"),
    "scan_to_return": ("退换货请出示此码", "Show this code to return goods"),
    "return_title": ("退货单", "RETURN"),
    "return_no": ("退货单号", "Return No."),
    "original_no": ("原小票号", "Original No."),
    "approved_by": ("审批", "Approved by"),
    "returned": ("退", "Returned"),
    "refund_total": ("退款合计", "REFUND"),
    "refund_to": ("退回", "Refund to"),
    "reason": ("原因", "Reason"),
    "points_reversed": ("扣回积分", "Points reversed"),
    "customer_signature": ("顾客签名", "Customer signature"),
    "x_title": ("X 报表（交班中查看）", "X REPORT (shift open)"),
    "z_title": ("Z 报表（交班结算）", "Z REPORT (shift closed)"),
    "shift_no": ("班次", "Shift"),
    "opened_at": ("开班", "Opened"),
    "closed_at": ("结班", "Closed"),
    "printed_at": ("打印", "Printed"),
    "sales_count": ("销售笔数", "Sales"),
    "sales_total": ("销售金额", "Sales amount"),
    "returns_count": ("退货笔数", "Returns"),
    "returns_total": ("退货金额", "Returns amount"),
    "net_total": ("净销售额", "Net sales"),
    "cancelled_count": ("取消单数", "Cancelled carts"),
    "no_sale_count": ("无销售开钱箱", "No-sale drawer opens"),
    "voided_lines": ("删除商品行数", "Voided lines"),
    "by_tender": ("按支付方式", "By tender"),
    "tender_detail": ("销售 {sales}  退款 {refunds}", "sales {sales}  refunds {refunds}"),
    "opening_float": ("备用金", "Opening float"),
    "expected_cash": ("应有现金", "Expected cash"),
    "counted_cash": ("实点现金", "Counted cash"),
    "difference": ("差额", "Difference"),
    "over": ("长款", "over"),
    "short": ("短款", "short"),
    "cashier_signature": ("收银员签名", "Cashier signature"),
    "manager_signature": ("店长签名", "Manager signature"),
}

TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


class _Labels:
    def __init__(self, lang: Lang) -> None:
        if lang not in ("zh", "en"):
            raise ValueError(f"unknown receipt language {lang!r}")
        self._index = 0 if lang == "zh" else 1
        self.colon = "：" if lang == "zh" else ": "

    def __getitem__(self, key: str) -> str:
        return _LABELS[key][self._index]

    def kv(self, key: str, value: str) -> str:
        return f"{self[key]}{self.colon}{value}"


def _squashed(text: str) -> str:
    return "".join(text.split())


def _header(header: ShopHeader, t: _Labels, *, reprint: bool, title: str = "") -> list[Block]:
    """The shop's header text line by line (its first line large, as the slip's title), the store's
    name under that first line unless the header already names the store, then address and phone."""
    lines = [line.strip() for line in header.shop_name.splitlines() if line.strip()]
    blocks: list[Block] = [Text(lines[0], align="center", bold=True, size="large")]
    if header.store_name.strip() and _squashed(header.store_name) not in _squashed(header.shop_name):
        blocks.append(Text(header.store_name.strip(), align="center"))
    blocks += [Text(line, align="center") for line in lines[1:]]
    if header.address:
        blocks.append(Text(header.address, align="center"))
    if header.phone:
        blocks.append(Text(t.kv("phone", header.phone), align="center"))
    if title:
        blocks.append(Text(title, align="center", bold=True, size="tall"))
    if reprint:
        blocks.append(Text(t["reprint"], align="center", bold=True, size="tall"))
    blocks.append(Rule())
    return blocks


def _who(t: _Labels, cashier: str, header: ShopHeader) -> Block:
    left = t.kv("cashier", cashier)
    return Columns(left, t.kv("terminal", header.terminal_code)) if header.terminal_code else Text(left)


def _quantity_text(quantity: object, unit: str) -> str:
    assert not isinstance(quantity, bool)
    return format_quantity(quantity) + unit  # type: ignore[arg-type]


def _sale_line(line: ReceiptLine, t: _Labels) -> list[Block]:
    name = f"{t['gift']}{line.name}" if line.is_gift else line.name
    detail = f"  {_quantity_text(line.quantity, line.unit)} x {format_fen(line.unit_price_fen)}"
    blocks: list[Block] = [Text(name), Columns(detail, format_fen(line.list_amount_fen))]
    if line.code:
        blocks.append(Text(f"  {line.code}"))
    if line.discount_fen:
        label = f"  {t['line_discount']} {line.discount_label}".rstrip()
        blocks.append(Columns(label, format_fen(-line.discount_fen)))
    if line.share_fen:
        blocks.append(Columns(f"  {line.share_label}".rstrip(), format_fen(-line.share_fen)))
    return blocks


def _member(member: ReceiptMember, t: _Labels, *, earned: bool = True, points_reversed: int = 0) -> list[Block]:
    who = " ".join(part for part in (member.masked_card_no, member.name, f"({member.level})" if member.level else "")
                   if part)
    blocks: list[Block] = [Text(t.kv("member", who))]
    if earned and member.points_earned:
        blocks.append(Columns(t["points_earned"], f"+{member.points_earned}"))
    if earned and member.points_redeemed:
        blocks.append(Columns(t["points_redeemed"], f"-{member.points_redeemed}"))
    if points_reversed:
        blocks.append(Columns(t["points_reversed"], f"-{points_reversed}"))
    if member.points_balance is not None:
        blocks.append(Columns(t["points_balance"], str(member.points_balance)))
    return blocks


def _stamp(moment: datetime) -> str:
    return moment.strftime(TIME_FORMAT)


def sale_receipt(data: ReceiptData, *, lang: Lang = "zh") -> Document:
    """The customer's receipt: header, lines, totals, tenders, member, return QR, footer, cut."""
    t = _Labels(lang)
    blocks = _header(data.header, t, reprint=data.reprint)
    blocks += [
        Text(t.kv("receipt_no", data.receipt_no)),
        Text(t.kv("time", _stamp(data.local_time))),
        _who(t, data.cashier, data.header),
        Rule(),
    ]
    for line in data.lines:
        blocks += _sale_line(line, t)
    blocks.append(Rule())
    pieces = sum(line.quantity if isinstance(line.quantity, int) else 1 for line in data.lines)
    blocks += [Columns(t["items"], str(pieces)), Columns(t["subtotal"], format_fen(data.subtotal_fen))]
    blocks += [Columns(promo.name, format_fen(-promo.amount_fen)) for promo in data.promotions]
    if data.discount_fen:
        blocks.append(Columns(t["discount_total"], format_fen(-data.discount_fen)))
    if data.rounding_fen:
        blocks.append(Columns(t["rounding"], format_fen(data.rounding_fen)))
    blocks += [Columns(t["total"], format_fen(data.total_fen), bold=True, size="tall"), Rule()]
    for payment in data.payments:
        blocks.append(Columns(payment.method, format_fen(payment.amount_fen)))
        if payment.tendered_fen is not None and payment.tendered_fen != payment.amount_fen:
            blocks.append(Columns(f"  {t['tendered']}", format_fen(payment.tendered_fen)))
        if payment.reference:
            blocks.append(Text(f"  {t.kv('reference', payment.reference)}"))
    if data.change_fen:
        blocks.append(Columns(t["change"], format_fen(data.change_fen), bold=True))
    if data.tax_fen is not None:
        blocks.append(Columns(t["tax"], format_fen(data.tax_fen)))
    if data.member is not None:
        blocks += [Rule(), *_member(data.member, t)]
    blocks += [Blank(), QRCode(data.qr_text), Text(t["scan_to_return"], align="center")]
    blocks += _footer(data.footer)
    blocks.append(Cut())
    return tuple(blocks)


def _footer(lines: Iterable[str]) -> list[Block]:
    footer: list[Block] = [Text(line, align="center") for line in lines]
    return [Blank(), *footer] if footer else []


def return_slip(data: ReturnSlipData, *, lang: Lang = "zh") -> Document:
    """The slip for a return: what came back, how much went out on which tender, and why."""
    t = _Labels(lang)
    blocks = _header(data.header, t, reprint=data.reprint, title=t["return_title"])
    blocks += [
        Text(t.kv("return_no", data.return_no)),
        Text(t.kv("original_no", data.original_receipt_no)),
        Text(t.kv("time", _stamp(data.local_time))),
        _who(t, data.cashier, data.header),
    ]
    if data.approved_by:
        blocks.append(Text(t.kv("approved_by", data.approved_by)))
    blocks.append(Rule())
    for line in data.lines:
        blocks += [
            Text(line.name),
            Columns(f"  {t['returned']} {_quantity_text(line.quantity, line.unit)}", format_fen(line.amount_fen)),
        ]
    blocks += [Rule(), Columns(t["refund_total"], format_fen(data.total_fen), bold=True, size="tall")]
    blocks += [Columns(f"{t['refund_to']} {r.method}", format_fen(r.amount_fen)) for r in data.refunds]
    if data.reason:
        blocks.append(Text(t.kv("reason", data.reason)))
    if data.member is not None:
        blocks += [Rule(), *_member(data.member, t, earned=False, points_reversed=data.points_reversed)]
    blocks += [Blank(), Text(t.kv("customer_signature", "")), Blank()]
    blocks += _footer(data.footer)
    blocks.append(Cut())
    return tuple(blocks)


def shift_report(data: ShiftReportData, *, lang: Lang = "zh") -> Document:
    """X (reading, shift stays open) or Z (closing, with counted cash and its difference)."""
    t = _Labels(lang)
    title = t["z_title"] if data.kind == "Z" else t["x_title"]
    blocks = _header(data.header, t, reprint=data.reprint, title=title)
    blocks += [
        Text(t.kv("shift_no", data.shift_no)),
        _who(t, data.cashier, data.header),
        Text(t.kv("opened_at", _stamp(data.local(data.opened_at)))),
    ]
    if data.closed_at is not None:
        blocks.append(Text(t.kv("closed_at", _stamp(data.local(data.closed_at)))))
    blocks += [Text(t.kv("printed_at", _stamp(data.local(data.printed_at)))), Rule()]
    blocks += [
        Columns(t["sales_count"], str(data.sales_count)),
        Columns(t["sales_total"], format_fen(data.sales_total_fen)),
        Columns(t["returns_count"], str(data.returns_count)),
        Columns(t["returns_total"], format_fen(-data.returns_total_fen)),
        Columns(t["net_total"], format_fen(data.net_total_fen), bold=True),
        Columns(t["discount_total"], format_fen(-data.discount_total_fen)),
        Columns(t["rounding"], format_fen(data.rounding_total_fen)),
        Columns(t["cancelled_count"], str(data.cancelled_count)),
        Columns(t["no_sale_count"], str(data.no_sale_count)),
        Columns(t["voided_lines"], str(data.voided_lines)),
        Rule(),
        Text(t["by_tender"], bold=True),
    ]
    for tender in data.tenders:
        blocks.append(Columns(tender.method, format_fen(tender.net_fen)))
        if tender.refunds_fen:
            detail = t["tender_detail"].format(sales=format_fen(tender.sales_fen),
                                               refunds=format_fen(-tender.refunds_fen))
            blocks.append(Text(f"  {detail}"))
    blocks += [
        Rule(),
        Columns(t["opening_float"], format_fen(data.opening_float_fen)),
        Columns(t["expected_cash"], format_fen(data.expected_cash_fen), bold=True),
    ]
    difference = data.cash_difference_fen
    if data.counted_cash_fen is not None and difference is not None:
        blocks.append(Columns(t["counted_cash"], format_fen(data.counted_cash_fen), bold=True))
        verdict = "" if difference == 0 else f" ({t['over'] if difference > 0 else t['short']})"
        blocks.append(Columns(t["difference"] + verdict, format_fen(difference), bold=True))
    blocks += [Columns(label, value) for label, value in data.extra]
    blocks += [
        Blank(),
        Text(t.kv("cashier_signature", "")),
        Blank(),
        Text(t.kv("manager_signature", "")),
        Blank(),
        Cut(),
    ]
    return tuple(blocks)
