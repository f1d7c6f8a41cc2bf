"""Incremental runs publish what recomputing over the whole published population gives: the
``infrastructure`` table, its ``infra_held`` rows and the actors' names and dates, though a run
now reads only the values and actors its day touches (resolve/infra_update.py,
resolve/actors_table.py). Also: a previous run without the kept counts gives the same outputs."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from redlane.cli import app
from redlane.config import get_settings
from redlane.resolve import outputs
from redlane.resolve.actors_table import named_sql
from redlane.resolve.infra_update import KEPT
from redlane.resolve.infrastructure import INFRA_VALUES, find_infrastructure, held_sql

runner = CliRunner()
TABLES = ("party_actors", "actors", "actor_edges", "rings", "infrastructure", "parties")


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _days(world: Path, out: Path, keep: int) -> Path:
    """``world`` with only its first ``keep`` days of waybills and entries."""
    shutil.copytree(world, out, ignore=shutil.ignore_patterns("truth"))
    for kind in ("carrier/aed_*.csv", "customs/entries_*.csv"):
        for path in sorted(out.glob(kind))[keep:]:
            path.unlink()
    return out


@pytest.fixture(scope="module")
def homes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Path]]:
    """A full run on three days, then incremental runs after day 4 and after day 6."""
    root = tmp_path_factory.mktemp("published")
    world = root / "world"
    _run("sim", "world", "--seed", "5", "--scale", "4000", "--days", "6", "--out", str(world))
    home = root / "home"
    snapshots = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REDLANE_HOME", str(home))
        mp.delenv("REDLANE_DATABASE_URL", raising=False)
        get_settings.cache_clear()
        _run("ingest", str(_days(world, root / "first", 3)))
        _run("resolve", "--full")
        for keep in (4, 6):
            _run("ingest", str(_days(world, root / f"upto{keep}", keep)))
            summary = json.loads(_run("resolve", "--json"))
            assert summary["mode"] == "incremental" and summary["new_parties"] > 0
            snapshot = root / f"after{keep}"
            shutil.copytree(home, snapshot)
            snapshots.append(snapshot)
    get_settings.cache_clear()
    yield snapshots


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return sorted(con.execute(sql).fetchall(), key=repr)


def _published(home: Path) -> tuple[duckdb.DuckDBPyConnection, Path]:
    run_dir = outputs.current_run_dir(home)
    assert run_dir is not None
    con = duckdb.connect()
    outputs.register_resolution_views(con, home)
    return con, run_dir


def test_infrastructure_is_that_of_the_whole_published_population(homes: list[Path]) -> None:
    for home in homes:
        con, run_dir = _published(home)
        find_infrastructure(con, "parties")
        assert _rows(con, "SELECT * FROM infrastructure") == _rows(
            con, f"SELECT * FROM {INFRA_VALUES}"
        )
        assert con.execute("SELECT count(*) FROM infrastructure").fetchall()[0][0] > 0
        kept = outputs.table_source(run_dir, "infra_held")
        assert _rows(con, f"SELECT * FROM {kept}") == _rows(
            con, held_sql("parties", "infrastructure")
        )


def test_actors_names_and_dates_are_those_of_their_published_parties(homes: list[Path]) -> None:
    for home in homes:
        con, _ = _published(home)
        columns = "actor_id, display_name, n_parties, n_sources, first_seen, last_seen"
        recomputed = _rows(con, named_sql("party_actors", "parties"))
        assert _rows(con, f"SELECT {columns} FROM actors") == recomputed


def test_a_previous_run_without_kept_counts_gives_the_same_outputs(
    homes: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The day after day 4 again, from a copy whose run lacks the kept counts (a run of the
    code before them): infrastructure is found over the whole population, as it was then."""
    kept_home, bare_home = tmp_path / "kept", tmp_path / "bare"
    for home in (kept_home, bare_home):
        shutil.copytree(homes[0], home)
    bare_run = outputs.current_run_dir(bare_home)
    assert bare_run is not None
    for name in KEPT:
        shutil.rmtree(bare_run / name)
    world = homes[1].parent / "upto6"
    for home in (kept_home, bare_home):
        monkeypatch.setenv("REDLANE_HOME", str(home))
        get_settings.cache_clear()
        _run("ingest", str(world))
        _run("resolve")
    get_settings.cache_clear()
    kept, _ = _published(kept_home)
    bare, _ = _published(bare_home)
    for table in TABLES:
        assert _rows(kept, f"SELECT * FROM {table}") == _rows(bare, f"SELECT * FROM {table}"), table
