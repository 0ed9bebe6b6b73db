"""store void_needs_manager (删除商品需店长授权): head office decides whether a till needs a manager's
approval to void a line of a sale (loss prevention); off for every existing store (as before)

Revision ID: 0020_store_void_needs_manager
Revises: 0019_store_chain_returns
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0020_store_void_needs_manager'
down_revision: str | None = '0019_store_chain_returns'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('stores', sa.Column('void_needs_manager', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('stores') as batch:
        batch.drop_column('void_needs_manager')
