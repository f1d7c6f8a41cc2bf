"""What every protected router shares."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from redlane.api.auth import current_principal
from redlane.api.problems import problem_responses


def protected_router(tag: str, *extra_statuses: int) -> APIRouter:
    """A router whose every route first needs credentials (401 before path or body checks)."""
    return APIRouter(
        prefix="/v1",
        tags=[tag],
        dependencies=[Depends(current_principal)],
        responses=problem_responses(401, 403, 422, *extra_statuses),
    )
