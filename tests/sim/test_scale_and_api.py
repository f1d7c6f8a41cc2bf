"""The public API the CLI calls: scales, arguments, summary and progress."""

from __future__ import annotations

import json

import pytest

from redlane.sim import SimConfig, generate_world, parse_scale
from tests.sim.conftest import DAYS, PARCELS, SEED


@pytest.mark.parametrize(
    ("text", "parcels"),
    [
        ("small", 20_000),
        ("medium", 1_000_000),
        ("large", 4_000_000),
        ("Medium", 1_000_000),
        ("5000", 5000),
        ("1_000", 1000),
        (" 42 ", 42),
    ],
)
def test_parse_scale_accepts_names_and_numbers(text, parcels):
    assert parse_scale(text) == parcels


@pytest.mark.parametrize("text", ["tiny", "", "0", "-5", "1.5", "1e6", "999999999999"])
def test_parse_scale_refuses_anything_else_with_a_clear_message(text):
    with pytest.raises(ValueError, match="scale"):
        parse_scale(text)


def test_generate_world_refuses_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="parcels"):
        generate_world(tmp_path, seed=1, parcels=0)
    with pytest.raises(ValueError, match="days"):
        generate_world(tmp_path, seed=1, parcels=10, days=0)
    with pytest.raises(ValueError, match="counterfeit_rate"):
        SimConfig(counterfeit_rate=1.5)


def test_summary_counts_every_feed_file_and_its_rows(world):
    s = world.summary
    assert s.parcels == PARCELS
    assert s.seconds > 0
    on_disk = {
        p.relative_to(world.path).as_posix()
        for p in world.path.rglob("*")
        if p.is_file() and p.parts[len(world.path.parts)] != "truth"
    }
    assert set(s.files) == on_disk
    aed = sum(n for f, n in s.files.items() if f.startswith("carrier/"))
    resent = len(world.truth("resent"))
    assert aed == PARCELS + resent
    for rel, rows in s.files.items():
        if rel.endswith((".csv", ".jsonl")):
            lines = (world.path / rel).read_text(encoding="utf-8").count("\n")
            assert lines == rows + rel.endswith(".csv"), rel
    assert json.loads(json.dumps(s.to_dict()))["parcels"] == PARCELS
    assert s.truth["shipments"] == PARCELS


def test_progress_reports_each_stage_to_completion(world):
    stages = {}
    for stage, done, total in world.stages:
        assert 0 <= done <= total
        stages[stage] = (done, total)
    assert stages["parcels"] == (DAYS, DAYS)
    assert all(done == total for done, total in stages.values())
    assert {"actors", "parcels", "marketplace"} <= set(stages)


def test_world_json_describes_the_run(world):
    meta = json.loads((world.path / "truth" / "world.json").read_text())
    assert (meta["seed"], meta["parcels"], meta["days"]) == (SEED, PARCELS, DAYS)
    assert meta["start_date"] == "2025-06-01"
    assert meta["files"] == world.summary.files
    assert meta["version"]


def test_the_cli_takes_the_counterfeit_rate(tmp_path):
    import pyarrow.parquet as pq
    from typer.testing import CliRunner

    from redlane.cli import app

    runner = CliRunner()
    out = tmp_path / "w"
    args = ["sim", "world", "--seed", "3", "--scale", "3000", "--days", "3", "--out", str(out)]
    result = runner.invoke(app, [*args, "--counterfeit-rate", "0.05", "--json"])
    assert result.exit_code == 0, result.output
    ships = pq.read_table(out / "truth" / "shipments.parquet", columns=["is_counterfeit"])
    rate = sum(ships.column("is_counterfeit").to_pylist()) / ships.num_rows
    assert 0.035 <= rate <= 0.065
    assert (
        json.loads((out / "truth" / "world.json").read_text())["config"]["counterfeit_rate"] == 0.05
    )
    refused = runner.invoke(app, [*args, "--counterfeit-rate", "2"])
    assert refused.exit_code != 0 and "--counterfeit-rate" in refused.output
