"""Lookouts and rules: create, read, update, retire (owner and validity kept)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.api import actions, queries
from redlane.api.auth import access
from redlane.api.deps import SessionDep
from redlane.api.engines import Engines, get_engines
from redlane.api.problems import Problem
from redlane.api.roles import CUSTOMS_OFFICER, INVESTIGATOR, TARGETING_ANALYST, Principal
from redlane.api.routers.common import protected_router
from redlane.api.schemas import (
    LookoutIn,
    LookoutOut,
    LookoutPatch,
    RuleIn,
    RuleOut,
    RulePatch,
    record_id,
)
from redlane.api.state import get_state
from redlane.store.models import Lookout, Rule
from redlane.targeting.decisions import plan_hits

router = protected_router("targeting", 404)

LOOKOUT_READERS = access(INVESTIGATOR, TARGETING_ANALYST, CUSTOMS_OFFICER)
LOOKOUT_WRITERS = access(INVESTIGATOR, TARGETING_ANALYST)
RULE_READERS = access(TARGETING_ANALYST, INVESTIGATOR, CUSTOMS_OFFICER)
RULE_WRITERS = access(TARGETING_ANALYST, partners=["customs"])


def engines_paths(request: Request) -> tuple[Path, Path]:
    return get_state(request).paths


def changed(engines: Engines, session: Session) -> None:
    """Rules and lookouts feed screening: commit, then let the screener reload them."""
    session.commit()
    engines.refresh_screener()


def _lookout_out(session: Session, lookout: Lookout) -> dict[str, Any]:
    return _lookout_views(session, [lookout])[0]


def _rule_out(session: Session, rule: Rule) -> dict[str, Any]:
    return _rule_views(session, [rule])[0]


def _lookout_views(session: Session, rows: list[Lookout]) -> list[dict[str, Any]]:
    names = queries.usernames(session, {r.owner_id for r in rows})
    hits = plan_hits(session)
    return [
        {**queries.lookout_view(r, names), "plan_hits": hits.get(f"lookout:{r.id}", 0)}
        for r in rows
    ]


def _rule_views(session: Session, rows: list[Rule]) -> list[dict[str, Any]]:
    names = queries.usernames(session, {r.owner_id for r in rows if r.owner_id is not None})
    hits = plan_hits(session)
    return [{**queries.rule_view(r, names), "plan_hits": hits.get(f"rule:{r.id}", 0)} for r in rows]


@router.get("/lookouts", response_model=list[LookoutOut], summary="Lookouts, newest first")
def list_lookouts(
    principal: Annotated[Principal, Depends(LOOKOUT_READERS)],
    session: SessionDep,
    active: Annotated[bool | None, Query(description="Only (in)active ones")] = None,
) -> list[dict[str, Any]]:
    query = select(Lookout).order_by(Lookout.id.desc())
    if active is not None:
        query = query.where(Lookout.active == active)
    rows = list(session.execute(query).scalars())
    if rows:  # criteria name people (actors, phones, addresses): reading them is audited
        queries.audit_read(session, principal, "lookout", [r.id for r in rows], "lookout review")
    return _lookout_views(session, rows)


@router.post("/lookouts", response_model=LookoutOut, status_code=201, summary="New lookout")
def create_lookout(
    request: Request,
    body: LookoutIn,
    principal: Annotated[Principal, Depends(LOOKOUT_WRITERS)],
    session: SessionDep,
    engines: Annotated[Engines, Depends(get_engines)],
) -> dict[str, Any]:
    lookout = actions.create_lookout(session, principal, body, engines_paths(request))
    changed(engines, session)
    return _lookout_out(session, lookout)


@router.get("/lookouts/{lookout_id}", response_model=LookoutOut, summary="One lookout")
def get_lookout(
    lookout_id: str,
    principal: Annotated[Principal, Depends(LOOKOUT_READERS)],
    session: SessionDep,
) -> dict[str, Any]:
    lookout = session.get(Lookout, _int_id(lookout_id))
    if lookout is None:
        raise Problem(404, f"no lookout {lookout_id}")
    queries.audit_read(session, principal, "lookout", [lookout.id], "lookout review")
    return _lookout_out(session, lookout)


@router.patch(
    "/lookouts/{lookout_id}", response_model=LookoutOut, summary="Change a lookout (owner/admin)"
)
def patch_lookout(
    request: Request,
    lookout_id: str,
    body: LookoutPatch,
    principal: Annotated[Principal, Depends(LOOKOUT_WRITERS)],
    session: SessionDep,
    engines: Annotated[Engines, Depends(get_engines)],
) -> dict[str, Any]:
    lookout = actions.update_lookout(
        session, principal, _int_id(lookout_id), body, engines_paths(request)
    )
    changed(engines, session)
    return _lookout_out(session, lookout)


@router.delete(
    "/lookouts/{lookout_id}",
    response_model=LookoutOut,
    summary="Retire a lookout (owner, admin or a writer of its partner; kept, inactive)",
)
def retire_lookout(
    lookout_id: str,
    principal: Annotated[Principal, Depends(LOOKOUT_WRITERS)],
    session: SessionDep,
    engines: Annotated[Engines, Depends(get_engines)],
) -> dict[str, Any]:
    patch = LookoutPatch(active=False)
    lookout = actions.update_lookout(session, principal, _int_id(lookout_id), patch)
    changed(engines, session)
    return _lookout_out(session, lookout)


@router.get(
    "/rules",
    response_model=list[RuleOut],
    summary="Targeting rules",
    dependencies=[Depends(RULE_READERS)],
)
def list_rules(
    session: SessionDep,
    active: Annotated[bool | None, Query(description="Only (in)active ones")] = None,
) -> list[dict[str, Any]]:
    query = select(Rule).order_by(Rule.id.desc())
    if active is not None:
        query = query.where(Rule.active == active)
    return _rule_views(session, list(session.execute(query).scalars()))


@router.post("/rules", response_model=RuleOut, status_code=201, summary="New rule")
def create_rule(
    request: Request,
    body: RuleIn,
    principal: Annotated[Principal, Depends(RULE_WRITERS)],
    session: SessionDep,
    engines: Annotated[Engines, Depends(get_engines)],
) -> dict[str, Any]:
    rule = actions.create_rule(session, principal, body, engines_paths(request))
    changed(engines, session)
    return _rule_out(session, rule)


@router.get(
    "/rules/{rule_id}",
    response_model=RuleOut,
    summary="One rule",
    dependencies=[Depends(RULE_READERS)],
)
def get_rule(
    rule_id: str,
    session: SessionDep,
) -> dict[str, Any]:
    rule = session.get(Rule, _int_id(rule_id))
    if rule is None:
        raise Problem(404, f"no rule {rule_id}")
    return _rule_out(session, rule)


@router.patch("/rules/{rule_id}", response_model=RuleOut, summary="Change a rule (owner/admin)")
def patch_rule(
    request: Request,
    rule_id: str,
    body: RulePatch,
    principal: Annotated[Principal, Depends(RULE_WRITERS)],
    session: SessionDep,
    engines: Annotated[Engines, Depends(get_engines)],
) -> dict[str, Any]:
    rule = actions.update_rule(session, principal, _int_id(rule_id), body, engines_paths(request))
    changed(engines, session)
    return _rule_out(session, rule)


@router.delete(
    "/rules/{rule_id}",
    response_model=RuleOut,
    summary="Retire a rule (owner, admin or an analyst of its partner; kept, inactive)",
)
def retire_rule(
    rule_id: str,
    principal: Annotated[Principal, Depends(RULE_WRITERS)],
    session: SessionDep,
    engines: Annotated[Engines, Depends(get_engines)],
) -> dict[str, Any]:
    patch = RulePatch(active=False)
    rule = actions.update_rule(session, principal, _int_id(rule_id), patch)
    changed(engines, session)
    return _rule_out(session, rule)


def _int_id(value: str) -> int:
    """Ids are taken as strings so a bad one is a 404 after auth, never a 422 before it."""
    parsed = record_id(value)
    if parsed is None:
        raise Problem(404, f"no such id {value!r}")
    return parsed
