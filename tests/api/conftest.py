"""A service over a small seeded world, shared by the tests of a module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from redlane.api.app import create_app
from redlane.api.engines import Engines
from redlane.api.security import LoginLimiter
from redlane.config import get_settings
from redlane.store.db import dispose_engine
from tests.api.seed import PASSWORD, World, seed_resolution, seed_store, seed_warehouse


@dataclass
class FakeResult:
    score: float
    expected_value: float
    lane: str
    reasons: list[Any]
    lookout_hits: list[Any]
    matched_actor_ids: list[str]


class FakeScreener:
    def __init__(self) -> None:
        self.seen: list[dict[str, Any]] = []

    def screen(self, record: dict[str, Any]) -> FakeResult:
        self.seen.append(record)
        risky = str(record.get("description", "")).startswith("sneakers")
        return FakeResult(
            score=0.9 if risky else 0.1,
            expected_value=450.0 if risky else 2.0,
            lane="red" if risky else "green",
            reasons=["brand keyword: sneakers"] if risky else [],
            lookout_hits=[],
            matched_actor_ids=["A-1"] if risky else [],
        )

    def screen_batch(self, records: list[dict[str, Any]]) -> list[FakeResult]:
        return [self.screen(r) for r in records]


@dataclass
class FakeCandidate:
    actor_id: str
    probability: float
    reasons: list[str] = field(default_factory=list)


class FakeMatcher:
    def match(self, record: dict[str, Any], top: int = 5) -> list[FakeCandidate]:
        found = [FakeCandidate("A-1", 0.97, ["same phone"]), FakeCandidate("A-2", 0.4, ["name"])]
        return found[:top]


class FakeEngines(Engines):
    def __init__(self, home: Path) -> None:
        super().__init__(home)
        self.fake_screener = FakeScreener()
        self._screener = self.fake_screener
        self._matcher = FakeMatcher()
        self.refreshes = 0

    def refresh_screener(self) -> None:  # type: ignore[override]
        self.refreshes += 1


@dataclass
class Service:
    client: TestClient
    world: World
    engines: FakeEngines
    _tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        if username not in self._tokens:
            r = self.client.post(
                "/v1/auth/login", json={"username": username, "password": PASSWORD}
            )
            assert r.status_code == 200, r.text
            self._tokens[username] = r.json()["access_token"]
        return self._tokens[username]

    def auth(self, username: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"}


def build_world(home: Path) -> tuple[str, World]:
    url = f"sqlite:///{home / 'redlane.db'}"
    from redlane.store.db import session_scope
    from redlane.store.migrate import ensure_schema
    from redlane.store.partners import ensure_default_partners

    ensure_schema(url)
    with session_scope(url) as session:
        ensure_default_partners(session)
    world = seed_store(home, url)
    seed_warehouse(home)
    seed_resolution(home)
    return url, world


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    home = tmp_path_factory.mktemp("service") / "home"
    home.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REDLANE_HOME", str(home))
        mp.delenv("REDLANE_DATABASE_URL", raising=False)
        mp.delenv("REDLANE_WAREHOUSE_DIR", raising=False)
        mp.delenv("REDLANE_SECRET_KEY", raising=False)
        get_settings.cache_clear()
        url, world = build_world(home)
        engines = FakeEngines(home)
        app = create_app(home, url, engines=engines, limiter=LoginLimiter(attempts=5, window=60))
        with TestClient(app) as client:
            yield Service(client, world, engines)
        dispose_engine(url)
        get_settings.cache_clear()


def ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")
