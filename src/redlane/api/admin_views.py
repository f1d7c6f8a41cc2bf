"""Administration shared by the JSON API (``routers/admin.py``) and the console
(``web/admin_pages.py``): agreements and the audit log, each call audited, domain refusals as
problem details."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from redlane.api.problems import Problem
from redlane.api.roles import Principal
from redlane.errors import RedlaneError
from redlane.policy import agreements
from redlane.store import audit


@contextmanager
def as_problems() -> Iterator[None]:
    """Refusals of the domain (unknown partner, stage, field; no such agreement) as problems."""
    try:
        yield
    except RedlaneError as e:
        raise Problem(e.STATUS, e.detail) from e


def list_agreements(
    session: Session, principal: Principal, partner: str | None, status: str | None
) -> list[dict[str, Any]]:
    with as_problems():
        shown = agreements.list_agreements(session, partner=partner, status=status)
    audit.append(
        session,
        actor=principal.name,
        action="read",
        object_type="agreement",
        object_ids=[a.id for a in shown],
        reason="agreement administration",
        partner_id=principal.partner_id,
    )
    return [a.to_json() for a in shown]


def add_agreement(
    session: Session,
    principal: Principal,
    *,
    from_partner: str,
    to_partner: str,
    stage: str,
    allowed: Mapping[str, Sequence[str]],
    valid_from: datetime | None,
    valid_to: datetime | None,
    reason: str,
) -> dict[str, Any]:
    with as_problems():
        added = agreements.add_agreement(
            session,
            actor=principal.name,
            actor_partner=principal.partner_id,
            from_partner=from_partner,
            to_partner=to_partner,
            stage=stage,
            allowed=allowed,
            valid_from=valid_from,
            valid_to=valid_to,
            reason=reason,
        )
    return added.to_json()


def expire_agreement(
    session: Session, principal: Principal, agreement_id: int, reason: str, at: datetime | None
) -> dict[str, Any]:
    with as_problems():
        ended = agreements.expire_agreement(
            session,
            agreement_id,
            actor=principal.name,
            actor_partner=principal.partner_id,
            reason=reason,
            at=at,
        )
    return ended.to_json()


def read_audit_log(
    session: Session,
    principal: Principal,
    where: audit.AuditFilter,
    limit: int,
    before: int | None,
) -> dict[str, Any]:
    """One page of the log, newest first; the read itself is the next entry of the log."""
    page = audit.read_page(session, where, limit=limit, before=before)
    entries = [audit.entry_json(e) for e in page.entries]
    audit.append(
        session,
        actor=principal.name,
        action="audit.read",
        object_type="audit_log",
        object_ids=[e["seq"] for e in entries],
        reason="audit log browsed",
        partner_id=principal.partner_id,
        details={"filters": where.to_json(), "count": len(entries), "before": before},
    )
    return {"entries": entries, "next_before": page.next_before}


def verify_audit_log(session: Session, principal: Principal) -> dict[str, Any]:
    """The chain checked end to end, and its head (keep a copy elsewhere to see truncation)."""
    result = audit.verify(session)
    head = audit.head(session)
    audit.append(
        session,
        actor=principal.name,
        action="audit.verify",
        object_type="audit_log",
        object_ids=[],
        reason="audit chain verified",
        partner_id=principal.partner_id,
        details={"ok": result.ok, "entries": result.entries},
    )
    return {
        "ok": result.ok,
        "entries": result.entries,
        "first_bad_seq": result.first_bad_seq,
        "problem": result.problem,
        "head_seq": head[0] if head else None,
        "head_hash": head[1] if head else None,
    }
