"""``redlane audit verify`` names the entry that was edited, deleted or reordered, on both
backends; on PostgreSQL the application cannot change or remove entries at all (migration 0003).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from redlane.cli import app
from redlane.config import get_settings
from redlane.store import audit, migrate
from redlane.store.db import session_scope
from redlane.store.models import AuditEntry
from tests.utils.audit_tamper import tampering
from tests.utils.databases import BACKENDS, database_url

runner = CliRunner()
ENTRIES = 8
TABLE = AuditEntry.__table__


@pytest.fixture(params=BACKENDS)
def store(
    request: pytest.FixtureRequest, home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, list[int]]]:
    """A migrated store whose audit log holds ``ENTRIES`` entries; yields (url, their seqs)."""
    with database_url(request.param, tmp_path) as url:
        monkeypatch.setenv("REDLANE_DATABASE_URL", url)
        get_settings.cache_clear()
        migrate.upgrade(url)
        seqs = []
        for i in range(ENTRIES):
            with session_scope(url) as session:
                entry = audit.append(
                    session,
                    actor="analyst",
                    action="case.view",
                    object_type="case",
                    object_ids=[i],
                    reason=f"review {i}",
                    details={"i": i},
                )
                seqs.append(entry.seq)
        yield url, seqs


def verify_cli() -> tuple[int, dict[str, object], str]:
    as_json = runner.invoke(app, ["audit", "verify", "--json"])
    human = runner.invoke(app, ["audit", "verify"])
    assert as_json.exit_code == human.exit_code
    return as_json.exit_code, json.loads(as_json.stdout), human.output


def _row(session: Session, seq: int) -> dict[str, object]:
    return dict(session.execute(select(TABLE).where(TABLE.c.seq == seq)).one()._mapping)


def edit_reason(session: Session, seqs: list[int]) -> int:
    session.execute(update(TABLE).where(TABLE.c.seq == seqs[4]).values(reason="nothing to see"))
    return seqs[4]


def edit_details(session: Session, seqs: list[int]) -> int:
    session.execute(update(TABLE).where(TABLE.c.seq == seqs[2]).values(details={"i": 99}))
    return seqs[2]


def edit_and_rehash(session: Session, seqs: list[int]) -> int:
    """A forger who recomputes the edited entry's own hash still breaks the next link."""
    session.execute(update(TABLE).where(TABLE.c.seq == seqs[3]).values(actor="mallory"))
    forged = audit.entry_hash(session.execute(select(TABLE).where(TABLE.c.seq == seqs[3])).one())
    session.execute(update(TABLE).where(TABLE.c.seq == seqs[3]).values(hash=forged))
    return seqs[4]


def delete_middle(session: Session, seqs: list[int]) -> int:
    session.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": seqs[5]})
    return seqs[6]


def delete_first(session: Session, seqs: list[int]) -> int:
    session.execute(text("DELETE FROM audit_log WHERE seq = :s"), {"s": seqs[0]})
    return seqs[1]


def reorder(session: Session, seqs: list[int]) -> int:
    """Swap two whole entries (content and hashes) between their positions."""
    a, b = seqs[2], seqs[3]
    row_a, row_b = _row(session, a), _row(session, b)
    moved = [c for c in row_a if c != "seq"]
    # Park b's unique hashes first so a can take them.
    session.execute(update(TABLE).where(TABLE.c.seq == b).values(prev_hash="p" * 64, hash="h" * 64))
    session.execute(update(TABLE).where(TABLE.c.seq == a).values({c: row_b[c] for c in moved}))
    session.execute(update(TABLE).where(TABLE.c.seq == b).values({c: row_a[c] for c in moved}))
    return a


TAMPERS: dict[str, Callable[[Session, list[int]], int]] = {
    "edited-reason": edit_reason,
    "edited-details": edit_details,
    "edited-and-rehashed": edit_and_rehash,
    "deleted": delete_middle,
    "deleted-first": delete_first,
    "reordered": reorder,
}


def test_intact_log_verifies(store: tuple[str, list[int]]) -> None:
    code, result, human = verify_cli()

    assert code == 0
    assert result == {"ok": True, "entries": ENTRIES, "first_bad_seq": None, "problem": ""}
    assert f"{ENTRIES} entries" in human


@pytest.mark.parametrize("kind", TAMPERS)
def test_tampering_is_named_by_verify(store: tuple[str, list[int]], kind: str) -> None:
    url, seqs = store
    with tampering(url) as session:
        bad = TAMPERS[kind](session, seqs)

    code, result, human = verify_cli()

    assert code == 1
    assert result["ok"] is False and result["first_bad_seq"] == bad
    assert f"broken at entry {bad}" in human


@pytest.mark.postgres
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET reason = 'edited' WHERE seq = :s",
        "DELETE FROM audit_log WHERE seq = :s",
        "TRUNCATE audit_log",
    ],
    ids=["update", "delete", "truncate"],
)
def test_postgres_refuses_to_change_the_log(tmp_path: Path, statement: str) -> None:
    with database_url("postgres", tmp_path) as url:
        migrate.upgrade(url)
        with session_scope(url) as session:
            seq = audit.append(session, actor="a", action="x", object_type="t", object_ids=[1]).seq

        with pytest.raises(DBAPIError, match="append-only"), session_scope(url) as session:
            session.execute(text(statement), {"s": seq})

        with session_scope(url) as session:
            # Appending still works, and the refused change left the chain whole.
            audit.append(session, actor="a", action="y", object_type="t", object_ids=[2])
            assert audit.verify(session) == audit.VerifyResult(ok=True, entries=2)


@pytest.mark.postgres
def test_append_only_goes_with_migration_0003(tmp_path: Path) -> None:
    with database_url("postgres", tmp_path) as url:
        migrate.upgrade(url, "0002")
        with session_scope(url) as session:
            seq = audit.append(session, actor="a", action="x", object_type="t", object_ids=[1]).seq
            session.execute(text("UPDATE audit_log SET reason = 'r' WHERE seq = :s"), {"s": seq})

        migrate.upgrade(url)
        with pytest.raises(DBAPIError, match="append-only"), session_scope(url) as session:
            session.execute(text("UPDATE audit_log SET reason = 's' WHERE seq = :s"), {"s": seq})

        migrate.downgrade(url, "0002")
        with session_scope(url) as session:
            session.execute(text("UPDATE audit_log SET reason = 't' WHERE seq = :s"), {"s": seq})


def test_sqlite_has_no_such_guard_and_relies_on_the_chain(tmp_path: Path) -> None:
    """Documented limit: whoever can write the SQLite file can change it; verify shows it."""
    with database_url("sqlite", tmp_path) as url:
        migrate.upgrade(url)
        with session_scope(url) as session:
            seq = audit.append(session, actor="a", action="x", object_type="t", object_ids=[1]).seq
        with session_scope(url) as session:
            session.execute(text("UPDATE audit_log SET reason = 'r' WHERE seq = :s"), {"s": seq})
        with session_scope(url, readonly=True) as session:
            assert audit.verify(session).first_bad_seq == seq
