"""Rules and lookouts: the review page, the forms that add them, and retiring one."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.api import actions, queries
from redlane.api.auth import Access
from redlane.api.deps import SessionDep
from redlane.api.problems import Problem
from redlane.api.roles import ADMIN, INVESTIGATOR, TARGETING_ANALYST, Principal
from redlane.api.schemas import LookoutIn, LookoutPatch, RuleIn, RulePatch, record_id
from redlane.api.state import get_state
from redlane.api.web.kit import TARGETING, check_csrf, page_access, page_router, render
from redlane.store.models import Lookout, Rule
from redlane.targeting import decisions

router = page_router()


@router.get("/targeting")
def targeting(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(TARGETING))],
    session: SessionDep,
    saved: str = "",
) -> HTMLResponse:
    rules = list(session.execute(select(Rule).order_by(Rule.id.desc())).scalars())
    lookouts = list(session.execute(select(Lookout).order_by(Lookout.id.desc())).scalars())
    owners = {r.owner_id for r in rules if r.owner_id is not None} | {x.owner_id for x in lookouts}
    names = queries.usernames(session, owners)
    if lookouts:
        queries.audit_read(
            session, principal, "lookout", [x.id for x in lookouts], "lookout review"
        )
    hits = decisions.plan_hits(session)
    may_write_rules = principal.role in (TARGETING_ANALYST, ADMIN)
    may_write_lookouts = principal.role in (TARGETING_ANALYST, INVESTIGATOR, ADMIN)
    return render(
        request,
        "targeting.html",
        principal,
        rules=[
            _row(session, principal, r, queries.rule_view(r, names), hits, may_write_rules)
            for r in rules
        ],
        lookouts=[
            _row(session, principal, x, queries.lookout_view(x, names), hits, may_write_lookouts)
            for x in lookouts
        ],
        may_write_rules=may_write_rules,
        may_write_lookouts=may_write_lookouts,
        from_start=decisions.FROM_START,
        saved=saved,
    )


def _row(
    session: Session,
    principal: Principal,
    row: Rule | Lookout,
    view: dict[str, Any],
    hits: dict[str, int],
    may_write: bool,
) -> dict[str, Any]:
    """A rule's or lookout's view with its hits in stored plans and whether this user may
    retire it (the decision's own rule: owner, admin, or a writer of its partner)."""
    label = "rule" if isinstance(row, Rule) else "lookout"
    retirable = (
        may_write
        and row.active
        and decisions.may_retire(principal, row, decisions.owning_partner(session, row))
    )
    return {**view, "plan_hits": hits.get(f"{label}:{row.id}", 0), "may_retire": retirable}


def _form_criteria(text: str) -> dict[str, Any]:
    """JSON (``{"field": "hs6", "op": "eq", "value": "640411"}``), or ``key=value`` pairs
    separated by ``;`` or new lines (``identifier=phone; value=+86 20 8888 1234``)."""
    if text.strip().startswith("{"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as e:
            raise Problem(422, f"criteria are not valid JSON: {e}") from e
        if not isinstance(parsed, dict) or not parsed:
            raise Problem(422, "criteria must be a JSON object")
        return parsed
    criteria: dict[str, Any] = {}
    for part in text.replace("\n", ";").split(";"):
        if "=" in part:
            key, value = part.split("=", 1)
            if key.strip():
                criteria[key.strip()] = value.strip()
    if not criteria:
        raise Problem(422, "criteria must be key=value pairs, e.g. actor_id=A-1")
    return criteria


@router.post("/lookouts")
def lookout_submit(
    request: Request,
    principal: Annotated[
        Principal, Depends(page_access(Access([TARGETING_ANALYST, INVESTIGATOR])))
    ],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "actor",
    criteria: Annotated[str, Form()] = "",
    lane: Annotated[str, Form()] = decisions.DEFAULT_LANE,
    reason: Annotated[str, Form()] = "",
    valid_from: Annotated[str, Form()] = "",
    valid_to: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    try:
        body = LookoutIn.model_validate(
            {
                "kind": kind,
                "criteria": _form_criteria(criteria),
                "lane": lane,
                "reason": reason,
                "valid_from": valid_from or None,
                "valid_to": valid_to or None,
            }
        )
    except ValidationError as e:
        raise Problem(422, f"the lookout form is not valid: {e.errors()[0]['msg']}") from e
    actions.create_lookout(session, principal, body, get_state(request).paths)
    session.commit()
    get_state(request).engines.refresh_screener()
    return RedirectResponse("/console/targeting?saved=lookout", status_code=303)


@router.post("/rules")
def rule_submit(
    request: Request,
    principal: Annotated[
        Principal, Depends(page_access(Access([TARGETING_ANALYST], partners=["customs"])))
    ],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    criteria: Annotated[str, Form()] = "",
    lane: Annotated[str, Form()] = decisions.DEFAULT_LANE,
    reason: Annotated[str, Form()] = "",
    valid_from: Annotated[str, Form()] = "",
    valid_to: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    try:
        body = RuleIn.model_validate(
            {
                "name": name,
                "criteria": _form_criteria(criteria),
                "lane": lane,
                "reason": reason,
                "valid_from": valid_from or None,
                "valid_to": valid_to or None,
            }
        )
    except ValidationError as e:
        raise Problem(422, f"the rule form is not valid: {e.errors()[0]['msg']}") from e
    actions.create_rule(session, principal, body, get_state(request).paths)
    session.commit()
    get_state(request).engines.refresh_screener()
    return RedirectResponse("/console/targeting?saved=rule", status_code=303)


@router.post("/{kind}/{item_id}/retire")
def retire(
    request: Request,
    kind: str,
    item_id: str,
    principal: Annotated[
        Principal, Depends(page_access(Access([TARGETING_ANALYST, INVESTIGATOR])))
    ],
    session: SessionDep,
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    item = record_id(item_id)
    if item is None or kind not in ("lookouts", "rules"):
        raise Problem(404, "nothing to retire there")
    if kind == "lookouts":
        actions.update_lookout(session, principal, item, LookoutPatch(active=False))
    else:
        actions.update_rule(session, principal, item, RulePatch(active=False))
    session.commit()
    get_state(request).engines.refresh_screener()
    return RedirectResponse("/console/targeting?saved=retired", status_code=303)
