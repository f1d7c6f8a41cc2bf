"""Tables of cases: targets, assignees, notes, evidence, custody and resolution labels.

Declared on :mod:`redlane.store.base` like every table (migration ``0002``); they import the core
tables of :mod:`redlane.store.models` because their foreign keys name ``cases``. Usernames and
partner ids are plain strings, not foreign keys: the command line acts as ``cli:<os user>`` and
partners' evidence outlives a partner's row, as the audit log does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from redlane.store import models as _core_tables  # noqa: F401 - tables the foreign keys name
from redlane.store.base import Base, one_of
from redlane.store.sqltypes import utcnow

TARGET_KINDS: Final = ("actor", "ring", "hawb", "inspection", "party")
EVIDENCE_KINDS: Final = (
    "seizure_record",
    "document",
    "photo",
    "test_buy",
    "listing_snapshot",
    "advance_data",
    "account_record",
    "social_post",
    "other",
)
CUSTODY_ACTIONS: Final = ("added", "viewed", "exported", "shared")
LABELS: Final = ("match", "non_match")


class CaseTarget(Base):
    """What a case is about: an actor, a ring, a shipment (hawb), a seizure or a party."""

    __tablename__ = "case_targets"
    __table_args__ = (
        one_of("kind", TARGET_KINDS),
        UniqueConstraint("case_id", "kind", "ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(128))
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseAssignee(Base):
    __tablename__ = "case_assignees"
    __table_args__ = (UniqueConstraint("case_id", "username"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    username: Mapped[str] = mapped_column(String(100))
    assigned_by: Mapped[str] = mapped_column(String(100))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseNote(Base):
    __tablename__ = "case_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    text: Mapped[str] = mapped_column(Text)


class EvidenceItem(Base):
    """A file held for a case, stored once by content at ``HOME/evidence/<sha256>``.

    ``record_refs`` names the warehouse records it shows, e.g.
    ``[{"table": "inspections", "key": "INS-1"}]``.
    """

    __tablename__ = "evidence_items"
    __table_args__ = (one_of("kind", EVIDENCE_KINDS),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    source_partner: Mapped[str] = mapped_column(String(32))
    original_filename: Mapped[str] = mapped_column(String(500))
    stored_path: Mapped[str] = mapped_column(String(1000))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    added_by: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text, default="")
    record_refs: Mapped[list[Any]] = mapped_column(JSON, default=list)


class CustodyEvent(Base):
    """One link of an evidence item's chain of custody; rows are only ever added."""

    __tablename__ = "custody_events"
    __table_args__ = (one_of("action", CUSTODY_ACTIONS),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    evidence_id: Mapped[int] = mapped_column(ForeignKey("evidence_items.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)


class ResolutionLabel(Base):
    """An investigator's verdict on a pair of parties: training data for resolution."""

    __tablename__ = "resolution_labels"
    __table_args__ = (
        one_of("label", LABELS),
        Index("ix_resolution_labels_party_id_l_party_id_r", "party_id_l", "party_id_r"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id_l: Mapped[str] = mapped_column(String(128))
    party_id_r: Mapped[str] = mapped_column(String(128))
    label: Mapped[str] = mapped_column(String(16))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    by: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
