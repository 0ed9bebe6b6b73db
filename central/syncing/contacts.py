"""Sync health: record when a terminal last reached central, with the version and backlog it reports.

Every push, pull and bootstrap upserts the terminal's one `terminal_contacts` row in the request's
own transaction (one statement). What the terminal says about itself (its software version, the
events still waiting in its outbox) is kept as it said it, bounded and cleaned, and shown to head
office as that; nothing central decides depends on it.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from central.syncing.models import TerminalContact

Kind = Literal["push", "pull", "bootstrap"]
_VERSION = re.compile(r"[^A-Za-z0-9 .+_()/-]")
_TABLE: Table = TerminalContact.__table__  # type: ignore[assignment]


def clean_version(value: str | None) -> str | None:
    if not value:
        return None
    return _VERSION.sub("", value)[:40] or None


def clean_pending(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit() or len(value.strip()) > 9:
        return None
    return int(value.strip())


def record_contact(session: Session, *, terminal_id: int, kind: Kind, at: datetime, version: str | None,
                   pending: int | None, address: str | None) -> None:
    """Upsert the terminal's contact row (last contact, and last push or pull by `kind`)."""
    values = {"terminal_id": terminal_id, "last_contact_at": at, "client_version": version,
              "pending_events": pending, "address": (address or "")[:64] or None}
    if kind == "push":
        values["last_push_at"] = at
    else:
        values["last_pull_at"] = at
    updates = {k: v for k, v in values.items() if k != "terminal_id" and (v is not None or k == "pending_events")}
    insert = (postgresql.insert(_TABLE) if session.get_bind().dialect.name == "postgresql"
              else sqlite.insert(_TABLE))
    session.execute(insert.values(**values).on_conflict_do_update(index_elements=["terminal_id"], set_=updates))
