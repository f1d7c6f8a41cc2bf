"""``redlane target score``: a day's scores from the champion, to Parquet or CSV (DuckDB)."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from redlane.cli import app

runner = CliRunner()


def _busiest(warehouse: Path) -> tuple[str, str]:
    from redlane.engine.warehouse import Warehouse

    con = Warehouse(warehouse).connect(tables=["aed_shipments"])
    try:
        day, port = con.sql(
            "SELECT expected_arrival::DATE, port_of_entry FROM aed_shipments"
            " GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
        ).fetchall()[0]
    finally:
        con.close()
    return str(day), str(port)


def _expected(home: Path, day: str, port: str | None = None) -> dict[str, tuple[float, float]]:
    """hawb -> (score, expected value) as the planning code computes them for the day."""
    from redlane.config import get_settings
    from redlane.targeting.features import compute_features, day_where
    from redlane.targeting.model import load_champion
    from redlane.targeting.plan import score
    from redlane.targeting.training import connect

    con = connect(home, get_settings().warehouse_path)
    feats = compute_features(con, day_where(day, port))
    con.close()
    p, ev = score(load_champion(home), feats)
    hawbs = feats.column("hawb").to_pylist()
    return dict(zip(hawbs, zip(p.tolist(), ev.tolist(), strict=True), strict=True))


def test_score_writes_every_shipment_of_the_day_with_the_models_score(
    trained_home: Path, world, tmp_path: Path
):
    day, _ = _busiest(world.warehouse)
    out = tmp_path / "scores.parquet"
    result = runner.invoke(app, ["target", "score", "--date", day, "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    table = pq.read_table(out)
    assert table.column_names == [
        "carrier",
        "hawb",
        "sid",
        "port",
        "arrival_date",
        "submitted_at",
        "score",
        "expected_value",
    ]
    expected = _expected(trained_home, day)
    assert len(expected) > 50
    written = {row["hawb"]: (row["score"], row["expected_value"]) for row in table.to_pylist()}
    assert written == expected
    assert {str(d) for d in table.column("arrival_date").to_pylist()} == {day}
    # Ports by code, each port's rows together.
    ports = [p for p in table.column("port").to_pylist() if p is not None]
    assert ports == sorted(ports)
    assert summary["engine"] == "duckdb" and summary["day"] == day
    assert summary["shipments"] == table.num_rows
    per_port = Counter(p or "" for p in table.column("port").to_pylist())
    assert {p: s["shipments"] for p, s in summary["ports"].items()} == per_port
    assert summary["mean_score"] == pytest.approx(  # rounded to 6 places
        sum(s for s, _ in expected.values()) / len(expected), abs=1e-6
    )


def test_score_to_csv_for_one_port_reads_back_the_same_numbers(
    trained_home: Path, world, tmp_path: Path
):
    day, port = _busiest(world.warehouse)
    out = tmp_path / "scores.csv"
    args = ["target", "score", "--date", day, "--port", port, "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert f"scores for {day}" in result.output and port in result.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["port"] for r in rows} == {port}
    found = {r["hawb"]: (float(r["score"]), float(r["expected_value"])) for r in rows}
    assert found == _expected(trained_home, day, port)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--out", "scores.json"], ".parquet or .csv"),
        (["--engine", "oracle"], "duckdb, spark"),
        (["--date", "03/06/2025"], "YYYY-MM-DD"),
    ],
)
def test_score_refuses_a_bad_option_before_scoring(
    target_home: Path, tmp_path: Path, extra: list[str], message: str
):
    args = ["target", "score", "--date", "2025-06-03", *extra]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in " ".join(result.output.split())


def test_score_without_a_model_says_so(target_home: Path):
    result = runner.invoke(app, ["target", "score", "--date", "2025-06-03"])
    assert result.exit_code == 2
    assert "model" in result.output.lower()
