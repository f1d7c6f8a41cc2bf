"""`redlane db` and `redlane audit` against both operational-store backends."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redlane.cli import app
from redlane.config import get_settings
from redlane.store.migrate import head
from tests.utils.databases import BACKENDS, database_url

runner = CliRunner()


@pytest.mark.parametrize("backend", BACKENDS)
def test_db_upgrade_current_and_audit_verify(backend, home, tmp_path: Path, monkeypatch):
    with database_url(backend, tmp_path) as url:
        monkeypatch.setenv("REDLANE_DATABASE_URL", url)
        get_settings.cache_clear()
        before = runner.invoke(app, ["db", "current"])
        assert before.exit_code == 0 and "empty" in before.stdout
        upgraded = runner.invoke(app, ["db", "upgrade"])
        assert upgraded.exit_code == 0, upgraded.output
        now = runner.invoke(app, ["db", "current"])
        assert now.stdout.strip() == head()
        verified = runner.invoke(app, ["audit", "verify", "--json"])
        assert verified.exit_code == 0 and json.loads(verified.stdout)["ok"] is True
