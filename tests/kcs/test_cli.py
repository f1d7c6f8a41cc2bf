"""``redlane kcs`` as the external check runs it: train, score without labels, evaluate."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from redlane.cli.kcs_cmds import kcs_app
from tests.kcs.conftest import FAST, make_rows, write_rows

runner = CliRunner()


def app() -> typer.Typer:
    """The way the main CLI mounts it: ``redlane kcs ...``."""
    root = typer.Typer()
    root.add_typer(kcs_app, name="kcs")
    return root


def test_score_file_without_labels_gives_id_and_score_in_input_order(
    kcs_files, kcs_model, tmp_path
):
    out = tmp_path / "scores.csv"
    args = ["kcs", "score", "--model-dir", str(kcs_model), "--input", str(kcs_files["unlabelled"])]
    result = runner.invoke(app(), [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "Declaration ID,score"
    with kcs_files["unlabelled"].open(encoding="utf-8") as handle:
        ids = [row["Declaration ID"] for row in csv.DictReader(handle)]
    with out.open(encoding="utf-8") as handle:
        scored = list(csv.DictReader(handle))
    assert [row["Declaration ID"] for row in scored] == ids
    scores = [float(row["score"]) for row in scored]
    assert all(s >= 0 for s in scores)
    assert len(set(scores)) > len(scores) // 2  # a ranking, not a handful of ties


def test_scores_are_deterministic_across_trainings(kcs_files, kcs_model, tmp_path):
    again = tmp_path / "again"
    args = ["train", "--train", str(kcs_files["train"]), "--model-dir", str(again), *FAST]
    assert runner.invoke(kcs_app, args).exit_code == 0
    for name in ("fraud.0.txt", "fraud.1.txt", "critical.1.txt", "encoder.json"):
        assert (again / name).read_bytes() == (kcs_model / name).read_bytes(), name


def test_evaluate_json_reports_every_rate(kcs_files, kcs_model):
    args = ["evaluate", "--model-dir", str(kcs_model), "--input", str(kcs_files["later"])]
    result = runner.invoke(kcs_app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["rows"] == 400
    assert [m["rate"] for m in report["metrics"]] == [0.01, 0.02, 0.05, 0.1]
    assert [m["inspected"] for m in report["metrics"]] == [4, 8, 20, 40]
    for m in report["metrics"]:
        assert 0 <= m["precision"] <= 1 and 0 <= m["critical_recall"] <= 1
    # the planted signal is found: far better than the base rate at 10 %
    base_rate = report["frauds"] / report["rows"]
    assert report["metrics"][-1]["precision"] > base_rate + 0.2


def test_evaluate_table_and_refusal_without_labels(kcs_files, kcs_model):
    args = ["evaluate", "--model-dir", str(kcs_model), "--input"]
    result = runner.invoke(kcs_app, [*args, str(kcs_files["later"])])
    assert result.exit_code == 0
    assert "critical recall" in result.stdout and "5.0 %" in result.stdout
    result = runner.invoke(kcs_app, [*args, str(kcs_files["unlabelled"])])
    assert result.exit_code == 2
    assert "unlabelled.csv" in result.output and "'Fraud'" in result.output


def test_train_reports_on_valid_without_tuning_on_it(kcs_files, tmp_path):
    args = ["train", "--train", str(kcs_files["train"]), "--valid", str(kcs_files["later"])]
    result = runner.invoke(kcs_app, [*args, "--model-dir", str(tmp_path / "m"), *FAST])
    assert result.exit_code == 0, result.output
    shown = " ".join(result.stdout.split())  # table titles wrap with the terminal's width
    assert "tuning slice frontier" in shown and "later.csv frontier (report only)" in shown
    manifest = json.loads((tmp_path / "m" / "manifest.json").read_text())
    assert manifest["report"]["tune_dates"][0] > manifest["report"]["train_dates"][0]
    assert "later.csv" not in json.dumps(manifest)


def test_bad_price_is_refused_naming_file_row_and_column(kcs_model, tmp_path):
    rows = make_rows(50)
    rows[6]["Item Price"] = "12,5O0"
    bad = write_rows(tmp_path / "bad.csv", rows)
    args = ["score", "--model-dir", str(kcs_model), "--input", str(bad), "--out", "x.csv"]
    result = runner.invoke(kcs_app, args)
    assert result.exit_code == 2
    assert "bad.csv" in result.output
    assert "row 7" in result.output and "'Item Price'" in result.output
    assert not Path("x.csv").exists()


def test_missing_model_dir_is_a_clear_error(kcs_files, tmp_path):
    args = ["score", "--model-dir", str(tmp_path / "none"), "--input", str(kcs_files["later"])]
    result = runner.invoke(kcs_app, [*args, "--out", str(tmp_path / "s.csv")])
    assert result.exit_code == 2
    assert "not a KCS model directory" in result.output
