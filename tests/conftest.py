"""Shared fixtures.

Strategy: tests build their own small feed files from the feed spec's examples
(``tests/utils/feed_files.py``) or a small simulated world, in ``tmp_path``; every test gets its
own ``REDLANE_HOME`` so nothing leaks between tests or into the developer's data.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from redlane.config import get_settings
from redlane.engine.warehouse import Warehouse


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "home"
    monkeypatch.setenv("REDLANE_HOME", str(path))
    monkeypatch.delenv("REDLANE_DATABASE_URL", raising=False)
    monkeypatch.delenv("REDLANE_WAREHOUSE_DIR", raising=False)
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


@pytest.fixture
def warehouse(home: Path) -> Warehouse:
    return Warehouse(get_settings().warehouse_path)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long tests first: with ``--dist worksteal`` the two workers then finish together instead
    of one running a ten-minute test alone at the end of the run."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("slow") is None and item.get_closest_marker("spark") is None
        )
    )
