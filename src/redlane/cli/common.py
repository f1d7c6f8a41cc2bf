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


@contextmanager
def store_session() -> Iterator[Session]:
    """A write session on a migrated store; domain errors exit 1 with their message."""
    from redlane.store.db import session_scope
    from redlane.store.migrate import ensure_schema

    url = settings().database
    settings().home.mkdir(parents=True, exist_ok=True)
    try:
        ensure_schema(url)
        with session_scope(url) as session:
            yield session
    except RedlaneError as e:
        err_console.print(f"[red]error:[/] {e.detail}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
