"""``redlane brands evaluate`` end to end on a small world (about a minute: slow)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redlane.cli import app


@pytest.mark.slow
def test_evaluate_reports_known_good_and_cloned_codes(home: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "brands",
            "evaluate",
            "--seed",
            "5",
            "--scale",
            "6000",
            "--days",
            "12",
            "--json",
            "--work",
            str(tmp_path / "eval"),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{") :])
    kg = report["known_good"]
    assert kg["parcels_known_good"] > 0
    if kg["counterfeits_known_good"] == 0:
        # Only genuine parcels were discounted: reaching a recall can never need more parcels.
        assert all(row["false_positives_avoided"] >= 0 for row in kg["at_recall"])
    verdicts = report["cloned_codes"]["verdicts_by_kind"]
    assert set(verdicts.get("invented", {})) <= {"unknown"}
    assert "unknown" not in verdicts.get("genuine", {})
    assert sum(verdicts.get("cloned", {}).values()) > 0
    links = report["cloned_codes"]["ring_links"]
    assert 0 <= links["same_ring"] <= links["actor_pairs"]
