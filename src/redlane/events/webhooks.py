"""Webhooks to partners, in the Standard Webhooks form (``docs/webhooks.md``).

A partner subscribes an endpoint to topics (:data:`redlane.events.topics.TOPICS`);
:func:`notify`, called inside the transaction of the change it announces, queues one
:class:`~redlane.store.event_models.WebhookDelivery` per subscription whose partner may see
something of the record, with a body already passed through the disclosure policy for that
partner, and keeps the message in each partner's pull log (``partner_messages``).
:mod:`redlane.events.delivery` signs and sends them; :func:`replay` puts messages back, under
the same ``webhook-id`` so receivers can dedupe.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import secrets
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlsplit

from sqlalchemy import ColumnElement, event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redlane.cases.actions import DEFAULT_ROLE
from redlane.errors import NotFound, RedlaneError
from redlane.events.delivery import WAKE
from redlane.events.topics import TOPICS, may_subscribe
from redlane.policy import Policy
from redlane.policy.roles import MACHINE
from redlane.store import audit
from redlane.store.event_models import (
    DELIVERY_STATUSES,
    PartnerMessage,
    WebhookDelivery,
    WebhookSubscription,
)
from redlane.store.models import Partner
from redlane.store.sqltypes import iso_utc, utcnow

log = logging.getLogger(__name__)

SECRET_PREFIX: Final = "whsec_"
SECRET_BYTES: Final = 32
URL_MAX: Final = 2000  # the column's length


class WebhookError(RedlaneError):
    """A subscription, notification or replay that cannot be made as asked."""

    STATUS = 422


# --- subscriptions ------------------------------------------------------------------------


def new_secret() -> str:
    """A Standard Webhooks signing secret: ``whsec_`` + base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def role_for(partner_id: str) -> str:
    """The role a partner's endpoint reads records as: the partner's role in the actions it
    receives, else a machine key's (no full view: only what agreements grant)."""
    return DEFAULT_ROLE.get(partner_id, MACHINE)


def subscribe(
    session: Session, *, partner_id: str, url: str, topics: Sequence[str], created_by: str
) -> tuple[WebhookSubscription, str]:
    """A new subscription of ``partner_id``'s endpoint ``url`` to ``topics``, and its signing
    secret (the one time it is shown: only the row keeps it)."""
    if session.get(Partner, partner_id) is None:
        raise WebhookError(f"no partner {partner_id!r}")
    clean_url = _check_url(url)
    wanted = _check_topics(partner_id, topics)
    secret = new_secret()
    row = WebhookSubscription(
        partner_id=partner_id,
        url=clean_url,
        topics=wanted,
        secret=secret,
        created_by=created_by[:200],
    )
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor=created_by,
        action="webhook.subscribe",
        object_type="webhook_subscription",
        object_ids=[row.id],
        reason="webhook subscription",
        partner_id=partner_id,
        # The origin only: a path or query may carry the receiver's own token.
        details={"origin": _origin(clean_url), "topics": wanted},
    )
    return row, secret


def _check_url(url: str) -> str:
    clean = url.strip()
    if len(clean) > URL_MAX:
        raise WebhookError(f"url longer than {URL_MAX} characters")
    try:
        parts = urlsplit(clean)
        host = parts.hostname
    except ValueError as e:
        raise WebhookError(f"url {clean!r} cannot be read: {e}") from None
    if parts.scheme not in ("http", "https") or not host:
        raise WebhookError(f"url {clean!r} must be an http:// or https:// address with a host")
    return clean


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"


def _check_topics(partner_id: str, topics: Iterable[str]) -> list[str]:
    wanted = list(dict.fromkeys(t.strip() for t in topics if t.strip()))
    if not wanted:
        raise WebhookError(f"name at least one topic: {', '.join(TOPICS)}")
    unknown = [t for t in wanted if t not in TOPICS]
    if unknown:
        raise WebhookError(f"unknown topic(s) {', '.join(unknown)}; topics: {', '.join(TOPICS)}")
    refused = [t for t in wanted if not may_subscribe(partner_id, t)]
    if refused:
        raise WebhookError(
            f"partner {partner_id!r} may not subscribe to {', '.join(refused)}"
            " (see docs/webhooks.md for who may subscribe to what)"
        )
    return wanted


def get_subscription(session: Session, subscription_id: int) -> WebhookSubscription:
    row = session.get(WebhookSubscription, subscription_id)
    if row is None:
        raise NotFound(f"no webhook subscription {subscription_id}")
    return row


def list_subscriptions(
    session: Session, *, partner_id: str | None = None
) -> list[WebhookSubscription]:
    """Every subscription (removed ones too, marked inactive), oldest first."""
    stmt = select(WebhookSubscription).order_by(WebhookSubscription.id)
    if partner_id is not None:
        stmt = stmt.where(WebhookSubscription.partner_id == partner_id)
    return list(session.scalars(stmt))


def remove(session: Session, subscription_id: int, by: str) -> WebhookSubscription:
    """Deactivate a subscription (kept, with its delivery log: what was sent to whom stays on
    record); its messages not yet sent are dead-lettered. Removing it again changes nothing."""
    row = get_subscription(session, subscription_id)
    if not row.active:
        return row
    row.active = False
    dropped = session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.subscription_id == row.id, WebhookDelivery.status == "pending")
        .values(status="dead", last_error="subscription removed")
    )
    audit.append(
        session,
        actor=by,
        action="webhook.remove",
        object_type="webhook_subscription",
        object_ids=[row.id],
        reason="webhook subscription removed",
        partner_id=row.partner_id,
        details={"pending_dropped": int(getattr(dropped, "rowcount", 0) or 0)},
    )
    return row


def list_deliveries(
    session: Session,
    *,
    subscription_id: int | None = None,
    partner_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[WebhookDelivery]:
    """The delivery log, newest first."""
    _check_status(status)
    stmt = select(WebhookDelivery).order_by(WebhookDelivery.id.desc()).limit(limit)
    if subscription_id is not None:
        stmt = stmt.where(WebhookDelivery.subscription_id == subscription_id)
    if partner_id is not None:
        stmt = stmt.join(WebhookSubscription).where(WebhookSubscription.partner_id == partner_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    return list(session.scalars(stmt))


def _check_status(status: str | None) -> None:
    if status is not None and status not in DELIVERY_STATUSES:
        raise WebhookError(f"unknown status {status!r}; statuses: {', '.join(DELIVERY_STATUSES)}")


# --- queueing -----------------------------------------------------------------------------


def message_id(topic: str, key: str) -> str:
    """The ``webhook-id`` of the message about ``key`` on ``topic``: the same event handled
    twice gives the same id, hence one delivery (and receivers dedupe on it)."""
    return "msg_" + hashlib.sha256(f"{topic}|{key}".encode()).hexdigest()[:24]


def notify(
    session: Session,
    *,
    topic: str,
    key: str,
    record_kind: str,
    record: Mapping[str, Any],
    stage: str,
    event_id: int | None = None,
    extra: Mapping[str, Any] | None = None,
    partners: Iterable[str] | None = None,
) -> int:
    """Queue a message about ``record`` to every active subscription to ``topic`` (of
    ``partners`` only, when given), in the caller's transaction (nothing is committed here).

    Each body is ``record`` as the disclosure policy shows it to the subscription's partner at
    ``stage``; a partner who may see nothing of it gets no message. ``extra`` is added to every
    body **unfiltered**: only small non-personal fields (reason text, event ids, a lane) belong
    there; a disclosed record field of the same name wins. Returns how many were queued.
    """
    if topic not in TOPICS:
        raise WebhookError(f"unknown topic {topic!r}; topics: {', '.join(TOPICS)}")
    allowed = TOPICS[topic]
    owed = [
        p
        for p in session.scalars(select(Partner.id).order_by(Partner.id))
        if (allowed is None or p in allowed) and (partners is None or p in set(partners))
    ]
    if not owed:
        return 0
    policy = Policy.load(session)
    msg_id = message_id(topic, key)
    timestamp = iso_utc(utcnow())
    added = _jsonable(dict(extra or {}))
    bodies: dict[str, dict[str, Any]] = {}
    for partner in owed:
        shown = {
            k: v
            for k, v in policy.disclose(
                partner, role_for(partner), record_kind, record, stage
            ).items()
            if not k.startswith("_")  # lineage and ownership columns are ours, not news
        }
        if not shown:
            continue  # a partner who may see nothing of it is owed nothing
        body = {"type": topic, "timestamp": timestamp, "data": {**added, **_jsonable(shown)}}
        bodies[partner] = body
        _insert_once(
            session,
            PartnerMessage(
                partner_id=partner, message_id=msg_id, topic=topic, payload=body, event_id=event_id
            ),
            PartnerMessage.partner_id == partner,
            PartnerMessage.message_id == msg_id,
        )
    queued = 0
    for sub in _subscribers(session, topic, bodies):
        row = WebhookDelivery(
            subscription_id=sub.id,
            message_id=msg_id,
            topic=topic,
            payload=bodies[sub.partner_id],
            event_id=event_id,
        )
        if _insert_once(
            session,
            row,
            WebhookDelivery.subscription_id == sub.id,
            WebhookDelivery.message_id == msg_id,
        ):
            queued += 1
    if queued:
        _wake_after_commit(session)
    return queued


def messages_after(
    session: Session, partner_id: str, after: int = 0, limit: int = 100, topic: str | None = None
) -> list[PartnerMessage]:
    """The partner's messages past its cursor, oldest first (``GET /v1/actions/messages``)."""
    stmt = select(PartnerMessage).where(
        PartnerMessage.partner_id == partner_id, PartnerMessage.id > after
    )
    if topic is not None:
        stmt = stmt.where(PartnerMessage.topic == topic)
    return list(session.scalars(stmt.order_by(PartnerMessage.id).limit(limit)))


def _subscribers(
    session: Session, topic: str, partners: Iterable[str] | None
) -> list[WebhookSubscription]:
    stmt = select(WebhookSubscription).where(WebhookSubscription.active.is_(True))
    if partners is not None:
        stmt = stmt.where(WebhookSubscription.partner_id.in_(list(partners)))
    # Topics are a JSON list, read the same way on every backend; subscriptions are few. A
    # topic the partner may no longer have (TOPICS changed since) is not sent.
    return [
        s
        for s in session.scalars(stmt.order_by(WebhookSubscription.id))
        if topic in (s.topics or []) and may_subscribe(s.partner_id, topic)
    ]


def _insert_once(session: Session, row: Any, *same: ColumnElement[bool]) -> bool:
    """Insert unless a row matching ``same`` exists (a message already owed or queued). The
    check spares a failed insert in the usual case; the savepoint covers a concurrent notifier."""
    if session.execute(select(type(row)).where(*same).limit(1)).first() is not None:
        return False
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def _wake(_session: Session) -> None:
    WAKE.set()


def _wake_after_commit(session: Session) -> None:
    # After the commit, not now: a deliverer woken before it would find nothing to send yet.
    if not event.contains(session, "after_commit", _wake):
        event.listen(session, "after_commit", _wake)


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    """Records read from the warehouse hold datetimes and decimals; the payload is JSON."""
    loaded: dict[str, Any] = json.loads(json.dumps(value, default=_json_default))
    return loaded


def _json_default(value: Any) -> Any:
    # Warehouse timestamps are naive UTC; the audit log's encoder refuses naive instants.
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.isoformat()
    return audit.json_default(value)


# --- replay -------------------------------------------------------------------------------


def replay(
    session: Session,
    *,
    delivery_id: int | None = None,
    subscription_id: int | None = None,
    status: str | None = None,
    since: datetime | None = None,
    by: str,
) -> int:
    """Put matching deliveries of active subscriptions back to pending, due now, with their
    attempts reset; each keeps its ``webhook-id`` and its place in its subscription's order.
    At least one filter is required. Returns how many were put back."""
    if delivery_id is None and subscription_id is None and status is None and since is None:
        raise WebhookError("name what to replay: a delivery, a subscription, a status or a time")
    _check_status(status)
    if since is not None and since.tzinfo is None:
        raise WebhookError("give `since` with a time zone (e.g. 2026-01-31T00:00:00Z)")
    stmt = (
        select(WebhookDelivery)
        .join(WebhookSubscription)
        .where(WebhookSubscription.active.is_(True))
        .order_by(WebhookDelivery.id)
    )
    if delivery_id is not None:
        _check_replayable(session, delivery_id)
        stmt = stmt.where(WebhookDelivery.id == delivery_id)
    if subscription_id is not None:
        get_subscription(session, subscription_id)
        stmt = stmt.where(WebhookDelivery.subscription_id == subscription_id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    if since is not None:
        stmt = stmt.where(WebhookDelivery.created_at >= since)
    rows = list(session.scalars(stmt))
    now = utcnow()
    for row in rows:
        row.status = "pending"
        row.attempts = 0
        row.next_attempt_at = now
        row.delivered_at = None
        row.last_status_code = None
        row.last_error = None
    if rows:
        _audit_replay(session, rows, by, delivery_id, subscription_id, status, since)
        _wake_after_commit(session)
    return len(rows)


def _check_replayable(session: Session, delivery_id: int) -> None:
    row = session.get(WebhookDelivery, delivery_id)
    if row is None:
        raise NotFound(f"no webhook delivery {delivery_id}")
    if not get_subscription(session, row.subscription_id).active:
        raise WebhookError(
            f"subscription {row.subscription_id} of delivery {delivery_id} was removed"
        )


def _audit_replay(
    session: Session,
    rows: list[WebhookDelivery],
    by: str,
    delivery_id: int | None,
    subscription_id: int | None,
    status: str | None,
    since: datetime | None,
) -> None:
    audit.append(
        session,
        actor=by,
        action="webhook.replay",
        object_type="webhook_delivery",
        object_ids=[r.id for r in rows],
        reason="webhook replay",
        details={
            "delivery": delivery_id,
            "subscription": subscription_id,
            "status": status,
            "since": iso_utc(since) if since is not None else None,
        },
    )
