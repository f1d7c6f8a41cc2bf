"""Actions back to partners as API feeds: each partner pulls what the pooled picture owes it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request

from redlane.api.auth import access
from redlane.api.deps import SessionDep
from redlane.api.problems import Problem
from redlane.api.roles import (
    ADMIN,
    CARRIER_LIAISON,
    MACHINE,
    MARKETPLACE_ANALYST,
    RIGHTS_HOLDER,
    TARGETING_ANALYST,
    Principal,
)
from redlane.api.routers.common import protected_router
from redlane.api.state import get_state
from redlane.store import audit

router = protected_router("actions")

FEED_READERS = access(
    MARKETPLACE_ANALYST, CARRIER_LIAISON, RIGHTS_HOLDER, TARGETING_ANALYST, MACHINE
)


@router.get(
    "/actions",
    summary="The caller's partner's feeds: seizure notices, sideline list, accounts to review, "
    "holds, KYC alerts or lookout proposals, through the disclosure policy",
)
def partner_actions(
    request: Request,
    principal: Annotated[Principal, Depends(FEED_READERS)],
    session: SessionDep,
    partner: Annotated[
        str | None, Query(description="Admins only: another partner's feeds")
    ] = None,
) -> dict[str, Any]:
    from redlane.cases.actions import PARTNER_FEEDS, partner_feeds
    from redlane.config import Settings

    target = partner or principal.partner_id
    if target != principal.partner_id and principal.role != ADMIN:
        raise Problem(403, "only your own partner's feeds", kind="forbidden")
    if target not in PARTNER_FEEDS:
        raise Problem(404, f"no feeds for partner {target!r}", kind="not-found")
    state = get_state(request)
    settings = Settings(home=state.home, warehouse_dir=state.warehouse_path)
    feeds = partner_feeds(session, settings, target)
    audit.append(
        session,
        actor=principal.name,
        partner_id=target,
        action="action.serve",
        object_type="partner_feed",
        object_ids=[f"{target}:{feed.name}" for feed in feeds],
        reason="partner pulled its feeds",
        details={feed.name: len(feed.items) for feed in feeds},
    )
    return {
        "partner": target,
        "feeds": {feed.name: feed.items for feed in feeds},
    }
