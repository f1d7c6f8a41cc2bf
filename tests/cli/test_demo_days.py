"""``redlane demo`` plays operating days: what a user then finds in the stores.

The contract (docs/guide/README.md, the README's demo section): after the history is ingested,
the world's last days are played as customs would live them, so the console has something true
on every page: outcomes recorded against plans, a retrained model, rules and lookouts that put
parcels in the red lane, a marketplace takedown, a rights holder's flag and authentication codes
scanned by an officer.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from redlane.cli import app
from redlane.config import get_settings
from redlane.lab.demo_days import split_world

runner = CliRunner()
# A world small enough for CI whose history holds seizures (the first model needs one).
DEMO = ["demo", "--no-serve", "--seed", "3", "--scale", "8000", "--days", "8"]


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("demo-days") / "home"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REDLANE_HOME", str(home))
        mp.delenv("REDLANE_DATABASE_URL", raising=False)
        mp.delenv("REDLANE_WAREHOUSE_DIR", raising=False)
        get_settings.cache_clear()
        result = runner.invoke(app, [*DEMO, "--operating-days", "3"])
        assert result.exit_code == 0, result.output[-4000:]
        (home / "demo-output.txt").write_text(result.output, encoding="utf-8")
        yield home
        get_settings.cache_clear()


def _rows(home: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(home / "redlane.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


@pytest.mark.slow
def test_operating_days_record_outcomes_against_plans(demo_home: Path) -> None:
    output = (demo_home / "demo-output.txt").read_text(encoding="utf-8")
    assert "Operating day 3 of 3" in output and "Where to look next" in output
    # ingesting the history twice adds nothing the second time
    assert "Re-ingesting the same files: 0 rows added" in output
    outcomes = _rows(
        demo_home,
        "SELECT o.outcome, o.plan_id, p.plan_date FROM outcomes o JOIN plans p ON p.id = o.plan_id",
    )
    everything = _rows(demo_home, "SELECT count(*) FROM outcomes")[0][0]
    assert outcomes and len(outcomes) == everything  # each finding belongs to the plan it came from
    assert len({str(day) for _, _, day in outcomes}) == 3
    assert {"cleared", "seized"} <= {o for o, _, _ in outcomes}
    # the holds lists officers work from are on disk, one per port and day
    assert len(list((demo_home / "plans").glob("*.csv"))) >= 3
    # the demo officer works a port that has plans (its console queue is not empty)
    ports = json.loads((demo_home / "user_ports.json").read_text(encoding="utf-8"))["officer"]
    planned = {str(p) for (p,) in _rows(demo_home, "SELECT DISTINCT port_code FROM plans")}
    assert ports and set(ports) <= planned


@pytest.mark.slow
def test_the_model_is_retrained_between_the_days(demo_home: Path) -> None:
    models = demo_home / "models" / "target"
    versions = [d.name for d in models.iterdir() if (d / "model.txt").exists()]
    assert len(versions) >= 2  # the history's champion and the challenger
    entries = _rows(demo_home, "SELECT details FROM audit_log WHERE action = 'target.retrain'")
    assert len(entries) == 1
    challenger = json.loads(str(entries[0][0]))["challenger_version"]
    assert challenger in versions
    plan_models = {str(v) for (v,) in _rows(demo_home, "SELECT DISTINCT model_version FROM plans")}
    champion = json.loads((models / "champion.json").read_text())["version"]
    assert champion in plan_models  # the last day was planned by the champion after the retrain


@pytest.mark.slow
def test_rules_and_lookouts_are_in_force_and_hit(demo_home: Path) -> None:
    rules = _rows(demo_home, "SELECT name, valid_from FROM rules WHERE active")
    assert len(rules) >= 2 and all(str(v).startswith("2025-06-01") for _, v in rules)
    lookouts = _rows(demo_home, "SELECT kind, valid_from FROM lookouts WHERE active")
    assert any(kind == "actor" and str(v).startswith("2025-06-01") for kind, v in lookouts)
    hits = {
        str(by): int(str(n))
        for by, n in _rows(
            demo_home,
            "SELECT selected_by, count(*) FROM plan_items WHERE lane = 'red' GROUP BY 1",
        )
    }
    assert hits.get("rule", 0) > 0
    assert hits.get("lookout", 0) > 0


@pytest.mark.slow
def test_partners_act_takedown_flag_and_code(demo_home: Path) -> None:
    taken_down = demo_home / "inbox"
    files = list(taken_down.glob("marketplace-takedowns-*.jsonl"))
    assert len(files) == 1
    record = json.loads(files[0].read_text(encoding="utf-8"))
    status = runner.invoke(app, ["status", "--json"])
    assert status.exit_code == 0 and json.loads(status.stdout)["tables"]["mp_takedowns"] > 0
    assert record["takedown_id"].startswith("T-DEMO-")
    flags = _rows(demo_home, "SELECT target_kind, review, lookout_id FROM brand_flags")
    assert flags and flags[0][1] == "accepted" and flags[0][2] is not None
    assert int(str(_rows(demo_home, "SELECT count(*) FROM brand_codes")[0][0])) > 0
    scans = [v for (v,) in _rows(demo_home, "SELECT verdict FROM brand_code_scans")]
    assert "cloned" in scans  # the second parcel carried a code already seen on the first


@pytest.mark.slow
def test_the_worker_pass_fills_the_partners_action_feeds(demo_home: Path) -> None:
    """The carrier's holds and the marketplace's notices pages have messages after the demo."""
    topics = {
        (str(partner), str(topic))
        for partner, topic in _rows(
            demo_home, "SELECT DISTINCT partner_id, topic FROM partner_messages"
        )
    }
    assert ("carrier", "hold") in topics
    assert ("marketplace", "seizure_notice") in topics
    pending = _rows(demo_home, "SELECT count(*) FROM outbox_events WHERE done_at IS NULL")
    assert pending == [(0,)]


def test_the_last_days_are_held_back_from_the_history(tmp_path: Path) -> None:
    world = tmp_path / "world"
    for name in (
        "carrier/aed_20250601.csv",
        "carrier/aed_20250602.csv",
        "customs/entries_20250602.csv",
        "customs/inspections_20250602.csv",
        "customs/ports.csv",
        "marketplace/marketplace.jsonl",
        "truth/shipments.parquet",
    ):
        (world / name).parent.mkdir(parents=True, exist_ok=True)
        (world / name).write_text("x", encoding="utf-8")
    split = split_world(world, 1)
    names = sorted(p.name for p in split.history)
    assert names == ["aed_20250601.csv", "marketplace.jsonl", "ports.csv"]
    assert [p.name for files in split.days.values() for p in files] == [
        "aed_20250602.csv",
        "entries_20250602.csv",
    ]
    assert [p.name for p in split.held_out] == ["inspections_20250602.csv"]
