"""`redlane agreements list|add|expire|seed` and `redlane audit list`: what an administrator
types, what the policy then discloses, and what the audit log keeps (its reading included)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from redlane.cli import app
from redlane.config import get_settings
from redlane.policy import Policy
from redlane.store.db import dispose_engine, session_scope

runner = CliRunner()

SHIPMENT = {"hawb": "H-1", "description": "sneakers", "shipper_name": "Meiya Trading"}


@pytest.fixture
def store(home: Path) -> Iterator[str]:
    url = get_settings().database
    yield url
    dispose_engine(url)


def run(*args: str) -> Any:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout) if "--json" in args else result.stdout


def refused(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    return " ".join(result.output.split())


def marketplace_sees(url: str) -> dict[str, Any]:
    with session_scope(url, readonly=True) as session:
        policy = Policy.load(session)
    return policy.disclose("marketplace", "marketplace_analyst", "aed_shipments", SHIPMENT, "any")


def test_add_list_expire_drive_what_a_partner_sees(store: str) -> None:
    assert run("agreements", "list", "--json") == []
    added = run(
        "agreements", "add", "--from", "carrier", "--to", "marketplace",
        "--allow", "aed_shipments=hawb,description", "--reason", "pilot", "--json",
    )  # fmt: skip
    assert added["status"] == "in_force" and added["stage"] == "any"
    assert added["allowed"] == {"aed_shipments": ["description", "hawb"]}
    assert marketplace_sees(store) == {"hawb": "H-1", "description": "sneakers"}

    listed = run("agreements", "list", "--partner", "marketplace", "--json")
    assert [a["id"] for a in listed] == [added["id"]]
    assert "carrier" in run("agreements", "list")

    ended = run("agreements", "expire", str(added["id"]), "--reason", "pilot over", "--json")
    assert ended["status"] == "expired" and ended["valid_to"]
    assert marketplace_sees(store) == {}
    assert run("agreements", "list", "--status", "in_force", "--json") == []
    assert [a["id"] for a in run("agreements", "list", "--status", "expired", "--json")] == [
        added["id"]
    ]

    assert "already ended" in refused("agreements", "expire", str(added["id"]))
    assert "no agreement 999" in refused("agreements", "expire", "999")

    changes = run("audit", "list", "--object-type", "agreement", "--json")["entries"]
    assert [(e["action"], e["reason"]) for e in changes] == [
        ("agreement.expire", "pilot over"),
        ("agreement.create", "pilot"),
    ]
    assert all(e["actor"].startswith("cli:") for e in changes)


@pytest.mark.usefixtures("store")
@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "nobody", "--to", "customs", "--allow", "holds=*"], "'nobody' does not exist"),
        (["--from", "carrier", "--to", "customs", "--allow", "holds"], "KIND=FIELD"),
        (["--from", "carrier", "--to", "customs", "--allow", "x=*"], "unknown record kind 'x'"),
        (
            ["--from", "carrier", "--to", "customs", "--allow", "aed_shipments=secret"],
            "has no field 'secret'",
        ),
        (
            ["--from", "carrier", "--to", "customs", "--allow", "holds=*", "--stage", "later"],
            "unknown stage 'later'",
        ),
        (
            ["--from", "carrier", "--to", "customs", "--allow", "holds=*", "--until", "soon"],
            "not ISO 8601",
        ),
        (
            [
                "--from", "carrier", "--to", "customs", "--allow", "holds=*",
                "--from-time", "2026-02-01", "--until", "2026-01-01",
            ],
            "must be after valid_from",
        ),
    ],
)  # fmt: skip
def test_a_bad_agreement_is_refused_with_the_reason(args: list[str], message: str) -> None:
    assert message in refused("agreements", "add", *args)


def test_seed_adds_the_rules_files_agreements_once(store: str) -> None:
    assert "12 default agreements added" in run("agreements", "seed")
    assert "0 default agreements added" in run("agreements", "seed")
    assert len(run("agreements", "list", "--json")) == 12


def test_audit_list_filters_pages_and_is_itself_audited(store: str) -> None:
    run("agreements", "seed")
    for partner in ("customs", "rights_holders"):
        run(
            "agreements", "add", "--from", "marketplace", "--to", partner, "--allow", "mp_sellers=*"
        )
    page = run("audit", "list", "--limit", "2", "--json")
    assert len(page["entries"]) == 2 and page["next_before"] == page["entries"][1]["seq"]
    rest = run("audit", "list", "--before", str(page["next_before"]), "--json")["entries"]
    seqs = [e["seq"] for e in rest]
    assert seqs and seqs == sorted(seqs, reverse=True) and seqs[0] < page["next_before"]

    created = run("audit", "list", "--action", "agreement.create", "--json")["entries"]
    assert len(created) == 3  # the seeding, then one per added agreement
    newest = created[0]
    by_id = run("audit", "list", "--object-id", newest["object_ids"][0], "--json")["entries"]
    assert newest["seq"] in [e["seq"] for e in by_id]
    assert all(newest["object_ids"][0] in e["object_ids"] for e in by_id)
    actor = newest["actor"]
    assert {e["actor"] for e in run("audit", "list", "--actor", actor, "--json")["entries"]} == {
        actor
    }
    since = run("audit", "list", "--since", newest["at"], "--json")["entries"]
    assert newest["seq"] in [e["seq"] for e in since]
    until = run("audit", "list", "--until", newest["at"], "--limit", "1000", "--json")["entries"]
    assert newest["seq"] not in [e["seq"] for e in until]

    reads = run("audit", "list", "--action", "audit.read", "--limit", "1", "--json")["entries"]
    assert reads[0]["details"]["filters"] == {"until": newest["at"]}
    assert "more: add --before" in run("audit", "list", "--limit", "1")
    assert "not ISO 8601" in refused("audit", "list", "--since", "yesterday")


@pytest.mark.usefixtures("store")
def test_a_pending_agreement_is_pending_until_it_starts_and_can_be_called_off() -> None:
    pending = run(
        "agreements", "add", "--from", "carrier", "--to", "ipcc", "--allow", "aed_shipments=*",
        "--from-time", "2999-01-01", "--json",
    )  # fmt: skip
    assert pending["status"] == "pending"
    assert run("agreements", "expire", str(pending["id"]), "--json")["status"] == "expired"
