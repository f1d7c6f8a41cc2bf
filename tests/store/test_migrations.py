"""Migrations build the models' schema on both backends, and go down and up again."""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from redlane.store import migrate, schema
from redlane.store.db import make_engine

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
    "rights_holders",
    "rights_holder_members",
    "brands",
    "brand_trademarks",
    "brand_product_lines",
    "brand_gtins",
    "brand_parties",
    "brand_guides",
    "brand_guide_images",
    "brand_codes",
    "brand_code_scans",
    "brand_flags",
    "idempotency_keys",
    "outbox_events",
    "inflight_parcels",
    "inflight_links",
    "partner_messages",
    "webhook_subscriptions",
    "webhook_deliveries",
}


def _newest_shipped() -> str:
    """The number of the newest migration file, so adding one does not break these tests."""
    return max(p.name[:4] for p in (migrate.MIGRATIONS_DIR / "versions").glob("[0-9]*_*.py"))


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
            return list(compare_metadata(context, schema.metadata))
    finally:
        engine.dispose()


def test_upgrade_from_empty_reaches_head(db_url: str) -> None:
    assert migrate.current(db_url) is None

    migrate.upgrade(db_url)

    assert migrate.current(db_url) == migrate.head() == _newest_shipped()
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
    shipped = _newest_shipped()
    following = f"{int(shipped) + 1:04d}"
    copy = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", copy)

    path = migrate.revision("add nothing", store_url)

    assert path == copy / "versions" / f"{following}_add_nothing.py"
    assert migrate.head() == following
    source = path.read_text()
    assert f"down_revision: str | None = '{shipped}'" in source
    assert "redlane" not in source.split('"""', 2)[2], "migrations must not import redlane"


def test_the_schema_gathers_every_model_module() -> None:
    """``store/schema.py`` imports every module that declares tables, so Alembic sees them all;
    a model module imports the base (and the core tables it names), never the schema."""
    store = migrate.MIGRATIONS_DIR.parent
    declared = {p.stem for p in store.glob("*.py") if p.stem.endswith("models")}
    assert {m.__name__.rsplit(".", 1)[1] for m in schema.MODEL_MODULES} == declared
    assert set(schema.metadata.tables) == TABLES
    for name in declared:
        tree = ast.parse((store / f"{name}.py").read_text(encoding="utf-8"))
        imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "redlane.store.base" in imported and "redlane.store.schema" not in imported, name
