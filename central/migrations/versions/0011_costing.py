"""costing: moving average cost on every stock movement (value_fen) and on-hand row (value_fen,
avg_cost_mfen), each sale line's and return line's cost, batches of batch-tracked products
(stock_batches), new movement kinds (revaluation, supplier_return, assembly, disassembly, loan_out,
loan_return, delivery, delivery_return), indexes for batch traceability and periods (BRIN on
PostgreSQL)

Existing stock gets an opening value: the latest purchase price its warehouse received it at (the
ledger's unit_cost_fen), posted as one `revaluation` row per warehouse and product so that value on
hand stays the sum of the ledger. Stock never received at a price stays at unknown cost, and past
movements and sale lines keep an unknown cost (history is not rewritten).

Revision ID: 0011_costing
Revises: 0010_console
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

OLD_KINDS = ('sale', 'return', 'purchase_receipt', 'transfer_out', 'transfer_in', 'adjustment', 'count_difference',
             'loss')
NEW_KINDS = OLD_KINDS + ('revaluation', 'supplier_return', 'assembly', 'disassembly', 'loan_out', 'loan_return',
                         'delivery', 'delivery_return')


def _check(kinds: tuple[str, ...]) -> str:
    return "kind in (" + ", ".join(f"'{k}'" for k in kinds) + ")"


def _round_mfen(expr: str) -> str:
    """expr (milli-fen × milli-units) / 1,000,000 rounded half away from zero, in integers on both databases."""
    return f"(CASE WHEN {expr} < 0 THEN -((-({expr}) + 500000) / 1000000) ELSE ({expr} + 500000) / 1000000 END)"


revision: str = '0011_costing'
down_revision: str | None = '0010_console'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('stock_batches',
    sa.Column('warehouse_id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('batch_no', sa.String(length=40), nullable=False),
    sa.Column('qty_m', sa.BigInteger(), nullable=False),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('production_date', sa.Date(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_stock_batches_product_id_products')),
    sa.ForeignKeyConstraint(['warehouse_id'], ['warehouses.id'], name=op.f('fk_stock_batches_warehouse_id_warehouses')),
    sa.PrimaryKeyConstraint('warehouse_id', 'product_id', 'batch_no', name=op.f('pk_stock_batches'))
    )
    with op.batch_alter_table('stock_batches', schema=None) as batch_op:
        batch_op.create_index('ix_stock_batches_expiry', ['expiry_date'], unique=False)
        batch_op.create_index(batch_op.f('ix_stock_batches_product_id'), ['product_id'], unique=False)

    with op.batch_alter_table('sale_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cost_fen', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('returned_cost_fen', sa.BigInteger(), server_default='0', nullable=False))

    with op.batch_alter_table('sale_return_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cost_fen', sa.BigInteger(), nullable=True))

    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value_fen', sa.BigInteger(), nullable=True))
        batch_op.drop_constraint(op.f('ck_stock_movements_kind'), type_='check')
        batch_op.create_check_constraint('kind', _check(NEW_KINDS))
        batch_op.create_index('ix_stock_movements_batch', ['product_id', 'batch_no'], unique=False, postgresql_where=sa.text('batch_no IS NOT NULL'), sqlite_where=sa.text('batch_no IS NOT NULL'))
        batch_op.create_index('ix_stock_movements_occurred_at', ['occurred_at'], unique=False, postgresql_using='brin')

    with op.batch_alter_table('stock_on_hand', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value_fen', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('avg_cost_mfen', sa.BigInteger(), nullable=True))

    # opening values of the stock already held (see the docstring)
    op.execute("""
        UPDATE stock_on_hand SET avg_cost_mfen = (
            SELECT m.unit_cost_fen * 1000 FROM stock_movements m
            WHERE m.warehouse_id = stock_on_hand.warehouse_id AND m.product_id = stock_on_hand.product_id
              AND m.kind = 'purchase_receipt' AND m.unit_cost_fen IS NOT NULL
            ORDER BY m.id DESC LIMIT 1)""")
    op.execute(f"""
        UPDATE stock_on_hand SET value_fen = {_round_mfen('qty_m * avg_cost_mfen')}
        WHERE avg_cost_mfen IS NOT NULL""")
    op.execute("""
        INSERT INTO stock_movements (warehouse_id, product_id, kind, qty_m, balance_after_m, value_fen, source_type,
                                     source_id, occurred_at, recorded_at, note)
        SELECT warehouse_id, product_id, 'revaluation', 0, qty_m, value_fen, 'migration', '0011_costing',
               CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '期初成本（最近进价）/ opening cost at the latest purchase price'
        FROM stock_on_hand WHERE value_fen <> 0 ORDER BY warehouse_id, product_id""")


def downgrade() -> None:
    with op.batch_alter_table('stock_on_hand', schema=None) as batch_op:
        batch_op.drop_column('avg_cost_mfen')
        batch_op.drop_column('value_fen')

    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_movements_occurred_at', postgresql_using='brin')
        batch_op.drop_index('ix_stock_movements_batch', postgresql_where=sa.text('batch_no IS NOT NULL'), sqlite_where=sa.text('batch_no IS NOT NULL'))
        batch_op.drop_column('value_fen')
    op.execute("DELETE FROM stock_movements WHERE kind NOT IN (" + ", ".join(f"'{k}'" for k in OLD_KINDS) + ")")
    with op.batch_alter_table('stock_movements', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_stock_movements_kind'), type_='check')
        batch_op.create_check_constraint('kind', _check(OLD_KINDS))

    with op.batch_alter_table('sale_return_lines', schema=None) as batch_op:
        batch_op.drop_column('cost_fen')

    with op.batch_alter_table('sale_lines', schema=None) as batch_op:
        batch_op.drop_column('returned_cost_fen')
        batch_op.drop_column('cost_fen')

    with op.batch_alter_table('stock_batches', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_stock_batches_product_id'))
        batch_op.drop_index('ix_stock_batches_expiry')

    op.drop_table('stock_batches')
