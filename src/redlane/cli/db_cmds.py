"""``redlane db`` and ``redlane audit``: the operational store."""

from __future__ import annotations

from typing import Annotated

import typer

from redlane.cli.common import console, err_console, print_json, settings

db_app = typer.Typer(
    help="The operational store (SQLite by default, PostgreSQL by URL).", no_args_is_help=True
)
audit_app = typer.Typer(help="The append-only, hash-chained audit log.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply migrations (creates the database on first use)."""
    from redlane.store.migrate import current
    from redlane.store.migrate import upgrade as run_upgrade

    url = settings().database
    settings().home.mkdir(parents=True, exist_ok=True)
    run_upgrade(url, revision)
    console.print(f"operational store at revision [bold]{current(url)}[/]")


@db_app.command("current")
def show_current() -> None:
    """Print the migration revision the store is at."""
    from redlane.store.migrate import current

    console.print(current(settings().database) or "(empty: run redlane db upgrade)")


@audit_app.command("verify")
def verify(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Check the audit log's hash chain; exits 1 naming the first bad entry."""
    from redlane.store import audit as audit_log
    from redlane.store.db import session_scope

    with session_scope(settings().database) as session:
        result = audit_log.verify(session)
    if as_json:
        print_json(
            {
                "ok": result.ok,
                "entries": result.entries,
                "first_bad_seq": result.first_bad_seq,
                "problem": result.problem,
            }
        )
    elif result.ok:
        console.print(f"[green]audit log intact[/]: {result.entries} entries")
    else:
        err_console.print(
            f"[red]audit log broken at entry {result.first_bad_seq}[/]: {result.problem}"
        )
    if not result.ok:
        raise typer.Exit(1)
