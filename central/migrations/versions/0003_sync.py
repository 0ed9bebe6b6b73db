"""sync: event log (exactly once), quarantine, change feed and its counters

Revision ID: 0003_sync
Revises: 0002_domains
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0003_sync'
down_revision: str | None = '0002_domains'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        'sync_events',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('event_id', sa.String(length=40), nullable=False),
        sa.Column('terminal_id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=True),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('payload_hash', sa.String(length=64), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_events')),
        sa.UniqueConstraint('event_id', name=op.f('uq_sync_events_event_id')),
    )
    op.create_index(op.f('ix_sync_events_terminal_id'), 'sync_events', ['terminal_id'], unique=False)
    op.create_table(
        'sync_quarantine',
        sa.Column('id', BigId, autoincrement=True, nullable=False),
        sa.Column('event_id', sa.String(length=40), nullable=False),
        sa.Column('payload_hash', sa.String(length=64), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('terminal_id', sa.Integer(), nullable=False),
        sa.Column('store_id', sa.Integer(), nullable=True),
        sa.Column('type', sa.String(length=40), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('code', sa.String(length=64), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('message_en', sa.Text(), nullable=False),
        sa.Column('envelope', sa.JSON(), nullable=False),
        sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('resolution', sa.String(length=16), nullable=True),
        sa.Column('resolved_by', sa.Integer(), nullable=True),
        sa.Column('note', sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sync_quarantine')),
        sa.UniqueConstraint('event_id', 'payload_hash', name=op.f('uq_sync_quarantine_event_id_payload_hash')),
    )
    op.create_index(op.f('ix_sync_quarantine_event_id'), 'sync_quarantine', ['event_id'], unique=False)
    op.create_index(op.f('ix_sync_quarantine_terminal_id'), 'sync_quarantine', ['terminal_id'], unique=False)
    op.create_index(op.f('ix_sync_quarantine_store_id'), 'sync_quarantine', ['store_id'], unique=False)
    op.create_table(
        'sync_feed',
        sa.Column('entity', sa.String(length=32), nullable=False),
        sa.Column('entity_id', sa.String(length=64), nullable=False),
        sa.Column('scope_store', sa.Integer(), nullable=False),
        sa.Column('scope_rep', sa.Integer(), nullable=False),
        sa.Column('seq', sa.BigInteger(), nullable=False),
        sa.Column('op', sa.String(length=8), nullable=False),
        sa.Column('data', sa.Text(), nullable=True),
        sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('entity', 'entity_id', 'scope_store', 'scope_rep', name=op.f('pk_sync_feed')),
        sa.UniqueConstraint('seq', name=op.f('uq_sync_feed_seq')),
    )
    op.create_index('ix_sync_feed_op_seq', 'sync_feed', ['op', 'seq'], unique=False)
    counters = op.create_table(
        'sync_counters',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_sync_counters')),
    )
    op.bulk_insert(counters, [{"name": "feed", "value": 0}, {"name": "horizon", "value": 0}])


def downgrade() -> None:
    op.drop_table('sync_counters')
    op.drop_index('ix_sync_feed_op_seq', table_name='sync_feed')
    op.drop_table('sync_feed')
    op.drop_index(op.f('ix_sync_quarantine_store_id'), table_name='sync_quarantine')
    op.drop_index(op.f('ix_sync_quarantine_terminal_id'), table_name='sync_quarantine')
    op.drop_index(op.f('ix_sync_quarantine_event_id'), table_name='sync_quarantine')
    op.drop_table('sync_quarantine')
    op.drop_index(op.f('ix_sync_events_terminal_id'), table_name='sync_events')
    op.drop_table('sync_events')
