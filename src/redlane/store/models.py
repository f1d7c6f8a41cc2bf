"""The core tables of the operational store: partners, users, agreements, ports, lookouts, rules,
plans, outcomes, cases and the audit log.

Names are stable: later changes arrive as new migrations in ``migrations/versions``, and
``tests/store/test_migrations.py`` fails when these models and the migrations disagree.
Enumerated columns are plain strings guarded by CHECK constraints rather than database enum
types, so adding a value is one batch migration on both SQLite and PostgreSQL. The declarative
base is :mod:`redlane.store.base`; the case, brand and idempotency tables are in their own
modules, and :mod:`redlane.store.schema` gathers them all.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Final, Literal

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from redlane.store.base import Base, one_of
from redlane.store.sqltypes import utcnow

Lane = Literal["red", "yellow", "green", "notify"]
LookoutKind = Literal["actor", "identifier", "pattern"]
SelectedBy = Literal["rule", "lookout", "model", "exploration"]
OutcomeKind = Literal["cleared", "seized", "other_violation"]
CaseStatus = Literal["lead", "investigation", "referred_prosecution", "civil_action", "closed"]

LANES: Final = ("red", "yellow", "green", "notify")
LOOKOUT_KINDS: Final = ("actor", "identifier", "pattern")
# ``valid_from`` of a rule or lookout made without one (CLI, API, FtM import): before any parcel,
# so it applies to all the data, past arrivals included (validity is read at each arrival).
FROM_START: Final = datetime(1970, 1, 1, tzinfo=UTC)
SELECTED_BY: Final = ("rule", "lookout", "model", "exploration")
OUTCOMES: Final = ("cleared", "seized", "other_violation")
CASE_STATUSES: Final = (
    "lead",
    "investigation",
    "referred_prosecution",
    "civil_action",
    "closed",
)


class Partner(Base):
    """An organisation that pools data: marketplace, customs, carrier, ipcc, rights holders."""

    __tablename__ = "partners"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    # None for users who only sign in through their partner's identity provider.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    partner: Mapped[Partner] = relationship()


class ApiKey(Base):
    """A partner's machine credential; only a hash of the key is kept."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    key_hash: Mapped[str] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None]


class Agreement(Base):
    """What ``from_partner`` lets ``to_partner`` see, from which disclosure stage, and when.

    ``allowed`` maps a table name to the field names shared from it (``["*"]`` for all).
    ``stage`` is the disclosure stage the sharing starts at (e.g. ``detention``, ``seizure``).
    """

    __tablename__ = "agreements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_partner: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    to_partner: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    allowed: Mapped[dict[str, Any]] = mapped_column(default=dict)
    stage: Mapped[str] = mapped_column(String(32), default="any")
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Port(Base):
    __tablename__ = "ports"
    __table_args__ = (
        CheckConstraint("inspections_per_day >= 0", name="inspections_nonnegative"),
        CheckConstraint("document_checks_per_day >= 0", name="document_checks_nonnegative"),
    )

    port_code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    inspections_per_day: Mapped[int] = mapped_column(Integer)
    document_checks_per_day: Mapped[int] = mapped_column(Integer)


class Lookout(Base):
    """An investigator's instruction to flag shipments matching an actor, identifier or pattern."""

    __tablename__ = "lookouts"
    __table_args__ = (one_of("kind", LOOKOUT_KINDS), one_of("lane", LANES))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    criteria: Mapped[dict[str, Any]]
    lane: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Rule(Base):
    """A targeting rule. ``owner_id`` is None for rules shipped with redlane."""

    __tablename__ = "rules"
    __table_args__ = (one_of("lane", LANES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    criteria: Mapped[dict[str, Any]]
    lane: Mapped[str] = mapped_column(String(16))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    valid_from: Mapped[datetime]
    valid_to: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Plan(Base):
    """One port's inspection plan for one day. ``created_by`` is None when made by a schedule."""

    __tablename__ = "plans"
    __table_args__ = (
        CheckConstraint("capacity >= 0", name="capacity_nonnegative"),
        CheckConstraint(
            "exploration_rate >= 0 AND exploration_rate <= 1", name="exploration_rate_range"
        ),
        Index("ix_plans_port_code_plan_date", "port_code", "plan_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    port_code: Mapped[str] = mapped_column(ForeignKey("ports.port_code"))
    plan_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    model_version: Mapped[str] = mapped_column(String(64))
    capacity: Mapped[int] = mapped_column(Integer)
    exploration_rate: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="draft")

    items: Mapped[list[PlanItem]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="PlanItem.rank"
    )


class PlanItem(Base):
    """A shipment on a plan. ``propensity`` is the chance it had of being selected, which
    inverse-propensity estimates of the hit rate need (exploration picks are random)."""

    __tablename__ = "plan_items"
    __table_args__ = (
        one_of("lane", LANES),
        one_of("selected_by", SELECTED_BY),
        UniqueConstraint("plan_id", "carrier", "hawb"),
        Index("ix_plan_items_carrier_hawb", "carrier", "hawb"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"))
    carrier: Mapped[str] = mapped_column(String(64))
    hawb: Mapped[str] = mapped_column(String(64))
    lane: Mapped[str] = mapped_column(String(16))
    rank: Mapped[int] = mapped_column(Integer)
    score: Mapped[float] = mapped_column(Float)
    expected_value: Mapped[float] = mapped_column(Float)
    propensity: Mapped[float] = mapped_column(Float)
    selected_by: Mapped[str] = mapped_column(String(16))
    reasons: Mapped[list[str]] = mapped_column(default=list)

    plan: Mapped[Plan] = relationship(back_populates="items")


class Outcome(Base):
    """What an inspection found. ``port_code`` is not a foreign key: customs feeds report
    inspections at ports that have no capacity row here."""

    __tablename__ = "outcomes"
    __table_args__ = (
        one_of("outcome", OUTCOMES),
        Index("ix_outcomes_carrier_hawb", "carrier", "hawb"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    carrier: Mapped[str] = mapped_column(String(64))
    hawb: Mapped[str] = mapped_column(String(64))
    port_code: Mapped[str] = mapped_column(String(16), index=True)
    inspected_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(16))
    brand: Mapped[str | None] = mapped_column(String(200))
    seized_quantity: Mapped[int | None] = mapped_column(Integer)
    # Estimated value had the goods been genuine (MSRP), in USD.
    seized_value: Mapped[float | None] = mapped_column(Float)
    recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    plan_id: Mapped[int | None] = mapped_column(
        ForeignKey("plans.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Case(Base):
    __tablename__ = "cases"
    __table_args__ = (one_of("status", CASE_STATUSES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(32), default="lead")
    opened_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    summary: Mapped[str] = mapped_column(Text, default="")


class AuditEntry(Base):
    """One hash-chained audit record; see :mod:`redlane.store.audit`.

    ``prev_hash`` is unique so the chain cannot fork even if two writers slipped past the lock:
    the second insert fails instead. ``partner_id`` is deliberately not a foreign key, so the
    log outlives the rows it talks about. AUTOINCREMENT keeps SQLite from reusing a deleted
    entry's ``seq``.
    """

    __tablename__ = "audit_log"
    __table_args__ = ({"sqlite_autoincrement": True},)

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100), index=True)
    partner_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64), index=True)
    object_ids: Mapped[list[str]]
    reason: Mapped[str] = mapped_column(Text)
    details: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    hash: Mapped[str] = mapped_column(String(64), unique=True)
