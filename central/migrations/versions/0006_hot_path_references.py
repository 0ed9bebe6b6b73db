"""hot path references: sales, sale lines and stock movements refer to master data without a
FOREIGN KEY per row (the push ingest checks them once per batch); sales' customer and member
indexes hold only sales that have one; the event log's payloads are compressed with lz4 on
PostgreSQL

Why: on PostgreSQL every FOREIGN KEY check of an inserted row takes a lock on the referenced row
(a WAL-logged write); a 5-line sale made 30 of them on stores, terminals, warehouses, users,
products and the sale itself (its lines and payment), and ten tills locking the same popular
products turned them into multixacts. Measured with `bench sync_push` (10 tills) and the push path
in-process: ~105 µs of PostgreSQL CPU per sale of ~240. See central/sales/models.py for what still
keeps the references whole.

Revision ID: 0006_hot_path_references
Revises: 0005_enrolment_nonce
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0006_hot_path_references'
down_revision: str | None = '0005_enrolment_nonce'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DROPPED = {
    'sales': [('cashier_id', 'users'), ('store_id', 'stores'), ('terminal_id', 'terminals'),
              ('warehouse_id', 'warehouses')],
    'sale_lines': [('product_id', 'products'), ('sale_id', 'sales')],
    'sale_payments': [('sale_id', 'sales')],
    'stock_movements': [('product_id', 'products'), ('warehouse_id', 'warehouses'), ('user_id', 'users')],
}
PARTIAL = {'ix_sales_customer_id': 'customer_id', 'ix_sales_member_id': 'member_id'}


def _lz4_available() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != 'postgresql':
        return False
    return bool(bind.exec_driver_sql(
        "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'").scalar())


def upgrade() -> None:
    for table, refs in DROPPED.items():
        with op.batch_alter_table(table) as batch:
            for column, referred in refs:
                batch.drop_constraint(f'fk_{table}_{column}_{referred}', type_='foreignkey')
    with op.batch_alter_table('sales') as batch:
        for name, column in PARTIAL.items():
            batch.drop_index(name)
            where = sa.text(f'{column} IS NOT NULL')
            batch.create_index(name, [column], unique=False, postgresql_where=where, sqlite_where=where)
    if _lz4_available():  # new rows only; rows already stored keep their pglz compression
        op.execute('ALTER TABLE sync_events ALTER COLUMN payload SET COMPRESSION lz4')


def downgrade() -> None:
    if _lz4_available():
        op.execute('ALTER TABLE sync_events ALTER COLUMN payload SET COMPRESSION default')
    with op.batch_alter_table('sales') as batch:
        for name, column in PARTIAL.items():
            batch.drop_index(name)
            batch.create_index(name, [column], unique=False)
    for table, refs in DROPPED.items():
        with op.batch_alter_table(table) as batch:
            for column, referred in refs:
                batch.create_foreign_key(f'fk_{table}_{column}_{referred}', referred, [column], ['id'])
