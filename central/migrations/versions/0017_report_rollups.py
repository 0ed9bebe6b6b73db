"""report rollups: closed business days summarised by hour, tender and product (central/reporting/rollups.py),
and an index on returns by receipt time (finding days a late return changed)

Revision ID: 0017_report_rollups
Revises: 0016_console_search_contacts
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0017_report_rollups'
down_revision: str | None = '0016_console_search_contacts'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('rollup_days',
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('built_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('business_date', name=op.f('pk_rollup_days'))
    )
    op.create_table('rollup_marks',
    sa.Column('name', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_rollup_marks'))
    )
    op.create_table('rollup_product_day',
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('lines', sa.Integer(), nullable=False),
    sa.Column('qty_m', sa.BigInteger(), nullable=False),
    sa.Column('gross_fen', sa.BigInteger(), nullable=False),
    sa.Column('discount_fen', sa.BigInteger(), nullable=False),
    sa.Column('net_fen', sa.BigInteger(), nullable=False),
    sa.Column('cost_fen', sa.BigInteger(), nullable=False),
    sa.Column('uncosted_lines', sa.Integer(), nullable=False),
    sa.Column('returned_qty_m', sa.BigInteger(), nullable=False),
    sa.Column('returned_fen', sa.BigInteger(), nullable=False),
    sa.Column('returned_cost_fen', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('business_date', 'store_id', 'product_id', name=op.f('pk_rollup_product_day'))
    )
    op.create_table('rollup_sales_hour',
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('sales_count', sa.Integer(), nullable=False),
    sa.Column('sales_fen', sa.BigInteger(), nullable=False),
    sa.Column('gross_fen', sa.BigInteger(), nullable=False),
    sa.Column('discount_fen', sa.BigInteger(), nullable=False),
    sa.Column('tax_fen', sa.BigInteger(), nullable=False),
    sa.Column('member_count', sa.Integer(), nullable=False),
    sa.Column('member_fen', sa.BigInteger(), nullable=False),
    sa.Column('returns_count', sa.Integer(), nullable=False),
    sa.Column('returns_fen', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('business_date', 'store_id', 'hour', name=op.f('pk_rollup_sales_hour'))
    )
    op.create_table('rollup_tender_day',
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('tender', sa.String(length=16), nullable=False),
    sa.Column('paid_fen', sa.BigInteger(), nullable=False),
    sa.Column('refunded_fen', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('business_date', 'store_id', 'tender', name=op.f('pk_rollup_tender_day'))
    )
    with op.batch_alter_table('sale_returns', schema=None) as batch_op:
        batch_op.create_index('ix_sale_returns_received', ['received_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('sale_returns', schema=None) as batch_op:
        batch_op.drop_index('ix_sale_returns_received')

    op.drop_table('rollup_tender_day')
    op.drop_table('rollup_sales_hour')
    op.drop_table('rollup_product_day')
    op.drop_table('rollup_marks')
    op.drop_table('rollup_days')
