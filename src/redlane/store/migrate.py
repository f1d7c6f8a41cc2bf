"""Schema migrations, driven from code.

The Alembic configuration is built here and points at ``migrations/`` inside the package, so an
installed wheel migrates its database without an ``alembic.ini``. Call :func:`ensure_schema` at
startup; :func:`revision` is for developers adding a migration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection
from sqlalchemy.pool import NullPool

from redlane.errors import RedlaneError
from redlane.store.db import READONLY_OPTION, make_engine, resolve_url

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


class SchemaError(RedlaneError):
    """The database's schema cannot be brought to the requested revision."""


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config for ``url``; ``connection``, when given, is used instead of a new one.

    The URL travels in ``attributes`` rather than ``sqlalchemy.url`` because the ini-style
    option store would try to interpolate the ``%`` of URL-encoded passwords.
    """
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Hand-numbered revisions ("0002") read in order in the versions folder.
    config.set_main_option("file_template", "%%(rev)s_%%(slug)s")
    config.attributes["url"] = resolve_url(url)
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Migrate the database at ``url`` (default: settings) up to ``revision``."""
    with _connection(url) as connection:
        _run(lambda: command.upgrade(alembic_config(url, connection), revision))


def downgrade(url: str | None = None, revision: str = "base") -> None:
    """Migrate down to ``revision``; ``base`` drops every redlane table."""
    with _connection(url) as connection:
        _run(lambda: command.downgrade(alembic_config(url, connection), revision))


def ensure_schema(url: str | None = None) -> None:
    """Bring the store to the newest schema this code knows; cheap when already there."""
    if current(url) != head():
        upgrade(url, "head")


def current(url: str | None = None) -> str | None:
    """The revision the database is at, or None for an empty database."""
    with _connection(url) as connection:
        reader = connection.execution_options(**{READONLY_OPTION: True})
        return MigrationContext.configure(reader).get_current_revision()


def head() -> str:
    """The newest revision shipped with this code."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    if len(heads) != 1:
        raise SchemaError(f"migrations must have exactly one head, found {sorted(heads)}")
    return heads[0]


def revision(message: str, url: str | None = None, *, autogenerate: bool = True) -> Path:
    """Write the next numbered migration, diffed against the database at ``url`` when
    ``autogenerate``; returns its path. The database must be at head first."""
    heads = ScriptDirectory.from_config(alembic_config()).get_heads()
    rev_id = f"{int(head()) + 1:04d}" if heads else "0001"
    with _connection(url) as connection:
        config = alembic_config(url, connection)
        script = command.revision(config, message=message, autogenerate=autogenerate, rev_id=rev_id)
    if script is None or isinstance(script, list):
        raise SchemaError(f"alembic wrote no single revision for {message!r}")
    return Path(script.path)


@contextmanager
def _connection(url: str | None) -> Iterator[Connection]:
    # NullPool: migrations run once per process, so nothing should stay connected afterwards.
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            yield connection
    finally:
        engine.dispose()


def _run(action: Callable[[], object]) -> None:
    try:
        action()
    except CommandError as e:
        raise SchemaError(f"migration failed: {e}") from e
