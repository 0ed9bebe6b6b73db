"""purchasing, kits, counts, loans: supplier prices, purchase orders and their receipts (many
arrivals per order), supplier returns, cost corrections, purchasing settings; stock levels (min,
max, days of cover) and near-expiry rules; kit templates and assembly documents; count sheets;
loans of goods

Revision ID: 0013_purchasing
Revises: 0012_stored_value_vouchers
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0013_purchasing'
down_revision: str | None = '0012_stored_value_vouchers'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('purchase_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('approval_threshold_fen', sa.BigInteger(), nullable=False),
    sa.Column('over_receipt_tolerance_bp', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_settings'))
    )
    op.create_table('count_sheets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('no', sa.String(length=24), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('blind', sa.Boolean(), nullable=False),
    sa.Column('zone', sa.String(length=40), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('recount_of', sa.Integer(), nullable=True),
    sa.Column('snapshot_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('posted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('posted_by', sa.Integer(), nullable=True),
    sa.Column('doc_id', sa.String(length=40), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.CheckConstraint("status in ('counting', 'posted', 'cancelled')", name=op.f('ck_count_sheets_status')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_count_sheets_category_id_categories')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_count_sheets_created_by_users')),
    sa.ForeignKeyConstraint(['posted_by'], ['users.id'], name=op.f('fk_count_sheets_posted_by_users')),
    sa.ForeignKeyConstraint(['recount_of'], ['count_sheets.id'], name=op.f('fk_count_sheets_recount_of_count_sheets')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_count_sheets_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_count_sheets')),
    sa.UniqueConstraint('no', name=op.f('uq_count_sheets_no'))
    )
    with op.batch_alter_table('count_sheets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_count_sheets_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('expiry_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=True),
    sa.Column('category_id', sa.Integer(), nullable=True),
    sa.Column('warn_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(product_id is null) <> (category_id is null)', name=op.f('ck_expiry_rules_target')),
    sa.CheckConstraint('warn_days >= 0', name=op.f('ck_expiry_rules_warn_days')),
    sa.ForeignKeyConstraint(['category_id'], ['categories.id'], name=op.f('fk_expiry_rules_category_id_categories')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_expiry_rules_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_expiry_rules')),
    sa.UniqueConstraint('category_id', name=op.f('uq_expiry_rules_category_id')),
    sa.UniqueConstraint('product_id', name=op.f('uq_expiry_rules_product_id'))
    )
    op.create_table('kit_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('explode_on_sale', sa.Boolean(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind in ('kit', 'repack')", name=op.f('ck_kit_templates_kind')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_kit_templates_product_id_products')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kit_templates')),
    sa.UniqueConstraint('code', name=op.f('uq_kit_templates_code')),
    sa.UniqueConstraint('product_id', name=op.f('uq_kit_templates_product_id'))
    )
    op.create_table('loans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('no', sa.String(length=24), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('party_type', sa.String(length=10), nullable=False),
    sa.Column('party_id', sa.Integer(), nullable=True),
    sa.Column('party_name', sa.String(length=100), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('lent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_date', sa.Date(), nullable=True),
    sa.Column('value_fen', sa.BigInteger(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("party_type in ('staff', 'customer', 'supplier', 'other')", name=op.f('ck_loans_party_type')),
    sa.CheckConstraint("status in ('open', 'closed')", name=op.f('ck_loans_status')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_loans_created_by_users')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_loans_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loans')),
    sa.UniqueConstraint('no', name=op.f('uq_loans_no'))
    )
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.create_index('ix_loans_party', ['party_type', 'party_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_loans_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('purchase_orders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('no', sa.String(length=24), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('expected_date', sa.Date(), nullable=True),
    sa.Column('total_fen', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('approved_by', sa.Integer(), nullable=True),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('close_reason', sa.String(length=200), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status in ('draft', 'pending_approval', 'approved', 'partially_received', 'received', 'closed', 'cancelled')", name=op.f('ck_purchase_orders_status')),
    sa.ForeignKeyConstraint(['approved_by'], ['users.id'], name=op.f('fk_purchase_orders_approved_by_users')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_purchase_orders_created_by_users')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_purchase_orders_supplier_id_suppliers')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_purchase_orders_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_orders')),
    sa.UniqueConstraint('no', name=op.f('uq_purchase_orders_no'))
    )
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_orders_status', ['status', 'warehouse_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_orders_supplier_id'), ['supplier_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_orders_warehouse_id'), ['warehouse_id'], unique=False)

    op.create_table('stock_levels',
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('min_m', sa.BigInteger(), nullable=False),
    sa.Column('max_m', sa.BigInteger(), nullable=True),
    sa.Column('cover_days', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('cover_days is null or cover_days > 0', name=op.f('ck_stock_levels_cover_days')),
    sa.CheckConstraint('min_m >= 0 and (max_m is null or max_m >= min_m)', name=op.f('ck_stock_levels_range')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_levels_product_id_products')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_stock_levels_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('warehouse_id', 'product_id', name=op.f('pk_stock_levels'))
    )
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_stock_levels_product_id'), ['product_id'], unique=False)

    op.create_table('supplier_products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=16), nullable=False),
    sa.Column('unit_factor', sa.Integer(), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('lead_time_days', sa.Integer(), nullable=False),
    sa.Column('min_order_units', sa.Integer(), nullable=False),
    sa.Column('supplier_sku', sa.String(length=40), nullable=True),
    sa.Column('preferred', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('price_fen >= 0', name=op.f('ck_supplier_products_price_fen')),
    sa.CheckConstraint('unit_factor >= 1', name=op.f('ck_supplier_products_unit_factor')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_supplier_products_product_id_products')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_supplier_products_supplier_id_suppliers')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_products')),
    sa.UniqueConstraint('supplier_id', 'product_id', name=op.f('uq_supplier_products_supplier_id_product_id'))
    )
    with op.batch_alter_table('supplier_products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_products_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_supplier_products_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('count_lines',
    sa.Column('sheet_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('expected_m', sa.BigInteger(), nullable=False),
    sa.Column('avg_cost_mfen', sa.BigInteger(), nullable=True),
    sa.Column('counted_m', sa.BigInteger(), nullable=True),
    sa.Column('counted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('counted_by', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=12), nullable=True),
    sa.ForeignKeyConstraint(['counted_by'], ['users.id'], name=op.f('fk_count_lines_counted_by_users')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_count_lines_product_id_products')),
    sa.ForeignKeyConstraint(['sheet_id'], ['count_sheets.id'], name=op.f('fk_count_lines_sheet_id_count_sheets'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('sheet_id', 'product_id', name=op.f('pk_count_lines'))
    )
    op.create_table('kit_components',
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('qty_m', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('qty_m > 0', name=op.f('ck_kit_components_qty_m')),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_kit_components_product_id_products')),
    sa.ForeignKeyConstraint(['template_id'], ['kit_templates.id'], name=op.f('fk_kit_components_template_id_kit_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('template_id', 'product_id', name=op.f('pk_kit_components'))
    )
    op.create_table('kit_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('no', sa.String(length=24), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=12), nullable=False),
    sa.Column('qty_m', sa.BigInteger(), nullable=False),
    sa.Column('value_fen', sa.BigInteger(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=200), nullable=True),
    sa.CheckConstraint("direction in ('assembly', 'disassembly')", name=op.f('ck_kit_documents_direction')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_kit_documents_created_by_users')),
    sa.ForeignKeyConstraint(['template_id'], ['kit_templates.id'], name=op.f('fk_kit_documents_template_id_kit_templates')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_kit_documents_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kit_documents')),
    sa.UniqueConstraint('no', name=op.f('uq_kit_documents_no'))
    )
    with op.batch_alter_table('kit_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kit_documents_template_id'), ['template_id'], unique=False)

    op.create_table('loan_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('doc_id', sa.String(length=40), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind in ('return', 'settle')", name=op.f('ck_loan_events_kind')),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_loan_events_created_by_users')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_events_loan_id_loans')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_loan_events'))
    )
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_events_loan_id'), ['loan_id'], unique=False)

    op.create_table('loan_lines',
    sa.Column('loan_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('qty_m', sa.BigInteger(), nullable=False),
    sa.Column('value_fen', sa.BigInteger(), nullable=True),
    sa.Column('returned_m', sa.BigInteger(), nullable=False),
    sa.Column('returned_value_fen', sa.BigInteger(), nullable=False),
    sa.Column('settled_m', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('qty_m > 0', name=op.f('ck_loan_lines_qty_m')),
    sa.ForeignKeyConstraint(['loan_id'], ['loans.id'], name=op.f('fk_loan_lines_loan_id_loans'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_loan_lines_product_id_products')),
    sa.PrimaryKeyConstraint('loan_id', 'line_no', name=op.f('pk_loan_lines'))
    )
    with op.batch_alter_table('loan_lines', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_loan_lines_product_id'), ['product_id'], unique=False)

    op.create_table('purchase_order_lines',
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=16), nullable=False),
    sa.Column('unit_factor', sa.Integer(), nullable=False),
    sa.Column('ordered_m', sa.BigInteger(), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('received_m', sa.BigInteger(), nullable=False),
    sa.Column('cancelled_m', sa.BigInteger(), nullable=False),
    sa.Column('expected_date', sa.Date(), nullable=True),
    sa.CheckConstraint('ordered_m > 0', name=op.f('ck_purchase_order_lines_ordered_m')),
    sa.CheckConstraint('received_m >= 0 and cancelled_m >= 0', name=op.f('ck_purchase_order_lines_progress')),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_order_lines_order_id_purchase_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_purchase_order_lines_product_id_products')),
    sa.PrimaryKeyConstraint('order_id', 'line_no', name=op.f('pk_purchase_order_lines'))
    )
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_order_lines_product', ['product_id'], unique=False)

    op.create_table('purchase_receipts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('no', sa.String(length=24), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('goods_fen', sa.BigInteger(), nullable=False),
    sa.Column('landed_cost_fen', sa.BigInteger(), nullable=False),
    sa.Column('supplier_doc_no', sa.String(length=40), nullable=True),
    sa.Column('over_receipt_approved_by', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_purchase_receipts_created_by_users')),
    sa.ForeignKeyConstraint(['order_id'], ['purchase_orders.id'], name=op.f('fk_purchase_receipts_order_id_purchase_orders')),
    sa.ForeignKeyConstraint(['over_receipt_approved_by'], ['users.id'], name=op.f('fk_purchase_receipts_over_receipt_approved_by_users')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_purchase_receipts_supplier_id_suppliers')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_purchase_receipts_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_receipts')),
    sa.UniqueConstraint('no', name=op.f('uq_purchase_receipts_no'))
    )
    with op.batch_alter_table('purchase_receipts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_receipts_order_id'), ['order_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_receipts_received_at'), ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_receipts_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('cost_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('no', sa.String(length=24), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('difference_fen', sa.BigInteger(), nullable=False),
    sa.Column('revalued_fen', sa.BigInteger(), nullable=False),
    sa.Column('variance_fen', sa.BigInteger(), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_cost_corrections_created_by_users')),
    sa.ForeignKeyConstraint(['receipt_id'], ['purchase_receipts.id'], name=op.f('fk_cost_corrections_receipt_id_purchase_receipts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cost_corrections')),
    sa.UniqueConstraint('no', name=op.f('uq_cost_corrections_no'))
    )
    with op.batch_alter_table('cost_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cost_corrections_corrected_at'), ['corrected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cost_corrections_receipt_id'), ['receipt_id'], unique=False)

    op.create_table('purchase_receipt_lines',
    sa.Column('receipt_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('order_line_no', sa.Integer(), nullable=True),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('unit_code', sa.String(length=16), nullable=False),
    sa.Column('unit_factor', sa.Integer(), nullable=False),
    sa.Column('qty_m', sa.BigInteger(), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('amount_fen', sa.BigInteger(), nullable=False),
    sa.Column('landed_fen', sa.BigInteger(), nullable=False),
    sa.Column('value_fen', sa.BigInteger(), nullable=False),
    sa.Column('batch_no', sa.String(length=40), nullable=True),
    sa.Column('production_date', sa.Date(), nullable=True),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_purchase_receipt_lines_product_id_products')),
    sa.ForeignKeyConstraint(['receipt_id'], ['purchase_receipts.id'], name=op.f('fk_purchase_receipt_lines_receipt_id_purchase_receipts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('receipt_id', 'line_no', name=op.f('pk_purchase_receipt_lines'))
    )
    with op.batch_alter_table('purchase_receipt_lines', schema=None) as batch_op:
        batch_op.create_index('ix_purchase_receipt_lines_product', ['product_id'], unique=False)

    op.create_table('supplier_returns',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('no', sa.String(length=24), nullable=False),
    sa.Column('supplier_id', sa.Integer(), nullable=False),
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('receipt_id', sa.Integer(), nullable=True),
    sa.Column('returned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('credit_fen', sa.BigInteger(), nullable=False),
    sa.Column('cost_fen', sa.BigInteger(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_by', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by'], ['users.id'], name=op.f('fk_supplier_returns_created_by_users')),
    sa.ForeignKeyConstraint(['receipt_id'], ['purchase_receipts.id'], name=op.f('fk_supplier_returns_receipt_id_purchase_receipts')),
    sa.ForeignKeyConstraint(['supplier_id'], ['suppliers.id'], name=op.f('fk_supplier_returns_supplier_id_suppliers')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_supplier_returns_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supplier_returns')),
    sa.UniqueConstraint('no', name=op.f('uq_supplier_returns_no'))
    )
    with op.batch_alter_table('supplier_returns', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supplier_returns_supplier_id'), ['supplier_id'], unique=False)

    op.create_table('cost_correction_lines',
    sa.Column('correction_id', sa.Integer(), nullable=False),
    sa.Column('receipt_line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('old_price_fen', sa.BigInteger(), nullable=False),
    sa.Column('new_price_fen', sa.BigInteger(), nullable=False),
    sa.Column('difference_fen', sa.BigInteger(), nullable=False),
    sa.Column('revalued_m', sa.BigInteger(), nullable=False),
    sa.Column('revalued_fen', sa.BigInteger(), nullable=False),
    sa.Column('variance_fen', sa.BigInteger(), nullable=False),
    sa.ForeignKeyConstraint(['correction_id'], ['cost_corrections.id'], name=op.f('fk_cost_correction_lines_correction_id_cost_corrections'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_cost_correction_lines_product_id_products')),
    sa.PrimaryKeyConstraint('correction_id', 'receipt_line_no', name=op.f('pk_cost_correction_lines'))
    )
    op.create_table('supplier_return_lines',
    sa.Column('return_id', sa.Integer(), nullable=False),
    sa.Column('line_no', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('qty_m', sa.BigInteger(), nullable=False),
    sa.Column('unit_code', sa.String(length=16), nullable=False),
    sa.Column('unit_factor', sa.Integer(), nullable=False),
    sa.Column('price_fen', sa.BigInteger(), nullable=False),
    sa.Column('credit_fen', sa.BigInteger(), nullable=False),
    sa.Column('cost_fen', sa.BigInteger(), nullable=True),
    sa.Column('batch_no', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_supplier_return_lines_product_id_products')),
    sa.ForeignKeyConstraint(['return_id'], ['supplier_returns.id'], name=op.f('fk_supplier_return_lines_return_id_supplier_returns'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('return_id', 'line_no', name=op.f('pk_supplier_return_lines'))
    )


def downgrade() -> None:
    op.drop_table('supplier_return_lines')
    op.drop_table('cost_correction_lines')
    with op.batch_alter_table('supplier_returns', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_returns_supplier_id'))

    op.drop_table('supplier_returns')
    with op.batch_alter_table('purchase_receipt_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_receipt_lines_product')

    op.drop_table('purchase_receipt_lines')
    with op.batch_alter_table('cost_corrections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cost_corrections_receipt_id'))
        batch_op.drop_index(batch_op.f('ix_cost_corrections_corrected_at'))

    op.drop_table('cost_corrections')
    with op.batch_alter_table('purchase_receipts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_receipts_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_purchase_receipts_received_at'))
        batch_op.drop_index(batch_op.f('ix_purchase_receipts_order_id'))

    op.drop_table('purchase_receipts')
    with op.batch_alter_table('purchase_order_lines', schema=None) as batch_op:
        batch_op.drop_index('ix_purchase_order_lines_product')

    op.drop_table('purchase_order_lines')
    with op.batch_alter_table('loan_lines', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_lines_product_id'))

    op.drop_table('loan_lines')
    with op.batch_alter_table('loan_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loan_events_loan_id'))

    op.drop_table('loan_events')
    with op.batch_alter_table('kit_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kit_documents_template_id'))

    op.drop_table('kit_documents')
    op.drop_table('kit_components')
    op.drop_table('count_lines')
    with op.batch_alter_table('supplier_products', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supplier_products_supplier_id'))
        batch_op.drop_index(batch_op.f('ix_supplier_products_product_id'))

    op.drop_table('supplier_products')
    with op.batch_alter_table('stock_levels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_levels_product_id'))

    op.drop_table('stock_levels')
    with op.batch_alter_table('purchase_orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_orders_warehouse_id'))
        batch_op.drop_index(batch_op.f('ix_purchase_orders_supplier_id'))
        batch_op.drop_index('ix_purchase_orders_status')

    op.drop_table('purchase_orders')
    with op.batch_alter_table('loans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_loans_warehouse_id'))
        batch_op.drop_index('ix_loans_party')

    op.drop_table('loans')
    op.drop_table('kit_templates')
    op.drop_table('expiry_rules')
    with op.batch_alter_table('count_sheets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_count_sheets_warehouse_id'))

    op.drop_table('count_sheets')
    op.drop_table('purchase_settings')
