"""Column arithmetic: CJK counts double, what a GBK printer cannot print is replaced first."""

from __future__ import annotations

import pytest

from drivers.textwidth import char_width, columns, pad, printable, text_width, truncate, wrap


def test_widths() -> None:
    assert char_width("中") == 2
    assert char_width("a") == 1
    assert char_width("￥") == 2
    assert char_width("×") == 2  # ambiguous: two-byte GBK, printed double width in Chinese mode
    assert char_width("\u0301") == 0
    assert text_width("可乐 330ml") == 10


def test_printable_replaces_what_gbk_printers_misprint() -> None:
    assert printable("¥12") == "￥12"
    assert printable("好😀吃") == "好?吃"
    assert printable("a\tb\x07") == "a b?"
    for ch in printable("鲜丰便利店，谢谢！￥·—…"):
        assert len(ch.encode("gb18030")) <= 2


def test_truncate_never_splits_a_wide_character() -> None:
    assert truncate("中文字", 5) == "中文"
    assert pad("中文字", 5) == "中文 "
    assert pad("ab", 6, "center") == "  ab  "
    assert pad("ab", 5, "right") == "   ab"


def test_wrap_mixed_text() -> None:
    lines = wrap("Organic 有机 fresh milk 鲜牛奶 1L", 10)
    assert all(text_width(line) <= 10 for line in lines)
    assert "".join(lines).replace(" ", "") == "Organic有机freshmilk鲜牛奶1L"
    assert wrap("Supercalifragilistic", 8) == ["Supercal", "ifragili", "stic"]
    with pytest.raises(ValueError):
        wrap("x", 1)


def test_columns_wrap_the_left_side() -> None:
    assert columns("小计", "￥1.00", 16) == ["小计      ￥1.00"]
    lines = columns("一个很长很长的商品名称", "￥100.00", 16)
    assert all(text_width(line) <= 16 for line in lines)
    assert lines[-1].endswith("￥100.00")
    assert text_width(lines[-1]) == 16
