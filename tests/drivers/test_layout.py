"""The receipt templates rendered to ESC/POS bytes and decoded back, and to the text preview."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from drivers import layout
from drivers.document import DrawerPulse
from drivers.escpos import PrinterProfile, render_escpos
from drivers.preview import render_text
from drivers.receipt import ShopHeader
from drivers.textwidth import text_width

from . import samples
from .escpos_reader import Op, ReaderError, read_escpos

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "receipts"


def test_sale_receipt_bytes_decode_in_order() -> None:
    # given a member sale rendered for an 80 mm printer in Chinese mode
    data = samples.sale_receipt()
    raw = render_escpos(layout.sale_receipt(data), PrinterProfile(width_mm=80))
    # when the bytes are read back
    state = read_escpos(raw)
    # then: init, Chinese mode, the Chinese text, totals, QR, cut, in that order
    kinds = state.kinds()
    assert kinds[0] == "init"
    assert state.ops[1] == Op("chinese", True)
    shop = state.index_of_text("鲜丰便利店")
    line = state.index_of_text("可口可乐 330ml")
    total = state.index_of_text("应付")
    change = state.index_of_text("找零")
    qr = state.first("qr")
    cut = state.first("cut")
    assert 1 < shop < line < total < change < qr < cut
    assert str(state.ops[total].value).endswith("￥33.00")
    assert str(state.ops[change].value).endswith("￥20.00")
    assert state.ops[qr].value == "S0202-20261123-0042"
    assert str(state.ops[state.index_of_text("  优惠 第二件半价")].value).endswith("-￥3.00")
    assert "会员：138****5678 李先生 (金卡)" in state.texts()
    assert "13812345678" not in raw.decode("gb18030", errors="replace")
    assert state.ops[-1] == Op("chinese", False)
    # the total line is printed bold and double height, then back to normal
    assert state.ops[total - 1] == Op("bold", True)
    assert Op("size", 0x01) in state.ops[total - 4:total]
    assert "pulse" not in kinds  # a receipt alone never opens the drawer


def test_full_width_yuan_sign_on_paper() -> None:
    raw = render_escpos(layout.sale_receipt(samples.sale_receipt()), PrinterProfile())
    assert b"\xa3\xa4" in raw  # ￥ in GBK
    assert b"\x81\x30\x84\x36" not in raw  # never the 4-byte ¥


@pytest.mark.parametrize("width_mm", [58, 80])
@pytest.mark.parametrize("name", ["sale", "plain", "return", "x", "z"])
def test_every_printed_line_fits_the_paper(width_mm: int, name: str) -> None:
    profile = PrinterProfile(width_mm=width_mm)  # type: ignore[arg-type]
    raw = render_escpos(_document(name), profile)
    state = read_escpos(raw)
    size = 0
    for op in state.ops:
        if op.kind == "size":
            size = int(op.value)  # type: ignore[call-overload]
        if op.kind == "text":
            limit = profile.columns // 2 if size & 0x10 else profile.columns
            assert text_width(str(op.value)) <= limit, (op.value, limit)
    preview = render_text(_document(name), profile.columns)
    assert all(text_width(line) <= profile.columns for line in preview.splitlines())


CLOSING = "，。、；：！？）」』】》”’…·"
OPENING = "（「『【《“‘"


def _header_lines(raw: bytes) -> list[tuple[str, int]]:
    """(text, GS ! size) of every line printed above the first rule."""
    size, out = 0, []
    for op in read_escpos(raw).ops:
        if op.kind == "size":
            size = int(op.value)  # type: ignore[call-overload]
        elif op.kind == "text":
            if set(str(op.value)) == {"-"}:
                return out
            out.append((str(op.value), size))
    raise AssertionError("no rule under the header")


@pytest.mark.parametrize("width_mm", [58, 80])
@pytest.mark.parametrize("store_name", ["邻里鲜·张江店", "张江店", " 邻里鲜 · 张江店 ", ""])
def test_multi_line_header_prints_line_by_line_and_the_store_name_once(width_mm: int, store_name: str) -> None:
    # head office's receipt header "邻里鲜·张江店\n欢迎光临，谢谢惠顾" printed as one wrapped run
    # ("邻里鲜·张江店 欢迎光临" / "，谢谢惠顾"), then the store name again
    header = ShopHeader(shop_name="邻里鲜·张江店\n欢迎光临，谢谢惠顾", store_name=store_name,
                        address="上海市浦东新区张江路 1 号", phone="021-50001234")
    data = dataclasses.replace(samples.plain_receipt(), header=header)
    for document in (layout.sale_receipt(data), layout.return_slip(dataclasses.replace(samples.return_slip(),
                                                                                        header=header))):
        raw = render_escpos(document, PrinterProfile(width_mm=width_mm))  # type: ignore[arg-type]
        lines = _header_lines(raw)
        assert lines[:4] == [("邻里鲜·张江店", 0x11), ("欢迎光临，谢谢惠顾", 0), ("上海市浦东新区张江路 1 号", 0),
                             ("电话：021-50001234", 0)]
        assert sum("张江店" in text for text in read_escpos(raw).texts()) == 1


@pytest.mark.parametrize("width_mm", [58, 80])
def test_store_name_not_in_the_header_prints_under_its_first_line(width_mm: int) -> None:
    header = ShopHeader(shop_name="邻里鲜\r\n欢迎光临，谢谢惠顾\n", store_name="张江店")
    data = dataclasses.replace(samples.plain_receipt(), header=header)
    raw = render_escpos(layout.sale_receipt(data), PrinterProfile(width_mm=width_mm))  # type: ignore[arg-type]
    assert [text for text, _ in _header_lines(raw)] == ["邻里鲜", "张江店", "欢迎光临，谢谢惠顾"]


@pytest.mark.parametrize("width_mm", [58, 80])
def test_wrapped_lines_never_start_with_closing_or_end_with_opening_punctuation(width_mm: int) -> None:
    # 避头尾: at 32 columns the greeting broke before "，", at 48 before "！"
    greeting = "欢迎光临邻里鲜张江店，新鲜每一天，会员积分兑好礼！"
    header = ShopHeader(shop_name=f"邻里鲜·张江店\n{greeting}", store_name="邻里鲜·张江店")
    line = dataclasses.replace(samples.plain_receipt().lines[0], name="农夫山泉饮用天然水（550ml×24瓶）整箱装，家庭装「特惠」")
    data = dataclasses.replace(samples.plain_receipt(), header=header, lines=(line,),
                               footer=("谢谢惠顾，欢迎再次光临！凭小票七日内可退换（生鲜除外）。会员积分请出示会员码。",))
    raw = render_escpos(layout.sale_receipt(data), PrinterProfile(width_mm=width_mm))  # type: ignore[arg-type]
    texts = [text for text in read_escpos(raw).texts() if text.strip()]
    for text in texts:
        assert text.strip()[0] not in CLOSING, (width_mm, text)
        assert text.strip()[-1] not in OPENING, (width_mm, text)
    header_lines = [text for text, _ in _header_lines(raw)]
    assert "".join(header_lines[1:]) == greeting
    assert len(header_lines) == 3
    assert "".join(texts).count("谢谢惠顾，欢迎再次光临！") == 1


def test_reprint_is_marked() -> None:
    state = read_escpos(render_escpos(layout.sale_receipt(samples.sale_receipt(reprint=True)), PrinterProfile()))
    assert state.index_of_text("重印") < state.index_of_text("单号")
    plain = read_escpos(render_escpos(layout.sale_receipt(samples.sale_receipt()), PrinterProfile()))
    with pytest.raises(ReaderError):
        plain.index_of_text("重印")


def test_chinese_mode_can_be_switched_off_per_printer() -> None:
    raw = render_escpos(layout.sale_receipt(samples.sale_receipt()), PrinterProfile(chinese_mode=False))
    assert b"\x1c&" not in raw
    assert b"\x1c." not in raw
    assert "鲜丰便利店".encode("gb18030") in raw  # still GB18030 for printers that start in Chinese mode


def test_drawer_pulse_after_cut_on_the_chosen_pin() -> None:
    doc = (*layout.sale_receipt(samples.plain_receipt()), DrawerPulse())
    state = read_escpos(render_escpos(doc, PrinterProfile(drawer_pin=5, drawer_pulse_ms=120)))
    assert state.first("cut") < state.first("pulse")
    assert state.ops[state.first("pulse")].value == {"pin": 5, "on_ms": 120, "off_ms": 240}


def test_full_cut_and_feed() -> None:
    state = read_escpos(render_escpos(layout.return_slip(samples.return_slip()),
                                      PrinterProfile(cut="full", feed_before_cut=6)))
    cut = state.first("cut")
    assert state.ops[cut] == Op("cut", "full")
    assert state.ops[cut - 1] == Op("feed", 6)


def test_raster_qr_for_printers_without_native_qr_scans() -> None:
    # given a printer profile without GS ( k
    raw = render_escpos(layout.sale_receipt(samples.sale_receipt()), PrinterProfile(qr_native=False, qr_module=4))
    state = read_escpos(raw)
    assert "qr" not in state.kinds()
    raster = state.ops[state.first("raster")].value
    assert isinstance(raster, dict)
    # when the raster bits are turned back into an image
    image = Image.frombytes("1", (raster["width"], raster["height"]), raster["bits"])
    image = image.convert("L").point(lambda v: 255 - v)  # 1 = black dot on paper
    # then a real decoder reads the receipt number
    found = decode(image)
    assert [f.data.decode() for f in found] == ["S0202-20261123-0042"]


def test_english_labels() -> None:
    text = render_text(layout.sale_receipt(samples.plain_receipt(), lang="en"), 32)
    assert "TOTAL" in text
    assert "应付" not in text
    with pytest.raises(ValueError):
        layout.sale_receipt(samples.plain_receipt(), lang="fr")  # type: ignore[arg-type]


def _document(name: str) -> tuple:  # type: ignore[type-arg]
    if name == "sale":
        return layout.sale_receipt(samples.sale_receipt(reprint=True))
    if name == "sale_en":
        return layout.sale_receipt(samples.sale_receipt(), lang="en")
    if name == "plain":
        return layout.sale_receipt(samples.plain_receipt())
    if name == "return":
        return layout.return_slip(samples.return_slip())
    return layout.shift_report(samples.shift_report(name.upper()))


GOLDEN_CASES = [
    ("sale_80mm.txt", "sale", 48),
    ("sale_reprint_58mm.txt", "sale", 32),
    ("plain_58mm.txt", "plain", 32),
    ("return_58mm.txt", "return", 32),
    ("shift_x_80mm.txt", "x", 48),
    ("shift_z_58mm.txt", "z", 32),
    ("sale_en_80mm.txt", "sale_en", 48),
]


@pytest.mark.parametrize(("filename", "name", "width"), GOLDEN_CASES)
def test_golden_previews(filename: str, name: str, width: int) -> None:
    """Set UPDATE_GOLDEN=1 to rewrite after an intended layout change (then review the diff)."""
    doc = layout.sale_receipt(samples.sale_receipt()) if filename == "sale_80mm.txt" else _document(name)
    text = render_text(doc, width)
    path = GOLDEN / filename
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8")


def test_preview_and_paper_say_the_same() -> None:
    doc = layout.sale_receipt(samples.sale_receipt())
    squeeze = "".join
    preview_lines = [squeeze(line.split()) for line in render_text(doc, 32).splitlines() if line.strip()]
    printed = [squeeze(t.split()) for t in read_escpos(render_escpos(doc, PrinterProfile(width_mm=58))).texts()
               if t.strip()]
    # the preview spreads large text and adds QR/cut markers; otherwise it is the printed lines, in order
    assert [line for line in preview_lines if not line.startswith(("[QR", "---切纸"))] == printed


@pytest.mark.parametrize(("width_mm", "module"), [(58, 1), (80, 2)])
def test_code128_for_one_dimensional_scanners(width_mm: int, module: int) -> None:
    profile = PrinterProfile(width_mm=width_mm, code128=True)  # type: ignore[arg-type]
    state = read_escpos(render_escpos(layout.sale_receipt(samples.sale_receipt()), profile))
    qr, bars = state.first("qr"), state.first("code128")
    assert qr < bars < state.first("cut")
    assert state.ops[bars].value == "S0202-20261123-0042"
    assert Op("barcode_module", module) in state.ops[qr:bars]
    # a code too long for the paper is left out rather than printed cut off; the QR still carries it
    long_no = dataclasses.replace(samples.plain_receipt(), receipt_no="X" * 40)
    state = read_escpos(render_escpos(layout.sale_receipt(long_no), PrinterProfile(width_mm=58, code128=True)))
    assert "code128" not in state.kinds()
    assert [op.value for op in state.ops if op.kind == "qr"] == ["X" * 40]


def test_long_qr_payload_shrinks_to_fit_the_paper() -> None:
    long_payload = "https://shop.example.cn/r/" + "S0202-20261123-0042" * 8
    data = dataclasses.replace(samples.plain_receipt(), qr_payload=long_payload)
    profile = PrinterProfile(width_mm=58, qr_module=8)
    state = read_escpos(render_escpos(layout.sale_receipt(data), profile))
    assert [op.value for op in state.ops if op.kind == "qr"] == [long_payload]
    assert state.qr_module is not None
    assert state.qr_module < 8
    raster = read_escpos(render_escpos(layout.sale_receipt(data), dataclasses.replace(profile, qr_native=False)))
    image = raster.ops[raster.first("raster")].value
    assert isinstance(image, dict)
    assert image["width"] <= profile.dots + 7
    found = decode(Image.frombytes("1", (image["width"], image["height"]), image["bits"]).convert("L")
                   .point(lambda v: 255 - v))
    assert [f.data.decode() for f in found] == [long_payload]
    short = read_escpos(render_escpos(layout.sale_receipt(samples.plain_receipt()), profile))
    assert short.qr_module == 8
