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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["score", "--engine", "spark"], "no Spark path"),
        (["api", "--engine", "spark"], "no Spark path"),
        (["day", "--engine", "oracle"], "unknown engine"),
    ],
)
def test_bench_refuses_an_engine_it_cannot_run_before_any_setup(home, tmp_path, args, message):
    results = tmp_path / "results"
    result = CliRunner().invoke(app, ["bench", *args, "--results-dir", str(results)])
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())
    assert not results.exists()


@pytest.mark.slow
def test_bench_plan_compares_the_model_with_random_and_rules_only(home, tmp_path):
    out = tmp_path / "plan.json"
    results = tmp_path / "results"
    args = ["bench", "plan", "--shipments", "600", "--json", str(out)]
    result = CliRunner().invoke(app, [*args, "--results-dir", str(results)])
    assert result.exit_code == 0, result.output
    figures = json.loads(out.read_text())
    assert figures["shipments"] > 100 and figures["ports"] >= 1 and figures["planned"] > 0
    assert figures["red_picks"] == figures["baseline_random_red_picks"] > 0
    assert figures["baseline_rules_only_red_picks"] == figures["red_picks"]
    for key in ("hit_rate", "baseline_random_hit_rate", "baseline_rules_only_hit_rate"):
        assert 0.0 <= figures[key] <= 1.0
    assert set(figures["stages_s"]) == set(figures["stages_peak_rss_mb"])
    assert {"features", "plan", "store", "baseline_random"} <= set(figures["stages_s"])
    [line] = (results / "plan.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert record["machine"]["cpu_model"] and record["git"] and record["peak_rss_mb"] > 0


@pytest.fixture(scope="module")
def standing_day():
    from redlane.bench.standing import standing_world

    # The same world as the day and plan benchmarks at 600 a day: enough seizures to train on.
    with standing_world(600, seed=17, history_days=2, with_day=True) as world:
        yield world


@pytest.mark.slow
def test_bench_score_reports_model_and_rule_pack_auc(standing_day):
    from redlane.bench.score_bench import run_from

    figures = run_from(standing_day.home, standing_day.day, standing_day.truth)
    assert figures["shipments"] > 100 and figures["shipments_per_s"] > 0
    assert figures["counterfeits"] > 0
    assert 0.0 < figures["auc"] <= 1.0
    assert figures["baseline_rules_only_auc"] is None or 0 < figures["baseline_rules_only_auc"]
    assert set(figures["stages_s"]) == {"features", "score", "baseline_rules_only"}


@pytest.mark.slow
def test_bench_api_screens_in_process_and_over_the_route(standing_day):
    from redlane.bench.api_bench import run_from

    figures = run_from(standing_day.home, requests=40, http_requests=10)
    assert figures["screen_requests"] == 40 and figures["http_requests"] == 10
    assert 0 < figures["screen_p50_ms"] <= figures["screen_p99_ms"] <= figures["screen_max_ms"]
    assert figures["http_per_s"] > 0 and figures["load_s"] >= 0
