"""The service's warm screener follows the events the worker handles, without a restart.

The event worker (its own process) re-screens parcels in flight; the service screens the
records partners send it, with its own warm screener. This thread reads the outbox for events
that change what that screener knows and applies them: a rule or lookout change takes the
active checks again (milliseconds); a published resolution run or a batch of takedowns
reloads the screener in the background and swaps it in (requests keep the old one meanwhile),
and a resolution run reloads the live matcher the same way.
"""

from __future__ import annotations

import logging
import threading
from typing import Final

from sqlalchemy import func, select

from redlane.api.engines import Engines
from redlane.store.db import session_scope
from redlane.store.event_models import OutboxEvent

log = logging.getLogger(__name__)

CHECKS_CHANGED: Final = ("lookout.changed", "rule.changed")
RELOAD: Final = ("resolution.run",)


def _latest(database_url: str) -> int:
    with session_scope(database_url, readonly=True) as session:
        return int(session.execute(select(func.coalesce(func.max(OutboxEvent.id), 0))).scalar_one())


def follow(
    engines: Engines, database_url: str, stop: threading.Event, every_s: float = 1.0
) -> None:
    """Apply new events to the warm screener until ``stop`` is set (events before the start
    are in what the screener loaded)."""
    seen = _latest(database_url)
    while not stop.wait(every_s):
        try:
            with session_scope(database_url, readonly=True) as session:
                new = session.execute(
                    select(OutboxEvent.id, OutboxEvent.kind, OutboxEvent.payload)
                    .where(OutboxEvent.id > seen)
                    .order_by(OutboxEvent.id)
                ).all()
            if not new:
                continue
            seen = new[-1][0]
            kinds = {kind for _id, kind, _p in new}
            takedowns = any(
                kind == "batch.committed" and "mp_takedowns" in (payload.get("tables") or [])
                for _id, kind, payload in new
            )
            if kinds & set(RELOAD):
                engines.refresh_matcher()  # actors merged or split: candidates change
            # a refresh before an engine's first load does nothing: that load reads it all
            if kinds & set(RELOAD) or takedowns:
                engines.refresh_screener()
            elif kinds & set(CHECKS_CHANGED) and engines.is_loaded("screener"):
                engines.screener().reload_checks()
        except Exception:  # noqa: BLE001 - following is best effort; the next pass retries
            log.exception("following events failed")


def start(engines: Engines, database_url: str, stop: threading.Event) -> threading.Thread:
    thread = threading.Thread(
        target=follow, args=(engines, database_url, stop), name="screener-follower", daemon=True
    )
    thread.start()
    return thread
