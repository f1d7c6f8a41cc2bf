"""The event worker: watches the warehouse and resolution for new batches and runs, handles
every event through a transport, and delivers webhooks, until told to stop.

``redlane worker`` runs it alone; ``redlane serve`` starts one beside the service. Several
workers may run at once (each event is claimed by one of them), on one machine through the
outbox or on several through NATS JetStream.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Final

from redlane.events import delivery, inflight
from redlane.events.handlers import Interdiction
from redlane.events.sources import SourceWatcher
from redlane.events.transport import OutboxTransport, Transport, handle_one, worker_name
from redlane.store import outbox
from redlane.store.db import session_scope

if TYPE_CHECKING:
    from redlane.targeting.screen import Screener

log = logging.getLogger(__name__)

TRANSPORTS: Final = ("outbox", "nats")
# Parcels that arrived this long ago leave the index of parcels in flight.
FORGET_AFTER: Final = timedelta(days=2)
PRUNE_EVERY_S: Final = 600.0


@dataclass
class ScreenerHolder:
    """The worker's own warm screener, loaded on first use and replaced whole on reload."""

    home: Path
    warehouse: Path
    _screener: Screener | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def get(self) -> Screener:
        with self._lock:
            if self._screener is None:
                from redlane.targeting.screen import Screener

                self._screener = Screener.load(self.home, self.warehouse)
            return self._screener

    def reload(self) -> None:
        from redlane.targeting.screen import Screener

        fresh = Screener.load(self.home, self.warehouse)
        with self._lock:
            self._screener = fresh


def make_transport(
    kind: str, database_url: str, nats_url: str | None = None, stream: str | None = None
) -> Transport:
    if kind == "outbox":
        return OutboxTransport(database_url)
    if kind == "nats":
        from redlane.events import nats_transport as nt

        name = stream or nt.DEFAULT_STREAM
        prefix, durable = nt.stream_names(name)
        return nt.NatsTransport(database_url, nats_url or nt.DEFAULT_SERVERS, name, prefix, durable)
    raise ValueError(f"unknown transport {kind!r}: choose one of {', '.join(TRANSPORTS)}")


def _loop(what: str, step: Callable[[], object], stop: threading.Event, every_s: float) -> None:
    while not stop.is_set():
        try:
            step()
        except Exception:  # noqa: BLE001 - a failed pass is logged and tried again
            log.exception("%s failed; trying again", what)
        stop.wait(every_s)


def _prune(database_url: str) -> int:
    with session_scope(database_url) as session:
        return inflight.prune(session, datetime.now(UTC) - FORGET_AFTER)


def run_worker(
    home: Path,
    database_url: str,
    warehouse: Path,
    stop: threading.Event,
    *,
    transport: str = "outbox",
    nats_url: str | None = None,
    nats_stream: str | None = None,
    deliver: bool = True,
    watch_s: float = 0.5,
) -> None:
    """Run until ``stop`` is set (the caller's thread runs the transport)."""
    holder = ScreenerHolder(home, warehouse)
    interdiction = Interdiction(database_url, warehouse, holder.get, holder.reload)
    watcher = SourceWatcher(database_url, home, warehouse)
    threads = [
        threading.Thread(
            target=_loop, args=("watching", watcher.poll, stop, watch_s), name="event-sources"
        )
    ]
    if deliver:
        deliverer = delivery.Deliverer(database_url)
        threads.append(threading.Thread(target=deliverer.run, args=(stop,), name="webhooks"))
    threads.append(
        threading.Thread(
            target=_loop,
            args=("pruning", lambda: _prune(database_url), stop, PRUNE_EVERY_S),
            name="inflight-prune",
        )
    )
    for thread in threads:
        thread.daemon = True
        thread.start()
    try:
        make_transport(transport, database_url, nats_url, nats_stream).run(
            interdiction.handle, stop
        )
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


def handle_pending(home: Path, database_url: str, warehouse: Path, batch: int = 50) -> int:
    """One pass of the worker, for a deployment that runs it from a scheduler and for the demo:
    derive the events of new batches and runs, then handle every event due in the outbox, and
    return how many were handled. Webhooks are not delivered here (``redlane webhooks
    deliver`` does); a handler that fails leaves its event for a retry, as the worker does."""
    holder = ScreenerHolder(home, warehouse)
    interdiction = Interdiction(database_url, warehouse, holder.get, holder.reload)
    SourceWatcher(database_url, home, warehouse).poll()
    handled = 0
    worker = worker_name()
    while True:
        with session_scope(database_url) as session:
            claimed = outbox.claim(session, worker, batch)
        if not claimed:
            return handled
        handled += sum(handle_one(database_url, event, interdiction.handle) for event in claimed)
