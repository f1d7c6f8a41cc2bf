"""Partners' webhook subscriptions and their delivery log (admins only; ``docs/webhooks.md``).

Every call is audited; the signing secret is shown once, in the answer that creates it. A
delivery's body (the partner's disclosed record) is never served here: the log shows what was
sent when, not what it said.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import Depends, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from redlane.api.auth import access
from redlane.api.deps import SessionDep
from redlane.api.problems import Problem
from redlane.api.queries import audit_read
from redlane.api.roles import Principal
from redlane.api.routers.common import protected_router
from redlane.api.schemas import INT64_MAX, record_id
from redlane.events import webhooks
from redlane.store.event_models import WebhookDelivery, WebhookSubscription

router = protected_router("webhooks", 404)

ADMINS = access()  # no role but admin

DeliveryStatus = Literal["pending", "delivered", "dead"]


class SubscriptionIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "partner": "carrier",
                "url": "https://carrier.example/hooks/redlane",
                "topics": ["hold"],
            }
        }
    )
    partner: str = Field(min_length=1, max_length=32)
    url: str = Field(min_length=1, max_length=webhooks.URL_MAX)
    topics: list[str] = Field(min_length=1, max_length=20)


class SubscriptionOut(BaseModel):
    id: int
    partner: str
    url: str
    topics: list[str]
    active: bool
    created_at: datetime
    created_by: str
    secret: str | None = Field(default=None, description="Only at creation, shown once")


class DeliveryOut(BaseModel):
    id: int
    subscription_id: int
    message_id: str = Field(description="The webhook-id header, the same on every attempt")
    topic: str
    event_id: int | None
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class ReplayIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": {"status": "dead"}})
    delivery_id: int | None = Field(default=None, ge=1, le=INT64_MAX)
    subscription_id: int | None = Field(default=None, ge=1, le=INT64_MAX)
    status: DeliveryStatus | None = None
    since: AwareDatetime | None = None


class ReplayOut(BaseModel):
    replayed: int


def _subscription_out(row: WebhookSubscription, secret: str | None = None) -> SubscriptionOut:
    return SubscriptionOut(
        id=row.id,
        partner=row.partner_id,
        url=row.url,
        topics=list(row.topics or []),
        active=row.active,
        created_at=row.created_at,
        created_by=row.created_by,
        secret=secret,
    )


def _delivery_out(row: WebhookDelivery) -> DeliveryOut:
    return DeliveryOut.model_validate(row, from_attributes=True)


def _subscription_id(text: str) -> int:
    parsed = record_id(text)
    if parsed is None:
        raise Problem(404, f"no webhook subscription {text!r}")
    return parsed


@router.get("/webhooks", response_model=list[SubscriptionOut], summary="Webhook subscriptions")
def list_subscriptions(
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
    partner: Annotated[str | None, Query(max_length=32)] = None,
) -> list[SubscriptionOut]:
    rows = webhooks.list_subscriptions(session, partner_id=partner)
    audit_read(
        session, principal, "webhook_subscription", [r.id for r in rows], "webhook administration"
    )
    return [_subscription_out(r) for r in rows]


@router.post(
    "/webhooks",
    response_model=SubscriptionOut,
    status_code=201,
    summary="Subscribe a partner's endpoint (the secret is shown once)",
)
def create_subscription(
    body: SubscriptionIn,
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
) -> SubscriptionOut:
    row, secret = webhooks.subscribe(
        session,
        partner_id=body.partner,
        url=body.url,
        topics=body.topics,
        created_by=principal.name,
    )
    return _subscription_out(row, secret)


@router.delete(
    "/webhooks/{subscription_id}",
    response_model=SubscriptionOut,
    summary="Remove a subscription (unsent messages are dead-lettered)",
)
def remove_subscription(
    subscription_id: str,
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
) -> SubscriptionOut:
    row = webhooks.remove(session, _subscription_id(subscription_id), principal.name)
    return _subscription_out(row)


@router.get(
    "/webhooks/{subscription_id}/deliveries",
    response_model=list[DeliveryOut],
    summary="A subscription's delivery log, newest first",
)
def list_deliveries(
    subscription_id: str,
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
    status: DeliveryStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[DeliveryOut]:
    sub = webhooks.get_subscription(session, _subscription_id(subscription_id))
    rows = webhooks.list_deliveries(session, subscription_id=sub.id, status=status, limit=limit)
    audit_read(
        session,
        principal,
        "webhook_delivery",
        [r.id for r in rows],
        "webhook administration",
        {"subscription": sub.id},
    )
    return [_delivery_out(r) for r in rows]


@router.post(
    "/webhooks/replay",
    response_model=ReplayOut,
    summary="Send deliveries again under the same webhook-id",
)
def replay(
    body: ReplayIn,
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
) -> ReplayOut:
    count = webhooks.replay(
        session,
        delivery_id=body.delivery_id,
        subscription_id=body.subscription_id,
        status=body.status,
        since=body.since,
        by=principal.name,
    )
    return ReplayOut(replayed=count)
