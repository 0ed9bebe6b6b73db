"""store settings: the receipt language of a store (zh-CN default, en), shipped to its tills

Revision ID: 0004_store_settings
Revises: 0003_sync
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004_store_settings'
down_revision: str | None = '0003_sync'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # existing stores keep printing in Chinese
    op.add_column('stores', sa.Column('receipt_language', sa.String(length=8), server_default='zh-CN',
                                      nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('stores') as batch:
        batch.drop_column('receipt_language')
