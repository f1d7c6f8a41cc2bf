"""Engines and sessions for the operational store.

One engine per URL per process, so every ``session_scope(url)`` shares a pool. On SQLite the
driver's own transaction handling is switched off and redlane emits ``BEGIN`` itself: pysqlite
otherwise starts transactions lazily (only before DML), so a read followed by a write is not one
transaction, and two writers can both read the same "last" row before either writes. Write
sessions start with ``BEGIN IMMEDIATE``, taking SQLite's single write lock up front; that is what
serialises audit-log appends. Read-only sessions use a deferred ``BEGIN`` so they never block a
writer under WAL.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

from redlane.config import get_settings

# SQLite waits this long for the write lock before raising "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000

# Execution option marking a connection read-only: on SQLite it then begins without the write lock.
READONLY_OPTION = "redlane_readonly"

_lock = threading.Lock()
_engines: dict[str, Engine] = {}
_sessionmakers: dict[str, sessionmaker[Session]] = {}


def resolve_url(url: str | None = None) -> str:
    """The URL to use: the one given, else ``REDLANE_DATABASE_URL``, else HOME/redlane.db."""
    return url if url else get_settings().database


def is_sqlite(url: str | URL) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """A new engine (not cached): SQLite gets its pragmas and explicit ``BEGIN``.

    ``kwargs`` go to :func:`sqlalchemy.create_engine` (e.g. ``poolclass=NullPool``).
    """
    parsed = make_url(resolve_url(url))
    # Bound values are personal data (names, phones, case notes): keep them out of SQL logs and
    # out of error messages, which the service logs.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() == "sqlite":
        _ensure_sqlite_parent(parsed)
        engine = create_engine(parsed, **kwargs)
        _install_sqlite_hooks(engine)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(parsed, **kwargs)


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for ``url`` (created on first use)."""
    key = resolve_url(url)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            engine = _engines[key] = make_engine(key)
        return engine


def dispose_engine(url: str | None = None) -> None:
    """Close the pooled connections of ``url``'s engine, or of every engine when ``url`` is None.

    Tests call this before dropping a database; long-lived processes never need to.
    """
    with _lock:
        keys = list(_engines) if url is None else [resolve_url(url)]
        for key in keys:
            _sessionmakers.pop(key, None)
            engine = _engines.pop(key, None)
            if engine is not None:
                engine.dispose()


def session_factory(url: str | None = None) -> sessionmaker[Session]:
    """Sessions bound to ``url``'s engine; objects stay usable after commit."""
    key = resolve_url(url)
    engine = get_engine(key)
    with _lock:
        factory = _sessionmakers.get(key)
        if factory is None:
            factory = _sessionmakers[key] = sessionmaker(engine, expire_on_commit=False)
        return factory


@contextmanager
def session_scope(url: str | None = None, *, readonly: bool = False) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any exception.

    ``readonly=True`` always rolls back and, on SQLite, does not take the write lock.
    """
    factory = session_factory(url)
    if readonly:
        session = factory(bind=get_engine(url).execution_options(**{READONLY_OPTION: True}))
    else:
        session = factory()
    try:
        yield session
        if readonly:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def _ensure_sqlite_parent(url: URL) -> None:
    database = url.database
    if database and database != ":memory:" and not database.startswith("file:"):
        Path(database).parent.mkdir(parents=True, exist_ok=True)


def _install_sqlite_hooks(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # None hands transaction control to the "begin" hook below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA journal_mode = WAL")
            # Safe under WAL (a power cut can lose the last commits, never corrupt the file).
            cursor.execute("PRAGMA synchronous = NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        readonly = conn.get_execution_options().get(READONLY_OPTION, False)
        conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")
