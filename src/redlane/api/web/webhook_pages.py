"""Webhooks in the console: a partner's subscriptions and its delivery log, read-only.

Admins see every partner (and may narrow to one); anyone else signed in sees only their own
partner's, since an endpoint's failures are that partner's to fix. Secrets and message bodies
are never shown.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Final

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from redlane.api.auth import Access
from redlane.api.deps import SessionDep
from redlane.api.roles import USER_ROLES, Principal
from redlane.api.web.kit import page_access, page_router, render
from redlane.events import webhooks
from redlane.store.event_models import DELIVERY_STATUSES, WebhookDelivery, WebhookSubscription
from redlane.store.models import Partner

router = page_router()

# Every person's role: what they see is narrowed to their partner below (machines have no
# console session).
WEBHOOK_READERS: Final = Access(USER_ROLES)
SHOWN: Final = 100


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if value is not None else ""


def _subscription_row(row: WebhookSubscription) -> dict[str, Any]:
    return {
        "id": row.id,
        "partner": row.partner_id,
        "url": row.url,
        "topics": ", ".join(row.topics or []),
        "active": row.active,
        "created_at": _when(row.created_at),
    }


def _delivery_row(row: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": row.id,
        "subscription_id": row.subscription_id,
        "topic": row.topic,
        "message_id": row.message_id,
        "status": row.status,
        "attempts": row.attempts,
        "last_status_code": row.last_status_code or "",
        "last_error": row.last_error or "",
        "created_at": _when(row.created_at),
        "next_attempt_at": _when(row.next_attempt_at) if row.status == "pending" else "",
        "delivered_at": _when(row.delivered_at),
    }


@router.get("/webhooks")
def webhooks_page(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(WEBHOOK_READERS))],
    session: SessionDep,
    partner: Annotated[str, Query(max_length=32)] = "",
    status: Annotated[str, Query(max_length=16)] = "",
) -> HTMLResponse:
    scope = (partner or None) if principal.is_admin else principal.partner_id
    chosen = status if status in DELIVERY_STATUSES else None
    subscriptions = webhooks.list_subscriptions(session, partner_id=scope)
    deliveries = webhooks.list_deliveries(session, partner_id=scope, status=chosen, limit=SHOWN)
    partners = (
        list(session.scalars(select(Partner.id).order_by(Partner.id))) if principal.is_admin else []
    )
    return render(
        request,
        "webhooks.html",
        principal,
        partner=scope or "",
        partners=partners,
        chosen_status=chosen or "",
        statuses=DELIVERY_STATUSES,
        subscriptions=[_subscription_row(s) for s in subscriptions],
        deliveries=[_delivery_row(d) for d in deliveries],
        shown=SHOWN,
    )
