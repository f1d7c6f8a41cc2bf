"""Rules and lookouts are decided in one place: the command line and the service write, check
and audit them alike (``redlane.targeting.decisions``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from redlane.cli import app
from redlane.config import get_settings
from redlane.engine.warehouse import Warehouse
from redlane.errors import NotFound
from redlane.store.db import session_scope
from redlane.store.migrate import ensure_schema
from redlane.store.models import AuditEntry, Rule
from redlane.targeting import decisions
from redlane.targeting.rules import CriteriaError
from tests.targeting.conftest import World

runner = CliRunner()
RULE = ["target", "rules", "add", "--name", "cheap shoes", "--reason", "Q3 pattern"]
SHOES = '{"field": "hs6", "op": "startswith", "value": "6404"}'


def _actions(object_type: str) -> list[str]:
    with session_scope(get_settings().database, readonly=True) as session:
        query = select(AuditEntry.action).where(AuditEntry.object_type == object_type)
        return list(session.scalars(query.order_by(AuditEntry.seq)))


@pytest.fixture
def session(home: Path) -> Iterator[Session]:
    home.mkdir(parents=True, exist_ok=True)
    ensure_schema(get_settings().database)
    with session_scope(get_settings().database) as s:
        yield s


def _where() -> decisions.Where:
    return get_settings().home, get_settings().warehouse_path


def test_the_command_line_audits_under_the_service_names(home: Path) -> None:
    added = runner.invoke(app, [*RULE, "--criteria", SHOES])
    assert added.exit_code == 0, added.output
    pack = runner.invoke(app, ["target", "rules", "add-pack", "counterfeit"])
    assert pack.exit_code == 0, pack.output
    look = runner.invoke(
        app,
        [
            "target",
            "lookouts",
            "add",
            "--kind",
            "actor",
            "--criteria",
            '{"actor_id": "A-1"}',
            "--reason",
            "ring R-1",
        ],
    )
    assert look.exit_code == 0, look.output
    assert _actions("rule") == ["rule.create"] * 3  # one entry per rule, packs included
    assert _actions("lookout") == ["lookout.create"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--criteria", '{"field": "colour", "op": "eq", "value": 1}'], "unknown field"),
        (["--criteria", "{}"], "non-empty"),
        (["--criteria", '{"all": 5}'], "error"),
        (["--criteria", SHOES, "--lane", "purple"], "lane must be one of"),
        (
            ["--criteria", SHOES, "--valid-from", "2027-01-02", "--valid-to", "2027-01-01"],
            "valid_to must be after valid_from",
        ),
    ],
)
def test_the_command_line_refuses_what_the_service_refuses(
    home: Path, extra: list[str], message: str
) -> None:
    result = runner.invoke(app, [*RULE, *extra])
    assert result.exit_code == 2 and message in result.output, result.output
    short = runner.invoke(app, [*RULE[:-1], "ok", "--criteria", SHOES])
    assert short.exit_code == 2 and "reason must be 3 to 2000" in short.output
    pattern = runner.invoke(
        app,
        [
            "target",
            "lookouts",
            "add",
            "--kind",
            "pattern",
            "--criteria",
            '{"field": "colour", "op": "eq", "value": 1}',
            "--reason",
            "a pattern",
        ],
    )
    assert pattern.exit_code == 2 and "unknown field" in pattern.output
    assert _actions("rule") == [] and _actions("lookout") == []


def test_changes_are_checked_and_audited_like_creations(session: Session) -> None:
    owner = decisions.person(session, "cli:alice", "customs")
    other = decisions.Person("bob", user_id=owner.user_id + 1, partner_id="customs")
    rule = decisions.create_rule(
        session,
        owner,
        {
            "name": "cheap shoes",
            "criteria": {"field": "hs6", "op": "eq", "value": "640411"},
            "lane": "yellow",
            "reason": "Q3 pattern",
            "valid_from": datetime.now(UTC),
        },
        _where(),
    )
    with pytest.raises(decisions.NotAllowed):
        decisions.update_rule(session, other, rule.id, {"active": False})
    with pytest.raises(CriteriaError, match="unknown field"):
        decisions.update_rule(
            session, owner, rule.id, {"criteria": {"field": "x", "op": "eq"}}, _where()
        )
    past = datetime.now(UTC) - timedelta(days=1)
    with pytest.raises(decisions.DecisionError, match="valid_to must be after"):
        decisions.update_rule(session, owner, rule.id, {"valid_to": past})
    with pytest.raises(NotFound):
        decisions.update_rule(session, owner, 999_999, {"active": False})
    decisions.update_rule(
        session, decisions.Person("admin", is_admin=True), rule.id, {"active": False}
    )
    assert session.get(Rule, rule.id).active is False  # type: ignore[union-attr]
    key = decisions.Person("apikey:1:feed", partner_id="customs")
    with pytest.raises(decisions.NotAllowed, match="owned by people"):
        decisions.create_lookout(
            session,
            key,
            {"kind": "actor", "criteria": {"actor_id": "A-1"}, "lane": "red", "reason": "ring"},
            _where(),
        )
    query = select(AuditEntry.action).where(AuditEntry.object_type.in_(["rule", "lookout"]))
    assert session.scalars(query.order_by(AuditEntry.seq)).all() == ["rule.create", "rule.update"]


# --- past data, hit counts, retiring from the command line ------------------------------------
def _json(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _busiest_port_day(world: World) -> tuple[str, str, str]:
    """The busiest port and day of the (past-dated) world, and a shipper phone seen there."""
    con = Warehouse(world.warehouse).connect(tables=["aed_shipments"])
    try:
        day, port = con.sql(
            "SELECT expected_arrival::DATE, port_of_entry FROM aed_shipments"
            " GROUP BY ALL ORDER BY count(*) DESC, 1, 2 LIMIT 1"
        ).fetchall()[0]
        (phone,) = con.execute(
            "SELECT min(shipper_phone) FROM aed_shipments WHERE port_of_entry = ?"
            " AND expected_arrival::DATE = ? AND shipper_phone IS NOT NULL",
            [port, day],
        ).fetchall()[0]
    finally:
        con.close()
    return str(port), str(day), str(phone)


def test_rules_and_lookouts_from_the_command_line_hit_past_arrivals_and_count_hits(
    trained_home: Path, world: World
) -> None:
    """Made today without --valid-from, they apply to arrivals already in the warehouse (the
    counterfeit pack used to show 0 hits on the demo's past data); list shows plan hits."""
    port, day, phone = _busiest_port_day(world)
    assert runner.invoke(app, ["target", "rules", "add-pack", "counterfeit"]).exit_code == 0
    lookout = ["target", "lookouts", "add", "--kind", "identifier", "--reason", "seized phone"]
    criteria = json.dumps({"identifier": "phone", "value": phone})
    assert runner.invoke(app, [*lookout, "--criteria", criteria]).exit_code == 0
    plan = _json("target", "plan", "--port", port, "--date", day)
    assert any(item["selected_by"] in ("rule", "lookout") for item in plan["items"])
    rules = _json("target", "rules", "list")
    assert [r["lane"] for r in rules] == ["red", "red"]
    assert sum(r["plan_hits"] for r in rules) > 0, (rules, plan["check_hits"])
    assert all(r["owner"].startswith("cli:") for r in rules)
    (first,) = _json("target", "lookouts", "list")
    assert first["plan_hits"] >= 1 and first["valid_from"].startswith("1970-01-01")
    # one starting later does not hit; planning the port and day again counts its parcels once
    later = runner.invoke(app, [*lookout, "--criteria", criteria, "--valid-from", "2099-01-01"])
    assert later.exit_code == 0, later.output
    _json("target", "plan", "--port", port, "--date", day)
    now, future = _json("target", "lookouts", "list")
    assert now["plan_hits"] == first["plan_hits"] and future["plan_hits"] == 0
    assert future["valid_from"].startswith("2099")
    shown = runner.invoke(app, ["target", "lookouts", "list"])
    assert shown.exit_code == 0 and "start" in shown.output


def test_retire_from_the_command_line_is_audited_and_refuses_unknown_ids(home: Path) -> None:
    assert runner.invoke(app, [*RULE, "--criteria", SHOES]).exit_code == 0
    actor = ["--kind", "actor", "--criteria", '{"actor_id": "A-1"}', "--reason", "ring R-1"]
    assert runner.invoke(app, ["target", "lookouts", "add", *actor]).exit_code == 0
    for kind in ("rules", "lookouts"):
        (row,) = _json("target", kind, "list")
        retired = runner.invoke(app, ["target", kind, "retire", str(row["id"])])
        assert retired.exit_code == 0, retired.output
        assert [r["active"] for r in _json("target", kind, "list")] == [False]
        unknown = runner.invoke(app, ["target", kind, "retire", "999"])
        assert unknown.exit_code == 2 and f"no {kind[:-1]} 999" in unknown.output
    assert _actions("rule") == ["rule.create", "rule.update"]
    assert _actions("lookout") == ["lookout.create", "lookout.update"]
    with session_scope(get_settings().database, readonly=True) as session:
        query = select(AuditEntry.reason).where(AuditEntry.action.like("%.update"))
        assert session.scalars(query).all() == ["retire", "retire"]


def test_lookouts_add_takes_a_validity_window(home: Path) -> None:
    add = ["target", "lookouts", "add", "--kind", "actor", "--criteria", '{"actor_id": "A-1"}']
    window = ["--valid-from", "2025-06-01", "--valid-to", "2025-06-30", "--reason", "June"]
    assert runner.invoke(app, [*add, *window]).exit_code == 0
    (row,) = _json("target", "lookouts", "list")
    assert row["valid_from"].startswith("2025-06-01") and row["valid_to"].startswith("2025-06-30")
    backwards = ["--valid-from", "2025-07-01", "--valid-to", "2025-06-30", "--reason", "oops"]
    refused = runner.invoke(app, [*add, *backwards])
    assert refused.exit_code == 2 and "valid_to must be after valid_from" in refused.output
