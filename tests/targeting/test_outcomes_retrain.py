"""Outcomes import idempotently; retraining promotes only a better model; drift report."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from redlane.cli import app
from redlane.config import get_settings
from redlane.store.db import session_scope
from redlane.store.models import Outcome
from redlane.targeting.features import compute_features, labelled_features, set_labels
from redlane.targeting.model import (
    TargetModel,
    champion_version,
    load_champion,
    promote,
    time_values,
    train,
)
from redlane.targeting.training import challenge, connect
from tests.targeting.conftest import World, truth

runner = CliRunner()


def _outcome_file(path: Path, world: World, hawbs: list[str], port: str = "JFK") -> Path:
    known = truth(world)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            ["carrier", "hawb", "port_code", "outcome", "brand", "seized_quantity", "seized_value"]
        )
        for h in hawbs:
            fake, value = known[h]
            writer.writerow(
                [
                    "EXPR",
                    h,
                    port,
                    "seized" if fake else "cleared",
                    "",
                    1 if fake else "",
                    value if fake else "",
                ]
            )
    return path


def _hawbs(world: World, n: int) -> list[str]:
    return sorted(truth(world))[:n]


def test_outcomes_import_is_idempotent(target_home: Path, world: World, tmp_path: Path):
    path = _outcome_file(tmp_path / "out.csv", world, _hawbs(world, 25))
    first = runner.invoke(app, ["target", "outcomes", "import", str(path), "--json"])
    assert first.exit_code == 0, first.output
    assert json.loads(first.stdout)["inserted"] == 25
    again = runner.invoke(app, ["target", "outcomes", "import", str(path), "--json"])
    report = json.loads(again.stdout)
    assert (report["inserted"], report["updated"], report["unchanged"]) == (0, 0, 25)
    with session_scope(readonly=True) as session:
        assert session.scalar(select(func.count()).select_from(Outcome)) == 25
    # a corrected row updates in place
    rows = path.read_text(encoding="utf-8").splitlines()
    rows[1] = rows[1].replace("cleared", "other_violation").replace(",seized,", ",cleared,")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    fixed = json.loads(
        runner.invoke(app, ["target", "outcomes", "import", str(path), "--json"]).stdout
    )
    assert (fixed["inserted"], fixed["updated"]) == (0, 1)


def test_outcomes_import_refuses_bad_rows_and_files(target_home: Path, tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text("carrier,hawb,port_code,outcome\nEXPR,H1,JFK,lost\nEXPR,H2,JFK,seized\n")
    result = runner.invoke(app, ["target", "outcomes", "import", str(bad)])
    assert result.exit_code == 1
    assert "line 2" in result.output and "outcome must be one of" in result.output
    missing = tmp_path / "missing.csv"
    missing.write_text("carrier,hawb\nEXPR,H1\n")
    result = runner.invoke(app, ["target", "outcomes", "import", str(missing)])
    assert result.exit_code == 2 and "missing column" in result.output


@pytest.fixture
def labelled(target_home: Path, world: World):
    """Labels for half the parcels (from the truth), so both windows hold seizures."""
    settings = get_settings()
    con = connect(settings.home, settings.warehouse_path)
    path = world.root / "truth" / "shipments.parquet"
    outcomes = con.sql(
        "SELECT a.hawb, a.expected_arrival + INTERVAL 1 HOUR AS inspected_at,"
        " t.is_counterfeit AS seized, t.msrp_value AS seized_value, 1.0::DOUBLE AS propensity,"
        " 'test' AS selection_reason"
        f" FROM aed_shipments a JOIN read_parquet('{path}') t USING (hawb)"
        " WHERE hash(a.hawb) % 2 = 0"
    ).to_arrow_table()
    set_labels(con, outcomes, warehouse_labels=False)
    table = labelled_features(con)
    reference = compute_features(con)
    con.close()
    return table, reference


def _shuffled(table: pa.Table, seed: int) -> pa.Table:
    labels = np.asarray(table.column("label").to_numpy())
    perm = np.random.default_rng(seed).permutation(len(labels))
    idx = table.schema.get_field_index("label")
    return table.set_column(idx, "label", pa.array(labels[perm]))


def test_a_worse_challenger_is_not_promoted_and_a_better_one_is(target_home: Path, labelled):
    table, reference = labelled
    # cut so that the later window holds about a third of the seizures
    labels = np.asarray(table.column("label").to_numpy())
    order = np.argsort(time_values(table, "inspected_at"), kind="stable")
    seized_at = [i for i, j in enumerate(order) if labels[j] == 1]
    cut = seized_at[len(seized_at) * 2 // 3]
    early = table.take(pa.array(order[:cut]))
    late = table.take(pa.array(order[cut:]))
    assert labels[order[cut:]].sum() >= 3 and labels[order[:cut]].sum() >= 3
    good = train(early, reference=reference, version="good")
    bad = train(_shuffled(early, 1), reference=reference, version="bad")

    promote(target_home, good)
    result = challenge(target_home, bad, late)
    assert not result.promoted
    assert champion_version(target_home) == "good"
    assert result.champion is not None
    assert (result.challenger["auc"] or 0) < (result.champion["auc"] or 0)

    promote(target_home, bad)
    result = challenge(target_home, good, late)
    assert result.promoted
    assert champion_version(target_home) == "good"
    assert isinstance(load_champion(target_home), TargetModel)


def test_retrain_cli_compares_on_later_window_and_drift_reports(trained_home: Path, world):
    champion = champion_version(trained_home)
    # the champion saw every label: nothing later to judge a challenger on
    refused = runner.invoke(app, ["target", "retrain"])
    assert refused.exit_code == 2 and "to compare on" in refused.output
    # it says what is needed and how to record it, not only what is missing
    said = " ".join(refused.output.split())
    assert "needs at least 10 newer outcomes" in said, said
    assert "redlane target outcomes import FILE" in said and "POST /v1/outcomes" in said
    assert "Traceback" not in refused.output
    assert champion_version(trained_home) == champion

    drift = runner.invoke(app, ["target", "drift", "--json"])
    assert drift.exit_code == 0, drift.output
    report = json.loads(drift.stdout)
    assert report["model_version"] == champion
    assert report["psi"] and all(r["psi"] >= 0 for r in report["psi"])
    assert sum(w["inspected"] for w in report["weekly"]) > 0


def test_record_outcome_api_call_is_idempotent_and_becomes_a_label(target_home: Path):
    from redlane.store.migrate import ensure_schema
    from redlane.targeting.outcomes import OutcomeError, outcome_labels, record_outcome

    ensure_schema()
    found = {
        "carrier": "EXPR",
        "hawb": "H-1",
        "port_code": "JFK",
        "outcome": "seized",
        "brand": "Auralis",
        "seized_quantity": 3,
        "seized_value": 450.0,
        "inspected_at": "2025-06-03T09:30:00Z",
    }
    with session_scope() as session:
        assert record_outcome(session, found, "officer:1") == "inserted"
    with session_scope() as session:
        assert record_outcome(session, found, "officer:1") == "unchanged"
        with pytest.raises(OutcomeError, match="outcome must be one of"):
            record_outcome(session, found | {"outcome": "lost"}, "officer:1")
    with session_scope(readonly=True) as session:
        labels = outcome_labels(session).to_pylist()
    assert len(labels) == 1
    assert labels[0]["seized"] is True and labels[0]["seized_value"] == 450.0
    assert labels[0]["propensity"] == 1.0  # not on any plan
