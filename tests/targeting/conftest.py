"""One small simulated world, ingested once per session; each test gets its own REDLANE_HOME
(operational store, models, plans) reading that shared warehouse (never written by tests)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from redlane.config import get_settings
from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import ingest_paths
from redlane.sim import generate_world


@dataclass(frozen=True)
class World:
    root: Path  # feeds and truth/
    warehouse: Path


@pytest.fixture(scope="session")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    base = tmp_path_factory.mktemp("target-world")
    generate_world(base / "world", seed=11, parcels=3500, days=10)
    warehouse = Warehouse(base / "warehouse")
    results = ingest_paths([base / "world"], warehouse)
    assert all(r.status == "loaded" for r in results)
    return World(base / "world", warehouse.root)


@pytest.fixture
def target_home(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    home = tmp_path / "home"
    monkeypatch.setenv("REDLANE_HOME", str(home))
    monkeypatch.setenv("REDLANE_WAREHOUSE_DIR", str(world.warehouse))
    monkeypatch.delenv("REDLANE_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


def truth(world: World) -> dict[str, tuple[bool, float]]:
    """hawb -> (counterfeit, MSRP value): for building outcome files in tests only."""
    path = world.root / "truth" / "shipments.parquet"
    rows = duckdb.sql(
        f"SELECT hawb, is_counterfeit, msrp_value FROM read_parquet('{path}')"
    ).fetchall()
    return {h: (bool(c), float(v or 0)) for h, c, v in rows}


def write_truth_outcomes(world: World, path: Path, modulo: int = 3) -> Path:
    """An outcome file for every ``modulo``-th parcel (by hash of its hawb), from the truth:
    plenty of labels, seizures included, for tests that need a trained model."""
    shipments = world.root / "truth" / "shipments.parquet"
    con = Warehouse(world.warehouse).connect(tables=["aed_shipments"])
    con.execute(
        f"""
        COPY (
            SELECT a.carrier, a.hawb, a.port_of_entry AS port_code,
                CASE WHEN t.is_counterfeit THEN 'seized' ELSE 'cleared' END AS outcome,
                NULL AS brand, CASE WHEN t.is_counterfeit THEN t.units END AS seized_quantity,
                CASE WHEN t.is_counterfeit THEN round(t.msrp_value, 2) END AS seized_value,
                strftime(a.expected_arrival + INTERVAL 1 HOUR, '%Y-%m-%dT%H:%M:%SZ')
                    AS inspected_at
            FROM aed_shipments a JOIN read_parquet('{shipments}') t USING (hawb)
            WHERE hash(a.hawb) % {modulo} = 0
            ORDER BY a.hawb
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()
    return path


@pytest.fixture(scope="session")
def trained_template(world: World, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home trained once per session: imported outcomes (from the truth) and a champion."""
    from typer.testing import CliRunner

    from redlane.cli import app
    from redlane.store.db import dispose_engine

    base = tmp_path_factory.mktemp("trained")
    home = base / "home"
    runner = CliRunner()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REDLANE_HOME", str(home))
        mp.setenv("REDLANE_WAREHOUSE_DIR", str(world.warehouse))
        mp.delenv("REDLANE_DATABASE_URL", raising=False)
        get_settings.cache_clear()
        try:
            outcomes = write_truth_outcomes(world, base / "outcomes.csv")
            result = runner.invoke(app, ["target", "outcomes", "import", str(outcomes)])
            assert result.exit_code == 0, result.output
            result = runner.invoke(app, ["target", "train"])
            assert result.exit_code == 0, result.output
            dispose_engine()
        finally:
            get_settings.cache_clear()
    return home


@pytest.fixture
def trained_home(target_home: Path, trained_template: Path) -> Path:
    """This test's own copy of the trained home (store with outcomes, models)."""
    shutil.copytree(trained_template, target_home)
    return target_home
