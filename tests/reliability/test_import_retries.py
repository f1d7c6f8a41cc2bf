"""Every file import is safe to retry: feeds (even two retries at once), officers' outcome files,
and evidence added to a case. A retry changes nothing, and a file that cannot be read leaves
nothing of itself behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from redlane.cases import service
from redlane.cases.evidence import add_evidence_file
from redlane.cli import app
from redlane.config import Settings, get_settings
from redlane.engine.warehouse import Warehouse
from redlane.model.spec import FEEDS
from redlane.store.case_models import CustodyEvent, EvidenceItem
from redlane.store.db import dispose_engine, session_scope
from redlane.store.migrate import ensure_schema
from redlane.store.models import AuditEntry, Outcome
from tests.cases import world
from tests.utils.feed_files import write_valid_feed

runner = CliRunner()
OUTCOMES_HEADER = "carrier,hawb,port_code,outcome,seized_quantity,seized_value,plan_id\n"


@pytest.fixture
def settings(home: Path) -> Iterator[Settings]:
    current = get_settings()
    home.mkdir(parents=True, exist_ok=True)
    ensure_schema(current.database)
    yield current
    dispose_engine(current.database)


def count(settings: Settings, model: type[object]) -> int:
    with session_scope(settings.database, readonly=True) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_two_retries_of_the_same_ingest_at_once_load_each_file_once(home: Path, tmp_path: Path):
    folder = tmp_path / "drop"
    for feed in FEEDS:
        write_valid_feed(folder / feed.kind, feed, rows=20)
    env = {**os.environ, "REDLANE_HOME": str(home)}
    cmd = [sys.executable, "-m", "redlane.cli", "ingest", str(folder), "--json"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE) for _ in range(2)]
    outputs = [json.loads(p.communicate(timeout=300)[0]) for p in procs]

    assert [p.returncode for p in procs] == [0, 0]
    statuses = sorted(r["status"] for out in outputs for r in out)
    assert statuses == ["already_ingested"] * len(FEEDS) + ["loaded"] * len(FEEDS)
    store = Warehouse(home / "warehouse")
    assert len(store.manifests()) == len(FEEDS)
    assert store.table_rows()["aed_shipments"] == 20 and store.table_rows()["brands"] == 20


def import_outcomes(path: Path) -> tuple[int, str]:
    result = runner.invoke(app, ["target", "outcomes", "import", str(path), "--json"])
    return result.exit_code, result.output


def test_reimporting_an_outcome_file_changes_nothing(settings: Settings, tmp_path: Path):
    path = tmp_path / "outcomes.csv"
    path.write_text(OUTCOMES_HEADER + "EXPR,H1,JFK,seized,2,10,\nEXPR,H2,JFK,cleared,,,\n")

    first = json.loads(import_outcomes(path)[1])
    again = json.loads(import_outcomes(path)[1])

    assert (first["inserted"], again["inserted"], again["updated"], again["unchanged"]) == (
        2,
        0,
        0,
        2,
    )
    assert count(settings, Outcome) == 2
    with session_scope(settings.database, readonly=True) as session:
        imports = session.scalars(
            select(AuditEntry.details).where(AuditEntry.action == "target.outcomes.import")
        ).all()
    assert [d["inserted"] for d in imports] == [2, 0]  # each attempt is audited


@pytest.mark.parametrize(
    "row, error",
    [
        ("EXPR,H3,JFK,seized,1e400,10,", "seized_quantity must be a finite number"),
        ("EXPR,H3,JFK,seized,1,nan,", "seized_value must be a finite number"),
        ("EXPR,H3,JFK,seized,1,inf,", "seized_value must be a finite number"),
        ("EXPR,H3,JFK,seized,1,1,999", "plan_id 999 is not a stored plan"),
        ("EXPR,H3,JFK,found_gold,,,", "outcome must be one of"),
    ],
)
def test_a_bad_outcome_row_is_refused_by_line_and_the_rest_is_kept(
    settings: Settings, tmp_path: Path, row: str, error: str
):
    path = tmp_path / "outcomes.csv"
    path.write_text(OUTCOMES_HEADER + "EXPR,H1,JFK,seized,2,10,\n" + row + "\n")

    code, output = import_outcomes(path)

    report = json.loads(output)
    assert code == 1 and report["inserted"] == 1
    assert len(report["errors"]) == 1 and report["errors"][0].startswith("line 3: " + error)
    assert count(settings, Outcome) == 1


def test_an_outcome_file_that_cannot_be_read_keeps_nothing(settings: Settings, tmp_path: Path):
    path = tmp_path / "outcomes.csv"
    path.write_bytes(
        (OUTCOMES_HEADER + "EXPR,H1,JFK,seized,2,10,\nEXPR,H\xe9,JFK,seized,,,\n").encode("latin-1")
    )

    code, output = import_outcomes(path)

    assert code != 0 and "not UTF-8 text" in output and "outcomes.csv" in output
    assert count(settings, Outcome) == 0


def test_adding_the_same_evidence_again_is_a_no_op(home: Path, tmp_path: Path):
    world.build(home)
    current = get_settings()
    ensure_schema(current.database)
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 a seized sneaker")
    try:
        with session_scope(current.database) as session:
            case = service.open_case(
                session, current, kind="seizure", ref="I1", title="retry", actor="cli:ann"
            )
            case_id = case.id

        def add(kind: str) -> int:
            with session_scope(current.database) as session:
                return add_evidence_file(
                    session,
                    current,
                    case_id,
                    photo,
                    kind=kind,
                    source_partner="customs",
                    actor="cli:ann",
                ).id

        first, retried, other_kind = add("photo"), add("photo"), add("seizure_record")

        assert retried == first and other_kind != first
        assert count(current, EvidenceItem) == 2
        with session_scope(current.database, readonly=True) as session:
            added = session.scalar(
                select(func.count())
                .select_from(CustodyEvent)
                .where(CustodyEvent.evidence_id == first, CustodyEvent.action == "added")
            )
        assert added == 1
    finally:
        dispose_engine(current.database)
