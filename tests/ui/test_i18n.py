"""The UI's strings: both languages complete, placeholders consistent, errors in the right language."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from terminal.ui import i18n

PLACEHOLDER = re.compile(r"\{(\w+)\}")
UI_DIR = Path(__file__).resolve().parents[2] / "terminal" / "ui"


@pytest.fixture(autouse=True)
def _restore_language() -> Iterator[None]:
    yield
    i18n.set_language(i18n.DEFAULT_LANGUAGE)


def test_every_message_has_both_languages_with_the_same_placeholders() -> None:
    for key, (zh, en) in i18n.MESSAGES.items():
        assert zh.strip(), key
        assert en.strip(), key
        assert set(PLACEHOLDER.findall(zh)) == set(PLACEHOLDER.findall(en)), key


def test_chinese_is_the_default_and_english_switchable() -> None:
    assert i18n.get_language() == "zh_CN"
    assert i18n.tr("pay") == "结账"
    i18n.set_language("en")
    assert i18n.tr("pay") == "Pay"
    assert i18n.tr("pending_events", n=3) == "3 waiting"


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown language"):
        i18n.set_language("fr")


def test_every_key_the_layouts_and_screens_use_exists() -> None:
    used: set[str] = set()
    for path in list(UI_DIR.glob("**/*.kv")) + list(UI_DIR.glob("**/*.py")):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""(?:app\.t|i18n\.tr|\btr)\(\s*['"]([a-z_0-9]+)['"]\s*[,)]""", text))
    missing = sorted(k for k in used if k not in i18n.MESSAGES)
    assert not missing, f"keys used but not translated: {missing}"
    assert len(used) > 40


def test_service_errors_are_shown_in_the_active_language() -> None:
    from terminal.errors import CartError

    err = CartError("数量无效", "bad quantity")
    assert i18n.error_text(err) == "数量无效"
    i18n.set_language("en")
    assert i18n.error_text(err) == "bad quantity"
    assert i18n.error_text(RuntimeError("boom")) == "boom"


def test_the_discount_buttons_say_what_their_dialogs_ask() -> None:
    # 单品折扣 / 整单折扣 asked for an amount in yuan: a cashier typing 9 for 9折 took ¥9 off
    for button, prompt in (("line_discount", "enter_line_discount"), ("order_discount", "enter_order_discount")):
        label, asked = i18n.MESSAGES[button][0], i18n.MESSAGES[prompt][0]
        assert label.endswith("优惠"), label
        assert "优惠金额" in asked, asked
        assert "折" not in label, label


def test_no_ascii_colon_joins_a_label_on_the_chinese_screens() -> None:
    # "会员: 李华", "促销: …", "等级: 金卡会员" on a Chinese screen: labels are joined by the
    # translated "labelled" text (full-width "：" in Chinese)
    joined = re.compile(r"""(\+\s*['"]: ['"])|(\}: \{)""")
    offenders = [f"{path.name}:{n}" for path in list(UI_DIR.glob("**/*.kv")) + list(UI_DIR.glob("screens/*.py"))
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
                 if joined.search(line)]
    assert not offenders, offenders
    assert i18n.tr("labelled", label="会员", value="李华") == "会员：李华"


def test_the_item_count_reads_right_for_one_item() -> None:
    # "Subtotal (1 items)"
    i18n.set_language("en")
    assert i18n.tr("items_count", n=1) == "items: 1"
    assert i18n.tr("items_count", n=3) == "items: 3"
