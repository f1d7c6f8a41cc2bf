"""What every command shares: the console, settings and the stores they point at."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final, Literal

import typer
from rich.console import Console
from rich.table import Table

from redlane.config import Settings, get_settings
from redlane.engine.warehouse import Warehouse
from redlane.errors import RedlaneError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

console = Console()
err_console = Console(stderr=True)


# What a table column holds: an identifier, code, status or time ("key"), a number, or free text.
ColumnKind = Literal["key", "number", "text"]
# The narrowest a free-text column is squeezed to before key columns give up their full width.
TEXT_MIN_WIDTH: Final = 12
# A column's share of the borders and padding of a Rich table ("│ value "), and the last "│".
_CELL_CHROME: Final = 3


def fitting_table(
    title: str,
    columns: Sequence[tuple[str, ColumnKind]],
    rows: Sequence[Sequence[str]],
    *,
    width: int | None = None,
) -> Table:
    """A table that fits the terminal (``console.width`` unless ``width``) without cutting any
    value into "…" (Rich's default for a word wider than its column).

    Keys and numbers keep their full width, one line each, while free text wraps (breaking a
    word only when it is wider than its column) to give them room. When even that cannot fit,
    on a very narrow terminal, keys wrap too: onto a second line, never shortened."""
    room = (width or console.width) - _CELL_CHROME * len(columns) - 1
    full = [
        max([len(name), *(len(str(row[i])) for row in rows)])
        for i, (name, _kind) in enumerate(columns)
    ]
    needed = sum(
        TEXT_MIN_WIDTH if kind == "text" else full[i] for i, (_name, kind) in enumerate(columns)
    )
    keys_fit = needed <= room
    table = Table(title=title)
    for i, (name, kind) in enumerate(columns):
        table.add_column(
            name,
            overflow="fold",
            justify="right" if kind == "number" else "left",
            min_width=full[i] if kind != "text" and keys_fit else None,
        )
    for row in rows:
        table.add_row(*(str(cell) for cell in row))
    return table


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


def parse_time(value: str | None, option: str) -> datetime | None:
    """An ISO 8601 date or time; one without a zone is read as UTC."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not ISO 8601; use e.g. 2026-01-31 or 2026-01-31T08:00Z",
            param_hint=option,
        ) from None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
