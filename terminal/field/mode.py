"""Which app a terminal opens: the cashier app on a till, the rep app on a rep tablet.

Chosen by the enrolment kind central gave (`pos-central enroll-code --kind rep --rep rep01`), stored
at enrolment in the `terminal_kind` setting with the tablet's rep (`rep_id`). The synced terminal row
(`sync.master.TerminalInfo.kind`) confirms it when the setting is missing (a database enrolled by an
older build).
"""

from __future__ import annotations

from enum import StrEnum

from sync.master import Entity
from terminal.store import Store


class TerminalMode(StrEnum):
    POS = "pos"
    """A cashier till."""
    REP = "rep"
    """A sales rep's tablet: field orders, visits, collections."""


def terminal_mode(store: Store) -> TerminalMode:
    """The mode this terminal was enrolled for (a terminal never enrolled is a till)."""
    kind = store.get_setting("terminal_kind")
    if not kind:
        tid = store.get_setting("terminal_id")
        row = store.master.get(Entity.TERMINAL.value, tid) if tid else None
        kind = str(row.get("kind") or "pos") if row else "pos"
    return TerminalMode.REP if kind == TerminalMode.REP.value else TerminalMode.POS


def is_rep_tablet(store: Store) -> bool:
    return terminal_mode(store) is TerminalMode.REP


def tablet_rep_id(store: Store) -> int | None:
    """The rep this tablet belongs to (set at enrolment); None on a till."""
    value = store.get_setting("rep_id")
    if not value:
        tid = store.get_setting("terminal_id")
        row = store.master.get(Entity.TERMINAL.value, tid) if tid else None
        value = str(row.get("rep_id") or "") if row else ""
    return int(value) if value else None
