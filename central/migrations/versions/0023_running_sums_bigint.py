"""running sums fit their columns (#10 §7): a shift's sales, returns and cash totals and a customer's
receivable balance add up many amounts of up to ¥10,000,000 each (sync/ranges.py), which passes a
32-bit column after three sales; they become 64-bit (PostgreSQL; SQLite's INTEGER already is)

Revision ID: 0023_running_sums_bigint
Revises: 0022_user_pin_scope
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0023_running_sums_bigint'
down_revision: str | None = '0022_user_pin_scope'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (("shifts", "sales_total_fen", False), ("shifts", "returns_total_fen", False),
           ("shifts", "cash_in_fen", False), ("shifts", "cash_out_fen", False),
           ("receivable_entries", "balance_after_fen", False), ("receivable_accounts", "balance_fen", False))


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, nullable in COLUMNS:
        op.alter_column(table, column, type_=sa.BigInteger(), existing_type=sa.Integer(), existing_nullable=nullable)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for table, column, nullable in COLUMNS:
        op.alter_column(table, column, type_=sa.Integer(), existing_type=sa.BigInteger(), existing_nullable=nullable)
