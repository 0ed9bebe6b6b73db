"""Write and read the audit trail.

`record(...)` adds one row to the caller's transaction and never commits: the audit row lands
exactly when the change it describes does, and vanishes with it on a rollback. (An action that
is refused — a failed login, a guessed device secret — is recorded in a transaction of its own by
its caller, since the request's own transaction is rolled back.)

The client address comes from the request being served when the caller does not pass one:
`central.audit.context.AuditContext` (an ASGI middleware) keeps it in a context variable.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

import orjson
from sqlalchemy import select
from sqlalchemy.orm import Session

from central.audit.models import AuditEntry
from central.auth.principal import DevicePrincipal, Principal, UserPrincipal
from central.db import utcnow

SYSTEM_LABEL = "system"
"""The actor of changes made by commands and scripts (no principal)."""

current_client_address: ContextVar[str | None] = ContextVar("audit_client_address", default=None)
"""The address of the client whose request is being served (set by `AuditContext`)."""

_MAX_JSON_TEXT = 20_000
"""A before/after image longer than this (as JSON text) is cut down: the trail stays readable."""


def _plain(value: Any) -> Any:
    """`value` as plain JSON data (times as ISO text, enums as their value, anything else as text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Enum):
        return _plain(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_plain(v) for v in value]
    return str(value)


def _image(value: dict[str, Any] | None) -> dict[str, Any] | None:
    if value is None:
        return None
    plain = _plain(value)
    text = json.dumps(plain, ensure_ascii=False)
    if len(text) > _MAX_JSON_TEXT:
        return {"truncated": True, "json": text[:_MAX_JSON_TEXT]}
    return plain  # type: ignore[no-any-return]


def actor_fields(actor: Principal | None) -> dict[str, Any]:
    """The actor columns of an audit row for `actor` (None: the system)."""
    if isinstance(actor, UserPrincipal):
        return {"actor_user_id": actor.user_id, "actor_terminal_id": None, "actor_label": actor.username}
    if isinstance(actor, DevicePrincipal):
        return {"actor_user_id": None, "actor_terminal_id": actor.terminal_id, "actor_label": actor.terminal_code}
    return {"actor_user_id": None, "actor_terminal_id": None, "actor_label": SYSTEM_LABEL}


def record(session: Session, *, actor: Principal | None, action: str, entity_type: str, entity_id: str | int,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
           reason: str | None = None, client_address: str | None = None) -> None:
    """Add an audit row for `action` on `entity_type` `entity_id` to the session's transaction.

    Never commits and never flushes: the row is written with the caller's other changes.
    `before` / `after` are the changed fields' values (any JSON-able data; times become ISO text).
    """
    address = client_address if client_address is not None else current_client_address.get()
    session.add(AuditEntry(
        at=utcnow(), **actor_fields(actor), client_address=address[:64] if address else None,
        action=action[:64], entity_type=entity_type[:32], entity_id=str(entity_id)[:64],
        before=_image(before), after=_image(after), reason=reason[:500] if reason else None))


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Only the keys whose value differs, as (before, after): what a PATCH really changed."""
    keys = [k for k in after if _plain(before.get(k)) != _plain(after.get(k))]
    return {k: before.get(k) for k in keys}, {k: after.get(k) for k in keys}


def history(session: Session, *, entity_type: str, entity_id: str | int, limit: int = 50) -> list[AuditEntry]:
    """The latest `limit` audit rows of one entity, newest first."""
    stmt = (select(AuditEntry)
            .where(AuditEntry.entity_type == entity_type, AuditEntry.entity_id == str(entity_id))
            .order_by(AuditEntry.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def record_many(session: Session, *, actor: Principal | None, action: str, entity_type: str,
                changes: Iterable[tuple[str | int, dict[str, Any] | None, dict[str, Any] | None]],
                reason: str | None = None, client_address: str | None = None) -> int:
    """`record` for many entities at once (a spreadsheet import's changed rows): one row each,
    written in one bulk statement (COPY on PostgreSQL) in the caller's transaction. Returns how many."""
    from central.bulk import JsonText, insert_tuples

    address = client_address if client_address is not None else current_client_address.get()
    now, who = utcnow(), actor_fields(actor)
    head = (now, who["actor_user_id"], who["actor_terminal_id"], who["actor_label"],
            address[:64] if address else None, action[:64], entity_type[:32])
    tail = reason[:500] if reason else None
    as_text = session.connection().dialect.name == "postgresql"  # COPY writes JsonText as it is

    def image(value: dict[str, Any] | None) -> Any:
        if value is None:
            return None
        text = _image_text(value)
        return JsonText(text) if as_text else orjson.loads(text)

    rows = [(*head, str(entity_id)[:64], image(before), image(after), tail) for entity_id, before, after in changes]
    insert_tuples(session, AuditEntry.__table__, _MANY_COLUMNS, rows)  # type: ignore[arg-type]
    return len(rows)


_MANY_COLUMNS = ("at", "actor_user_id", "actor_terminal_id", "actor_label", "client_address", "action", "entity_type",
                 "entity_id", "before", "after", "reason")


def _orjson_default(value: Any) -> Any:
    if isinstance(value, set | frozenset):
        return list(value)
    return str(value)  # Decimal and anything else: as text, as `_plain` does


def _image_text(value: dict[str, Any]) -> str:
    """`_image(value)` as JSON text, made in one pass by orjson (times as ISO text, enums as their
    value, Decimal as text): a spreadsheet import writes one image per record it changed, and
    `_plain` plus `json.dumps` (twice: to measure, then to store) cost more than the import's checks."""
    text = orjson.dumps(value, default=_orjson_default, option=orjson.OPT_NON_STR_KEYS).decode()
    if len(text) > _MAX_JSON_TEXT:
        return orjson.dumps({"truncated": True, "json": text[:_MAX_JSON_TEXT]}).decode()
    return text
