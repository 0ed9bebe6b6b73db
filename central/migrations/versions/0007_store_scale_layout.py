"""store scale layout: how a store's scales lay out their EAN-13 labels (称重条码: weight or price
embedded), set at head office and shipped to the store's tills; NULL = the default weight layout

Revision ID: 0007_store_scale_layout
Revises: 0006_hot_path_references
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0007_store_scale_layout'
down_revision: str | None = '0006_hot_path_references'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # existing stores keep the default layout (weight in grams) their tills have always used
    op.add_column('stores', sa.Column('scale_layout', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('stores') as batch:
        batch.drop_column('scale_layout')
