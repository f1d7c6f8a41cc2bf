"""Cases: targets, assignees, notes, evidence items, chain of custody, resolution labels; case
status ``referred`` becomes ``referred_prosecution`` (column widened to 32).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23

Self-contained like 0001: imports nothing from redlane.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STATUSES = "'lead', 'investigation', 'referred', 'civil_action', 'closed'"
NEW_STATUSES = "'lead', 'investigation', 'referred_prosecution', 'civil_action', 'closed'"
TARGET_KINDS = "'actor', 'ring', 'hawb', 'inspection', 'party'"
EVIDENCE_KINDS = (
    "'seizure_record', 'document', 'photo', 'test_buy', 'listing_snapshot', 'advance_data', "
    "'account_record', 'social_post', 'other'"
)


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, *, ondelete: str | None = None) -> sa.Constraint:
    referred_table = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=f"fk_{table}_{column}_{referred_table}", ondelete=ondelete
    )


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("ck_cases_status", type_="check")
        batch.alter_column(
            "status", existing_type=sa.String(16), type_=sa.String(32), existing_nullable=False
        )
    op.execute("UPDATE cases SET status = 'referred_prosecution' WHERE status = 'referred'")
    with op.batch_alter_table("cases") as batch:
        batch.create_check_constraint("ck_cases_status", f"status IN ({NEW_STATUSES})")

    op.create_table(
        "case_targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("ref", sa.String(128), nullable=False),
        sa.Column("added_by", sa.String(100), nullable=False),
        _at("added_at"),
        sa.CheckConstraint(f"kind IN ({TARGET_KINDS})", name="ck_case_targets_kind"),
        _fk("case_targets", "case_id", "cases.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_case_targets"),
        sa.UniqueConstraint("case_id", "kind", "ref", name="uq_case_targets_case_id_kind_ref"),
    )
    op.create_index("ix_case_targets_case_id", "case_targets", ["case_id"])
    op.create_table(
        "case_assignees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("assigned_by", sa.String(100), nullable=False),
        _at("assigned_at"),
        _fk("case_assignees", "case_id", "cases.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_case_assignees"),
        sa.UniqueConstraint("case_id", "username", name="uq_case_assignees_case_id_username"),
    )
    op.create_index("ix_case_assignees_case_id", "case_assignees", ["case_id"])
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(100), nullable=False),
        _at("at"),
        sa.Column("text", sa.Text(), nullable=False),
        _fk("case_notes", "case_id", "cases.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_case_notes"),
    )
    op.create_index("ix_case_notes_case_id", "case_notes", ["case_id"])
    op.create_table(
        "evidence_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("source_partner", sa.String(32), nullable=False),
        sa.Column("original_filename", sa.String(500), nullable=False),
        sa.Column("stored_path", sa.String(1000), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        _at("received_at"),
        sa.Column("added_by", sa.String(100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("record_refs", sa.JSON(), nullable=False),
        sa.CheckConstraint(f"kind IN ({EVIDENCE_KINDS})", name="ck_evidence_items_kind"),
        _fk("evidence_items", "case_id", "cases.id"),
        sa.PrimaryKeyConstraint("id", name="pk_evidence_items"),
    )
    op.create_index("ix_evidence_items_case_id", "evidence_items", ["case_id"])
    op.create_index("ix_evidence_items_sha256", "evidence_items", ["sha256"])
    op.create_table(
        "custody_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("evidence_id", sa.Integer(), nullable=False),
        _at("at"),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "action IN ('added', 'viewed', 'exported', 'shared')", name="ck_custody_events_action"
        ),
        _fk("custody_events", "evidence_id", "evidence_items.id"),
        sa.PrimaryKeyConstraint("id", name="pk_custody_events"),
    )
    op.create_index("ix_custody_events_evidence_id", "custody_events", ["evidence_id"])
    op.create_table(
        "resolution_labels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("party_id_l", sa.String(128), nullable=False),
        sa.Column("party_id_r", sa.String(128), nullable=False),
        sa.Column("label", sa.String(16), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("by", sa.String(100), nullable=False),
        _at("at"),
        sa.CheckConstraint("label IN ('match', 'non_match')", name="ck_resolution_labels_label"),
        _fk("resolution_labels", "case_id", "cases.id"),
        sa.PrimaryKeyConstraint("id", name="pk_resolution_labels"),
    )
    op.create_index("ix_resolution_labels_case_id", "resolution_labels", ["case_id"])
    op.create_index(
        "ix_resolution_labels_party_id_l_party_id_r",
        "resolution_labels",
        ["party_id_l", "party_id_r"],
    )


def downgrade() -> None:
    for table in (
        "resolution_labels",
        "custody_events",
        "evidence_items",
        "case_notes",
        "case_assignees",
        "case_targets",
    ):
        op.drop_table(table)
    with op.batch_alter_table("cases") as batch:
        batch.drop_constraint("ck_cases_status", type_="check")
    op.execute("UPDATE cases SET status = 'referred' WHERE status = 'referred_prosecution'")
    with op.batch_alter_table("cases") as batch:
        batch.alter_column(
            "status", existing_type=sa.String(32), type_=sa.String(16), existing_nullable=False
        )
        batch.create_check_constraint("ck_cases_status", f"status IN ({OLD_STATUSES})")
