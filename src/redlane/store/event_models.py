"""Events and what they set moving (migration ``0006``): the outbox, parcels in flight with their
latest decision, and partners' webhook subscriptions with every delivery.

* ``outbox_events``: one row per write that can change a decision, added in the same transaction
  as the write (or, for a warehouse batch, derived from its commit record under a unique
  ``dedupe_key``), drained by a worker with a lease: delivery is at least once, and a worker
  killed mid-event leaves the row to be claimed again when its lease runs out.
* ``inflight_parcels`` / ``inflight_links``: every advance-data parcel not yet arrived and
  released, with its lane, score, reasons and hold, and the keys an event finds it by (seller,
  actor, folded identifiers), so that an event re-screens exactly the parcels it can affect.
* ``partner_messages``: every message a partner is owed (already disclosed to it), whether it
  subscribed or not: the log a partner pulls with a cursor (``GET /v1/actions/messages``) and
  the bodies webhooks push.
* ``webhook_subscriptions`` / ``webhook_deliveries``: what a partner asked to be told and each
  message sent (already through the disclosure policy), with attempts, the next retry, and a
  dead letter after the last; ``(subscription_id, message_id)`` is unique, so an event handled
  twice queues one message.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Final

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from redlane.store.base import Base, one_of
from redlane.store.sqltypes import utcnow

DELIVERY_STATUSES: Final = ("pending", "delivered", "dead")


class OutboxEvent(Base):
    """A write that can change a decision, waiting for (or done by) the event worker."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        UniqueConstraint("dedupe_key"),
        Index("ix_outbox_events_pending", "done_at", "available_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    # What it is about, for people reading the log: "seller:S-1", "batch:<id>", "lookout:7".
    subject: Mapped[str] = mapped_column(String(200))
    payload: Mapped[dict[str, Any]]
    # Set where the same event can be derived twice (a warehouse batch's commit).
    dedupe_key: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_until: Mapped[datetime | None]
    published_at: Mapped[datetime | None]  # handed to a message broker
    done_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


class InflightParcel(Base):
    """An advance-data parcel not yet arrived and released, with its latest decision."""

    __tablename__ = "inflight_parcels"
    __table_args__ = (
        UniqueConstraint("carrier", "hawb"),
        Index("ix_inflight_parcels_port_arrival", "port_code", "expected_arrival"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    carrier: Mapped[str] = mapped_column(String(64))
    hawb: Mapped[str] = mapped_column(String(64))
    awb: Mapped[str | None] = mapped_column(String(64))
    port_code: Mapped[str] = mapped_column(String(16))
    expected_arrival: Mapped[datetime]
    seller_ref: Mapped[str | None] = mapped_column(String(64))
    # The advance-data record as screened (aed_shipments columns), to screen it again.
    record: Mapped[dict[str, Any]]
    lane: Mapped[str] = mapped_column(String(16))
    score: Mapped[float] = mapped_column(Float)
    expected_value: Mapped[float] = mapped_column(Float)
    reasons: Mapped[list[str]] = mapped_column(default=list)
    model_version: Mapped[str] = mapped_column(String(64), default="")
    hold: Mapped[bool] = mapped_column(Boolean, default=False)
    hold_reason: Mapped[str | None] = mapped_column(Text)
    # The event that last changed this parcel's decision (None: first screening of its batch).
    event_id: Mapped[int | None] = mapped_column(Integer)
    released: Mapped[bool] = mapped_column(Boolean, default=False)
    screened_at: Mapped[datetime] = mapped_column(default=utcnow)


class InflightLink(Base):
    """A key an event finds an in-flight parcel by: seller, actor, or a folded identifier."""

    __tablename__ = "inflight_links"
    __table_args__ = (
        UniqueConstraint("carrier", "hawb", "kind", "value"),
        Index("ix_inflight_links_kind_value", "kind", "value"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    carrier: Mapped[str] = mapped_column(String(64))
    hawb: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    value: Mapped[str] = mapped_column(String(400))


class PartnerMessage(Base):
    """A message owed to a partner (its body through the disclosure policy); ``id`` is the
    partner's pull cursor."""

    __tablename__ = "partner_messages"
    __table_args__ = (
        UniqueConstraint("partner_id", "message_id"),
        Index("ix_partner_messages_partner_id_id", "partner_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"))
    message_id: Mapped[str] = mapped_column(String(120))
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    event_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookSubscription(Base):
    """A partner's endpoint and the topics it wants pushed there."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[str] = mapped_column(ForeignKey("partners.id"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    topics: Mapped[list[str]] = mapped_column(default=list)
    # The Standard Webhooks signing secret ("whsec_" + base64), shown once to the partner.
    secret: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200))


class WebhookDelivery(Base):
    """One message to one subscription: its body as disclosed, and every attempt's fate."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "message_id"),
        one_of("status", DELIVERY_STATUSES),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(String(120))
    topic: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    event_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    delivered_at: Mapped[datetime | None]
