"""enrolment nonce: a hash of the terminal's random nonce on its enrolment code, so a terminal whose
answer to POST /enroll was lost can repeat the exchange with the same code (and only that terminal)

Revision ID: 0005_enrolment_nonce
Revises: 0004_store_settings
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0005_enrolment_nonce'
down_revision: str | None = '0004_store_settings'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # codes used before this revision have no nonce: they stay single-use, as they were
    op.add_column('enrolment_codes', sa.Column('nonce_hash', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('enrolment_codes') as batch:
        batch.drop_column('nonce_hash')
