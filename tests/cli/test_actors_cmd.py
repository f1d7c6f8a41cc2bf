"""``redlane actors list`` and ``redlane actors show`` on a small resolved world, as a user runs
them: JSON keys, filters, the evidence behind an actor, audited reads and clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from redlane.cli import app
from redlane.cli.common import console
from redlane.config import get_settings
from redlane.resolve.outputs import register_resolution_views
from redlane.store.db import session_scope
from redlane.store.models import AuditEntry

# The small resolved world of the resolution tests (a module-scoped instance of its own here).
from tests.resolve.test_resolve_cli import resolved_home, use_home, world  # noqa: F401

runner = CliRunner()
ACTOR_KEYS = {
    "actor_id",
    "display_name",
    "n_parties",
    "n_sources",
    "first_seen",
    "last_seen",
    "ring_id",
    "risk",
    "risk_reasons",
    "seizures",
    "takedowns",
    "infrastructure",
}
PARTY_KEYS = {
    "party_id",
    "source_table",
    "record_key",
    "role",
    "name",
    "country",
    "first_seen",
    "name_norm",
    "address",
    "address_core",
    "phone",
    "email",
    "bank_account",
    "device_id",
    "ip_address",
    "handle",
    "registry_id",
    "hawb_link",
    "seller_link",
    "sig_id",
}


def _json(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _views(home: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    register_resolution_views(con, home)
    return con


def _audited(action: str) -> list[AuditEntry]:
    with session_scope(get_settings().database) as session:
        found = session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all()
        session.expunge_all()
        return list(found)


def test_actors_list_json_is_riskiest_first_and_filters(use_home: Path):  # noqa: F811
    con = _views(use_home)
    n_actors = con.execute("SELECT count(*) FROM actors").fetchall()[0][0]
    out = _json("actors", "list", "--limit", "5", "--json")
    assert out["total"] == n_actors and out["shown"] == 5 and len(out["actors"]) == 5
    assert out["run_id"]
    assert all(set(a) == ACTOR_KEYS for a in out["actors"])
    risks = [a["risk"] for a in out["actors"]]
    assert risks == sorted(risks, reverse=True)
    assert [e.object_ids for e in _audited("list_actors")][-1] == [
        a["actor_id"] for a in out["actors"]
    ]

    big = _json("actors", "list", "--min-parties", "5", "--limit", "1000", "--json")
    expected = con.execute("SELECT count(*) FROM actors WHERE n_parties >= 5").fetchall()[0][0]
    assert big["total"] == expected == len(big["actors"]) > 0
    assert min(a["n_parties"] for a in big["actors"]) >= 5

    ring, size = con.execute(
        "SELECT ring_id, count(*) FROM actors WHERE ring_id IS NOT NULL "
        "GROUP BY ring_id ORDER BY count(*) DESC, ring_id LIMIT 1"
    ).fetchall()[0]
    in_ring = _json("actors", "list", "--ring", ring, "--json")
    assert in_ring["total"] == size and {a["ring_id"] for a in in_ring["actors"]} == {ring}

    result = runner.invoke(app, ["actors", "list", "--ring", "RG-nope"])
    assert result.exit_code == 1 and "no ring 'RG-nope'" in result.output


def test_actors_list_infrastructure_only(use_home: Path):  # noqa: F811
    """Works on runs that mark infrastructure actors and on runs that do not."""
    marks = "infrastructure" in {
        r[0] for r in _views(use_home).execute("DESCRIBE actors").fetchall()
    }
    result = runner.invoke(app, ["actors", "list", "--infrastructure", "--json"])
    if marks:
        assert result.exit_code == 0, result.output
        assert all(a["infrastructure"] is True for a in json.loads(result.stdout)["actors"])
    else:
        assert result.exit_code == 1
        assert "does not mark infrastructure actors" in result.output


def test_actors_show_json_gives_parties_and_the_evidence_of_each_link(use_home: Path):  # noqa: F811
    con = _views(use_home)
    # an actor whose parties are linked both by Splink and by a waybill (importer-consignee)
    actor_id, n_parties = con.execute(
        "SELECT a.actor_id, a.n_parties FROM actors a JOIN party_actors pa USING (actor_id) "
        "GROUP BY ALL HAVING count(DISTINCT pa.role) FILTER (WHERE pa.role IN "
        "('importer', 'consignee')) = 2 AND count(*) >= 3 ORDER BY a.n_parties, a.actor_id "
        "LIMIT 1"
    ).fetchall()[0]
    out = _json("actors", "show", actor_id, "--max-links", "0", "--json")
    assert set(out) == {"run_id", "actor", "parties", "evidence"}
    assert out["actor"]["actor_id"] == actor_id and set(out["actor"]) == ACTOR_KEYS
    parties = {p["party_id"]: p for p in out["parties"]}
    assert len(parties) == n_parties and all(set(p) == PARTY_KEYS for p in parties.values())
    expected = {
        r[0]
        for r in con.execute(
            "SELECT party_id FROM party_actors WHERE actor_id = ?", [actor_id]
        ).fetchall()
    }
    assert set(parties) == expected

    evidence = out["evidence"]
    assert evidence["threshold"] == 0.9
    assert evidence["signature_pairs_total"] == len(evidence["signature_pairs"])
    for pair in evidence["signature_pairs"]:
        assert 0.0 <= pair["match_probability"] <= 1.0
        assert pair["linked"] == (pair["match_probability"] >= 0.9)
        for side in ("l", "r"):
            members = pair[f"party_ids_{side}"]
            assert members and set(members) <= set(parties)
            assert {parties[m]["sig_id"] for m in members} == {pair[f"sig_id_{side}"]}
    flows = evidence["flow_links"]
    assert flows and evidence["flow_links_total"] == len(flows)
    for link in flows:
        left, right = parties[link["party_id_l"]], parties[link["party_id_r"]]
        assert link["link"] in ("hawb_link", "seller_link")
        assert left[link["link"]] == right[link["link"]] == link["value"]
        if link["link"] == "hawb_link":
            assert (left["role"], right["role"]) == ("importer", "consignee")

    entry = _audited("view_actor")[-1]
    assert entry.object_ids == [actor_id] and entry.object_type == "actor"

    capped = _json("actors", "show", actor_id, "--max-links", "1", "--json")["evidence"]
    assert len(capped["flow_links"]) == 1 and capped["flow_links_total"] == len(flows)


def test_actors_fit_a_narrow_terminal(use_home: Path, monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    monkeypatch.setattr(console, "_width", 60)  # as if COLUMNS=60
    actor_id = _json("actors", "list", "--limit", "1", "--min-parties", "3", "--json")["actors"][0][
        "actor_id"
    ]
    for args in (["actors", "list", "--limit", "8"], ["actors", "show", actor_id]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert max(len(line) for line in result.stdout.splitlines()) <= 60
        assert actor_id in result.stdout


def test_unknown_actor_and_missing_run_are_clear_errors(
    use_home: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
):
    result = runner.invoke(app, ["actors", "show", "AC-9999999", "--json"])
    assert result.exit_code == 1 and "no actor 'AC-9999999'" in result.output
    monkeypatch.setenv("REDLANE_HOME", str(tmp_path / "empty"))
    get_settings.cache_clear()
    for args in (["actors", "list"], ["actors", "show", "AC-0000001"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1 and "no resolution run yet" in result.output
