"""The partners every redlane deployment starts with."""

from __future__ import annotations

from typing import Final

from sqlalchemy import Insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from redlane.store import audit
from redlane.store.models import Partner

# (id, name, kind). Ids are referenced by feeds, agreements and users: never rename them.
DEFAULT_PARTNERS: Final = (
    ("marketplace", "Marketplace counterfeit-crimes unit", "marketplace"),
    ("customs", "Customs, ports of entry", "customs"),
    ("carrier", "Express carrier", "carrier"),
    ("ipcc", "IP-crime coordination center", "coordination"),
    ("rights_holders", "Rights holders", "rights_holders"),
)


def ensure_default_partners(session: Session) -> list[str]:
    """Insert the default partners that are missing and return their ids.

    Existing rows are left as they are (an administrator may have renamed one). Safe to run
    from several processes at once: conflicts are skipped by the database, not pre-checked.
    """
    rows = [{"id": pid, "name": name, "kind": kind} for pid, name, kind in DEFAULT_PARTNERS]
    stmt = _insert_skipping_existing(session, rows).returning(Partner.id)
    inserted = sorted(session.execute(stmt).scalars())
    if inserted:
        audit.append(
            session,
            actor=audit.SYSTEM,
            action="partner.create",
            object_type="partner",
            object_ids=inserted,
            reason="default partners",
        )
    return inserted


def _insert_skipping_existing(session: Session, rows: list[dict[str, str]]) -> Insert:
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return postgresql.insert(Partner).values(rows).on_conflict_do_nothing()
    if dialect == "sqlite":
        return sqlite.insert(Partner).values(rows).on_conflict_do_nothing()
    raise NotImplementedError(f"no conflict-skipping insert for {dialect}")
