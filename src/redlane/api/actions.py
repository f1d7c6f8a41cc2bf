"""Decisions shared by the API and the console: outcomes, lookouts, rules. All audited."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.api.auth import require_port
from redlane.api.criteria import check_criteria
from redlane.api.problems import Problem
from redlane.api.roles import Principal
from redlane.api.schemas import LookoutIn, LookoutPatch, OutcomeIn, RuleIn, RulePatch
from redlane.store import audit
from redlane.store.models import Lookout, Outcome, Plan, PlanItem, Rule

# (home, warehouse path): where the criteria checker finds the feature columns.
Paths = tuple[Path, Path]


def _audit(
    session: Session,
    principal: Principal,
    action: str,
    object_type: str,
    ids: list[str | int],
    reason: str,
    details: dict[str, Any] | None = None,
) -> None:
    audit.append(
        session,
        actor=principal.name,
        action=action,
        object_type=object_type,
        object_ids=ids,
        reason=reason,
        partner_id=principal.partner_id,
        details=details,
    )


def record_outcome(session: Session, principal: Principal, data: OutcomeIn) -> Outcome:
    require_port(principal, data.port_code)
    plan_id = data.plan_id
    if plan_id is not None:
        plan = session.get(Plan, plan_id)
        if plan is None or plan.port_code != data.port_code:
            raise Problem(422, f"plan {plan_id} is not a plan of port {data.port_code}")
    else:
        plan_id = session.execute(
            select(Plan.id)
            .join(PlanItem, PlanItem.plan_id == Plan.id)
            .where(
                PlanItem.carrier == data.carrier,
                PlanItem.hawb == data.hawb,
                Plan.port_code == data.port_code,
            )
            .order_by(Plan.plan_date.desc(), Plan.id.desc())
            .limit(1)
        ).scalar_one_or_none()
    if data.outcome != "seized" and (data.seized_quantity or data.seized_value):
        raise Problem(422, "seized quantity and value only go with a seizure")
    outcome = Outcome(
        carrier=data.carrier,
        hawb=data.hawb,
        port_code=data.port_code,
        inspected_at=data.inspected_at or datetime.now(UTC),
        outcome=data.outcome,
        brand=data.brand or None,
        seized_quantity=data.seized_quantity,
        seized_value=data.seized_value,
        recorded_by=principal.user_id,
        plan_id=plan_id,
    )
    session.add(outcome)
    session.flush()
    _audit(
        session,
        principal,
        "outcome.record",
        "outcome",
        [outcome.id],
        data.notes or f"inspection of {data.carrier}/{data.hawb}",
        {
            "carrier": data.carrier,
            "hawb": data.hawb,
            "port_code": data.port_code,
            "outcome": data.outcome,
            "plan_id": plan_id,
        },
    )
    return outcome


def _may_edit(principal: Principal, owner_id: int | None) -> None:
    if principal.is_admin:
        return
    if owner_id is None or owner_id != principal.user_id:
        raise Problem(403, "only the owner or an admin may change this", kind="forbidden")


def create_lookout(
    session: Session, principal: Principal, data: LookoutIn, where: Paths | None = None
) -> Lookout:
    if where is not None:
        check_criteria(data.kind, data.criteria, *where)
    if principal.user_id is None:
        raise Problem(403, "lookouts are owned by people, not API keys", kind="forbidden")
    lookout = Lookout(
        owner_id=principal.user_id,
        partner_id=principal.partner_id,
        kind=data.kind,
        criteria=data.criteria,
        lane=data.lane,
        reason=data.reason,
        valid_from=data.valid_from or datetime.now(UTC),
        valid_to=data.valid_to,
        active=True,
    )
    session.add(lookout)
    session.flush()
    _audit(
        session,
        principal,
        "lookout.create",
        "lookout",
        [lookout.id],
        data.reason,
        {"kind": data.kind, "criteria": data.criteria, "lane": data.lane},
    )
    return lookout


def _update(
    session: Session,
    principal: Principal,
    row: Lookout | Rule | None,
    label: str,
    row_id: int,
    data: LookoutPatch | RulePatch,
    where: Paths | None,
) -> None:
    """One edit of a lookout or rule: owner check, criteria check, validity check, audit."""
    if row is None:
        raise Problem(404, f"no {label} {row_id}")
    _may_edit(principal, row.owner_id)
    if where is not None and data.criteria is not None:
        kind = row.kind if isinstance(row, Lookout) else None
        check_criteria(kind, data.criteria, *where)
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        setattr(row, name, value)
    if row.valid_to is not None and _aware(row.valid_to) <= _aware(row.valid_from):
        raise Problem(422, "valid_to must be after valid_from")
    _audit(session, principal, f"{label}.update", label, [row.id], "edit", changes)


def update_lookout(
    session: Session,
    principal: Principal,
    lookout_id: int,
    data: LookoutPatch,
    where: Paths | None = None,
) -> Lookout:
    lookout = session.get(Lookout, lookout_id)
    _update(session, principal, lookout, "lookout", lookout_id, data, where)
    assert lookout is not None  # _update answered 404 otherwise
    return lookout


def create_rule(
    session: Session, principal: Principal, data: RuleIn, where: Paths | None = None
) -> Rule:
    if where is not None:
        check_criteria(None, data.criteria, *where)
    rule = Rule(
        name=data.name,
        criteria=data.criteria,
        lane=data.lane,
        owner_id=principal.user_id,
        reason=data.reason,
        valid_from=data.valid_from or datetime.now(UTC),
        valid_to=data.valid_to,
        active=True,
    )
    session.add(rule)
    session.flush()
    _audit(
        session,
        principal,
        "rule.create",
        "rule",
        [rule.id],
        data.reason,
        {"name": data.name, "criteria": data.criteria, "lane": data.lane},
    )
    return rule


def update_rule(
    session: Session,
    principal: Principal,
    rule_id: int,
    data: RulePatch,
    where: Paths | None = None,
) -> Rule:
    rule = session.get(Rule, rule_id)
    _update(session, principal, rule, "rule", rule_id, data, where)
    assert rule is not None  # _update answered 404 otherwise
    return rule


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)
