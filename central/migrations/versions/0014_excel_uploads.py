"""excel: spreadsheets uploaded for import, kept between their check and their commit

Revision ID: 0014_excel_uploads
Revises: 0013_purchasing
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0014_excel_uploads'
down_revision: str | None = '0013_purchasing'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('excel_uploads',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('result', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('committed_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status in ('checked', 'committed')", name=op.f('ck_excel_uploads_status')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_excel_uploads_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_excel_uploads'))
    )
    with op.batch_alter_table('excel_uploads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_excel_uploads_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_excel_uploads_user_id_created_at', ['user_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('excel_uploads', schema=None) as batch_op:
        batch_op.drop_index('ix_excel_uploads_user_id_created_at')
        batch_op.drop_index(batch_op.f('ix_excel_uploads_created_at'))
    op.drop_table('excel_uploads')
