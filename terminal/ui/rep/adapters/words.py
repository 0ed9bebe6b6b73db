"""Picking the rep's language out of the services' (zh-CN, English) pairs, and local times."""

from __future__ import annotations

from datetime import datetime

from terminal.ui.format import local_time
from terminal.ui.i18n import get_language


def pick(pair: tuple[str, str]) -> str:
    """The service's own words in the active language."""
    return pair[1] if get_language() == "en" else pair[0]


def when(text: str | None) -> str:
    """An ISO UTC time from the store as the store's local "MM-DD HH:MM" (a date stays a date)."""
    if not text:
        return ""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return text
    if moment.tzinfo is None:
        return text[:10]
    return local_time(moment)
