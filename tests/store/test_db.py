"""Engines, sessions and column types behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from redlane.config import get_settings
from redlane.store import db
from redlane.store.models import Partner, Rule, User

PLUS_FIVE = timezone(timedelta(hours=5))


def _partner(pid: str = "customs") -> Partner:
    return Partner(id=pid, name=pid.title(), kind=pid)


def test_sqlite_connections_get_their_pragmas(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nested' / 'dir' / 'x.db'}"
    try:
        with db.session_scope(url) as session:
            pragmas = {
                name: session.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("foreign_keys", "journal_mode", "busy_timeout")
            }
    finally:
        db.dispose_engine(url)

    assert pragmas == {
        "foreign_keys": 1,
        "journal_mode": "wal",
        "busy_timeout": db.SQLITE_BUSY_TIMEOUT_MS,
    }


def test_default_url_is_sqlite_under_home(home: Path) -> None:
    assert db.resolve_url() == f"sqlite:///{(home / 'redlane.db').resolve()}"
    assert get_settings().database == db.resolve_url(None)


def test_session_scope_commits(store_url: str) -> None:
    with db.session_scope(store_url) as session:
        session.add(_partner())

    with db.session_scope(store_url, readonly=True) as session:
        assert session.get(Partner, "customs") is not None


def test_session_scope_rolls_back_on_error(store_url: str) -> None:
    with pytest.raises(RuntimeError), db.session_scope(store_url) as session:
        session.add(_partner())
        session.flush()
        raise RuntimeError("boom")

    with db.session_scope(store_url) as session:
        assert session.scalar(select(func.count()).select_from(Partner)) == 0


def test_readonly_scope_never_commits(store_url: str) -> None:
    with db.session_scope(store_url, readonly=True) as session:
        session.add(_partner())

    with db.session_scope(store_url) as session:
        assert session.get(Partner, "customs") is None


def test_foreign_keys_are_enforced(store_url: str) -> None:
    with pytest.raises(IntegrityError), db.session_scope(store_url) as session:
        session.add(User(username="ann", partner_id="nobody", role="officer"))


def test_check_constraints_are_enforced(store_url: str) -> None:
    now = datetime.now(UTC)
    with pytest.raises(IntegrityError), db.session_scope(store_url) as session:
        session.add(Rule(name="r", criteria={}, lane="purple", reason="", valid_from=now))


def test_timestamps_come_back_as_the_same_utc_instant(store_url: str) -> None:
    written = datetime(2025, 3, 1, 12, 30, 15, 123456, tzinfo=PLUS_FIVE)
    with db.session_scope(store_url) as session:
        session.add(_partner())
        session.add(User(username="ann", partner_id="customs", role="officer", created_at=written))

    with db.session_scope(store_url) as session:
        read = session.scalars(select(User.created_at)).one()

    assert read == written
    assert read.tzinfo == UTC
    assert read.isoformat() == "2025-03-01T07:30:15.123456+00:00"


def test_timestamps_compare_chronologically_in_sql(store_url: str) -> None:
    base = datetime(2025, 1, 1, tzinfo=UTC)
    with db.session_scope(store_url) as session:
        session.add(_partner())
        for i, tz in enumerate((UTC, PLUS_FIVE, timezone(timedelta(hours=-8)))):
            moment = (base + timedelta(hours=i)).astimezone(tz)
            session.add(User(username=f"u{i}", partner_id="customs", role="x", created_at=moment))

    with db.session_scope(store_url) as session:
        later = session.scalars(
            select(User.username).where(User.created_at > base + timedelta(minutes=30))
        ).all()

    assert sorted(later) == ["u1", "u2"]


def test_naive_timestamps_are_refused(store_url: str) -> None:
    with pytest.raises(StatementError, match="aware"), db.session_scope(store_url) as session:
        session.add(_partner())
        session.add(User(username="ann", partner_id="customs", role="x", created_at=datetime.now()))
        session.flush()
