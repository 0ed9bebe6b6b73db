"""Pinyin initials for searching products by typing (可口可乐 → kkkl), as tills and consoles do."""

from __future__ import annotations

import re

_KEEP = re.compile(r"[^a-z0-9]")


def pinyin_initials(text: str) -> str:
    """First letters of each Chinese character's pinyin, plus Latin letters and digits, lowercased.

    Phrases pick the right reading of polyphones (银行 → yh, 重庆 → cq).
    """
    from pypinyin import Style, lazy_pinyin  # imported here: its dictionaries take ~0.7 s to load

    parts = lazy_pinyin(text, style=Style.FIRST_LETTER, errors="default")
    return _KEEP.sub("", "".join(parts).lower())[:100]
