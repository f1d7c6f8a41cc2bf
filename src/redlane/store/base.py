"""The declarative base every table of the operational store is declared on.

``Base.metadata`` fills up as the model modules are imported: :mod:`redlane.store.models` (the
core tables), :mod:`~redlane.store.case_models`, :mod:`~redlane.store.brand_models` and
:mod:`~redlane.store.idempotency_models`. Code that needs every table at once (Alembic's
``migrations/env.py``, the schema tests) imports :mod:`redlane.store.schema`, which imports
them all.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import JSON, CheckConstraint, MetaData
from sqlalchemy.orm import DeclarativeBase

from redlane.store.sqltypes import UTCDateTime

# Every constraint gets a predictable name: SQLite batch migrations can only drop or alter
# constraints they can name.
NAMING_CONVENTION: Final = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def one_of(column: str, values: tuple[str, ...], name: str | None = None) -> CheckConstraint:
    """``CHECK (column IN (...))`` named ``ck_<table>_<name or column>``."""
    allowed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({allowed})", name=name or column)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[str]: JSON()}
