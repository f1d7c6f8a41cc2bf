"""Webhook delivery: due messages signed in the Standard Webhooks form and sent, failures retried
with exponential backoff, a message dead-lettered after the last attempt (``docs/webhooks.md``).

:func:`deliver_due` (run by a :class:`Deliverer` thread) claims due rows under a lease, so that
two deliverers never send the same row at once. Delivery is at least once: a deliverer that
dies after sending but before recording leaves the row leased, and it is sent again when the
lease runs out.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import httpx
from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, aliased
from standardwebhooks.webhooks import Webhook

from redlane.config import WebhookSettings, get_settings
from redlane.store import audit
from redlane.store.db import session_scope
from redlane.store.event_models import WebhookDelivery, WebhookSubscription
from redlane.store.sqltypes import utcnow

log = logging.getLogger(__name__)

USER_AGENT: Final = "redlane-webhooks/1"
# Kept short: the last error is shown in lists and the console, never a receiver's whole page.
ERROR_MAX: Final = 300
# A claimed row is left alone for twice the request timeout plus this, so that a slow send is
# never taken over by a second deliverer, while a dead deliverer's rows come back soon.
LEASE_MARGIN_S: Final = 5.0

# Set once queued deliveries are committed, so that a deliverer thread of the same process
# sends them at once instead of at its next poll.
WAKE: Final = threading.Event()


# --- delivery -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Claimed:
    """A delivery leased to this deliverer, with what sending it needs (no session held)."""

    id: int
    subscription_id: int
    partner_id: str
    url: str
    secret: str
    message_id: str
    topic: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class _Outcome:
    ok: bool
    status_code: int | None
    error: str | None


def deliver_due(database_url: str, client: httpx.Client, *, limit: int = 50) -> int:
    """Send due deliveries, oldest first, one subscription's messages strictly in order (a
    message waits while an earlier one of its subscription is pending); record each attempt.
    Each row is leased by a conditional update before it is sent, so two deliverers never send
    the same row at once. Returns how many requests were made."""
    settings = get_settings().webhooks
    lease = timedelta(seconds=2 * settings.timeout_s + LEASE_MARGIN_S)
    # A subscription whose message failed waits for its backoff: not retried in this pass.
    failed: set[int] = set()
    sent = 0
    while sent < limit:
        batch = _claim(database_url, failed, limit - sent, lease)
        if not batch:
            break
        for claimed in batch:
            outcome = _send(client, claimed, settings.timeout_s)
            _record(database_url, claimed, outcome, settings)
            sent += 1
            if not outcome.ok:
                failed.add(claimed.subscription_id)
    return sent


def _claim(
    database_url: str, skip_subscriptions: set[int], limit: int, lease: timedelta
) -> list[_Claimed]:
    now = utcnow()
    earlier = aliased(WebhookDelivery)
    earlier_pending = (
        exists()
        .where(earlier.subscription_id == WebhookDelivery.subscription_id)
        .where(earlier.status == "pending", earlier.id < WebhookDelivery.id)
    )
    stmt = (
        select(WebhookDelivery, WebhookSubscription)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookSubscription.active.is_(True),
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
            ~earlier_pending,
        )
        .order_by(WebhookDelivery.id)
        .limit(limit)
    )
    if skip_subscriptions:
        stmt = stmt.where(WebhookDelivery.subscription_id.not_in(sorted(skip_subscriptions)))
    claimed: list[_Claimed] = []
    with session_scope(database_url) as session:
        for delivery, sub in session.execute(stmt).all():
            taken = session.execute(
                update(WebhookDelivery)
                .where(
                    WebhookDelivery.id == delivery.id,
                    WebhookDelivery.status == "pending",
                    WebhookDelivery.next_attempt_at <= now,
                )
                .values(next_attempt_at=now + lease)
            )
            if getattr(taken, "rowcount", 0) == 1:
                claimed.append(_claimed(delivery, sub))
    return claimed


def _claimed(delivery: WebhookDelivery, sub: WebhookSubscription) -> _Claimed:
    return _Claimed(
        id=delivery.id,
        subscription_id=sub.id,
        partner_id=sub.partner_id,
        url=sub.url,
        secret=sub.secret,
        message_id=delivery.message_id,
        topic=delivery.topic,
        payload=dict(delivery.payload),
    )


def signed_request(
    secret: str, msg_id: str, payload: Mapping[str, Any], at: datetime | None = None
) -> tuple[bytes, dict[str, str]]:
    """The body (compact JSON) and the Standard Webhooks headers of one attempt. The
    timestamp is the attempt's, so a retry is inside the receiver's tolerance window."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    when = at or utcnow()
    headers = {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(when.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, when, body),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }
    return body, headers


def _send(client: httpx.Client, claimed: _Claimed, timeout_s: float) -> _Outcome:
    body, headers = signed_request(claimed.secret, claimed.message_id, claimed.payload)
    try:
        # Streamed and never read: only the status matters, whatever a receiver answers with.
        with client.stream(
            "POST", claimed.url, content=body, headers=headers, timeout=timeout_s
        ) as response:
            code = response.status_code
    except (httpx.HTTPError, httpx.InvalidURL) as e:
        return _Outcome(False, None, f"{type(e).__name__}: {e}"[:ERROR_MAX])
    if 200 <= code < 300:
        return _Outcome(True, code, None)
    return _Outcome(False, code, f"HTTP {code}")


def backoff(attempts: int, settings: WebhookSettings) -> timedelta:
    """The wait after ``attempts`` failed attempts: base, 2×base, 4×base, … up to the cap."""
    seconds = settings.backoff_base_s * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=max(0.0, min(seconds, settings.backoff_cap_s)))


def _record(
    database_url: str, claimed: _Claimed, outcome: _Outcome, settings: WebhookSettings
) -> None:
    with session_scope(database_url) as session:
        row = session.get(WebhookDelivery, claimed.id)
        if row is None or row.status != "pending":
            return  # removed or replayed meanwhile: the newer decision stands
        now = utcnow()
        row.attempts += 1
        row.last_status_code = outcome.status_code
        row.last_error = outcome.error
        if outcome.ok:
            row.status = "delivered"
            row.delivered_at = now
            action = "webhook.deliver"
        elif row.attempts >= settings.max_attempts:
            row.status = "dead"
            action = "webhook.dead"
        else:
            row.next_attempt_at = now + backoff(row.attempts, settings)
            action = "webhook.deliver"
        _audit_attempt(session, claimed, row, action)
        if not outcome.ok:
            log.warning(
                "webhook delivery %s to subscription %s failed (attempt %s, %s): %s",
                claimed.id,
                claimed.subscription_id,
                row.attempts,
                row.status,
                outcome.error,
            )


def _audit_attempt(session: Session, claimed: _Claimed, row: WebhookDelivery, action: str) -> None:
    audit.append(
        session,
        actor=audit.SYSTEM,
        action=action,
        object_type="webhook_delivery",
        object_ids=[row.id],
        reason=f"webhook {claimed.topic}",
        partner_id=claimed.partner_id,
        details={
            "subscription": claimed.subscription_id,
            "message_id": claimed.message_id,
            "attempt": row.attempts,
            "status": row.status,
            "status_code": row.last_status_code,
            # The error's kind only: the full text stays on the delivery row.
            "error": (row.last_error or "").split(":", 1)[0] or None,
        },
    )


class Deliverer:
    """Sends due deliveries until stopped: at once when :data:`WAKE` is set (a notify in this
    process committed), else every ``poll_s`` (deliveries queued by other processes, retries)."""

    def __init__(
        self,
        database_url: str,
        *,
        client: httpx.Client | None = None,
        poll_s: float = 0.5,
        limit: int = 50,
    ) -> None:
        self.database_url = database_url
        self.client = client
        self.poll_s = poll_s
        self.limit = limit

    def run(self, stop: threading.Event) -> None:
        client = self.client or httpx.Client(follow_redirects=False)
        try:
            while not stop.is_set():
                # Cleared before the pass: a notify committed during it wakes the next wait.
                WAKE.clear()
                sent = self.run_once(client)
                if sent < self.limit and not stop.is_set():
                    WAKE.wait(self.poll_s)
        finally:
            if self.client is None:
                client.close()

    def run_once(self, client: httpx.Client) -> int:
        """One pass; a store error is logged and the next pass tries again."""
        try:
            return deliver_due(self.database_url, client, limit=self.limit)
        except Exception:  # noqa: BLE001 - the thread must outlive a store hiccup
            log.exception("webhook delivery pass failed")
            return 0

    def start(self, stop: threading.Event) -> threading.Thread:
        """Run in a daemon thread (the caller sets ``stop`` and joins it to end)."""
        thread = threading.Thread(target=self.run, args=(stop,), name="webhooks", daemon=True)
        thread.start()
        return thread
