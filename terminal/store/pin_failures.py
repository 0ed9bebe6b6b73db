"""Wrong PINs in a row per user on this till, and who is locked out (`terminal.session` decides)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sync.events import utcnow

if TYPE_CHECKING:
    from terminal.store.db import Store


@dataclass(frozen=True)
class PinFailures:
    user_id: int
    failures: int
    pin_hash: str
    locked_at: str | None


class PinFailureLog:
    """The `pin_failures` table. Each call commits on its own (or joins the caller's transaction):
    a wrong PIN is counted even when nothing else happens."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def get(self, user_id: int) -> PinFailures | None:
        row = self._store.one("SELECT user_id, failures, pin_hash, locked_at FROM pin_failures WHERE user_id=?",
                              (user_id,))
        return None if row is None else PinFailures(int(row[0]), int(row[1]), str(row[2]), row[3])

    def record_failure(self, user_id: int, pin_hash: str, *, lock_after: int) -> PinFailures:
        """One more wrong PIN for `user_id` (counting starts again when the PIN itself changed);
        locks the user out when the count reaches `lock_after`."""
        now = utcnow().isoformat()
        with self._store.transaction():
            row = self._store.one(
                "INSERT INTO pin_failures(user_id, failures, pin_hash, last_at) VALUES (?, 1, ?, ?) "
                "ON CONFLICT(user_id) DO UPDATE SET "
                "failures = CASE WHEN pin_hash = excluded.pin_hash THEN failures + 1 ELSE 1 END, "
                "locked_at = CASE WHEN pin_hash = excluded.pin_hash THEN locked_at END, "
                "pin_hash = excluded.pin_hash, last_at = excluded.last_at "
                "RETURNING failures", (user_id, pin_hash, now))
            failures = int(row[0]) if row is not None else 1
            if failures >= lock_after:
                self._store.execute("UPDATE pin_failures SET locked_at = coalesce(locked_at, ?) WHERE user_id=?",
                                    (now, user_id))
        return self.get(user_id) or PinFailures(user_id, failures, pin_hash, None)

    def clear(self, user_id: int) -> None:
        """A right PIN, or a manager's unlock: the count starts from nothing again."""
        with self._store.transaction():
            self._store.execute("DELETE FROM pin_failures WHERE user_id=?", (user_id,))
