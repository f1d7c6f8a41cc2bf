"""Administration in the console (admins only): data-sharing agreements and the audit log.

The same calls as ``/v1/agreements`` and ``/v1/audit`` (:mod:`redlane.api.admin_views`):
adding or expiring an agreement is audited and takes effect on the next read; browsing the
audit log, and checking its chain, are themselves audited.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Final
from urllib.parse import urlencode

from fastapi import Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from redlane.api import admin_views
from redlane.api.deps import SessionDep
from redlane.api.problems import Problem
from redlane.api.roles import Principal
from redlane.api.web.kit import ADMIN_ONLY, check_csrf, page_access, page_router, render
from redlane.policy.agreements import STATUSES, parse_allowed
from redlane.policy.rules import ANY_STAGE, StageRules
from redlane.store import audit
from redlane.store.models import Partner

router = page_router()

ADMIN_PAGES: Final = ADMIN_ONLY  # no role but admin
PAGE_SIZE: Final = 50
FILTERS: Final = ("actor", "action", "object_type", "object_id", "since", "until")


@router.get("/agreements")
def agreements_page(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(ADMIN_PAGES))],
    session: SessionDep,
    partner: Annotated[str, Query(max_length=32)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
    saved: Annotated[str, Query(max_length=32)] = "",
) -> HTMLResponse:
    chosen = status if status in STATUSES else None
    rows = admin_views.list_agreements(session, principal, partner or None, chosen)
    return render(
        request,
        "agreements.html",
        principal,
        agreements=[_agreement_row(a) for a in rows],
        partners=list(session.scalars(select(Partner.id).order_by(Partner.id))),
        stages=(ANY_STAGE, *StageRules.load().stages),
        statuses=STATUSES,
        partner=partner,
        chosen_status=chosen or "",
        saved=saved,
    )


@router.post("/agreements")
def agreements_add(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(ADMIN_PAGES))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    from_partner: Annotated[str, Form()] = "",
    to_partner: Annotated[str, Form()] = "",
    stage: Annotated[str, Form()] = ANY_STAGE,
    allowed: Annotated[str, Form()] = "",
    valid_to: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    check_csrf(request, principal, csrf)
    lines = [line.strip() for line in allowed.replace(";", "\n").splitlines() if line.strip()]
    with admin_views.as_problems():
        shares = parse_allowed(lines)
    added = admin_views.add_agreement(
        session,
        principal,
        from_partner=from_partner,
        to_partner=to_partner,
        stage=stage,
        allowed=shares,
        valid_from=None,
        valid_to=_form_time(valid_to, "valid to"),
        reason=reason,
    )
    return RedirectResponse(f"/console/agreements?saved=added-{added['id']}", status_code=303)


@router.post("/agreements/{agreement_id}/expire")
def agreements_expire(
    request: Request,
    agreement_id: int,
    principal: Annotated[Principal, Depends(page_access(ADMIN_PAGES))],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> RedirectResponse:
    check_csrf(request, principal, csrf)
    admin_views.expire_agreement(session, principal, agreement_id, reason, None)
    return RedirectResponse(f"/console/agreements?saved=expired-{agreement_id}", status_code=303)


@router.get("/audit")
def audit_page(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(ADMIN_PAGES))],
    session: SessionDep,
    actor: Annotated[str, Query(max_length=100)] = "",
    action: Annotated[str, Query(max_length=64)] = "",
    object_type: Annotated[str, Query(max_length=64)] = "",
    object_id: Annotated[str, Query(max_length=200)] = "",
    since: Annotated[str, Query(max_length=40)] = "",
    until: Annotated[str, Query(max_length=40)] = "",
    before: Annotated[int | None, Query(ge=1)] = None,
    verify: Annotated[bool, Query()] = False,
) -> HTMLResponse:
    filters = {
        "actor": actor,
        "action": action,
        "object_type": object_type,
        "object_id": object_id,
        "since": since,
        "until": until,
    }
    where = audit.AuditFilter(
        actor=actor or None,
        action=action or None,
        object_type=object_type or None,
        object_id=object_id or None,
        since=_form_time(since, "since"),
        until=_form_time(until, "until"),
    )
    chain = admin_views.verify_audit_log(session, principal) if verify else None
    page = admin_views.read_audit_log(session, principal, where, PAGE_SIZE, before)
    given = {k: v for k, v in filters.items() if v}
    older = (
        "/console/audit?" + urlencode({**given, "before": page["next_before"]})
        if page["next_before"] is not None
        else ""
    )
    return render(
        request,
        "audit.html",
        principal,
        filters=filters,
        entries=[_entry_row(e) for e in page["entries"]],
        older=older,
        newest="/console/audit?" + urlencode(given) if before is not None else "",
        verify_href="/console/audit?" + urlencode({**given, "verify": 1}),
        chain=chain,
        page_size=PAGE_SIZE,
    )


def _agreement_row(a: dict[str, Any]) -> dict[str, Any]:
    return {
        **a,
        "shares": [(kind, ", ".join(fields)) for kind, fields in sorted(a["allowed"].items())],
        "valid_from": _short(a["valid_from"]),
        "valid_to": _short(a["valid_to"]),
    }


def _entry_row(e: dict[str, Any]) -> dict[str, Any]:
    ids = e["object_ids"]
    return {
        **e,
        "at": _short(e["at"]),
        "ids": ", ".join(ids[:8]) + (f" … (+{len(ids) - 8})" if len(ids) > 8 else ""),
    }


def _short(iso: str | None) -> str:
    return (iso or "")[:19].replace("T", " ")


def _form_time(value: str, label: str) -> datetime | None:
    """A date or time typed into a form (``2026-01-31``, ``2026-01-31T08:00``), read as UTC
    when it has no zone."""
    text = value.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise Problem(422, f"{label}: {text!r} is not a date or time (2026-01-31T08:00)") from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
