"""A short-lived in-process cache of authenticated callers (bearer tokens and device credentials).

Why: every API request authenticates, and reading the token (or terminal) row costs a database
round trip and a thread hop per request. A caller seen a moment ago is served from here instead.

The bound, and how revocation still works (see central/README.md, "Authentication cache"):
- an entry lives at most `TTL_SECONDS` (and never past the token's own expiry), so a change made
  by *another process* (the other `--workers` process, `pos-central revoke-terminal`, a database
  edit) takes effect within `TTL_SECONDS`;
- a change made through the ORM *in this process* clears the cache as soon as it is committed
  (logout, terminal revocation, a user disabled / given another role or store): mapper events
  on ApiToken, Terminal and User note the change, the session's `after_commit` clears everything;
- a fill that read the database before such a clear is dropped (generation counter), so a stale
  row read just before a commit cannot be cached after it.
Only successful authentications are cached; failures always go to the database.
"""

from __future__ import annotations

import hashlib
import threading
import time
from datetime import datetime
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session, object_session

from central.auth.principal import Principal

TTL_SECONDS = 2.0
"""Longest time a change made by another process may go unnoticed by this one."""

MAX_ENTRIES = 10_000
"""More distinct live callers than this in TTL_SECONDS: start over (memory stays bounded)."""

_CHANGED = "central.auth.cache.changed"

_clock = time.monotonic
"""Seconds, monotonic (tests replace it)."""


def cache_key(db_url: str, header: str) -> tuple[str, str]:
    """The key of an Authorization header value: the database and a SHA-256 of the credential."""
    return db_url, hashlib.sha256(header.strip().encode("utf-8")).hexdigest()


class AuthCache:
    def __init__(self) -> None:
        self._entries: dict[tuple[str, str], tuple[float, Principal]] = {}
        self._lock = threading.Lock()
        self.generation = 0
        """Bumped by every clear(); a fill started under an older generation is dropped."""

    def get(self, key: tuple[str, str]) -> Principal | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if _clock() >= entry[0]:
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: tuple[str, str], principal: Principal, *, generation: int,
            expires_at: datetime | None = None, now: datetime | None = None) -> None:
        """Remember `principal` unless the cache was cleared since `generation` was read."""
        lifetime = TTL_SECONDS
        if expires_at is not None and now is not None:
            lifetime = min(lifetime, (expires_at - now).total_seconds())
        if lifetime <= 0:
            return
        with self._lock:
            if generation != self.generation:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (_clock() + lifetime, principal)

    def clear(self) -> None:
        with self._lock:
            self.generation += 1
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


auth_cache = AuthCache()
"""The process's cache (every app in the process shares it; keys carry the database URL)."""


# ------------------------------------------------------------------ in-process invalidation

_WATCHED_ATTRS: dict[str, tuple[str, ...]] = {
    "ApiToken": ("token_hash", "user_id", "expires_at", "revoked_at"),
    "Terminal": ("id", "code", "store_id", "kind", "rep_user_id", "secret_hash", "revoked_at"),
    "User": ("id", "username", "role", "store_id", "active"),
}


def _row_changed(target: Any, attrs: tuple[str, ...] | None) -> None:
    if attrs is not None:
        state = inspect(target)
        if not any(state.attrs[a].history.has_changes() for a in attrs):
            return
    auth_cache.clear()  # now, and again at commit (a fill between flush and commit read old rows)
    session = object_session(target)
    if session is not None:
        session.info[_CHANGED] = True


def note_auth_change(session: Session) -> None:
    """A bulk UPDATE of rows authentication reads (no mapper events): clear the cache now and at commit."""
    auth_cache.clear()
    session.info[_CHANGED] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        auth_cache.clear()


def install_invalidation() -> None:
    """Listen for changes to the rows authentication reads (idempotent; models must be imported)."""
    from central.auth.models import ApiToken
    from central.org.models import Terminal
    from central.users.models import User

    for model in (ApiToken, Terminal, User):
        if not event.contains(model, "after_update", _on_update):
            event.listen(model, "after_update", _on_update)
            event.listen(model, "after_delete", _on_delete)
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)


def _on_update(_mapper: Any, _connection: Any, target: Any) -> None:
    _row_changed(target, _WATCHED_ATTRS[type(target).__name__])


def _on_delete(_mapper: Any, _connection: Any, target: Any) -> None:
    _row_changed(target, None)
