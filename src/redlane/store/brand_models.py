"""Tables of brand protection: rights holders, brands, recordations, guides, codes and flags.

Declared on :mod:`redlane.store.base` like every table (migration ``0004``); they import the core
tables of :mod:`redlane.store.models` because their foreign keys name ``users`` and ``lookouts``. A
rights holder is an organisation inside the ``rights_holders`` partner; its users are linked by
``rights_holder_members``, and every brand belongs to exactly one rights holder, which is what keeps
one brand owner's codes, guides and flags away from another's (:mod:`redlane.brands.scope`).
Authentication codes are never stored: only their keyed hashes (:mod:`redlane.brands.codes`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Final

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from redlane.store import models as _core_tables  # noqa: F401 - tables the foreign keys name
from redlane.store.base import Base, one_of
from redlane.store.sqltypes import utcnow

PARTY_ROLES: Final = ("manufacturer", "licensee", "exporter", "distributor")
SOURCES: Final = ("recordations", "portal")
SCAN_VERDICTS: Final = ("genuine", "unknown", "cloned")
SCAN_CONTEXTS: Final = ("shipment", "listing", "test_buy")
FLAG_TARGETS: Final = ("listing", "seller", "shipment")
FLAG_REVIEWS: Final = ("pending", "accepted", "rejected")
FLAG_CONFIRMATIONS: Final = ("seizure", "test_buy")


class RightsHolder(Base):
    """A trademark owner: one organisation of the ``rights_holders`` partner."""

    __tablename__ = "rights_holders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100), unique=True)
    name: Mapped[str] = mapped_column(String(300))
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RightsHolderMember(Base):
    """A user acting for a rights holder; a user acts for at most one."""

    __tablename__ = "rights_holder_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rights_holder_id: Mapped[int] = mapped_column(ForeignKey("rights_holders.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class Brand(Base):
    """A protected brand. ``brand_ref`` is the recordations feed's ``brand_id`` (``B-017``)."""

    __tablename__ = "brands"
    __table_args__ = (one_of("source", SOURCES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand_ref: Mapped[str] = mapped_column(String(128), unique=True)
    rights_holder_id: Mapped[int] = mapped_column(ForeignKey("rights_holders.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    owner_country: Mapped[str | None] = mapped_column(String(2))
    source: Mapped[str] = mapped_column(String(16), default="portal")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BrandTrademark(Base):
    """A trademark recorded with customs, with its recordation number and validity."""

    __tablename__ = "brand_trademarks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    recordation_number: Mapped[str] = mapped_column(String(128), unique=True)
    mark: Mapped[str] = mapped_column(String(300))
    registered_at: Mapped[date] = mapped_column(Date)
    expires_at: Mapped[date | None] = mapped_column(Date)


class BrandProductLine(Base):
    """A product line: the HS code its genuine goods travel under and their retail prices."""

    __tablename__ = "brand_product_lines"
    __table_args__ = (
        UniqueConstraint("brand_id", "name"),
        CheckConstraint("price_min >= 0 AND price_max >= price_min", name="price_range"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    hs6: Mapped[str] = mapped_column(String(6))
    price_min: Mapped[float] = mapped_column(Float)
    price_max: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3), default="USD")


class BrandGtin(Base):
    """A GS1 GTIN (as GTIN-14) of a product line's trade items (migration ``0008``).

    A GTIN names one product worldwide, so it belongs to one product line of one brand."""

    __tablename__ = "brand_gtins"
    __table_args__ = (one_of("source", SOURCES),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    gtin: Mapped[str] = mapped_column(String(14), unique=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    product_line_id: Mapped[int] = mapped_column(
        ForeignKey("brand_product_lines.id", ondelete="CASCADE"), index=True
    )
    source: Mapped[str] = mapped_column(String(16), default="portal")


class BrandParty(Base):
    """An authorised manufacturer, licensee, exporter or distributor of a brand.

    ``actor_id`` is the resolution actor the party resolved to (from the recordations feed's
    party in the current run, or the live matcher for parties entered in the portal); shipments
    whose shipper is that actor have a known-good supply chain for this brand.
    """

    __tablename__ = "brand_parties"
    __table_args__ = (
        one_of("role", PARTY_ROLES),
        one_of("source", SOURCES),
        UniqueConstraint("brand_id", "party_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    party_ref: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(300))
    address: Mapped[str | None] = mapped_column(Text)
    country: Mapped[str] = mapped_column(String(2))
    # Registration numbers, phones, emails the rights holder knows the party by.
    identifiers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[str | None] = mapped_column(String(128), index=True)
    source: Mapped[str] = mapped_column(String(16), default="portal")


class BrandGuide(Base):
    """A product identification guide: how officers tell the genuine article from a fake."""

    __tablename__ = "brand_guides"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BrandGuideImage(Base):
    """An image of a guide, kept in the store (small: size and type are checked on upload)."""

    __tablename__ = "brand_guide_images"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    guide_id: Mapped[int] = mapped_column(
        ForeignKey("brand_guides.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    added_by: Mapped[str] = mapped_column(String(100))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class BrandCode(Base):
    """A genuine unit's authentication code, as a keyed hash only (never the code itself)."""

    __tablename__ = "brand_codes"
    __table_args__ = (UniqueConstraint("brand_id", "code_hash"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    product_line_id: Mapped[int | None] = mapped_column(
        ForeignKey("brand_product_lines.id", ondelete="SET NULL")
    )
    batch: Mapped[str] = mapped_column(String(100), default="")
    enrolled_by: Mapped[str] = mapped_column(String(100))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)


class BrandCodeScan(Base):
    """A code read off goods (a shipment at inspection, a listing, a test buy) and its verdict.

    ``brand_id`` is the brand the code is enrolled for (None for an unknown code: then the brand
    the goods claimed, when given). ``ref`` names what carried it: ``carrier/hawb``, a listing
    id or a test-buy reference. Rows are only ever added.
    """

    __tablename__ = "brand_code_scans"
    __table_args__ = (one_of("verdict", SCAN_VERDICTS), one_of("context", SCAN_CONTEXTS))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    brand_id: Mapped[int | None] = mapped_column(
        ForeignKey("brands.id", ondelete="SET NULL"), index=True
    )
    verdict: Mapped[str] = mapped_column(String(16))
    context: Mapped[str] = mapped_column(String(16))
    ref: Mapped[str] = mapped_column(String(200), index=True)
    port_code: Mapped[str | None] = mapped_column(String(16))
    scanned_by: Mapped[str] = mapped_column(String(100))
    partner_id: Mapped[str] = mapped_column(String(32))
    scanned_at: Mapped[datetime] = mapped_column(default=utcnow)


class BrandFlag(Base):
    """A rights holder's report of a suspected counterfeit listing, seller account or shipment.

    Review (``pending`` → ``accepted`` | ``rejected``) is customs' decision on the proposed
    lookout; confirmation (``seizure`` / ``test_buy``) is what later proved the flag right. The
    rights holder's accuracy is confirmed flags against rejected ones.
    """

    __tablename__ = "brand_flags"
    __table_args__ = (
        one_of("target_kind", FLAG_TARGETS),
        one_of("review", FLAG_REVIEWS),
        one_of("confirmed_by", FLAG_CONFIRMATIONS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rights_holder_id: Mapped[int] = mapped_column(ForeignKey("rights_holders.id"), index=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    target_kind: Mapped[str] = mapped_column(String(16))
    target_ref: Mapped[str] = mapped_column(String(200), index=True)
    reason: Mapped[str] = mapped_column(Text)
    # Links, test-buy references, notes: what the rights holder offers as evidence.
    evidence: Mapped[list[Any]] = mapped_column(JSON, default=list)
    review: Mapped[str] = mapped_column(String(16), default="pending")
    fast_path: Mapped[bool] = mapped_column(Boolean, default=False)
    lookout_id: Mapped[int | None] = mapped_column(ForeignKey("lookouts.id"))
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    confirmed_by: Mapped[str | None] = mapped_column(String(16))
    confirmed_ref: Mapped[str | None] = mapped_column(String(200))
    confirmed_at: Mapped[datetime | None]
