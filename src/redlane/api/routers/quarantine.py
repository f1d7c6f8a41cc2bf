"""Rows refused at ingestion, each partner seeing its own."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request

from redlane.api import queries
from redlane.api.auth import access
from redlane.api.deps import SessionDep
from redlane.api.roles import (
    CARRIER_LIAISON,
    MARKETPLACE_ANALYST,
    RIGHTS_HOLDER,
    TARGETING_ANALYST,
    Principal,
)
from redlane.api.routers.common import protected_router
from redlane.api.schemas import INT64_MAX, QuarantineOut
from redlane.api.state import get_state

router = protected_router("feeds")

QUARANTINE_READERS = access(CARRIER_LIAISON, MARKETPLACE_ANALYST, RIGHTS_HOLDER, TARGETING_ANALYST)


@router.get(
    "/quarantine",
    response_model=QuarantineOut,
    summary="Refused rows with file, line, field, value and reason (own partner's; admins all)",
)
def quarantine(
    request: Request,
    principal: Annotated[Principal, Depends(QUARANTINE_READERS)],
    session: SessionDep,
    table: Annotated[str | None, Query(description="Only rows refused for this table")] = None,
    batch: Annotated[str | None, Query(description="Only this batch (id or prefix)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=INT64_MAX)] = 0,
) -> dict[str, Any]:
    return queries.quarantine_view(
        session,
        get_state(request),
        principal,
        table=table,
        batch=batch,
        limit=limit,
        offset=offset,
    )
