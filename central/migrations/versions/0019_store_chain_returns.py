"""store chain_returns (跨店退货): head office lets a store's tills take back other stores' receipts;
off for every existing store (a till keeps refusing them, central flags any that arrive)

Revision ID: 0019_store_chain_returns
Revises: 0018_product_search
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0019_store_chain_returns'
down_revision: str | None = '0018_product_search'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column('stores', sa.Column('chain_returns', sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('stores') as batch:
        batch.drop_column('chain_returns')
