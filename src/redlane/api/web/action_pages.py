"""The partners' action feeds in the console: what the pooled picture asks of each partner.

The marketplace sees its sideline (takedown) requests and seizure notices, the carrier its holds:
the same messages ``GET /v1/actions/messages`` serves and webhooks push, each already passed
through the disclosure policy for that partner when it was queued. A user sees only their own
partner's feed (admins may open both); every page read is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Final

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.api.auth import Access
from redlane.api.deps import SessionDep
from redlane.api.roles import Principal
from redlane.api.web.kit import (
    CARRIER_ACTIONS,
    MARKETPLACE_ACTIONS,
    page_access,
    page_router,
    render,
)
from redlane.store import audit
from redlane.store.event_models import PartnerMessage

router = page_router()

PAGE_SIZE: Final = 50


@dataclass(frozen=True)
class FeedPage:
    """One partner's feed: its path, whose it is, the topics it shows."""

    path: str
    title: str
    partner: str
    topics: tuple[str, ...]
    access: Access


MARKETPLACE_FEED: Final = FeedPage(
    "/console/actions/marketplace",
    "Marketplace actions",
    "marketplace",
    ("sideline", "seizure_notice", "tip_outcome"),
    MARKETPLACE_ACTIONS,
)
CARRIER_FEED: Final = FeedPage(
    "/console/actions/carrier",
    "Carrier holds",
    "carrier",
    ("hold", "tip_outcome"),
    CARRIER_ACTIONS,
)


def _messages(
    session: Session, feed: FeedPage, topic: str | None, before: int | None
) -> tuple[list[PartnerMessage], int | None]:
    topics = [topic] if topic else list(feed.topics)
    stmt = select(PartnerMessage).where(
        PartnerMessage.partner_id == feed.partner, PartnerMessage.topic.in_(topics)
    )
    if before is not None:
        stmt = stmt.where(PartnerMessage.id < before)
    rows = list(session.scalars(stmt.order_by(PartnerMessage.id.desc()).limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].id if more else None)


def _message_row(row: PartnerMessage) -> dict[str, Any]:
    payload = row.payload or {}
    data = payload.get("data") or {}
    return {
        "cursor": row.id,
        "topic": row.topic,
        "message_id": row.message_id,
        "at": row.created_at.strftime("%Y-%m-%d %H:%M:%S"),
        "hawb": data.get("hawb", ""),
        "fields": sorted((str(k), _text(v)) for k, v in data.items()),
    }


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _feed_page(
    request: Request,
    principal: Principal,
    session: SessionDep,
    feed: FeedPage,
    topic: str,
    before: int | None,
) -> HTMLResponse:
    chosen = topic if topic in feed.topics else None
    rows, next_before = _messages(session, feed, chosen, before)
    audit.append(
        session,
        actor=principal.name,
        action="read",
        object_type="partner_message",
        object_ids=[r.message_id for r in rows],
        reason="partner action feed (console)",
        partner_id=feed.partner,
        details={"topic": chosen, "before": before, "count": len(rows)},
    )
    query = f"&topic={chosen}" if chosen else ""
    return render(
        request,
        "action_feed.html",
        principal,
        feed=feed,
        chosen_topic=chosen or "",
        messages=[_message_row(r) for r in rows],
        older=f"{feed.path}?before={next_before}{query}" if next_before is not None else "",
        newest=f"{feed.path}?{query.lstrip('&')}" if before is not None else "",
        page_size=PAGE_SIZE,
    )


@router.get("/actions/marketplace")
def marketplace_feed(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(MARKETPLACE_FEED.access))],
    session: SessionDep,
    topic: Annotated[str, Query(max_length=32)] = "",
    before: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    return _feed_page(request, principal, session, MARKETPLACE_FEED, topic, before)


@router.get("/actions/carrier")
def carrier_feed(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(CARRIER_FEED.access))],
    session: SessionDep,
    topic: Annotated[str, Query(max_length=32)] = "",
    before: Annotated[int | None, Query(ge=1)] = None,
) -> HTMLResponse:
    return _feed_page(request, principal, session, CARRIER_FEED, topic, before)
