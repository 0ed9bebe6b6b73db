"""review flags: claims central did not believe (points, prices, people, returns ...), listed for
head office with what was claimed, what central computed, and how each was resolved

Revision ID: 0008_review_flags
Revises: 0007_store_scale_layout
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0008_review_flags'
down_revision: str | None = '0007_store_scale_layout'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('review_flags',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('terminal_id', sa.Integer(), nullable=True),
    sa.Column('event_id', sa.String(length=40), nullable=True),
    sa.Column('subject', sa.String(length=80), nullable=True),
    sa.Column('claimed', sa.JSON(), nullable=False),
    sa.Column('computed', sa.JSON(), nullable=False),
    sa.Column('message_zh', sa.Text(), nullable=False),
    sa.Column('message_en', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_by', sa.Integer(), nullable=True),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_note', sa.String(length=500), nullable=True),
    sa.ForeignKeyConstraint(['resolved_by'], ['users.id'], name=op.f('fk_review_flags_resolved_by_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_flags'))
    )
    with op.batch_alter_table('review_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_flags_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_flags_kind'), ['kind'], unique=False)
        batch_op.create_index('ix_review_flags_status_id', ['status', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_review_flags_store_id'), ['store_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('review_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_flags_store_id'))
        batch_op.drop_index('ix_review_flags_status_id')
        batch_op.drop_index(batch_op.f('ix_review_flags_kind'))
        batch_op.drop_index(batch_op.f('ix_review_flags_event_id'))

    op.drop_table('review_flags')
