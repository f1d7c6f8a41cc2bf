"""The closed loop on a small simulated world, through the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redlane.cli import app

runner = CliRunner()


@pytest.mark.slow
def test_sim_loop_prints_the_figures_and_writes_plots(tmp_path: Path, home: Path):
    plots = tmp_path / "plots"
    result = runner.invoke(
        app,
        [
            "sim",
            "loop",
            "--seed",
            "5",
            "--days",
            "12",
            "--scale",
            "6000",
            "--warmup-days",
            "4",
            "--plots",
            str(plots),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    for key in (
        "hit_rate",
        "random_hit_rate",
        "rules_only_hit_rate",
        "seized_value_share",
        "counterfeit_recall",
    ):
        assert key in figures
    strategies = figures["strategies"]
    # same capacity for every strategy
    assert len({s["inspected"] for s in strategies.values()}) == 1
    assert figures["hit_rate"] > figures["random_hit_rate"]
    assert 0 <= figures["seized_value_share"] <= 1
    assert set(figures["bias_correction"]) == {"ipw", "exploration", "none"}
    assert (plots / "loop_hit_rate.png").stat().st_size > 1000
    assert "loop_hit_rate.png" in (plots / "loop_hit_rate.html").read_text(encoding="utf-8")
