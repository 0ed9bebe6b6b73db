"""people's PIN hashes only to the devices they may sign in on: a rep's to their own tablets, a store's
cashiers' and managers' to its tills, admins' to every till (`central.syncing.entities.user_scope`);
the feed rows already written move there: a tombstone where they were, the row where they belong (#10 §5)

Revision ID: 0022_user_pin_scope
Revises: 0021_terminal_first_use
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = '0022_user_pin_scope'
down_revision: str | None = '0021_terminal_first_use'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TILLS_ONLY = -1  # central.syncing.feed.TILLS_ONLY, as of this revision


def _scope(data: dict[str, object], entity_id: str) -> tuple[int, int]:
    if data.get("role") == "sales_rep":
        return 0, int(entity_id)
    store = data.get("store_id")
    return (int(store) if isinstance(store, int) else 0), TILLS_ONLY


def upgrade() -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.text(
        "SELECT entity_id, scope_store, scope_rep, data FROM sync_feed WHERE entity = 'user' AND op = 'upsert' "
        "ORDER BY seq")).all()
    moves = []
    for entity_id, scope_store, scope_rep, data in rows:
        parsed = json.loads(data) if isinstance(data, str) else dict(data)
        target = _scope(parsed, entity_id)
        if target != (scope_store, scope_rep):
            moves.append((entity_id, (scope_store, scope_rep), target, data))
    if not moves:
        return
    now = datetime.now(UTC).replace(tzinfo=None) if conn.dialect.name == "sqlite" else datetime.now(UTC)
    seq = conn.execute(sa.text("SELECT value FROM sync_counters WHERE name = 'feed'")).scalar() or 0
    for entity_id, (old_store, old_rep), (store, rep), data in moves:
        # the tombstone first: a terminal drops the row from where it was before it appears elsewhere
        seq += 1
        conn.execute(sa.text(
            "UPDATE sync_feed SET op = 'delete', data = NULL, seq = :seq, changed_at = :now WHERE entity = 'user' "
            "AND entity_id = :id AND scope_store = :s AND scope_rep = :r"),
            {"seq": seq, "now": now, "id": entity_id, "s": old_store, "r": old_rep})
        seq += 1
        params = {"seq": seq, "now": now, "id": entity_id, "s": store, "r": rep,
                  "data": data if isinstance(data, str) else json.dumps(data)}
        updated = conn.execute(sa.text(
            "UPDATE sync_feed SET op = 'upsert', data = :data, seq = :seq, changed_at = :now WHERE entity = 'user' "
            "AND entity_id = :id AND scope_store = :s AND scope_rep = :r"), params)
        if not updated.rowcount:
            conn.execute(sa.text(
                "INSERT INTO sync_feed (entity, entity_id, scope_store, scope_rep, seq, op, data, changed_at) "
                "VALUES ('user', :id, :s, :r, :seq, 'upsert', :data, :now)"), params)
    conn.execute(sa.text("UPDATE sync_counters SET value = :v WHERE name = 'feed'"), {"v": seq})


def downgrade() -> None:
    # the narrower scopes are safe to keep: the next change of each user rewrites its rows anyway
    pass
