"""The disclosure policy: what a viewer may see of a partner's record.

Every read of partner records in the service goes through :meth:`Policy.redact`. A record is
shown whole to its own partner and to admins; to anyone else only the fields an ``Agreement``
from the owning partner to the viewer's partner allows, valid now and reached at the record's
disclosure ``stage``; without such an agreement it is withheld (``None``). The cases issue
extends this with field-level rules per stage; callers need not change.

Stages are ordered: an agreement that starts at ``seizure`` covers records at ``seizure`` and
``case`` but not at ``advance``. An unknown stage fails closed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.api.roles import Principal
from redlane.feeds.spec import FEEDS
from redlane.store.models import Agreement

STAGES: Final = ("any", "advance", "detention", "seizure", "case")
STAGE_RANK: Final = {s: i for i, s in enumerate(STAGES)}

# The partner whose feed fills each warehouse table (a row's ``_partner`` wins when present).
TABLE_OWNER: Final = {t.name: f.partner for f in FEEDS for t in f.tables}

# Resolution ``parties`` columns that identify nobody: kept whenever the row may be shown.
PARTY_NEUTRAL: Final = ("party_id", "source_table", "record_key", "role", "country", "first_seen")
# Columns that say where a record came from; shown with any visible record.
LINEAGE: Final = ("_batch_id", "_partner", "_source_file", "_line", "_location", "_ingested_at")


@dataclass(frozen=True)
class Grant:
    from_partner: str
    fields: frozenset[str]  # "*" for all
    stage: str


class Policy:
    """Agreements in force at ``now``, indexed by (owner, viewer partner, table)."""

    def __init__(self, agreements: list[Agreement], now: datetime | None = None) -> None:
        moment = now or datetime.now(UTC)
        self._grants: dict[tuple[str, str, str], list[Grant]] = {}
        for a in agreements:
            if _aware(a.valid_from) > moment or (
                a.valid_to is not None and _aware(a.valid_to) <= moment
            ):
                continue
            for table, fields in (a.allowed or {}).items():
                names = frozenset(str(f) for f in (fields if isinstance(fields, list) else []))
                key = (a.from_partner, a.to_partner, str(table))
                self._grants.setdefault(key, []).append(Grant(a.from_partner, names, a.stage))

    @classmethod
    def load(cls, session: Session, now: datetime | None = None) -> Policy:
        return cls(list(session.execute(select(Agreement)).scalars()), now)

    def allowed_fields(
        self, owner: str, table: str, viewer: Principal, stage: str
    ) -> frozenset[str] | None:
        """Field names the viewer may see ("*" = all), or None when nothing is shared."""
        if viewer.is_admin or owner == viewer.partner_id:
            return frozenset({"*"})
        rank = STAGE_RANK.get(stage)
        if rank is None:
            return None
        fields: set[str] = set()
        found = False
        for grant in self._grants.get((owner, viewer.partner_id, table), []):
            grant_rank = STAGE_RANK.get(grant.stage)
            if grant_rank is None or grant_rank > rank:
                continue
            found = True
            fields |= grant.fields
        return frozenset(fields) if found and fields else None

    def redact(
        self,
        record_kind: str,
        record: Mapping[str, Any],
        viewer: Principal,
        stage: str = "any",
    ) -> dict[str, Any] | None:
        """The part of ``record`` the viewer may see, or None when it must be withheld.

        ``record_kind`` is a warehouse table name, or ``parties`` for a resolution party row
        (its owner is the partner of its ``source_table``).
        """
        if record_kind == "parties":
            return self._redact_party(record, viewer, stage)
        owner = str(record.get("_partner") or TABLE_OWNER.get(record_kind, ""))
        allowed = self.allowed_fields(owner, record_kind, viewer, stage)
        if allowed is None:
            return None
        if "*" in allowed:
            return dict(record)
        return {k: v for k, v in record.items() if k in allowed or k in LINEAGE}

    def _redact_party(
        self, record: Mapping[str, Any], viewer: Principal, stage: str
    ) -> dict[str, Any] | None:
        table = str(record.get("source_table") or "")
        owner = TABLE_OWNER.get(table, "")
        allowed = self.allowed_fields(owner, table, viewer, stage)
        if allowed is None:
            return None
        if "*" in allowed:
            return dict(record)

        # A field shared from the source table covers the party column it fills
        # ("shipper_email" covers "email").
        def shared(column: str) -> bool:
            return any(f == column or f.endswith("_" + column) for f in allowed)

        return {k: v for k, v in record.items() if k in PARTY_NEUTRAL or shared(k)}


def redact(
    record_kind: str,
    record: Mapping[str, Any],
    viewer: Principal,
    stage: str = "any",
    *,
    session: Session,
) -> dict[str, Any] | None:
    """One-off form of :meth:`Policy.redact` (loads the agreements from ``session``)."""
    return Policy.load(session).redact(record_kind, record, viewer, stage)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
