"""A manager-approval error names its action in the cashier's language: Chinese in `message`,
English in `message_en` (it used to read "manager approval required: 查看异常事件")."""

from __future__ import annotations

import re

import pytest

from terminal.errors import ACTION_NAMES, ApprovalRequired, action_names
from terminal.session import ACTION_NAMES_ZH, Action, Session

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")


@pytest.mark.parametrize("action", list(Action))
def test_every_action_has_both_names(action: Action) -> None:
    zh, en = ACTION_NAMES[action.value]
    assert zh == ACTION_NAMES_ZH[action]  # the session's Chinese name is the one shown
    assert en
    assert not CJK.search(en)
    # raised the way the session raises it (with the Chinese name) or with the action itself
    for given in (ACTION_NAMES_ZH[action], action, action.value):
        err = ApprovalRequired(given)
        assert err.message == f"此操作需要店长授权：{zh}"
        assert err.message_en == f"manager approval required: {en}"
        assert (err.action, err.action_zh, err.action_en, err.action_code) == (zh, zh, en, action.value)


def test_the_session_error_reads_in_english(session: Session) -> None:
    with pytest.raises(ApprovalRequired) as caught:
        session.authorise(Action.VIEW_QUARANTINE, None)
    assert caught.value.message_en == "manager approval required: view quarantined events"
    assert not CJK.search(caught.value.message_en)
    assert "查看异常事件" in caught.value.message


def test_unknown_action_keeps_its_text() -> None:
    assert action_names("盘点") == ("盘点", "盘点")
    assert ApprovalRequired("盘点").message_en == "manager approval required: 盘点"
