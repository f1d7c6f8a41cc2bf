"""Events and what they set moving: the outbox, parcels in flight, messages owed to partners,
webhook subscriptions and deliveries.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06

Self-contained like 0001: imports nothing from redlane.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _at(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column[object]:
    return sa.Column("id", sa.Integer(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "outbox_events",
        _id(),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(200), nullable=True),
        _at("created_at"),
        _at("available_at"),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(120), nullable=True),
        _at("claimed_until", nullable=True),
        _at("published_at", nullable=True),
        _at("done_at", nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_outbox_events"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_events_dedupe_key"),
    )
    op.create_index("ix_outbox_events_pending", "outbox_events", ["done_at", "available_at"])
    op.create_table(
        "inflight_parcels",
        _id(),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("hawb", sa.String(64), nullable=False),
        sa.Column("awb", sa.String(64), nullable=True),
        sa.Column("port_code", sa.String(16), nullable=False),
        _at("expected_arrival"),
        sa.Column("seller_ref", sa.String(64), nullable=True),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("lane", sa.String(16), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("expected_value", sa.Float(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("model_version", sa.String(64), nullable=False),
        sa.Column("hold", sa.Boolean(), nullable=False),
        sa.Column("hold_reason", sa.Text(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("released", sa.Boolean(), nullable=False),
        _at("screened_at"),
        sa.PrimaryKeyConstraint("id", name="pk_inflight_parcels"),
        sa.UniqueConstraint("carrier", "hawb", name="uq_inflight_parcels_carrier_hawb"),
    )
    op.create_index(
        "ix_inflight_parcels_port_arrival", "inflight_parcels", ["port_code", "expected_arrival"]
    )
    op.create_table(
        "inflight_links",
        _id(),
        sa.Column("carrier", sa.String(64), nullable=False),
        sa.Column("hawb", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("value", sa.String(400), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inflight_links"),
        sa.UniqueConstraint(
            "carrier", "hawb", "kind", "value", name="uq_inflight_links_carrier_hawb_kind_value"
        ),
    )
    op.create_index("ix_inflight_links_kind_value", "inflight_links", ["kind", "value"])
    op.create_table(
        "partner_messages",
        _id(),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(120), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        _at("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_partner_messages"),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_partner_messages_partner_id_partners"
        ),
        sa.UniqueConstraint(
            "partner_id", "message_id", name="uq_partner_messages_partner_id_message_id"
        ),
    )
    op.create_index("ix_partner_messages_partner_id_id", "partner_messages", ["partner_id", "id"])
    op.create_table(
        "webhook_subscriptions",
        _id(),
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("topics", sa.JSON(), nullable=False),
        sa.Column("secret", sa.String(200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        _at("created_at"),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_subscriptions"),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partners.id"],
            name="fk_webhook_subscriptions_partner_id_partners",
        ),
    )
    op.create_index("ix_webhook_subscriptions_partner_id", "webhook_subscriptions", ["partner_id"])
    op.create_table(
        "webhook_deliveries",
        _id(),
        sa.Column("subscription_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(120), nullable=False),
        sa.Column("topic", sa.String(64), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _at("next_attempt_at"),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        _at("created_at"),
        _at("delivered_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhook_deliveries"),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["webhook_subscriptions.id"],
            name="fk_webhook_deliveries_subscription_id_webhook_subscriptions",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "subscription_id", "message_id", name="uq_webhook_deliveries_subscription_id_message_id"
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'delivered', 'dead')", name="ck_webhook_deliveries_status"
        ),
    )
    op.create_index(
        "ix_webhook_deliveries_subscription_id", "webhook_deliveries", ["subscription_id"]
    )
    op.create_index(
        "ix_webhook_deliveries_due", "webhook_deliveries", ["status", "next_attempt_at"]
    )


def downgrade() -> None:
    for table in (
        "webhook_deliveries",
        "webhook_subscriptions",
        "partner_messages",
        "inflight_links",
        "inflight_parcels",
        "outbox_events",
    ):
        op.drop_table(table)
