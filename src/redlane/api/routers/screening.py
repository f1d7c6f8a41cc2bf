"""Screening (score, lane, reasons) and live matching against resolved actors."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from redlane.api.auth import access, require_port
from redlane.api.deps import SessionDep
from redlane.api.engines import Engines, get_engines
from redlane.api.idempotency import IdempotencyDep
from redlane.api.problems import problem_responses
from redlane.api.roles import (
    CUSTOMS_OFFICER,
    INVESTIGATOR,
    MACHINE,
    MARKETPLACE_ANALYST,
    TARGETING_ANALYST,
    Principal,
)
from redlane.api.routers.common import protected_router
from redlane.api.schemas import (
    AdvanceData,
    MatchCandidate,
    MatchIn,
    MatchOut,
    ScreenBatchIn,
    ScreenBatchOut,
    ScreenOut,
)
from redlane.api.state import ServiceState, get_state
from redlane.store import audit

if TYPE_CHECKING:
    from redlane.targeting.screen import Screener, ScreenResult

router = protected_router("screening", 503)

SCREENERS = access(CUSTOMS_OFFICER, TARGETING_ANALYST, MACHINE, partners=["customs", "carrier"])
MATCHERS = access(INVESTIGATOR, TARGETING_ANALYST, MARKETPLACE_ANALYST)


def jsonable(value: Any) -> Any:
    """Engine results may hold dataclasses or pydantic models; the API speaks JSON."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        return dump()
    if isinstance(value, str | int | float | bool | dict) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def _out(record: AdvanceData, result: ScreenResult) -> ScreenOut:
    return ScreenOut(
        carrier=record.carrier,
        hawb=record.hawb,
        score=float(result.score),
        expected_value=float(result.expected_value),
        lane=str(result.lane),
        reasons=[jsonable(r) for r in result.reasons],
        lookout_hits=[jsonable(h) for h in result.lookout_hits],
        matched_actor_ids=[str(a) for a in result.matched_actor_ids],
    )


def _check_ports(principal: Principal, records: Sequence[AdvanceData]) -> None:
    for record in records:
        if record.port_of_entry:
            require_port(principal, record.port_of_entry)


def _audit(state: ServiceState, principal: Principal, outs: list[ScreenOut]) -> None:
    state.buffered_audit().append(
        actor=principal.name,
        action="screen",
        object_type="shipment",
        object_ids=[f"{o.carrier}/{o.hawb}" for o in outs],
        reason="pre-arrival screening",
        partner_id=principal.partner_id,
        details={"lanes": [o.lane for o in outs]} if len(outs) > 1 else {"lane": outs[0].lane},
    )


async def _warm_screener(engines: Engines) -> Screener:
    """The loaded screener; a load (first use, or while the service warms up) runs in a worker
    thread so that the event loop keeps answering meanwhile."""
    if engines.is_loaded("screener"):
        return engines.screener()
    return await run_in_threadpool(engines.screener)


@router.post("/screen", response_model=ScreenOut, summary="Screen one shipment's advance data")
async def screen(
    request: Request,
    record: AdvanceData,
    principal: Annotated[Principal, Depends(SCREENERS)],
    engines: Annotated[Engines, Depends(get_engines)],
) -> ScreenOut:
    # async on purpose: one record is ≈0.5 ms of CPU, less than a worker-thread hop costs
    # under load (each hop waits for the GIL); the event loop runs it directly.
    screener = await _warm_screener(engines)
    _check_ports(principal, [record])
    out = _out(record, screener.screen(record.model_dump()))
    _audit(get_state(request), principal, [out])
    return out


@router.post(
    "/screen/batch",
    response_model=ScreenBatchOut,
    summary="Screen up to 1000 shipments",
    responses=problem_responses(409),
)
def screen_batch(
    request: Request,
    body: ScreenBatchIn,
    principal: Annotated[Principal, Depends(SCREENERS)],
    engines: Annotated[Engines, Depends(get_engines)],
    idempotency: IdempotencyDep,
) -> ScreenBatchOut | Response:
    def screen_all() -> ScreenBatchOut:
        _check_ports(principal, body.records)
        results = engines.screener().screen_batch([r.model_dump() for r in body.records])
        outs = [_out(r, res) for r, res in zip(body.records, results, strict=True)]
        _audit(get_state(request), principal, outs)
        return ScreenBatchOut(results=outs)

    return idempotency.run(principal, body, screen_all)


@router.post("/match", response_model=MatchOut, summary="Live match a record to resolved actors")
def match(
    body: MatchIn,
    principal: Annotated[Principal, Depends(MATCHERS)],
    engines: Annotated[Engines, Depends(get_engines)],
    session: SessionDep,
) -> MatchOut:
    found = engines.matcher().match(body.record, top=body.top)
    candidates = [
        MatchCandidate(
            actor_id=str(c.actor_id),
            probability=float(c.probability),
            reasons=[jsonable(r) for r in c.reasons],
        )
        for c in found
    ]
    audit.append(
        session,
        actor=principal.name,
        action="match",
        object_type="actor",
        object_ids=[c.actor_id for c in candidates],
        reason="live match",
        partner_id=principal.partner_id,
        details={"fields": sorted(body.record)},
    )
    return MatchOut(candidates=candidates)
