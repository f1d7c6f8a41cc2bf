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


@router.get(
    "/actions/messages",
    summary="The caller's partner's messages (holds, seizure notices, …) past a cursor: what "
    "webhooks push, for partners who pull",
)
def partner_messages(
    principal: Annotated[Principal, Depends(FEED_READERS)],
    session: SessionDep,
    after: Annotated[
        int, Query(ge=0, description="Cursor: the `next` of the previous page (0: from the start)")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="Messages per page")] = 100,
    topic: Annotated[str | None, Query(description="Only this topic (e.g. hold)")] = None,
    partner: Annotated[
        str | None, Query(description="Admins only: another partner's messages")
    ] = None,
) -> dict[str, Any]:
    from redlane.events.topics import TOPICS
    from redlane.events.webhooks import messages_after

    target = partner or principal.partner_id
    if target != principal.partner_id and principal.role != ADMIN:
        raise Problem(403, "only your own partner's messages", kind="forbidden")
    if topic is not None and topic not in TOPICS:
        raise Problem(422, f"unknown topic {topic!r}; topics: {', '.join(TOPICS)}")
    rows = messages_after(session, target, after, limit, topic)
    audit.append(
        session,
        actor=principal.name,
        partner_id=target,
        action="action.serve",
        object_type="partner_message",
        object_ids=[r.message_id for r in rows],
        reason="partner pulled its messages",
        details={"after": after, "count": len(rows), "topic": topic},
    )
    return {
        "partner": target,
        "messages": [{"cursor": r.id, "webhook_id": r.message_id, **r.payload} for r in rows],
        "next": rows[-1].id if rows else after,
    }
