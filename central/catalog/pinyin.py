"""Pinyin initials for searching products by typing (可口可乐 → kkkl), as tills and consoles do."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

_KEEP = re.compile(r"[^a-z0-9]")
_runs: Any = None


def _han_runs() -> Any:
    """A regex splitting text into runs of Chinese characters (the same class pypinyin uses)."""
    global _runs
    if _runs is None:
        from pypinyin.constants import RE_HANS

        pattern = RE_HANS.pattern
        if not (pattern.startswith("^(?:") and pattern.endswith(")+$")):
            raise RuntimeError(f"pypinyin changed RE_HANS: {pattern}")
        _runs = re.compile(f"({pattern[4:-3]}+)")
    return _runs


@lru_cache(maxsize=100_000)
def _run_initials(run: str) -> str:
    from pypinyin import Style, lazy_pinyin  # imported here: its dictionaries take ~0.7 s to load

    return "".join(lazy_pinyin(run, style=Style.FIRST_LETTER, errors="default"))


def pinyin_initials(text: str) -> str:
    """First letters of each Chinese character's pinyin, plus Latin letters and digits, lowercased.

    Phrases pick the right reading of polyphones (银行 → yh, 重庆 → cq). pypinyin never matches a
    phrase across anything but Chinese characters, so each run of them is converted on its own and
    remembered: product names repeat their words (可口可乐 330ml / 可口可乐 2L), and an import of
    100,000 names costs seconds instead of the ~40 s one conversion per name took.
    """
    parts = []
    for i, piece in enumerate(_han_runs().split(text)):
        parts.append(_run_initials(piece) if i % 2 else piece)
    return _KEEP.sub("", "".join(parts).lower())[:100]
