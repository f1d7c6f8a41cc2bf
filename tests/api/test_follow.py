"""The service's warm engines follow events: checks taken again on a rule or lookout change,
a screener reload on a resolution run or a batch of takedowns, a matcher reload on a
resolution run, nothing for events they already loaded."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from redlane.api.follow import follow
from redlane.store import outbox
from redlane.store.db import session_scope
from tests.events.webhook_helpers import make_store


class FakeScreener:
    def __init__(self) -> None:
        self.checks_reloaded = 0

    def reload_checks(self) -> None:
        self.checks_reloaded += 1


class FakeEngines:
    def __init__(self) -> None:
        self.screener_ = FakeScreener()
        self.refreshed = 0
        self.matchers_refreshed = 0

    def refresh_matcher(self) -> None:
        self.matchers_refreshed += 1

    def is_loaded(self, name: str) -> bool:
        return name == "screener"

    def screener(self) -> FakeScreener:
        return self.screener_

    def refresh_screener(self) -> None:
        self.refreshed += 1


def emit(url: str, kind: str, payload: dict[str, Any] | None = None) -> None:
    with session_scope(url) as session:
        outbox.emit(session, kind, "t", payload or {})


def test_the_warm_screener_follows_rule_lookout_takedown_and_resolution_events(
    tmp_path: Path,
) -> None:
    url = make_store(tmp_path)
    emit(url, "lookout.changed")  # before the service started: already in what it loaded
    engines = FakeEngines()
    stop = threading.Event()
    thread = threading.Thread(target=follow, args=(engines, url, stop, 0.05))  # type: ignore[arg-type]
    thread.start()
    try:
        time.sleep(0.2)
        assert (engines.screener_.checks_reloaded, engines.refreshed) == (0, 0)
        emit(url, "rule.changed")
        deadline = time.monotonic() + 5
        while engines.screener_.checks_reloaded < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (engines.screener_.checks_reloaded, engines.refreshed) == (1, 0)
        emit(url, "batch.committed", {"tables": ["aed_shipments"]})  # nothing the screener keeps
        emit(url, "batch.committed", {"tables": ["mp_takedowns"]})
        while engines.refreshed < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert engines.refreshed == 1
        emit(url, "resolution.run")
        while engines.refreshed < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert (engines.screener_.checks_reloaded, engines.refreshed) == (1, 2)
        assert engines.matchers_refreshed == 1  # a resolution run changes the candidates
    finally:
        stop.set()
        thread.join()
