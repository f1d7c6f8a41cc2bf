"""What every command shares: the console, settings and the stores they point at."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

from redlane.config import Settings, get_settings
from redlane.engine.warehouse import Warehouse
from redlane.errors import RedlaneError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

console = Console()
err_console = Console(stderr=True)


def settings() -> Settings:
    return get_settings()


def warehouse() -> Warehouse:
    return Warehouse(settings().warehouse_path)


def print_json(data: Any) -> None:
    """Machine output goes to stdout alone, so it can be piped."""
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def print_error(error: BaseException | str) -> None:
    """``error: …`` on stderr: a domain error's ``detail``, else the exception's text."""
    text = error.detail if isinstance(error, RedlaneError) else str(error)
    err_console.print(f"[red]error:[/] {text}", highlight=False, soft_wrap=True)


def fail(error: BaseException | str, code: int = 1) -> typer.Exit:
    """Print the error and return the exit to raise.

    The code is each command group's contract (docs, tests): 1 by default; ``redlane target``
    and ``redlane kcs`` exit 2 on a domain error, ``redlane names`` 2 on an unreadable file.
    """
    print_error(error)
    return typer.Exit(code)


@contextmanager
def exit_on_error(code: int = 1) -> Iterator[None]:
    """Domain errors (``RedlaneError``) inside the block exit with ``code`` and their message."""
    try:
        yield
    except RedlaneError as e:
        raise fail(e, code) from None


def migrated_store() -> str:
    """The store's URL, with REDLANE_HOME made and the schema migrated."""
    from redlane.store.migrate import ensure_schema

    url = settings().database
    settings().home.mkdir(parents=True, exist_ok=True)
    ensure_schema(url)
    return url


@contextmanager
def store_session(*, readonly: bool = False, code: int = 1) -> Iterator[Session]:
    """A session on a migrated store; domain errors exit ``code`` with their message."""
    from redlane.store.db import session_scope

    with exit_on_error(code):
        url = migrated_store()
        with session_scope(url, readonly=readonly) as session:
            yield session
