"""Pinyin initials are converted run by run of Chinese characters (and cached): the result must be
exactly what converting the whole name at once gives."""

from __future__ import annotations

import re

import pytest
from pypinyin import Style, lazy_pinyin

from central.catalog.pinyin import pinyin_initials


def _whole(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", "".join(lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")).lower())[:100]


@pytest.mark.parametrize("name", ["可口可乐 330ml", "银行卡", "重庆小面", "农夫山泉饮用天然水 550ml×24", "ABC测试 重庆 银行",
                                  "〇号电池", "奥利奥Oreo夹心饼干", "长城干红 750ml", "乐事薯片(原味)70g", "重要的行长",
                                  "𠀋字", "", "  ", "纯English 123", "好好学习，天天向上！长大了"])
def test_run_by_run_equals_whole_name(name: str) -> None:
    assert pinyin_initials(name) == _whole(name)
