"""Port plans, shipments, inspection outcomes and hit-rate metrics."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from fastapi.responses import Response

from redlane.api import actions, queries
from redlane.api.auth import access, require_port
from redlane.api.deps import SessionDep
from redlane.api.idempotency import IdempotencyDep
from redlane.api.problems import Problem, problem_responses
from redlane.api.roles import CUSTOMS_OFFICER, INVESTIGATOR, TARGETING_ANALYST, Principal
from redlane.api.routers.common import protected_router
from redlane.api.schemas import MetricsOut, OutcomeIn, OutcomeOut, PlanOut
from redlane.api.state import get_state

router = protected_router("ports")

CUSTOMS = access(CUSTOMS_OFFICER, TARGETING_ANALYST, partners=["customs"])
METRICS = access(CUSTOMS_OFFICER, TARGETING_ANALYST, INVESTIGATOR, partners=["customs", "ipcc"])


@router.get(
    "/ports/{port}/plan",
    response_model=PlanOut,
    summary="A port's inspection plan for a day (the newest plan made for it)",
    responses=problem_responses(404),
)
def port_plan(
    port: str,
    principal: Annotated[Principal, Depends(CUSTOMS)],
    session: SessionDep,
    day: Annotated[date | None, Query(alias="date", description="Default: today (UTC)")] = None,
) -> dict[str, Any]:
    require_port(principal, port)
    plan = queries.latest_plan(session, port, day or queries.today())
    if plan is None:
        raise Problem(404, f"no plan for {port} on {(day or queries.today()).isoformat()}")
    return queries.plan_view(session, plan)


@router.get(
    "/shipments/{carrier}/{hawb}",
    summary="One shipment: advance data (per agreements), plans, outcomes, matched actors",
    responses={
        **problem_responses(404),
        200: {
            "description": "The shipment",
            "content": {
                "application/json": {
                    "example": {
                        "carrier": "EXPR",
                        "hawb": "EX0012345678",
                        "advance_data": {"shipper_name": "Guangzhou Meiya Ltd", "hs6": "851830"},
                        "advance_data_withheld": False,
                        "plans": [{"port_code": "JFK", "lane": "red", "reasons": ["low value"]}],
                        "outcomes": [{"outcome": "seized", "port_code": "JFK"}],
                        "matched_actors": [{"actor_id": "A-1", "role": "shipper"}],
                    }
                }
            },
        },
    },
)
def shipment(
    request: Request,
    carrier: str,
    hawb: str,
    principal: Annotated[Principal, Depends(CUSTOMS)],
    session: SessionDep,
) -> dict[str, Any]:
    return queries.shipment_view(session, get_state(request), principal, carrier, hawb)


@router.post(
    "/outcomes",
    response_model=OutcomeOut,
    status_code=201,
    summary="Record what an inspection found (a decision: audited)",
    responses=problem_responses(409),
)
def record_outcome(
    body: OutcomeIn,
    principal: Annotated[Principal, Depends(CUSTOMS)],
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> OutcomeOut | Response:
    def record() -> OutcomeOut:
        o = actions.record_outcome(session, principal, body)
        return OutcomeOut(
            id=o.id,
            carrier=o.carrier,
            hawb=o.hawb,
            port_code=o.port_code,
            outcome=o.outcome,
            plan_id=o.plan_id,
            inspected_at=o.inspected_at,
        )

    return idempotency.run(principal, body, record, session)


@router.get(
    "/metrics",
    response_model=MetricsOut,
    summary="Hit rates per port, selection, rule and model (officers: their ports)",
)
def metrics(
    principal: Annotated[Principal, Depends(METRICS)],
    session: SessionDep,
    port: Annotated[str | None, Query(description="Only this port")] = None,
) -> dict[str, Any]:
    if port:
        require_port(principal, port)
    return queries.metrics_view(session, principal, port)
