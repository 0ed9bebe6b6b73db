"""Members in the till's database: central's members (master rows), the members created at this
till (`local_members`, synced as `member.created`), and the points this till moved (`points_local`),
shown on top of central's balance until central acknowledges the event that carries them."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING

from sync.master import Entity, MemberInfo

if TYPE_CHECKING:
    from terminal.store.db import Store


class Members:
    """Member lookups and the till's own member and points rows of one open store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def synced(self, text: str) -> MemberInfo | None:
        """Central's member whose card number, phone or id is `text` (active or not)."""
        store = self._store
        if not store.table_exists("master"):
            return None
        # three indexed lookups (see 0003_member_lookup.sql); `entity = 'member'` must stay literal
        row = (store.one("SELECT data FROM master WHERE entity = 'member' AND json_extract(data, '$.card_no') = ?",
                         (text,))
               or store.one("SELECT data FROM master WHERE entity = 'member' AND json_extract(data, '$.phone') = ?",
                            (text,))
               or store.one("SELECT data FROM master WHERE entity = ? AND id = ?", (Entity.MEMBER.value, text)))
        return None if row is None else MemberInfo.model_validate(json.loads(row[0]))

    def by_phone_end(self, last4: str, limit: int) -> list[tuple[MemberInfo, bool]]:
        """Members (central's, then this till's own: the flag says which) whose phone ends with
        `last4`, at most `limit`.

        A suffix cannot use the phone index: this reads the members' rows once (a shop's members,
        not the chain's products), only when a cashier types four digits that name no card."""
        store = self._store
        out: list[tuple[MemberInfo, bool]] = []
        if store.table_exists("master"):
            for (data,) in store.all("SELECT data FROM master WHERE entity = 'member' "
                                     "AND substr(json_extract(data, '$.phone'), -4) = ? "
                                     "ORDER BY json_extract(data, '$.card_no') LIMIT ?", (last4, limit)):
                out.append((MemberInfo.model_validate(json.loads(data)), False))
        for row in store.all("SELECT * FROM local_members WHERE substr(phone, -4) = ? ORDER BY card_no LIMIT ?",
                             (last4, limit)):
            out.append((MemberInfo(id=row["id"], card_no=row["card_no"], phone=row["phone"], name=row["name"],
                                   level=row["level"], points_balance=0), True))
        return out[:limit]

    def created_here(self, text: str) -> MemberInfo | None:
        """A member created at this till whose card number, phone or id is `text` (balance 0: their
        points are all in `points_local`)."""
        row = self._store.one("SELECT * FROM local_members WHERE card_no=? OR phone=? OR id=? LIMIT 1",
                              (text, text, text))
        if row is None:
            return None
        return MemberInfo(id=row["id"], card_no=row["card_no"], phone=row["phone"], name=row["name"],
                          level=row["level"], points_balance=0)

    def add_created_here(self, member_id: str, *, card_no: str, phone: str | None, name: str | None, level: str,
                         created_at: datetime, event_seq: int) -> None:
        """A member enrolled at this till (inside the caller's transaction, with `member.created`)."""
        self._store.require_transaction("Members.add_created_here")
        self._store.execute(
            "INSERT INTO local_members(id, card_no, phone, name, level, created_at, event_seq) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)", (member_id, card_no, phone, name, level, created_at.isoformat(), event_seq))

    def move_points(self, member_id: str, delta: int, reason: str, event_seq: int) -> None:
        """Points this till moved (`earn`, `redeem`, `reverse`, `refund`) by the event at `event_seq`
        (inside the caller's transaction)."""
        self._store.execute("INSERT INTO points_local(member_id, delta, reason, event_seq) VALUES (?, ?, ?, ?)",
                            (member_id, delta, reason, event_seq))

    def unacked_points(self, member_id: str) -> int:
        """Points moved on this terminal that central has not acknowledged yet."""
        return int(self._store.scalar(
            "SELECT coalesce(sum(p.delta), 0) FROM points_local p JOIN outbox o ON o.seq = p.event_seq "
            "WHERE p.member_id=? AND o.status <> 'acked'", (member_id,)))
