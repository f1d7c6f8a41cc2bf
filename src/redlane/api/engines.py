"""Warm engines built by other packages: the screener and the live matcher.

Each is loaded on first use, once, and kept warm. Their modules are imported at that moment
too, not with the service: they bring LightGBM, pandas and the resolution indexes, which would
add about 1.7 s to ``import redlane.api.app``. A missing package, a load error, or an engine
whose ``ready`` attribute is false all mean "not ready": the routes answer 503. Tests replace
:func:`get_engines` through ``app.dependency_overrides``.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from fastapi import Request

from redlane.api.problems import Problem

if TYPE_CHECKING:
    from redlane.resolve.live import LiveMatcher
    from redlane.targeting.screen import Screener

log = logging.getLogger(__name__)

E = TypeVar("E")


class EngineNotReady(Problem):
    """503 ``not-ready``: a warm engine could not be loaded (yet), and why."""

    def __init__(self, what: str, why: str) -> None:
        super().__init__(503, f"{what} is not ready: {why}", kind="not-ready", title="Not ready")


def load_screener(home: Path) -> Screener:
    from redlane.targeting.screen import Screener  # imported on first use: see the module doc

    return Screener.load(home)


def load_matcher(home: Path) -> LiveMatcher:
    from redlane.resolve.live import LiveMatcher  # imported on first use: see the module doc

    return LiveMatcher.load(home)


class Engines:
    """Loads each engine on first use and keeps it; a failed load is retried next time."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self._lock = threading.Lock()
        self._screener: Screener | None = None
        self._matcher: LiveMatcher | None = None

    def _load(self, load: Callable[[Path], E], what: str) -> E:
        try:
            loaded = load(self.home)
        except ImportError as e:
            raise EngineNotReady(what, f"its code is not available ({e})") from e
        except Exception as e:  # noqa: BLE001 - any load failure means "not ready"
            log.warning("%s failed to load: %s", what, e)
            raise EngineNotReady(what, f"loading failed ({type(e).__name__}: {e})") from e
        if getattr(loaded, "ready", True) is False:
            raise EngineNotReady(what, "it reports not ready (is a model trained?)")
        return loaded

    def screener(self) -> Screener:
        loaded = self._screener  # lock-free once loaded: a matcher load must not stall screening
        if loaded is not None:
            return loaded
        with self._lock:
            if self._screener is None:
                self._screener = self._load(load_screener, "screening")
            return self._screener

    def matcher(self) -> LiveMatcher:
        with self._lock:
            if self._matcher is None:
                self._matcher = self._load(load_matcher, "live matching")
            return self._matcher

    def refresh_screener(self) -> threading.Thread | None:
        """Reload the screener in the background (rules or lookouts changed) and swap it in
        when ready; requests keep using the old one meanwhile. No-op before the first load."""
        return self._refresh("screener", load_screener, "screening")

    def refresh_matcher(self) -> threading.Thread | None:
        """Reload the live matcher the same way (a resolution run was published)."""
        return self._refresh("matcher", load_matcher, "live matching")

    def _refresh(
        self, name: str, load: Callable[[Path], object], what: str
    ) -> threading.Thread | None:
        if not self.is_loaded(name):
            return None

        def reload() -> None:
            try:
                fresh = self._load(load, what)
            except EngineNotReady as e:
                log.warning("%s refresh failed: %s", name, e.detail)
                return
            with self._lock:
                setattr(self, f"_{name}", fresh)

        thread = threading.Thread(target=reload, name=f"{name}-refresh", daemon=True)
        thread.start()
        return thread

    def is_loaded(self, name: str) -> bool:
        return (self._screener if name == "screener" else self._matcher) is not None

    def warm(self) -> None:
        """Load what can be loaded now (at startup), quietly."""
        for load in (self.screener, self.matcher):
            try:
                load()
            except EngineNotReady as e:
                log.info("%s", e.detail)


async def get_engines(request: Request) -> Engines:
    engines: Engines = request.app.state.redlane.engines
    return engines
