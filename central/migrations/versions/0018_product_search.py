"""product search: trigram indexes (pg_trgm, GIN) on products' SKU, name, pinyin initials and English
name, so a search for a rare term reads a few index pages instead of every product (PostgreSQL);
plain indexes on SQLite

Revision ID: 0018_product_search
Revises: 0017_report_rollups
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = '0018_product_search'
down_revision: str | None = '0017_report_rollups'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("sku", "name", "pinyin", "name_en")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        # pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for column in COLUMNS:
        op.create_index(f"ix_products_{column}_trgm", "products", [column], unique=False,
                        postgresql_using="gin", postgresql_ops={column: "gin_trgm_ops"})


def downgrade() -> None:
    for column in COLUMNS:
        op.drop_index(f"ix_products_{column}_trgm", table_name="products")
