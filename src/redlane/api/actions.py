"""Decisions shared by the API and the console: outcomes, lookouts, rules. All audited.

Rules and lookouts are written by ``redlane.targeting.decisions`` (as on the command line);
here their refusals become problem details.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.api.auth import require_port
from redlane.api.problems import Problem
from redlane.api.roles import Principal
from redlane.api.schemas import LookoutIn, LookoutPatch, OutcomeIn, RuleIn, RulePatch
from redlane.errors import NotFound
from redlane.store import audit
from redlane.store.models import Lookout, Outcome, Plan, PlanItem, Rule
from redlane.targeting import decisions
from redlane.targeting.outcomes import outcome_event
from redlane.targeting.rules import CriteriaError

# (home, warehouse path): where the criteria checker finds the feature columns.
Paths = decisions.Where


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
    outcome_event(
        session,
        {
            "carrier": data.carrier,
            "hawb": data.hawb,
            "port_code": data.port_code,
            "outcome": data.outcome,
            "inspected_at": outcome.inspected_at,
        },
    )
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


@contextmanager
def _as_problems() -> Iterator[None]:
    """The decision's refusals as the problems the API has always answered with."""
    try:
        yield
    except CriteriaError as e:
        raise Problem(422, f"criteria not understood: {e.detail}", kind="bad-criteria") from e
    except decisions.NotAllowed as e:
        raise Problem(403, e.detail, kind="forbidden") from e
    except (decisions.DecisionError, NotFound) as e:
        raise Problem(e.STATUS, e.detail) from e


def create_lookout(
    session: Session, principal: Principal, data: LookoutIn, where: Paths | None = None
) -> Lookout:
    with _as_problems():
        return decisions.create_lookout(session, principal, data.model_dump(), where)


def update_lookout(
    session: Session,
    principal: Principal,
    lookout_id: int,
    data: LookoutPatch,
    where: Paths | None = None,
) -> Lookout:
    changes = data.model_dump(exclude_unset=True)
    with _as_problems():
        return decisions.update_lookout(session, principal, lookout_id, changes, where)


def create_rule(
    session: Session, principal: Principal, data: RuleIn, where: Paths | None = None
) -> Rule:
    with _as_problems():
        return decisions.create_rule(session, principal, data.model_dump(), where)


def update_rule(
    session: Session,
    principal: Principal,
    rule_id: int,
    data: RulePatch,
    where: Paths | None = None,
) -> Rule:
    changes = data.model_dump(exclude_unset=True)
    with _as_problems():
        return decisions.update_rule(session, principal, rule_id, changes, where)
