"""Migrations build the models' schema on both backends, and go down and up again."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from redlane.store import migrate
from redlane.store.db import make_engine
from redlane.store.models import Base

TABLES = {
    "partners",
    "users",
    "api_keys",
    "agreements",
    "ports",
    "lookouts",
    "rules",
    "plans",
    "plan_items",
    "outcomes",
    "cases",
    "audit_log",
    "case_targets",
    "case_assignees",
    "case_notes",
    "evidence_items",
    "custody_events",
    "resolution_labels",
}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def _schema_diffs(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_upgrade_from_empty_reaches_head(db_url: str) -> None:
    assert migrate.current(db_url) is None

    migrate.upgrade(db_url)

    assert migrate.current(db_url) == migrate.head() == "0002"
    assert _tables(db_url) == TABLES


def test_models_match_migrations(db_url: str) -> None:
    migrate.upgrade(db_url)

    assert _schema_diffs(db_url) == []


def test_downgrade_to_base_and_up_again(db_url: str) -> None:
    migrate.upgrade(db_url)

    migrate.downgrade(db_url, "base")
    assert migrate.current(db_url) is None
    assert _tables(db_url) == set()

    migrate.upgrade(db_url, "head")
    assert migrate.current(db_url) == migrate.head()
    assert _schema_diffs(db_url) == []


def test_ensure_schema_is_idempotent(db_url: str) -> None:
    migrate.ensure_schema(db_url)
    migrate.ensure_schema(db_url)

    assert migrate.current(db_url) == migrate.head()


def test_unknown_revision_is_a_schema_error(db_url: str) -> None:
    with pytest.raises(migrate.SchemaError):
        migrate.upgrade(db_url, "9999")


def test_migrations_ship_inside_the_package() -> None:
    package_dir = migrate.MIGRATIONS_DIR.parent
    assert package_dir.name == "store" and package_dir.parent.name == "redlane"
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()
    assert list((migrate.MIGRATIONS_DIR / "versions").glob("0001_*.py"))


def test_revision_writes_the_next_numbered_migration(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", copy)

    path = migrate.revision("add nothing", store_url)

    assert path == copy / "versions" / "0003_add_nothing.py"
    assert migrate.head() == "0003"
    source = path.read_text()
    assert "down_revision: str | None = '0002'" in source
    assert "redlane" not in source.split('"""', 2)[2], "migrations must not import redlane"
