"""A hold decided between plans joins the port's plan for its arrival day, within capacity.

A plan holds exactly its capacity (``targeting.plan.select``). A mandatory hit that arrives after
the plan was made takes the place of the lowest-value discretionary pick (a model pick first,
an exploration pick only when no model pick is left), and both items say so in their reasons
and in the audit log.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from redlane.store import audit
from redlane.store.event_models import InflightParcel
from redlane.store.models import Plan, PlanItem

DISCRETIONARY: Final = ("model", "exploration")


def insert_mandatory(
    session: Session, parcel: InflightParcel, selected_by: str, actor: str
) -> bool:
    """Put a newly held parcel on its port's latest plan for its arrival day, if there is one;
    True when it displaced a discretionary pick."""
    plan = session.execute(
        select(Plan)
        .where(
            Plan.port_code == parcel.port_code,
            Plan.plan_date == parcel.expected_arrival.date(),
        )
        .order_by(Plan.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    if plan is None:
        return False
    on_plan = session.execute(
        select(PlanItem.id).where(
            PlanItem.plan_id == plan.id,
            PlanItem.carrier == parcel.carrier,
            PlanItem.hawb == parcel.hawb,
        )
    ).scalar_one_or_none()
    if on_plan is not None:
        return False
    count = session.execute(
        select(func.count()).select_from(PlanItem).where(PlanItem.plan_id == plan.id)
    ).scalar_one()
    displaced = None
    if count >= plan.capacity:
        displaced = _lowest_discretionary(session, plan.id)
        if displaced is None:  # every pick is mandatory: the plan is over capacity already
            _audit(session, actor, plan, parcel, "plan.over_capacity", None)
            return False
        session.delete(displaced)
        session.flush()
    rank = session.execute(
        select(func.coalesce(func.max(PlanItem.rank), 0)).where(PlanItem.plan_id == plan.id)
    ).scalar_one()
    reasons = [parcel.hold_reason or "held between plans"]
    if displaced is not None:
        reasons.append(
            f"took the place of {displaced.carrier}/{displaced.hawb}, the lowest-value "
            f"{displaced.selected_by} pick, to keep the plan within capacity {plan.capacity}"
        )
    session.add(
        PlanItem(
            plan_id=plan.id,
            carrier=parcel.carrier,
            hawb=parcel.hawb,
            lane="red",
            rank=int(rank) + 1,
            score=parcel.score,
            expected_value=parcel.expected_value,
            propensity=1.0,
            selected_by=selected_by,
            reasons=reasons + [r for r in parcel.reasons if r not in reasons],
        )
    )
    _audit(session, actor, plan, parcel, "plan.insert", displaced)
    return displaced is not None


def _lowest_discretionary(session: Session, plan_id: int) -> PlanItem | None:
    for kind in DISCRETIONARY:
        item = session.execute(
            select(PlanItem)
            .where(PlanItem.plan_id == plan_id, PlanItem.selected_by == kind)
            .order_by(PlanItem.expected_value, PlanItem.id)
            .limit(1)
        ).scalar_one_or_none()
        if item is not None:
            return item
    return None


def _audit(
    session: Session,
    actor: str,
    plan: Plan,
    parcel: InflightParcel,
    action: str,
    displaced: PlanItem | None,
) -> None:
    reason = parcel.hold_reason or "held between plans"
    if displaced is not None:
        reason += (
            f"; displaced {displaced.carrier}/{displaced.hawb} ({displaced.selected_by} pick,"
            f" expected value {displaced.expected_value:.2f})"
        )
    elif action == "plan.over_capacity":
        reason += "; every pick on the plan is mandatory, so it stays off the plan but held"
    audit.append(
        session,
        actor=actor,
        action=action,
        object_type="plan",
        object_ids=[plan.id],
        reason=reason,
        details={"carrier": parcel.carrier, "hawb": parcel.hawb, "port": plan.port_code},
    )
