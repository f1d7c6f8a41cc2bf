"""Managing data-sharing agreements: list, add, expire. Every change is audited.

An agreement is the store row :class:`~redlane.store.models.Agreement`: ``from_partner`` lets
``to_partner`` see ``allowed`` (record kind → field names, ``["*"]`` for all) from ``stage`` on,
between ``valid_from`` and ``valid_to``. The disclosure policy (:meth:`Policy.load`) reads the rows
in force at each request, so adding or expiring one takes effect on the next read. Rows are never
deleted or edited in place: an agreement ends by getting a ``valid_to``, so what was in force at
any past moment can still be answered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from redlane.errors import NotFound, RedlaneError
from redlane.model.spec import TABLES
from redlane.policy.rules import ANY_STAGE, PARTIES, StageRules
from redlane.store import audit
from redlane.store.models import Agreement, Partner
from redlane.store.sqltypes import iso_utc, utcnow

STATUSES: Final = ("in_force", "pending", "expired")
_FIELD_NAME: Final = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class AgreementError(RedlaneError):
    """An agreement that cannot be written as asked (unknown partner, stage, kind or field)."""

    STATUS = 422


@dataclass(frozen=True)
class AgreementView:
    """One agreement as listed (CLI ``--json``, API, console)."""

    id: int
    from_partner: str
    to_partner: str
    stage: str
    allowed: dict[str, list[str]]
    valid_from: datetime
    valid_to: datetime | None
    created_at: datetime
    status: str

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "from_partner": self.from_partner,
            "to_partner": self.to_partner,
            "stage": self.stage,
            "allowed": self.allowed,
            "valid_from": iso_utc(self.valid_from),
            "valid_to": iso_utc(self.valid_to) if self.valid_to else None,
            "created_at": iso_utc(self.created_at),
            "status": self.status,
        }


def status_at(row: Agreement, when: datetime) -> str:
    """``in_force``, ``pending`` (starts later) or ``expired`` at ``when`` (an agreement ended
    before it began, a pending one called off, is expired: it will never be in force)."""
    start = _aware(row.valid_from)
    if row.valid_to is not None and _aware(row.valid_to) <= max(when, start):
        return "expired"
    if start > when:
        return "pending"
    return "in_force"


def view(row: Agreement, when: datetime | None = None) -> AgreementView:
    moment = when or utcnow()
    return AgreementView(
        id=row.id,
        from_partner=row.from_partner,
        to_partner=row.to_partner,
        stage=row.stage,
        allowed={k: list(v) for k, v in (row.allowed or {}).items()},
        valid_from=_aware(row.valid_from),
        valid_to=_aware(row.valid_to) if row.valid_to is not None else None,
        created_at=_aware(row.created_at),
        status=status_at(row, moment),
    )


def list_agreements(
    session: Session,
    *,
    partner: str | None = None,
    status: str | None = None,
    at: datetime | None = None,
) -> list[AgreementView]:
    """Agreements, oldest first; ``partner`` on either side; ``status`` at ``at`` (now)."""
    if status is not None and status not in STATUSES:
        raise AgreementError(f"unknown status {status!r}; statuses: {', '.join(STATUSES)}")
    when = _aware(at or utcnow())
    stmt = select(Agreement).order_by(Agreement.id)
    if partner:
        stmt = stmt.where(or_(Agreement.from_partner == partner, Agreement.to_partner == partner))
    views = [view(row, when) for row in session.scalars(stmt)]
    return [v for v in views if status is None or v.status == status]


def add_agreement(
    session: Session,
    *,
    actor: str,
    from_partner: str,
    to_partner: str,
    stage: str,
    allowed: Mapping[str, Sequence[str]],
    valid_from: datetime | None = None,
    valid_to: datetime | None = None,
    reason: str = "",
    actor_partner: str | None = None,
    rules: StageRules | None = None,
) -> AgreementView:
    """Validate and store a new agreement (audited as ``agreement.create``)."""
    rules = rules or StageRules.load()
    _check_partners(session, from_partner, to_partner)
    _check_stage(rules, stage)
    clean = _check_allowed(rules, allowed)
    start = _aware(valid_from) if valid_from else utcnow()
    end = _aware(valid_to) if valid_to else None
    if end is not None and end <= start:
        raise AgreementError(
            f"valid_to ({iso_utc(end)}) must be after valid_from ({iso_utc(start)})"
        )
    row = Agreement(
        from_partner=from_partner,
        to_partner=to_partner,
        stage=stage,
        allowed=clean,
        valid_from=start,
        valid_to=end,
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="agreement.create",
        object_type="agreement",
        object_ids=[row.id],
        reason=reason or f"agreement {from_partner} -> {to_partner}",
        partner_id=actor_partner,
        details={
            "from": from_partner,
            "to": to_partner,
            "stage": stage,
            "allowed": clean,
            "valid_from": start,
            "valid_to": end,
        },
    )
    return view(row)


def expire_agreement(
    session: Session,
    agreement_id: int,
    *,
    actor: str,
    reason: str = "",
    at: datetime | None = None,
    actor_partner: str | None = None,
) -> AgreementView:
    """End an agreement at ``at`` (now by default; audited as ``agreement.expire``).

    An agreement already ended by then is refused rather than extended: its end is history.
    """
    row = session.get(Agreement, agreement_id)
    if row is None:
        raise NotFound(f"no agreement {agreement_id}")
    end = _aware(at) if at else utcnow()
    if row.valid_to is not None and _aware(row.valid_to) <= end:
        raise AgreementError(
            f"agreement {agreement_id} already ended at {iso_utc(_aware(row.valid_to))}"
        )
    previous = row.valid_to
    row.valid_to = end
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="agreement.expire",
        object_type="agreement",
        object_ids=[row.id],
        reason=reason or "agreement expired",
        partner_id=actor_partner,
        details={
            "from": row.from_partner,
            "to": row.to_partner,
            "valid_to": end,
            "previous_valid_to": previous,
        },
    )
    return view(row, end)


def parse_allowed(specs: Sequence[str]) -> dict[str, list[str]]:
    """``KIND=FIELD,FIELD`` (or ``KIND=*``) texts as an ``allowed`` mapping."""
    allowed: dict[str, list[str]] = {}
    for spec in specs:
        kind, sep, fields = spec.partition("=")
        names = [f.strip() for f in fields.split(",") if f.strip()]
        if not sep or not kind.strip() or not names:
            raise AgreementError(f"--allow {spec!r}: expected KIND=FIELD[,FIELD...] or KIND=*")
        allowed.setdefault(kind.strip(), []).extend(names)
    return allowed


def _check_partners(session: Session, from_partner: str, to_partner: str) -> None:
    known = set(session.scalars(select(Partner.id)))
    for side, partner in (("from", from_partner), ("to", to_partner)):
        if partner not in known:
            raise AgreementError(
                f"{side} partner {partner!r} does not exist; partners: {', '.join(sorted(known))}"
            )
    if from_partner == to_partner:
        raise AgreementError("an agreement is between two different partners")


def _check_stage(rules: StageRules, stage: str) -> None:
    if stage != ANY_STAGE and stage not in rules.stages:
        raise AgreementError(
            f"unknown stage {stage!r}; stages of {rules.name}: {', '.join(rules.stages)}, "
            f"or {ANY_STAGE}"
        )


def _check_allowed(rules: StageRules, allowed: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    if not allowed:
        raise AgreementError("an agreement must share at least one record kind")
    kinds = set(TABLES) | set(rules.record_owners) | {PARTIES}
    clean: dict[str, list[str]] = {}
    for kind, fields in allowed.items():
        if kind not in kinds:
            raise AgreementError(f"unknown record kind {kind!r}; kinds: {', '.join(sorted(kinds))}")
        names = sorted(set(fields))
        if not names:
            raise AgreementError(f"record kind {kind!r}: no fields given")
        for name in names:
            _check_field(kind, name)
        clean[kind] = ["*"] if "*" in names else names
    return clean


def _check_field(kind: str, name: str) -> None:
    if name == "*":
        return
    if not _FIELD_NAME.match(name):
        raise AgreementError(f"record kind {kind!r}: {name!r} is not a field name")
    table = TABLES.get(kind)
    # Lineage columns (``_partner``, ``_line``…) are on every warehouse row, not in the spec.
    if table is not None and not name.startswith("_"):
        known = {f.name for f in table.fields}
        if name not in known:
            raise AgreementError(
                f"record kind {kind!r} has no field {name!r}; fields: {', '.join(sorted(known))}"
            )


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
