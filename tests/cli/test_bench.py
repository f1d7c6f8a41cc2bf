"""`redlane bench ingest` measures a real run and appends it to the results log."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from redlane.cli import app


@pytest.mark.slow
def test_bench_ingest_small(home, tmp_path):
    out = tmp_path / "bench.json"
    results = tmp_path / "results"
    args = [
        "bench",
        "ingest",
        "--parcels",
        "1500",
        "--days",
        "2",
        "--json",
        str(out),
        "--results-dir",
        str(results),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["parcels"] == 1500 and figures["failed_files"] == 0
    assert figures["loaded"] > 1500 and figures["ingest_rows_per_s"] > 0
    assert figures["ingest_peak_rss_mb"] > 0 and figures["baseline_plain_load_s"] > 0
    [line] = (results / "ingest.jsonl").read_text().splitlines()
    assert json.loads(line)["machine"]["cpus"] >= 1


@pytest.mark.slow
def test_bench_resolve_scores_redlane_and_the_baseline(home, tmp_path):
    out = tmp_path / "resolve.json"
    results = tmp_path / "results"
    args = ["bench", "resolve", "--parcels", "1500", "--days", "2"]
    args += ["--json", str(out), "--results-dir", str(results)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["parties"] > 1500 and figures["resolve_s"] > 0
    for key in ("pairwise_f1", "bcubed_f1", "baseline_pairwise_f1", "baseline_bcubed_f1"):
        assert 0.0 < figures[key] <= 1.0
    assert figures["peak_rss_mb"] > 0 and figures["baseline_peak_rss_mb"] > 0
    assert (results / "resolve.jsonl").exists()


@pytest.mark.slow
def test_bench_day_contract_keys(home, tmp_path):
    out = tmp_path / "day.json"
    args = ["bench", "day", "--shipments", "600", "--json", str(out)]
    result = CliRunner().invoke(app, [*args, "--results-dir", str(tmp_path / "results")])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["shipments"] > 100 and figures["scored"] == figures["shipments"]
    assert figures["wall_s"] > 0 and figures["shipments_per_s"] > 0 and figures["peak_rss_mb"] > 0
    assert figures["planned"] > 0
    assert set(figures["stages_s"]) == {"ingest", "resolve", "features", "score", "plan"}
