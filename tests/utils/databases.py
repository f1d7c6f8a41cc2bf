"""Throwaway operational-store databases for tests, on SQLite and PostgreSQL.

Use ``BACKENDS`` as fixture params and ``database_url(backend, tmp_path)`` to get a URL:
SQLite is a file in ``tmp_path``; PostgreSQL is a fresh schema (the URL sets ``search_path`` to
it) dropped afterwards, so parallel and repeated runs never see each other's tables.

PostgreSQL comes from ``REDLANE_TEST_POSTGRES_URL``; without it the local server is tried as
user ``postgres`` and then ``root``. When none answers the test is skipped, except under
``CI=true``, where a missing database is a failure rather than a silent gap in coverage.
"""

from __future__ import annotations

import functools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from redlane.store.db import dispose_engine

POSTGRES_URL_ENV = "REDLANE_TEST_POSTGRES_URL"
DEFAULT_POSTGRES_URLS = (
    "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "postgresql+psycopg://root@127.0.0.1:5432/test",
)

BACKENDS = (
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
)


def sqlite_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'redlane.db'}"


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def postgres_url() -> str:
    """A reachable server's URL, or skip (fail under CI) the calling test."""
    url, problem = _find_postgres()
    if url is None:
        message = f"PostgreSQL unreachable at URL: {problem}"
        if in_ci():
            pytest.fail(message)
        pytest.skip(message)
    return url


@contextmanager
def postgres_schema(base_url: str | None = None) -> Iterator[str]:
    """A URL whose connections see only a new, empty schema; the schema is dropped after."""
    base = base_url or postgres_url()
    schema = f"redlane_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, poolclass=NullPool)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = (
        make_url(base)
        .update_query_dict({"options": f"-csearch_path={schema}"})
        .render_as_string(hide_password=False)
    )
    try:
        yield url
    finally:
        dispose_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def database_url(backend: str, directory: Path) -> Iterator[str]:
    """An empty database for ``backend`` ("sqlite" or "postgres")."""
    if backend == "sqlite":
        url = sqlite_url(directory)
        try:
            yield url
        finally:
            dispose_engine(url)
    elif backend == "postgres":
        with postgres_schema() as url:
            yield url
    else:
        raise ValueError(f"unknown backend {backend!r}")


@functools.cache
def _find_postgres() -> tuple[str | None, str]:
    configured = os.environ.get(POSTGRES_URL_ENV)
    candidates = (configured,) if configured else DEFAULT_POSTGRES_URLS
    problems = []
    for url in candidates:
        engine = create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            return url, ""
        except OperationalError as e:
            problems.append(f"{url} ({str(e.orig).strip().splitlines()[0]})")
        finally:
            engine.dispose()
    return None, "; ".join(problems)
