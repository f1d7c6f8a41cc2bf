"""Case fixtures: a tiny world built once per session, copied into each test's HOME."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from redlane.config import Settings, get_settings
from redlane.store.db import dispose_engine
from redlane.store.migrate import upgrade
from tests.cases import world
from tests.utils.databases import BACKENDS, database_url


@pytest.fixture(scope="session")
def world_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("world") / "home"
    world.build(home)
    return home


@pytest.fixture
def settings(
    world_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings on a private copy of the world, with a migrated SQLite store."""
    home = tmp_path / "home"
    shutil.copytree(world_template, home)
    monkeypatch.setenv("REDLANE_HOME", str(home))
    monkeypatch.delenv("REDLANE_DATABASE_URL", raising=False)
    monkeypatch.delenv("REDLANE_WAREHOUSE_DIR", raising=False)
    get_settings.cache_clear()
    current = get_settings()
    upgrade(current.database)
    yield current
    dispose_engine(current.database)
    get_settings.cache_clear()


@pytest.fixture(params=BACKENDS)
def any_settings(
    request: pytest.FixtureRequest,
    world_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Settings]:
    """Like ``settings``, once on SQLite and once on PostgreSQL (``REDLANE_DATABASE_URL``)."""
    home = tmp_path / "home"
    shutil.copytree(world_template, home)
    with database_url(request.param, tmp_path) as url:
        monkeypatch.setenv("REDLANE_HOME", str(home))
        monkeypatch.setenv("REDLANE_DATABASE_URL", url)
        monkeypatch.delenv("REDLANE_WAREHOUSE_DIR", raising=False)
        get_settings.cache_clear()
        current = get_settings()
        upgrade(current.database)
        yield current
        get_settings.cache_clear()
