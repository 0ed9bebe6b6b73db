"""stored value and vouchers: bonus rules, the stored-value ledger and top-ups, the members' balance,
voucher batches, vouchers, redemptions and voucher sales

Revision ID: 0012_stored_value_vouchers
Revises: 0011_costing
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0012_stored_value_vouchers'
down_revision: str | None = '0011_costing'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('stored_value_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('min_topup_fen', sa.BigInteger(), nullable=False),
    sa.Column('bonus_fen', sa.BigInteger(), nullable=False),
    sa.Column('bonus_bp', sa.Integer(), nullable=False),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('store_ids', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_value_rules'))
    )
    op.create_table('voucher_sales',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('receipt_no', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('terminal_id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.String(length=36), nullable=False),
    sa.Column('cashier_id', sa.Integer(), nullable=True),
    sa.Column('member_id', sa.String(length=36), nullable=True),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('items', sa.JSON(), nullable=False),
    sa.Column('payments', sa.JSON(), nullable=False),
    sa.Column('sold_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_voucher_sales_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_sales')),
    sa.UniqueConstraint('receipt_no', name=op.f('uq_voucher_sales_receipt_no'))
    )
    with op.batch_alter_table('voucher_sales', schema=None) as batch_op:
        batch_op.create_index('ix_voucher_sales_store_day', ['store_id', 'business_date'], unique=False)

    op.create_table('voucher_batches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value_fen', sa.BigInteger(), nullable=False),
    sa.Column('percent_off_bp', sa.Integer(), nullable=False),
    sa.Column('max_off_fen', sa.BigInteger(), nullable=True),
    sa.Column('min_spend_fen', sa.BigInteger(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('unit_code', sa.String(length=16), nullable=True),
    sa.Column('qty', sa.Integer(), nullable=False),
    sa.Column('sale_price_fen', sa.BigInteger(), nullable=True),
    sa.Column('valid_from', sa.DateTime(timezone=True), nullable=True),
    sa.Column('valid_to', sa.DateTime(timezone=True), nullable=True),
    sa.Column('store_ids', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('issued_count', sa.Integer(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_voucher_batches_created_by_users')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_voucher_batches_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_batches')),
    sa.UniqueConstraint('code', name=op.f('uq_voucher_batches_code'))
    )
    op.create_table('stored_value_ledger',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('balance_after', sa.BigInteger(), nullable=False),
    sa.Column('overdrawn', sa.Boolean(), nullable=False),
    sa.Column('source_type', sa.String(length=16), nullable=False),
    sa.Column('source_id', sa.String(length=40), nullable=False),
    sa.Column('receipt_no', sa.String(length=40), nullable=True),
    sa.Column('store_id', sa.Integer(), nullable=True),
    sa.Column('terminal_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_stored_value_ledger_member_id_members')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_stored_value_ledger_store_id_stores')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_stored_value_ledger_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_value_ledger')),
    sa.UniqueConstraint('source_type', 'source_id', 'kind', name='uq_stored_value_ledger_source_type_source_id_kind')
    )
    with op.batch_alter_table('stored_value_ledger', schema=None) as batch_op:
        batch_op.create_index('ix_stored_value_ledger_member', ['member_id', 'id'], unique=False)

    op.create_table('stored_value_topups',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('receipt_no', sa.String(length=40), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('terminal_id', sa.Integer(), nullable=False),
    sa.Column('shift_id', sa.String(length=36), nullable=False),
    sa.Column('cashier_id', sa.Integer(), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('bonus_fen', sa.BigInteger(), nullable=False),
    sa.Column('claimed_bonus_fen', sa.BigInteger(), nullable=False),
    sa.Column('bonus_rule_id', sa.Integer(), nullable=True),
    sa.Column('payments', sa.JSON(), nullable=False),
    sa.Column('topped_up_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('business_date', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_stored_value_topups_member_id_members')),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_stored_value_topups_store_id_stores')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_stored_value_topups')),
    sa.UniqueConstraint('receipt_no', name=op.f('uq_stored_value_topups_receipt_no'))
    )
    with op.batch_alter_table('stored_value_topups', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stored_value_topups_member_id'), ['member_id'], unique=False)
        batch_op.create_index('ix_stored_value_topups_store_day', ['store_id', 'business_date'], unique=False)

    op.create_table('vouchers',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=True),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sold_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sold_sale_id', sa.String(length=36), nullable=True),
    sa.Column('sold_store_id', sa.Integer(), nullable=True),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('redeemed_sale_id', sa.String(length=36), nullable=True),
    sa.Column('redeemed_receipt_no', sa.String(length=40), nullable=True),
    sa.Column('redeemed_store_id', sa.Integer(), nullable=True),
    sa.Column('uses', sa.Integer(), nullable=False),
    sa.Column('void_reason', sa.String(length=200), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['voucher_batches.id'], name=op.f('fk_vouchers_batch_id_voucher_batches')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_vouchers_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vouchers')),
    sa.UniqueConstraint('code', name=op.f('uq_vouchers_code'))
    )
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.create_index('ix_vouchers_batch', ['batch_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vouchers_member_id'), ['member_id'], unique=False)

    op.create_table('voucher_redemptions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('voucher_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('sale_id', sa.String(length=36), nullable=False),
    sa.Column('receipt_no', sa.String(length=40), nullable=False),
    sa.Column('store_id', sa.Integer(), nullable=False),
    sa.Column('terminal_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.String(length=36), nullable=True),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('due_fen', sa.BigInteger(), nullable=False),
    sa.Column('redeemed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('counted', sa.Boolean(), nullable=False),
    sa.Column('flag_kind', sa.String(length=40), nullable=True),
    sa.Column('restored_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['store_id'], ['stores.id'], name=op.f('fk_voucher_redemptions_store_id_stores')),
    sa.ForeignKeyConstraint(['voucher_id'], ['vouchers.id'], name=op.f('fk_voucher_redemptions_voucher_id_vouchers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_voucher_redemptions'))
    )
    with op.batch_alter_table('voucher_redemptions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_voucher_redemptions_code'), ['code'], unique=False)
        batch_op.create_index(batch_op.f('ix_voucher_redemptions_sale_id'), ['sale_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_voucher_redemptions_voucher_id'), ['voucher_id'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stored_value_fen', sa.BigInteger(), server_default='0', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_column('stored_value_fen')

    with op.batch_alter_table('voucher_redemptions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_voucher_redemptions_voucher_id'))
        batch_op.drop_index(batch_op.f('ix_voucher_redemptions_sale_id'))
        batch_op.drop_index(batch_op.f('ix_voucher_redemptions_code'))

    op.drop_table('voucher_redemptions')
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vouchers_member_id'))
        batch_op.drop_index('ix_vouchers_batch')

    op.drop_table('vouchers')
    with op.batch_alter_table('stored_value_topups', schema=None) as batch_op:
        batch_op.drop_index('ix_stored_value_topups_store_day')
        batch_op.drop_index(batch_op.f('ix_stored_value_topups_member_id'))

    op.drop_table('stored_value_topups')
    with op.batch_alter_table('stored_value_ledger', schema=None) as batch_op:
        batch_op.drop_index('ix_stored_value_ledger_member')

    op.drop_table('stored_value_ledger')
    op.drop_table('voucher_batches')
    with op.batch_alter_table('voucher_sales', schema=None) as batch_op:
        batch_op.drop_index('ix_voucher_sales_store_day')

    op.drop_table('voucher_sales')
    op.drop_table('stored_value_rules')
