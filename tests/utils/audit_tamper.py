"""Tampering with the audit log the way only a table owner or DBA could.

On PostgreSQL, migration 0003 makes ``audit_log`` reject UPDATE, DELETE and TRUNCATE; an owner can
still switch those triggers off, and the hash chain is what then shows the damage. Tests that
forge entries go through :func:`tampering` so they model that attacker, not the application.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.orm import Session

from redlane.store.db import session_scope


@contextmanager
def tampering(url: str) -> Iterator[Session]:
    """A write session in which the append-only triggers are off (PostgreSQL) until commit."""
    with session_scope(url) as session:
        postgres = session.get_bind().dialect.name == "postgresql"
        if postgres:
            session.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        yield session
        if postgres:
            session.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
