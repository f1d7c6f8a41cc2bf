"""Migration 0002 on both backends: case tables, and old 'referred' cases carried over."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from redlane.store import migrate
from redlane.store.db import make_engine
from tests.utils.databases import BACKENDS, database_url


@pytest.mark.parametrize("backend", BACKENDS)
def test_referred_cases_survive_upgrade_and_downgrade(backend, tmp_path: Path) -> None:
    with database_url(backend, tmp_path) as url:
        migrate.upgrade(url, "0001")
        engine = make_engine(url)
        try:
            with engine.begin() as conn:
                conn.execute(
                    text(
                        "INSERT INTO cases (title, status, created_at, updated_at, summary) "
                        "VALUES ('old', 'referred', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, '')"
                    )
                )
            migrate.upgrade(url, "0002")
            with engine.begin() as conn:
                assert conn.execute(text("SELECT status FROM cases")).scalar() == (
                    "referred_prosecution"
                )
                with pytest.raises(Exception, match="(?i)check"):
                    with conn.begin_nested():
                        conn.execute(text("UPDATE cases SET status = 'referred'"))
            migrate.downgrade(url, "0001")
            with engine.begin() as conn:
                assert conn.execute(text("SELECT status FROM cases")).scalar() == "referred"
        finally:
            engine.dispose()
