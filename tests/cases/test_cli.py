"""`redlane case ...` end to end on the tiny world."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from redlane.cli import app

runner = CliRunner()


def run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, ["case", *args])
    assert result.exit_code == code, result.output
    return result.output


def test_case_commands(any_settings, tmp_path: Path) -> None:
    run("open", "--ring", "R1", "--title", "Ring R1 investigation")
    run("open", "--hawb", "H3", "--title", "Odd parcel")
    run("open", "--seizure", "I2", "--title", "not a seizure", code=1)
    run("open", "--actor", "A1", "--ring", "R1", "--title", "two targets", code=2)

    cases = json.loads(run("list", "--json"))
    assert [(c["id"], c["title"], c["status"]) for c in cases] == [
        (2, "Odd parcel", "lead"),
        (1, "Ring R1 investigation", "lead"),
    ]

    out = run("status", "1", "closed", code=0)
    assert "closed" in out
    err = runner.invoke(app, ["case", "status", "1", "investigation"])
    assert err.exit_code == 1 and "closed" in err.output
    run("status", "2", "civil_action", code=1)
    run("status", "2", "investigation")
    run("note", "2", "shipper unknown to the marketplace")
    run("assign", "2", "alice")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"jpeg")
    assert "sha256" in run(
        "evidence", "add", "2", str(photo), "--kind", "photo", "--source-partner", "customs"
    )
    run("evidence", "add", "2", str(photo), "--kind", "gossip", "--source-partner", "x", code=1)
    run("evidence", "view", "1", "--out", str(tmp_path / "copy.jpg"))
    assert (tmp_path / "copy.jpg").read_bytes() == b"jpeg"
    run("label", "2", "p6", "p1", "--non-match")
    run("label", "2", "p6", "p1", code=2)

    shown = json.loads(run("show", "2", "--json"))
    assert shown["status"] == "investigation" and shown["assignees"] == ["alice"]
    assert shown["notes"][0]["text"] == "shipper unknown to the marketplace"
    assert [c["action"] for c in shown["evidence"][0]["custody"]] == ["added", "viewed"]
    assert shown["labels"][0]["label"] == "non_match"
    assert shown["linked"]["actors"] == ["A3"]

    out_dir = tmp_path / "pkg"
    run("export", "2", "--out", str(out_dir))
    assert list(out_dir.glob("*.pdf"))
    verified = json.loads(run("verify", str(out_dir), "--json"))
    assert verified["ok"] and verified["case_id"] == 2

    (out_dir / "evidence" / "0001-photo.jpg").write_bytes(b"jpeg!")
    result = runner.invoke(app, ["case", "verify", str(out_dir)])
    assert result.exit_code == 1
    assert "evidence/0001-photo.jpg" in result.output and "changed" in result.output

    audit = runner.invoke(app, ["audit", "verify", "--json"])
    assert audit.exit_code == 0 and json.loads(audit.stdout)["ok"]


def test_ftm_import_command(settings, tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text(
        json.dumps({"id": "x1", "schema": "Company", "properties": {"name": ["Bad Co"]}}) + "\n"
    )
    out = run("ftm-import", str(path), "--lane", "red")
    assert "1 lookouts created" in out


def test_actions_command(settings, tmp_path: Path) -> None:
    out = run("actions", "marketplace", "--out", str(tmp_path / "feeds"))
    assert "marketplace-sideline_list.jsonl: 1 items" in out.replace("\n", "")
    run("actions", "nobody", "--out", str(tmp_path / "x"), code=2)


def test_pprl_eval_command(settings) -> None:
    result = json.loads(run("pprl-eval", "--reference", "1", "--strangers", "1", "--json"))
    assert result["true_links"] == 1 and result["clk"]["f1"] == 1.0
    run("pprl-eval", "--reference", "5", "--strangers", "5", code=2)
