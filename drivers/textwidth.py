"""Column arithmetic for Chinese receipt printers and pole displays.

In Chinese mode a printer prints every two-byte GBK character double width and every ASCII
byte single width. So the width of a character is 2 when it is East Asian Wide/Full-width, or
Ambiguous (× · — ° are two-byte GBK characters there), and 1 otherwise. Characters a GBK
printer cannot print (4-byte GB18030, emoji) are replaced before measuring, so the plain-text
preview and the paper line up exactly.

Wrapping follows the Chinese rule of 避头尾: no line starts with closing punctuation (，。、；：！？）」
…) and none ends with opening punctuation (（「《 …); the character next to it moves to the next
line with it.
"""

from __future__ import annotations

import unicodedata

# Half-width forms GBK printers misprint, mapped to what they print well.
_SUBSTITUTES = {
    "¥": "￥",
    "\u00a0": " ",
    "\t": " ",
    "\u2009": " ",
    "€": "EUR",
}
REPLACEMENT = "?"

NO_LINE_START = frozenset(
    "，。、；：！？）」』】〕〗〙〛〉》”’｝］｠…‥—·・～％‰℃°"  # CJK closing brackets/quotes, point punctuation
    ",.;:!?)]}%"                                   # their half-width forms
)
"""避头: characters a line must not start with (closing brackets and quotes, point punctuation)."""
NO_LINE_END = frozenset("（「『【〔〖〈《〘〚“‘｛［｟([{￥$")
"""避尾: characters a line must not end with (opening brackets and quotes, a currency sign)."""


def char_width(ch: str) -> int:
    """Printed columns of one character: 0 for combining marks, 2 for CJK, else 1."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F", "A") else 1


def printable(text: str) -> str:
    """Text a GBK (2-byte) printer prints as written: substitutes, control chars and 4-byte ones replaced."""
    out: list[str] = []
    for ch in text:
        ch = _SUBSTITUTES.get(ch, ch)
        if len(ch) > 1:
            out.append(ch)
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            out.append(REPLACEMENT if ch not in "\r\n" else " ")
            continue
        try:
            encoded = ch.encode("gbk")
        except UnicodeEncodeError:
            out.append(REPLACEMENT)
            continue
        if len(encoded) > 2:  # pragma: no cover - gbk never yields more, kept as a guard
            out.append(REPLACEMENT)
            continue
        out.append(ch)
    return "".join(out)


def text_width(text: str) -> int:
    return sum(char_width(ch) for ch in text)


def truncate(text: str, width: int) -> str:
    """Longest prefix that fits `width` columns (a wide char never straddles the edge)."""
    used = 0
    for i, ch in enumerate(text):
        w = char_width(ch)
        if used + w > width:
            return text[:i]
        used += w
    return text


def wrap(text: str, width: int) -> list[str]:
    """Break into lines of at most `width` columns, at spaces for Latin words, anywhere for CJK
    except next to punctuation (避头尾: a closing mark stays with the character before it, an
    opening one with the character after it). Each `\n` starts a new line."""
    if width < 2:
        raise ValueError("width must be at least 2 columns")
    lines: list[str] = []
    for paragraph in text.split("\n"):
        current = ""
        for word in _glue(_tokens(paragraph)):
            if text_width(current + word) <= width:
                current += word
                continue
            if current.strip():
                lines.append(current.rstrip())
            current = word.lstrip()
            while text_width(current) > width:
                head = _hard_break(current, width)
                lines.append(head)
                current = current[len(head):]
        lines.append(current.rstrip())
    return lines


def _hard_break(text: str, width: int) -> str:
    """The head of a run too wide for one line (a long word): as much as fits, cut a little earlier
    when the cut would start the next line with closing punctuation or end this one with opening
    punctuation (as much as fits when no cut avoids both)."""
    head = truncate(text, width)
    for cut in range(len(head), 0, -1):
        before, after = text[:cut].rstrip(), text[cut:].lstrip()
        if before and after[:1] not in NO_LINE_START and before[-1] not in NO_LINE_END:
            return text[:cut]
    return head


def _glue(tokens: list[str]) -> list[str]:
    """Join tokens a line break must not separate: closing punctuation to what precedes it,
    opening punctuation to what follows it."""
    out: list[str] = []
    pending = ""
    for token in tokens:
        out.append(pending + token)
        pending = ""
        while len(out) > 1 and out[-1].lstrip()[:1] in NO_LINE_START:
            closing = out.pop()
            out[-1] += closing
        if out[-1].rstrip()[-1:] in NO_LINE_END:
            pending = out.pop()
    if pending:
        out.append(pending)
    return out


def _tokens(text: str) -> list[str]:
    """Latin words (with their leading space) stay whole; each CJK character is its own token."""
    tokens: list[str] = []
    current = ""
    for ch in text:
        if char_width(ch) == 2:
            if current:
                tokens.append(current)
                current = ""
            tokens.append(ch)
        elif ch == " ":
            if current:
                tokens.append(current)
            current = " "
        else:
            current += ch
    if current:
        tokens.append(current)
    return tokens


def pad(text: str, width: int, align: str = "left") -> str:
    """Pad (or truncate) to exactly `width` columns."""
    text = truncate(text, width)
    gap = width - text_width(text)
    if align == "right":
        return " " * gap + text
    if align == "center":
        left = gap // 2
        return " " * left + text + " " * (gap - left)
    return text + " " * gap


def columns(left: str, right: str, width: int) -> list[str]:
    """`left ...... right` on one line; when both do not fit, left wraps and right ends the last line."""
    right_w = text_width(right)
    if right_w >= width:
        return [*wrap(left, width), pad(right, width, "right")] if left else [pad(right, width, "right")]
    if text_width(left) + 1 + right_w <= width:
        return [pad(left, width - right_w) + right]
    lines = wrap(left, width)
    last = lines[-1]
    if text_width(last) + 1 + right_w <= width:
        lines[-1] = pad(last, width - right_w) + right
        return lines
    return [*lines, pad(right, width, "right")]
