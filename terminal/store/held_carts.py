"""Carts parked by the cashier (挂单), kept across restarts until resumed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from terminal.store.db import Store


@dataclass(frozen=True)
class HeldCartRow:
    id: str
    held_at: datetime
    cashier_id: int | None
    label: str
    """The cashier's note ('' when none)."""
    data: dict[str, Any]
    """The cart as `terminal.checkout` parked it."""


class HeldCarts:
    """The `held_carts` table of one open store."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, cart_id: str, *, held_at: datetime, cashier_id: int, label: str, data: dict[str, Any]) -> None:
        self._store.execute(
            "INSERT INTO held_carts(id, held_at, cashier_id, label, data) VALUES (?, ?, ?, ?, ?)",
            (cart_id, held_at.isoformat(), cashier_id, label, json.dumps(data, ensure_ascii=False)))

    def all(self) -> list[HeldCartRow]:
        """Every held cart, oldest first."""
        return [self._row(r) for r in self._store.all("SELECT * FROM held_carts ORDER BY held_at")]

    def get(self, cart_id: str) -> HeldCartRow | None:
        row = self._store.one("SELECT * FROM held_carts WHERE id=?", (cart_id,))
        return None if row is None else self._row(row)

    def count(self) -> int:
        return int(self._store.scalar("SELECT count(*) FROM held_carts"))

    def remove(self, cart_id: str) -> None:
        self._store.execute("DELETE FROM held_carts WHERE id=?", (cart_id,))

    @staticmethod
    def _row(r: Any) -> HeldCartRow:
        return HeldCartRow(id=r["id"], held_at=datetime.fromisoformat(r["held_at"]), cashier_id=r["cashier_id"],
                           label=r["label"], data=json.loads(r["data"]))
