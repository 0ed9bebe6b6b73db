"""terminals.first_used_at: when a terminal first authenticated with its credential; from then on its
enrolment code cannot be replayed for a new secret (#10 §5)

Revision ID: 0021_terminal_first_use
Revises: 0020_store_void_needs_manager
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0021_terminal_first_use'
down_revision: str | None = '0020_store_void_needs_manager'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('terminals', sa.Column('first_used_at', sa.DateTime(timezone=True), nullable=True))
    # terminals enrolled before this revision that have reached central are in use: their codes are spent
    op.execute("UPDATE terminals SET first_used_at = enrolled_at "
               "WHERE id IN (SELECT terminal_id FROM terminal_contacts)")


def downgrade() -> None:
    with op.batch_alter_table('terminals') as batch:
        batch.drop_column('first_used_at')
