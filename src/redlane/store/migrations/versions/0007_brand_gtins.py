"""GS1 GTINs of brands' product lines (``brand_gtins``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07

Self-contained like 0001: imports nothing from redlane.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "brand_gtins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("product_line_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.CheckConstraint("source IN ('recordations', 'portal')", name="ck_brand_gtins_source"),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name="fk_brand_gtins_brand_id_brands", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["product_line_id"],
            ["brand_product_lines.id"],
            name="fk_brand_gtins_product_line_id_brand_product_lines",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_brand_gtins"),
        sa.UniqueConstraint("gtin", name="uq_brand_gtins_gtin"),
    )
    op.create_index("ix_brand_gtins_brand_id", "brand_gtins", ["brand_id"])
    op.create_index("ix_brand_gtins_product_line_id", "brand_gtins", ["product_line_id"])


def downgrade() -> None:
    op.drop_index("ix_brand_gtins_product_line_id", table_name="brand_gtins")
    op.drop_index("ix_brand_gtins_brand_id", table_name="brand_gtins")
    op.drop_table("brand_gtins")
