"""Warm engines built by other packages: the screener and the live matcher.

They are imported lazily, loaded once and kept warm. A missing package, a load error, or an
engine whose ``ready`` attribute is false all mean "not ready": the routes answer 503. Tests
replace :func:`get_engines` through ``app.dependency_overrides``.
"""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from fastapi import Request

from redlane.api.problems import Problem

log = logging.getLogger(__name__)


class ScreenResult(Protocol):
    score: float
    expected_value: float
    lane: str
    reasons: Sequence[Any]
    lookout_hits: Sequence[Any]
    matched_actor_ids: Sequence[str]


class Screener(Protocol):
    def screen(self, record: dict[str, Any]) -> ScreenResult: ...

    def screen_batch(self, records: list[dict[str, Any]]) -> Sequence[ScreenResult]: ...


class Candidate(Protocol):
    actor_id: str
    probability: float
    reasons: Sequence[Any]


class Matcher(Protocol):
    def match(self, record: dict[str, Any], top: int = 5) -> Sequence[Candidate]: ...


class NotReady(Problem):
    def __init__(self, what: str, why: str) -> None:
        super().__init__(503, f"{what} is not ready: {why}", kind="not-ready", title="Not ready")


class Engines:
    """Loads each engine on first use and keeps it; a failed load is retried next time."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._lock = threading.Lock()
        self._screener: Screener | None = None
        self._matcher: Matcher | None = None

    def _load(self, module: str, cls: str, what: str) -> Any:
        try:
            loaded = getattr(importlib.import_module(module), cls).load(self.home)
        except (ImportError, AttributeError) as e:
            raise NotReady(what, f"{module}.{cls} is not available ({e})") from e
        except Exception as e:  # noqa: BLE001 - any load failure means "not ready"
            log.warning("%s failed to load: %s", what, e)
            raise NotReady(what, f"loading failed ({type(e).__name__}: {e})") from e
        if getattr(loaded, "ready", True) is False:
            raise NotReady(what, "it reports not ready (is a model trained?)")
        return loaded

    def screener(self) -> Screener:
        loaded = self._screener  # lock-free once loaded: a matcher load must not stall screening
        if loaded is not None:
            return loaded
        with self._lock:
            if self._screener is None:
                self._screener = self._load("redlane.targeting.screen", "Screener", "screening")
            return self._screener

    def matcher(self) -> Matcher:
        with self._lock:
            if self._matcher is None:
                self._matcher = self._load("redlane.resolve.live", "LiveMatcher", "live matching")
            return self._matcher

    def refresh_screener(self) -> threading.Thread | None:
        """Reload the screener in the background (rules or lookouts changed) and swap it in
        when ready; requests keep using the old one meanwhile. No-op before the first load."""
        if self._screener is None:
            return None

        def reload() -> None:
            try:
                fresh = self._load("redlane.targeting.screen", "Screener", "screening")
            except NotReady as e:
                log.warning("screener refresh failed: %s", e.detail)
                return
            with self._lock:
                self._screener = fresh

        thread = threading.Thread(target=reload, name="screener-refresh", daemon=True)
        thread.start()
        return thread

    def is_loaded(self, name: str) -> bool:
        return (self._screener if name == "screener" else self._matcher) is not None

    def warm(self) -> None:
        """Load what can be loaded now (at startup), quietly."""
        for load in (self.screener, self.matcher):
            try:
                load()
            except NotReady as e:
                log.info("%s", e.detail)


async def get_engines(request: Request) -> Engines:
    engines: Engines = request.app.state.redlane.engines
    return engines
