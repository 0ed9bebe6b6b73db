"""console search and sync health: pinyin initials of member and customer names (张伟 → zw), filled
for existing rows; terminal_contacts (each terminal's last push/pull, reported version and backlog)

Revision ID: 0016_console_search_contacts
Revises: 0015_sales_orders
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0016_console_search_contacts'
down_revision: str | None = '0015_sales_orders'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fill_pinyin(table: str, key: str) -> None:
    """Existing names get their initials (new and changed ones get them from the ORM hooks)."""
    from central.catalog.pinyin import pinyin_initials

    conn = op.get_bind()
    rows = conn.execute(sa.text(f"SELECT {key}, name FROM {table} WHERE name IS NOT NULL")).all()
    updates = [{"k": k, "p": pinyin_initials(name)} for k, name in rows if name]
    for start in range(0, len(updates), 5000):
        conn.execute(sa.text(f"UPDATE {table} SET name_pinyin = :p WHERE {key} = :k"), updates[start:start + 5000])


def upgrade() -> None:
    op.create_table('terminal_contacts',
    sa.Column('terminal_id', sa.Integer(), nullable=False),
    sa.Column('last_contact_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_push_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_pull_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('client_version', sa.String(length=40), nullable=True),
    sa.Column('pending_events', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['terminal_id'], ['terminals.id'], name=op.f('fk_terminal_contacts_terminal_id_terminals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('terminal_id', name=op.f('pk_terminal_contacts'))
    )
    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_pinyin', sa.String(length=100), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_customers_name_pinyin'), ['name_pinyin'], unique=False)

    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_pinyin', sa.String(length=100), server_default='', nullable=False))
        batch_op.create_index(batch_op.f('ix_members_name_pinyin'), ['name_pinyin'], unique=False)

    _fill_pinyin('customers', 'id')
    _fill_pinyin('members', 'id')


def downgrade() -> None:
    with op.batch_alter_table('members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_members_name_pinyin'))
        batch_op.drop_column('name_pinyin')

    with op.batch_alter_table('customers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_customers_name_pinyin'))
        batch_op.drop_column('name_pinyin')

    op.drop_table('terminal_contacts')
