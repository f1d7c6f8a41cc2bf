"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


def iso_utc(value: datetime) -> str:
    """The one text form of an instant: UTC, ISO 8601, always with microseconds."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r}: redlane stores aware UTC instants only")
    return value.astimezone(UTC).isoformat(timespec="microseconds")


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC instant in, an aware UTC instant out, whatever the backend.

    PostgreSQL keeps ``timestamptz`` natively. SQLite has no time zones and SQLAlchemy silently
    drops ``tzinfo`` there, so values are converted to UTC first and UTC is attached on the way
    out; the stored text then sorts and compares chronologically. Naive values are refused, since
    guessing their zone is how the same instant ends up stored two ways.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError(f"expected an aware datetime, got {value!r}")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"expected a datetime from the database, got {value!r}")
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
