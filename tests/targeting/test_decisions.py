"""Rules and lookouts are decided in one place: the command line and the service write, check
and audit them alike (``redlane.targeting.decisions``)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from redlane.cli import app
from redlane.config import get_settings
from redlane.errors import NotFound
from redlane.store.db import session_scope
from redlane.store.migrate import ensure_schema
from redlane.store.models import AuditEntry, Rule
from redlane.targeting import decisions
from redlane.targeting.rules import CriteriaError

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
