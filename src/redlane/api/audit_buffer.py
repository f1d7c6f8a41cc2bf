"""Audit entries for high-rate events (screening), written by one background thread.

A screening request must not wait for SQLite's single write lock: at 100 requests/s each one
taking it would queue the whole service behind the audit log. Requests put their entry on a
queue; a writer thread appends everything queued in one transaction every ``interval`` seconds
(one entry per request, as if written directly; ``details.requested_at`` keeps the request's own
time). The buffer is flushed at shutdown; a crash loses at most ``interval`` seconds of
screening entries, never a decision (outcomes, lookouts, rules and reads of personal data are
written in the request's own transaction).
"""

from __future__ import annotations

import logging
import queue
import threading
from datetime import UTC, datetime
from typing import Any

from redlane.store import audit
from redlane.store.db import session_scope

log = logging.getLogger(__name__)


class AuditBuffer:
    def __init__(self, database_url: str, interval: float = 0.2) -> None:
        self.database_url = database_url
        self.interval = interval
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def append(self, **entry: Any) -> None:
        details = dict(entry.pop("details", None) or {})
        details["requested_at"] = datetime.now(UTC).isoformat(timespec="microseconds")
        self._queue.put({**entry, "details": details})
        self._ensure_thread()

    def _ensure_thread(self) -> None:
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="audit-buffer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()
        self.flush()

    def flush(self) -> int:
        """Write everything queued now; returns how many entries were written."""
        pending: list[dict[str, Any]] = []
        while True:
            try:
                pending.append(self._queue.get_nowait())
            except queue.Empty:
                break
        if not pending:
            return 0
        try:
            with session_scope(self.database_url) as session:
                for entry in pending:
                    audit.append(session, **entry)
        except Exception:
            log.exception("audit buffer: %d entries could not be written; retrying", len(pending))
            for entry in pending:
                self._queue.put(entry)
            return 0
        return len(pending)

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(10)
        self.flush()
