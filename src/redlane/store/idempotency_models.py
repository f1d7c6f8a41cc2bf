"""Idempotency keys of API writes (migration ``0005``).

Declared on :mod:`redlane.store.base` like every table. One row per (principal, key): the request's
fingerprint and the first successful response, replayed to a retry until ``expires_at`` (see
:mod:`redlane.api.idempotency`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from redlane.store.base import Base
from redlane.store.sqltypes import utcnow


class IdempotencyKey(Base):
    """A key a client sent with a write, scoped to who sent it (username or API key)."""

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("principal", "key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    principal: Mapped[str] = mapped_column(String(200))
    key: Mapped[str] = mapped_column(String(255))
    route: Mapped[str] = mapped_column(String(200))
    fingerprint: Mapped[str] = mapped_column(String(64))
    # Null while the first request holds the key inside its transaction.
    status_code: Mapped[int | None] = mapped_column(Integer)
    media_type: Mapped[str] = mapped_column(String(100), default="application/json")
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
