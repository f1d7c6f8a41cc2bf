"""Brand protection: rights holders and their users, brands, trademarks, product lines,
authorised parties, identification guides and images, authentication codes (keyed hashes) and
their scans, counterfeit flags.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

Self-contained like 0001: imports nothing from redlane.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = "'recordations', 'portal'"
PARTY_ROLES = "'manufacturer', 'licensee', 'exporter', 'distributor'"


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _fk(table: str, column: str, target: str, *, ondelete: str | None = None) -> sa.Constraint:
    referred_table = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=f"fk_{table}_{column}_{referred_table}", ondelete=ondelete
    )


def _check(table: str, column: str, values: str) -> sa.Constraint:
    return sa.CheckConstraint(f"{column} IN ({values})", name=f"ck_{table}_{column}")


def _index(table: str, *columns: str) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns))


def _holders_and_brands() -> None:
    op.create_table(
        "rights_holders",
        _id(),
        sa.Column("slug", sa.String(100), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("country", sa.String(2), nullable=True),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_rights_holders"),
        sa.UniqueConstraint("slug", name="uq_rights_holders_slug"),
    )
    op.create_table(
        "rights_holder_members",
        _id(),
        sa.Column("rights_holder_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        _at("added_at"),
        _fk("rights_holder_members", "rights_holder_id", "rights_holders.id"),
        _fk("rights_holder_members", "user_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name="pk_rights_holder_members"),
        sa.UniqueConstraint("user_id", name="uq_rights_holder_members_user_id"),
    )
    _index("rights_holder_members", "rights_holder_id")
    op.create_table(
        "brands",
        _id(),
        sa.Column("brand_ref", sa.String(128), nullable=False),
        sa.Column("rights_holder_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("owner_country", sa.String(2), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        _check("brands", "source", SOURCES),
        _fk("brands", "rights_holder_id", "rights_holders.id"),
        sa.PrimaryKeyConstraint("id", name="pk_brands"),
        sa.UniqueConstraint("brand_ref", name="uq_brands_brand_ref"),
    )
    _index("brands", "rights_holder_id")


def _recordations() -> None:
    op.create_table(
        "brand_trademarks",
        _id(),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("recordation_number", sa.String(128), nullable=False),
        sa.Column("mark", sa.String(300), nullable=False),
        sa.Column("registered_at", sa.Date(), nullable=False),
        sa.Column("expires_at", sa.Date(), nullable=True),
        _fk("brand_trademarks", "brand_id", "brands.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_brand_trademarks"),
        sa.UniqueConstraint("recordation_number", name="uq_brand_trademarks_recordation_number"),
    )
    _index("brand_trademarks", "brand_id")
    op.create_table(
        "brand_product_lines",
        _id(),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("hs6", sa.String(6), nullable=False),
        sa.Column("price_min", sa.Float(), nullable=False),
        sa.Column("price_max", sa.Float(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.CheckConstraint(
            "price_min >= 0 AND price_max >= price_min", name="ck_brand_product_lines_price_range"
        ),
        _fk("brand_product_lines", "brand_id", "brands.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_brand_product_lines"),
        sa.UniqueConstraint("brand_id", "name", name="uq_brand_product_lines_brand_id_name"),
    )
    _index("brand_product_lines", "brand_id")
    op.create_table(
        "brand_parties",
        _id(),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("party_ref", sa.String(128), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("address", sa.Text(), nullable=True),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("identifiers", sa.JSON(), nullable=False),
        sa.Column("actor_id", sa.String(128), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
        _check("brand_parties", "role", PARTY_ROLES),
        _check("brand_parties", "source", SOURCES),
        _fk("brand_parties", "brand_id", "brands.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_brand_parties"),
        sa.UniqueConstraint("brand_id", "party_ref", name="uq_brand_parties_brand_id_party_ref"),
    )
    _index("brand_parties", "brand_id")
    _index("brand_parties", "actor_id")


def _guides() -> None:
    op.create_table(
        "brand_guides",
        _id(),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=False),
        _at("created_at"),
        _at("updated_at"),
        _fk("brand_guides", "brand_id", "brands.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_brand_guides"),
    )
    _index("brand_guides", "brand_id")
    op.create_table(
        "brand_guide_images",
        _id(),
        sa.Column("guide_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(300), nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        _at("added_at"),
        _fk("brand_guide_images", "guide_id", "brand_guides.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_brand_guide_images"),
    )
    _index("brand_guide_images", "guide_id")


def _codes() -> None:
    op.create_table(
        "brand_codes",
        _id(),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("product_line_id", sa.Integer(), nullable=True),
        sa.Column("batch", sa.String(100), nullable=False),
        sa.Column("enrolled_by", sa.String(100), nullable=False),
        _at("enrolled_at"),
        _fk("brand_codes", "brand_id", "brands.id", ondelete="CASCADE"),
        _fk("brand_codes", "product_line_id", "brand_product_lines.id", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_brand_codes"),
        sa.UniqueConstraint("brand_id", "code_hash", name="uq_brand_codes_brand_id_code_hash"),
    )
    _index("brand_codes", "code_hash")
    op.create_table(
        "brand_code_scans",
        _id(),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=True),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("context", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(200), nullable=False),
        sa.Column("port_code", sa.String(16), nullable=True),
        sa.Column("scanned_by", sa.String(100), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=False),
        _at("scanned_at"),
        _check("brand_code_scans", "verdict", "'genuine', 'unknown', 'cloned'"),
        _check("brand_code_scans", "context", "'shipment', 'listing', 'test_buy'"),
        _fk("brand_code_scans", "brand_id", "brands.id", ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name="pk_brand_code_scans"),
    )
    _index("brand_code_scans", "code_hash")
    _index("brand_code_scans", "brand_id")
    _index("brand_code_scans", "ref")


def _flags() -> None:
    op.create_table(
        "brand_flags",
        _id(),
        sa.Column("rights_holder_id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sa.String(16), nullable=False),
        sa.Column("target_ref", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("review", sa.String(16), nullable=False),
        sa.Column("fast_path", sa.Boolean(), nullable=False),
        sa.Column("lookout_id", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(100), nullable=False),
        _at("created_at"),
        sa.Column("decided_by", sa.String(100), nullable=True),
        _at("decided_at", nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.Column("confirmed_by", sa.String(16), nullable=True),
        sa.Column("confirmed_ref", sa.String(200), nullable=True),
        _at("confirmed_at", nullable=True),
        _check("brand_flags", "target_kind", "'listing', 'seller', 'shipment'"),
        _check("brand_flags", "review", "'pending', 'accepted', 'rejected'"),
        _check("brand_flags", "confirmed_by", "'seizure', 'test_buy'"),
        _fk("brand_flags", "rights_holder_id", "rights_holders.id"),
        _fk("brand_flags", "brand_id", "brands.id"),
        _fk("brand_flags", "lookout_id", "lookouts.id"),
        sa.PrimaryKeyConstraint("id", name="pk_brand_flags"),
    )
    _index("brand_flags", "rights_holder_id")
    _index("brand_flags", "brand_id")
    _index("brand_flags", "target_ref")


def upgrade() -> None:
    _holders_and_brands()
    _recordations()
    _guides()
    _codes()
    _flags()


def downgrade() -> None:
    for table in (
        "brand_flags",
        "brand_code_scans",
        "brand_codes",
        "brand_guide_images",
        "brand_guides",
        "brand_parties",
        "brand_product_lines",
        "brand_trademarks",
        "brands",
        "rights_holder_members",
        "rights_holders",
    ):
        op.drop_table(table)
