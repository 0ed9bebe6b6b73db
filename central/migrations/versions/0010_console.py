"""console: each user's console preferences (the language the head-office console speaks to them)

Revision ID: 0010_console
Revises: 0009_audit_log
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0010_console'
down_revision: str | None = '0009_audit_log'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('console_preferences',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('locale', sa.String(length=8), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("locale in ('zh-CN', 'en')", name=op.f('ck_console_preferences_locale')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_console_preferences_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_console_preferences'))
    )


def downgrade() -> None:
    op.drop_table('console_preferences')
