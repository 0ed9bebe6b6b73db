"""Property tests: any consistent receipt renders to bytes the strict reader accepts, within the paper."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drivers import layout
from drivers.escpos import PrinterProfile, render_escpos
from drivers.money import format_fen
from drivers.preview import render_text
from drivers.receipt import ReceiptData, ReceiptLine, ReceiptPayment, ReceiptPromotion, ShopHeader
from drivers.textwidth import text_width

from .escpos_reader import read_escpos

# names mix CJK, Latin, digits, full-width punctuation, emoji and the odd control character
NAME_CHARS = st.sampled_from(list("可口可乐农夫山泉苹果牛奶面包（）【】，。！ ABCxyz0123456789-_/.%&") + ["😀", "\u00a5", "\t", "é"])
names = st.text(NAME_CHARS, min_size=1, max_size=60).filter(lambda s: s.strip() != "")


@st.composite
def receipts(draw: st.DrawFn) -> ReceiptData:
    lines = []
    for _ in range(draw(st.integers(1, 6))):
        weighed = draw(st.booleans())
        qty: int | Decimal = (Decimal(draw(st.integers(1, 99999))) / 1000).quantize(Decimal("0.001")) if weighed \
            else draw(st.integers(1, 999))
        price = draw(st.integers(0, 10_000_000))
        amount = int((Decimal(price) * Decimal(qty)).to_integral_value())
        discount = draw(st.integers(0, amount))
        lines.append(ReceiptLine(name=draw(names), quantity=qty, unit=draw(st.sampled_from(["", "瓶", "kg", "件"])),
                                 unit_price_fen=price, list_amount_fen=amount, discount_fen=discount,
                                 discount_label=draw(st.sampled_from(["", "会员价", "第二件半价"]))))
    subtotal = sum(line.list_amount_fen for line in lines)
    after_lines = subtotal - sum(line.discount_fen for line in lines)
    promo = draw(st.integers(0, after_lines))
    promotions = (ReceiptPromotion(name=draw(names), amount_fen=promo),) if promo else ()
    discount = subtotal - after_lines + promo
    rounding = -draw(st.integers(0, min(9, after_lines - promo)))
    total = subtotal - discount + rounding
    tendered = total + draw(st.integers(0, 10000))
    return ReceiptData(
        header=ShopHeader(shop_name=draw(names), address=draw(st.text(NAME_CHARS, max_size=80))),
        receipt_no=draw(st.from_regex(r"[A-Z0-9-]{1,40}", fullmatch=True)),
        issued_at=datetime(2026, 1, 1, tzinfo=UTC),
        cashier=draw(names),
        lines=tuple(lines),
        subtotal_fen=subtotal,
        discount_fen=discount,
        rounding_fen=rounding,
        total_fen=total,
        promotions=promotions,
        payments=(ReceiptPayment(method="现金", amount_fen=total, tendered_fen=tendered),),
        change_fen=tendered - total,
        reprint=draw(st.booleans()),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=receipts(), width_mm=st.sampled_from([58, 80]))
def test_any_receipt_prints_within_the_paper(data: ReceiptData, width_mm: int) -> None:
    profile = PrinterProfile(width_mm=width_mm)  # type: ignore[arg-type]
    document = layout.sale_receipt(data)
    state = read_escpos(render_escpos(document, profile))
    size = 0
    for op in state.ops:
        if op.kind == "size":
            size = int(op.value)  # type: ignore[call-overload]
        elif op.kind == "text":
            limit = profile.columns // 2 if size & 0x10 else profile.columns
            assert text_width(str(op.value)) <= limit
    total_line = state.ops[state.index_of_text(layout._LABELS["total"][0])]
    assert str(total_line.value).endswith(format_fen(data.total_fen))
    assert [op.value for op in state.ops if op.kind == "qr"] == [data.receipt_no]
    assert state.kinds().count("cut") == 1
    preview = render_text(document, profile.columns)
    assert all(text_width(line) <= profile.columns for line in preview.splitlines())


@settings(max_examples=200, deadline=None)
@given(left=st.text(NAME_CHARS, max_size=70), right=st.text(NAME_CHARS, max_size=20), width=st.integers(8, 48))
def test_columns_keep_the_value_whole_and_within_width(left: str, right: str, width: int) -> None:
    from drivers.textwidth import columns, printable

    left, right = printable(left), printable(right)
    lines = columns(left, right, width)
    assert all(text_width(line) <= width for line in lines)
    if text_width(right) <= width:
        assert lines[-1].endswith(right)
