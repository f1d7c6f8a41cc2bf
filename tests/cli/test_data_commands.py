"""The CLI as a user runs it: ingest, status, quarantine, batches."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from redlane.cli import app
from redlane.model.spec import CARRIER, FEEDS
from tests.utils.feed_files import valid_record, write_csv, write_valid_feed

runner = CliRunner()
AED = CARRIER.tables[0]


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_ingest_then_status_json_reports_tables_quarantine_and_batches(home, tmp_path):
    folder = tmp_path / "drop"
    for feed in FEEDS:
        write_valid_feed(folder, feed, rows=3)
    records = [valid_record(AED, i) for i in range(10, 14)]
    records[2]["pieces"] = "many"
    write_csv(folder / "carrier2.csv", AED, records)
    code, out = run("ingest", str(folder))
    assert code == 0, out
    assert "quarantine" in out.lower()
    code, out = run("status", "--json")
    status = json.loads(out)
    assert status["tables"]["aed_shipments"] == 6
    assert status["quarantined"] == 1
    assert status["batches"] == len(FEEDS) + 1


def test_ingest_json_output_and_nonzero_exit_on_unreadable_file(home, tmp_path):
    good = write_valid_feed(tmp_path, CARRIER, rows=2)
    bad = tmp_path / "bad.csv"
    bad.write_text("nonsense,columns\n1,2\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(good), str(bad), "--json"])
    assert result.exit_code == 1
    results = json.loads(result.stdout)
    assert [r["status"] for r in results] == ["loaded", "failed"]
    assert "bad.csv" in result.stderr and "cannot tell which feed" in result.stderr


def test_quarantine_list_and_show(home, tmp_path):
    records = [valid_record(AED, i) for i in range(3)]
    records[1]["hs6"] = "12AB"
    run("ingest", str(write_csv(tmp_path / "aed.csv", AED, records)))
    code, out = run("quarantine", "list", "--json")
    listing = json.loads(out)
    assert code == 0 and listing["total"] == 1
    [row] = listing["rows"]
    assert (row["line"], row["field"], row["value"]) == (3, "hs6", "12AB")
    assert row["reason"] == "HS code must be 6 digits"
    code, out = run("quarantine", "show", row["quarantine_id"][:10], "--json")
    shown = json.loads(out)
    assert code == 0 and shown["record"]["hs6"] == "12AB"
    assert shown["errors"] == [{"field": "hs6", "reason": "HS code must be 6 digits"}]
    code, _ = run("quarantine", "show", "ffffffffffff")
    assert code == 1


def test_batches_lists_history(home, tmp_path):
    run("ingest", str(write_valid_feed(tmp_path, CARRIER, rows=2)))
    code, out = run("batches", "--json")
    [batch] = json.loads(out)
    assert code == 0 and batch["feed"] == "carrier" and batch["rows_loaded"] == 2
    assert Path(batch["source_file"]).name == "carrier.csv"


def test_unknown_feed_option_is_a_usage_error(home, tmp_path):
    result = runner.invoke(app, ["ingest", str(tmp_path), "--feed", "nope"])
    assert result.exit_code == 2 and "unknown feed" in result.output


def test_feeds_docs_prints_markdown(home):
    code, out = run("feeds", "docs")
    assert code == 0 and out.startswith("# Feed formats")


def test_ingest_and_reading_a_quarantined_record_are_audited(home, tmp_path):
    records = [valid_record(AED, i) for i in range(2)]
    records[0]["consignee_country"] = "Narnia"
    run("ingest", str(write_csv(tmp_path / "aed.csv", AED, records)))
    _, out = run("quarantine", "list", "--json")
    qid = json.loads(out)["rows"][0]["quarantine_id"]
    run("quarantine", "show", qid, "--reason", "checking a carrier complaint")
    code, out = run("audit", "verify", "--json")
    assert code == 0 and json.loads(out) == {
        "ok": True,
        "entries": 2,
        "first_bad_seq": None,
        "problem": "",
    }
    from redlane.config import get_settings
    from redlane.store.db import session_scope
    from redlane.store.models import AuditEntry

    with session_scope(get_settings().database) as session:
        entries = session.query(AuditEntry).order_by(AuditEntry.seq).all()
        assert [(e.action, e.object_type) for e in entries] == [
            ("ingest", "batch"),
            ("read", "quarantine_row"),
        ]
        assert entries[1].object_ids == [qid] and entries[1].reason.startswith("checking")
