"""The transactional outbox: an event is a row written in the same transaction as the change it
announces, so a change is never made without its event nor an event sent for a change rolled
back. Workers claim rows under a lease; a worker that dies mid-event leaves its rows to be
claimed again once the lease runs out (delivery at least once: handlers are idempotent).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redlane.store.event_models import OutboxEvent
from redlane.store.sqltypes import utcnow

LEASE: Final = timedelta(seconds=30)
# Retries of a failing event: 2 s, 4 s, … capped at 5 minutes; after MAX_ATTEMPTS it stays done
# with its error (the worker logs it, `redlane events list --failed` shows it).
MAX_ATTEMPTS: Final = 8
_BACKOFF_CAP: Final = timedelta(minutes=5)


@dataclass(frozen=True)
class Event:
    """An outbox row as a handler sees it (detached from any session)."""

    id: int
    kind: str
    subject: str
    payload: dict[str, Any]
    created_at: datetime
    attempts: int


def _event(row: OutboxEvent) -> Event:
    return Event(row.id, row.kind, row.subject, dict(row.payload), row.created_at, row.attempts)


def emit(
    session: Session,
    kind: str,
    subject: str,
    payload: Mapping[str, Any],
    *,
    dedupe_key: str | None = None,
) -> int | None:
    """Add an event to the caller's transaction. With ``dedupe_key``, an event already emitted
    under that key is not added again (returns None)."""
    if dedupe_key is not None:
        exists = session.execute(
            select(OutboxEvent.id).where(OutboxEvent.dedupe_key == dedupe_key)
        ).scalar_one_or_none()
        if exists is not None:
            return None
        try:
            with session.begin_nested():
                row = OutboxEvent(
                    kind=kind, subject=subject, payload=dict(payload), dedupe_key=dedupe_key
                )
                session.add(row)
        except IntegrityError:  # another process emitted it between the check and the insert
            return None
    else:
        row = OutboxEvent(kind=kind, subject=subject, payload=dict(payload))
        session.add(row)
    session.flush()
    return row.id


def claim(session: Session, worker: str, limit: int = 20, lease: timedelta = LEASE) -> list[Event]:
    """Take up to ``limit`` due events, oldest first, for ``lease``. Each is claimed by one
    worker only: the update is conditional on the row still being free."""
    now = utcnow()
    free = or_(OutboxEvent.claimed_until.is_(None), OutboxEvent.claimed_until < now)
    candidates = (
        session.execute(
            select(OutboxEvent.id)
            .where(OutboxEvent.done_at.is_(None), OutboxEvent.available_at <= now, free)
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
        .scalars()
        .all()
    )
    claimed: list[Event] = []
    for event_id in candidates:
        taken = session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id == event_id, OutboxEvent.done_at.is_(None), free)
            .values(
                claimed_by=worker,
                claimed_until=now + lease,
                attempts=OutboxEvent.attempts + 1,
            )
        )
        if getattr(taken, "rowcount", 0) == 1:
            row = session.get(OutboxEvent, event_id)
            if row is not None:
                session.refresh(row)
                claimed.append(_event(row))
    return claimed


def complete(session: Session, event_id: int, worker: str | None = None) -> None:
    """Mark an event handled (by ``worker``, when only its own claim may be completed)."""
    where = [OutboxEvent.id == event_id]
    if worker is not None:
        where.append(OutboxEvent.claimed_by == worker)
    session.execute(
        update(OutboxEvent).where(*where).values(done_at=utcnow(), claimed_until=None, error=None)
    )


def fail(session: Session, event_id: int, error: str) -> bool:
    """Record a failed attempt; retried later with backoff, or given up after MAX_ATTEMPTS
    (returns True when given up)."""
    row = session.get(OutboxEvent, event_id)
    if row is None:
        return True
    row.error = error[:4000]
    row.claimed_until = None
    if row.attempts >= MAX_ATTEMPTS:
        row.done_at = utcnow()
        return True
    row.available_at = utcnow() + min(timedelta(seconds=2**row.attempts), _BACKOFF_CAP)
    return False


def pending_count(session: Session) -> int:
    return int(
        session.execute(
            select(func.count()).select_from(OutboxEvent).where(OutboxEvent.done_at.is_(None))
        ).scalar_one()
    )
