"""Initial operational store: partners, users, keys, agreements, ports, lookouts, rules,
plans, outcomes, cases and the audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23

Self-contained on purpose: it must build the same tables years from now, whatever the models
have become, so it imports nothing from redlane. Timestamps are ``DateTime(timezone=True)``,
which the models' ``UTCDateTime`` wraps.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANES = "'red', 'yellow', 'green', 'notify'"


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _fk(table: str, column: str, target: str, *, ondelete: str | None = None) -> sa.Constraint:
    referred_table = target.split(".")[0]
    return sa.ForeignKeyConstraint(
        [column], [target], name=f"fk_{table}_{column}_{referred_table}", ondelete=ondelete
    )


def upgrade() -> None:
    op.create_table(
        "partners",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_partners"),
    )
    op.create_table(
        "ports",
        sa.Column("port_code", sa.String(16), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("country", sa.String(2), nullable=False),
        sa.Column("inspections_per_day", sa.Integer(), nullable=False),
        sa.Column("document_checks_per_day", sa.Integer(), nullable=False),
        sa.CheckConstraint("inspections_per_day >= 0", name="ck_ports_inspections_nonnegative"),
        sa.CheckConstraint(
            "document_checks_per_day >= 0", name="ck_ports_document_checks_nonnegative"
        ),
        sa.PrimaryKeyConstraint("port_code", name="pk_ports"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(100), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("role", sa.String(32), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _at("created_at"),
        _fk("users", "partner_id", "partners.id"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
    )
    op.create_index("ix_users_partner_id", "users", ["partner_id"])
    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("key_hash", sa.String(128), nullable=False),
        _at("created_at"),
        _at("revoked_at", nullable=True),
        _fk("api_keys", "partner_id", "partners.id"),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
    )
    op.create_index("ix_api_keys_partner_id", "api_keys", ["partner_id"])
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_partner", sa.String(32), nullable=False),
        sa.Column("to_partner", sa.String(32), nullable=False),
        sa.Column("allowed", sa.JSON(), nullable=False),
        sa.Column("stage", sa.String(32), nullable=False),
        _at("valid_from"),
        _at("valid_to", nullable=True),
        _at("created_at"),
        _fk("agreements", "from_partner", "partners.id"),
        _fk("agreements", "to_partner", "partners.id"),
        sa.PrimaryKeyConstraint("id", name="pk_agreements"),
    )
    op.create_index("ix_agreements_from_partner", "agreements", ["from_partner"])
    op.create_index("ix_agreements_to_partner", "agreements", ["to_partner"])
    op.create_table(
        "lookouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("lane", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        _at("valid_from"),
        _at("valid_to", nullable=True),
        _at("created_at"),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("kind IN ('actor', 'identifier', 'pattern')", name="ck_lookouts_kind"),
        sa.CheckConstraint(f"lane IN ({LANES})", name="ck_lookouts_lane"),
        _fk("lookouts", "owner_id", "users.id"),
        _fk("lookouts", "partner_id", "partners.id"),
        sa.PrimaryKeyConstraint("id", name="pk_lookouts"),
    )
    op.create_index("ix_lookouts_owner_id", "lookouts", ["owner_id"])
    op.create_index("ix_lookouts_partner_id", "lookouts", ["partner_id"])
    op.create_table(
        "rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("lane", sa.String(16), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        _at("valid_from"),
        _at("valid_to", nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        _at("created_at"),
        sa.CheckConstraint(f"lane IN ({LANES})", name="ck_rules_lane"),
        _fk("rules", "owner_id", "users.id"),
        sa.PrimaryKeyConstraint("id", name="pk_rules"),
    )
    op.create_index("ix_rules_owner_id", "rules", ["owner_id"])
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("port_code", sa.String(16), nullable=False),
        sa.Column("plan_date", sa.Date(), nullable=False),
        _at("created_at"),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("exploration_rate", sa.Float(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.CheckConstraint("capacity >= 0", name="ck_plans_capacity_nonnegative"),
        sa.CheckConstraint(
            "exploration_rate >= 0 AND exploration_rate <= 1",
            name="ck_plans_exploration_rate_range",
        ),
        _fk("plans", "created_by", "users.id"),
        _fk("plans", "port_code", "ports.port_code"),
        sa.PrimaryKeyConstraint("id", name="pk_plans"),
    )
    op.create_index("ix_plans_port_code_plan_date", "plans", ["port_code", "plan_date"])
    op.create_table(
        "plan_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("hawb", sa.String(64), nullable=False),
        sa.Column("lane", sa.String(16), nullable=False),
        sa.Column("rank", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("expected_value", sa.Float(), nullable=False),
        sa.Column("propensity", sa.Float(), nullable=False),
        sa.Column("selected_by", sa.String(16), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.CheckConstraint(f"lane IN ({LANES})", name="ck_plan_items_lane"),
        sa.CheckConstraint(
            "selected_by IN ('rule', 'lookout', 'model', 'exploration')",
            name="ck_plan_items_selected_by",
        ),
        _fk("plan_items", "plan_id", "plans.id", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name="pk_plan_items"),
        sa.UniqueConstraint(
            "plan_id", "carrier", "hawb", name="uq_plan_items_plan_id_carrier_hawb"
        ),
    )
    op.create_index("ix_plan_items_carrier_hawb", "plan_items", ["carrier", "hawb"])
    op.create_table(
        "outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("hawb", sa.String(64), nullable=False),
        sa.Column("port_code", sa.String(16), nullable=False),
        _at("inspected_at"),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("brand", sa.String(200), nullable=True),
        sa.Column("seized_quantity", sa.Integer(), nullable=True),
        sa.Column("seized_value", sa.Float(), nullable=True),
        sa.Column("recorded_by", sa.Integer(), nullable=True),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        _at("created_at"),
        sa.CheckConstraint(
            "outcome IN ('cleared', 'seized', 'other_violation')", name="ck_outcomes_outcome"
        ),
        _fk("outcomes", "plan_id", "plans.id", ondelete="SET NULL"),
        _fk("outcomes", "recorded_by", "users.id"),
        sa.PrimaryKeyConstraint("id", name="pk_outcomes"),
    )
    op.create_index("ix_outcomes_carrier_hawb", "outcomes", ["carrier", "hawb"])
    op.create_index("ix_outcomes_plan_id", "outcomes", ["plan_id"])
    op.create_index("ix_outcomes_port_code", "outcomes", ["port_code"])
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("opened_by", sa.Integer(), nullable=True),
        _at("created_at"),
        _at("updated_at"),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "status IN ('lead', 'investigation', 'referred', 'civil_action', 'closed')",
            name="ck_cases_status",
        ),
        _fk("cases", "opened_by", "users.id"),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=True, nullable=False),
        _at("at"),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("partner_id", sa.String(32), nullable=True),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("object_type", sa.String(64), nullable=False),
        sa.Column("object_ids", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
        sa.UniqueConstraint("hash", name="uq_audit_log_hash"),
        sa.UniqueConstraint("prev_hash", name="uq_audit_log_prev_hash"),
        # Never reuse a deleted entry's seq on SQLite.
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_log_actor", "audit_log", ["actor"])
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_object_type", "audit_log", ["object_type"])


def downgrade() -> None:
    # Children before parents; dropping a table drops its indexes on both backends.
    for table in (
        "audit_log",
        "cases",
        "outcomes",
        "plan_items",
        "plans",
        "rules",
        "lookouts",
        "agreements",
        "api_keys",
        "users",
        "ports",
        "partners",
    ):
        op.drop_table(table)
