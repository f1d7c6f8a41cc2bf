"""How events reach the handler: the embedded outbox (default) or a message broker.

A transport calls ``handle(event)`` for every event, at least once, and marks it done in the
outbox only after ``handle`` returned; ``handle`` is idempotent. :class:`OutboxTransport` polls the
operational store; ``redlane.events.nats_transport`` relays the same rows through NATS JetStream
for deployments with several worker processes or machines.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

from redlane.store import outbox
from redlane.store.db import session_scope

log = logging.getLogger(__name__)

Handler = Callable[[outbox.Event], None]


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class Transport(Protocol):
    name: str

    def run(self, handle: Handler, stop: threading.Event) -> None:
        """Deliver events to ``handle`` until ``stop`` is set."""


def handle_one(database_url: str, event: outbox.Event, handle: Handler) -> bool:
    """Run the handler for one claimed event, then complete it, or record the failure for a
    retry with backoff. True when handled."""
    try:
        handle(event)
    except Exception as e:  # noqa: BLE001 - any handler failure is retried, never lost
        log.exception("event %s (%s) failed", event.id, event.kind)
        with session_scope(database_url) as session:
            gave_up = outbox.fail(session, event.id, f"{type(e).__name__}: {e}")
        if gave_up:
            log.error(
                "event %s (%s) given up after %s attempts", event.id, event.kind, event.attempts
            )
        return False
    with session_scope(database_url) as session:
        outbox.complete(session, event.id)
    return True


class OutboxTransport:
    """Claims due events from the outbox table, a few at a time, and handles them in order."""

    name = "outbox"

    def __init__(
        self,
        database_url: str,
        *,
        poll_s: float = 0.25,
        batch: int = 20,
        lease: timedelta = outbox.LEASE,
    ) -> None:
        self.database_url = database_url
        self.poll_s = poll_s
        self.batch = batch
        self.lease = lease
        self.worker = worker_name()

    def run(self, handle: Handler, stop: threading.Event) -> None:
        while not stop.is_set():
            with session_scope(self.database_url) as session:
                claimed = outbox.claim(session, self.worker, self.batch, self.lease)
            for event in claimed:
                if stop.is_set():
                    break  # left claimed: the lease runs out and another pass takes it
                handle_one(self.database_url, event, handle)
            if not claimed:
                stop.wait(self.poll_s)
