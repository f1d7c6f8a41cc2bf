"""Actors from the current resolution run: profile, parties, timeline, network."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request

from redlane.api import queries
from redlane.api.auth import access
from redlane.api.deps import SessionDep
from redlane.api.problems import problem_responses
from redlane.api.roles import INVESTIGATOR, MARKETPLACE_ANALYST, TARGETING_ANALYST, Principal
from redlane.api.routers.common import protected_router
from redlane.api.state import get_state

router = protected_router("actors")

ACTOR_READERS = access(INVESTIGATOR, TARGETING_ANALYST, MARKETPLACE_ANALYST)


@router.get(
    "/actors/{actor_id}",
    summary="An actor: profile, parties (as far as agreements allow), timeline, network",
    responses={
        **problem_responses(404),
        200: {
            "description": "The actor",
            "content": {
                "application/json": {
                    "example": {
                        "actor": {"actor_id": "A-1", "display_name": "Meiya Trading", "risk": 0.9},
                        "parties": [{"party_id": "P2", "source_table": "mp_sellers", "name": "…"}],
                        "parties_withheld": 1,
                        "timeline": [{"at": "2026-09-01T10:00:00", "source_table": "mp_sellers"}],
                        "network": {
                            "nodes": [{"actor_id": "A-2", "display_name": "Other", "risk": 0.4}],
                            "edges": [
                                {
                                    "src_actor_id": "A-1",
                                    "dst_actor_id": "A-2",
                                    "kind": "shared_address",
                                    "weight": 0.8,
                                }
                            ],
                        },
                    }
                }
            },
        },
    },
)
def actor(
    request: Request,
    actor_id: str,
    principal: Annotated[Principal, Depends(ACTOR_READERS)],
    session: SessionDep,
    reason: Annotated[str, Query(max_length=500, description="Why (kept in the audit log)")] = (
        "actor review"
    ),
) -> dict[str, Any]:
    return queries.actor_view(session, get_state(request), principal, actor_id, reason)
