"""A simulated world ingested through the CLI: exactly what the simulator broke is refused."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from redlane.cli import app

runner = CliRunner()


@pytest.fixture(scope="module")
def small_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = tmp_path_factory.mktemp("e2e") / "world"
    result = runner.invoke(
        app, ["sim", "world", "--seed", "3", "--scale", "4000", "--days", "4", "--out", str(world)]
    )
    assert result.exit_code == 0, result.output
    return world


def test_sim_ingest_status_round_trip(small_world: Path, home: Path):
    result = runner.invoke(app, ["ingest", str(small_world), "--json"])
    assert result.exit_code == 0, result.output
    files = json.loads(result.stdout)
    assert files and all(f["status"] == "loaded" for f in files)

    injected = pq.read_table(small_world / "truth" / "injected_errors.parquet").to_pylist()
    status = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert status["quarantined"] == len(injected)
    assert status["batches"] == len(files)

    shipments = pq.read_table(small_world / "truth" / "shipments.parquet").num_rows
    bad_aed = sum(1 for e in injected if e["table"] == "aed_shipments")
    assert status["tables"]["aed_shipments"] == shipments - bad_aed

    resent = pq.read_table(small_world / "truth" / "resent.parquet").num_rows
    assert sum(f["duplicates"] for f in files) == resent

    refused = json.loads(
        runner.invoke(app, ["quarantine", "list", "--json", "--limit", "100000"]).stdout
    )["rows"]
    where = {
        (Path(r["_source_file"]).relative_to(small_world).as_posix(), r["line"]) for r in refused
    }
    expected = {(e["file"], e["line"]) for e in injected}
    assert where == expected


def test_reingesting_the_world_changes_nothing(small_world: Path, home: Path):
    runner.invoke(app, ["ingest", str(small_world)])
    before = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    for _ in range(2):
        again = json.loads(runner.invoke(app, ["ingest", str(small_world), "--json"]).stdout)
        assert {f["status"] for f in again} == {"already_ingested"}
    after = json.loads(runner.invoke(app, ["status", "--json"]).stdout)
    assert after["tables"] == before["tables"] and after["batches"] == before["batches"]
