"""The console is complete in Chinese and English: every text a template or console module shows goes
through the catalogue and has its English; no Chinese sits in a template outside `_()`; no page
refers to an outside host."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import central.console.routes  # noqa: F401  (imports every area, which registers its English)
from central.console.i18n import CONFLICTS, EN

CONSOLE = Path(central.console.routes.__file__).parent
TEMPLATES = CONSOLE / "templates"
CJK = re.compile(r"[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]")
TEXT_CALL = re.compile(r"""_\(\s*(['"])(.+?)\1""")
EXPRESSION = re.compile(r"{{.*?}}|{%.*?%}|{#.*?#}", re.S)


def _template_texts() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in TEMPLATES.rglob("*.html"):
        for m in TEXT_CALL.finditer(path.read_text(encoding="utf-8")):
            found.setdefault(m.group(2), set()).add(path.name)
    return found


def _python_texts() -> set[str]:
    """Texts console code hands to the catalogue: t(...)/viewer.t(...) calls and NavItem labels."""
    texts: set[str] = set()
    for path in CONSOLE.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            first = node.args[0] if name in ("t", "_") else node.args[1] if name == "NavItem" and len(node.args) > 1 else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and CJK.search(first.value):
                texts.add(first.value)
    return texts


def test_every_text_has_its_english() -> None:
    assert CONFLICTS == []
    missing = sorted(t for t in _template_texts() if CJK.search(t) and t not in EN)
    assert missing == [], f"templates use texts without English: {missing[:20]}"
    missing = sorted(t for t in _python_texts() if t not in EN)
    assert missing == [], f"console code uses texts without English: {missing[:20]}"


def test_no_chinese_in_a_template_outside_the_catalogue() -> None:
    offenders = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for line_no, line in enumerate(EXPRESSION.sub("", text).splitlines(), start=1):
            if CJK.search(line):
                offenders.append(f"{path.relative_to(TEMPLATES)}:{line_no}: {line.strip()[:60]}")
    assert offenders == []


def test_templates_refer_to_no_outside_host() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(src|href|action)\s*=\s*[\"'](https?:)?//", text), path
