"""Store fixtures: every test that takes ``db_url`` runs once on SQLite and once on PostgreSQL
(marked ``postgres``; see ``tests/utils/databases.py`` for when it skips)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from redlane.store.migrate import upgrade
from tests.utils.databases import BACKENDS, database_url


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database."""
    with database_url(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def store_url(db_url: str) -> str:
    """A database migrated to head."""
    upgrade(db_url)
    return db_url
