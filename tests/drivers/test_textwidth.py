"""Column arithmetic: CJK counts double, what a GBK printer cannot print is replaced first."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


CLOSING = "，。、；：！？）」』】》”’…·"
OPENING = "（「『【《“‘"


def test_wrap_keeps_punctuation_off_the_wrong_end_of_a_line() -> None:
    # 避头尾: a line never starts with closing punctuation nor ends with opening punctuation;
    # the character next to it moves to the next line with it
    assert wrap("邻里鲜·张江店 欢迎光临，谢谢惠顾", 24) == ["邻里鲜·张江店 欢迎光", "临，谢谢惠顾"]
    assert wrap("新鲜每一天。", 10) == ["新鲜每一", "天。"]
    assert wrap("特价商品（限时）", 10) == ["特价商品", "（限时）"]
    assert wrap("今日特价「鲜牛奶」", 10) == ["今日特价", "「鲜牛奶」"]
    assert wrap("总计￥12.00", 8) == ["总计", "￥12.00"]
    assert wrap("abcdefgh, ok", 8) == ["abcdefg", "h, ok"]
    assert wrap("欢迎光临\n谢谢惠顾", 32) == ["欢迎光临", "谢谢惠顾"]


def _punctuation_pair(text: str) -> bool:
    """Two marks in a row: an unbreakable run that may be wider than a short line."""
    return any(a in CLOSING + OPENING and b in CLOSING + OPENING for a, b in zip(text, text[1:], strict=False))


@settings(max_examples=300, deadline=None)
@given(text=st.text(st.sampled_from(list("欢迎光临谢谢惠顾新鲜每一天 abcXYZ12") + list(CLOSING + OPENING)), max_size=60)
       .filter(lambda t: not _punctuation_pair(t.replace(" ", ""))),
       width=st.integers(8, 48))
def test_wrap_never_breaks_next_to_punctuation(text: str, width: int) -> None:
    lines = wrap(text, width)
    assert all(text_width(line) <= width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for line in lines[1:]:
        assert not line or line[0] not in CLOSING, lines
    for line in lines[:-1]:
        assert not line or line[-1] not in OPENING, lines
