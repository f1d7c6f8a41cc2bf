"""Commands on the warehouse: ingest, status, batches, quarantine."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any, Final

import typer
from duckdb import DuckDBPyConnection
from rich.table import Table

from redlane.cli.audit_log import record
from redlane.cli.common import (
    ColumnKind,
    console,
    err_console,
    fail,
    fitting_table,
    print_error,
    print_json,
    settings,
    warehouse,
)
from redlane.cli.progress import IngestBars
from redlane.engine.sql import quote_literal
from redlane.engine.warehouse import QUARANTINE_TABLE
from redlane.feeds.ingest import FileResult, ingest_paths
from redlane.model.spec import FEEDS_BY_KIND

quarantine_app = typer.Typer(help="See the rows that were refused, and why.", no_args_is_help=True)


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders (walked; truth/ skipped).")],
    feed: Annotated[
        str | None, typer.Option("--feed", help=f"Feed kind: {', '.join(FEEDS_BY_KIND)}.")
    ] = None,
    partner: Annotated[
        str | None, typer.Option(help="Partner that sent the files (default: the feed's).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Validate and load partner files; bad rows go to quarantine, the rest loads."""
    if feed is not None and feed not in FEEDS_BY_KIND:
        raise typer.BadParameter(f"unknown feed {feed!r}; known: {', '.join(FEEDS_BY_KIND)}")
    store = warehouse()
    show_bars = not as_json
    bars = IngestBars(err_console)
    if show_bars:
        bars.__enter__()
    try:
        results = ingest_paths(
            paths,
            store,
            feed,
            partner,
            bars if show_bars else None,
            memory_limit=settings().duckdb_memory_limit,
        )
    finally:
        if show_bars:
            bars.__exit__(None, None, None)
    report_ingest(results, as_json)


def report_ingest(results: list[FileResult], as_json: bool = False) -> None:
    """Audit the committed batches, print the results, exit 1 if any file was refused."""
    loaded = [r for r in results if r.status == "loaded" and r.batch_id]
    if loaded:
        record(
            "ingest",
            "batch",
            [str(r.batch_id) for r in loaded],
            details={"files": [r.path for r in loaded], "rows": sum(r.loaded for r in loaded)},
        )
    if as_json:
        print_json([asdict(r) for r in results])
    else:
        ingest_table(results)
    failed = [r for r in results if r.status == "failed"]
    for r in failed:
        print_error(str(r.error))
    if failed:
        raise typer.Exit(1)


# File names wrap rather than being cut (cli.common.fitting_table); the counts keep their width.
INGEST_COLUMNS: Final[list[tuple[str, ColumnKind]]] = [
    ("file", "text"),
    ("feed", "key"),
    ("status", "key"),
    ("records", "number"),
    ("loaded", "number"),
    ("quarantined", "number"),
    ("duplicates", "number"),
    ("rows/s", "number"),
]


def ingest_table(results: list[FileResult]) -> None:
    rows = [
        (
            Path(r.path).name,
            r.feed or "",
            r.status,
            f"{r.records:,}",
            f"{r.loaded:,}",
            f"{r.quarantined:,}",
            f"{r.duplicates:,}",
            f"{r.records / r.seconds:,.0f}" if r.seconds > 0 and r.status == "loaded" else "",
        )
        for r in results
    ]
    table = fitting_table("Ingest", INGEST_COLUMNS, rows)
    total_s = sum(r.seconds for r in results)
    records = sum(r.records for r in results if r.status == "loaded")
    table.add_section()
    table.add_row(
        "total",
        "",
        f"{len(results)} files",
        f"{records:,}",
        f"{sum(r.loaded for r in results):,}",
        f"{sum(r.quarantined for r in results):,}",
        f"{sum(r.duplicates for r in results):,}",
        f"{records / total_s:,.0f}" if total_s > 0 else "",
    )
    console.print(table)
    if any(r.quarantined for r in results):
        console.print("Refused rows: [bold]redlane quarantine list[/]")


def status(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Rows per warehouse table, quarantined rows and batches."""
    store = warehouse()
    rows = store.table_rows()
    quarantined = rows.pop(QUARANTINE_TABLE)
    manifests = store.manifests()
    data = {
        "home": str(settings().home),
        "warehouse": str(store.root),
        "tables": rows,
        "quarantined": quarantined,
        "batches": len(manifests),
        "last_batch_at": manifests[-1].committed_at if manifests else None,
    }
    if as_json:
        print_json(data)
        return
    console.print(rows_table(store.root, rows, quarantined))
    console.print(f"{len(manifests)} batches committed")


def rows_table(root: Path, rows: dict[str, int], quarantined: int) -> Table:
    """Rows per warehouse table, quarantine last."""
    table = Table(title=f"Warehouse {root}")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, n in rows.items():
        table.add_row(name, f"{n:,}")
    table.add_section()
    table.add_row("[yellow]quarantine", f"{quarantined:,}")
    return table


def batches(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Committed ingestion batches, oldest first (the warehouse's history)."""
    manifests = warehouse().manifests()
    if as_json:
        print_json([m.to_json() for m in manifests])
        return
    table = Table(title="Batches")
    for col in ("seq", "batch", "feed", "partner", "file", "loaded", "quarantined", "committed"):
        table.add_column(col)
    for m in manifests:
        table.add_row(
            str(m.seq),
            m.batch_id[:12],
            m.feed,
            m.partner,
            Path(m.source_file).name,
            f"{m.rows_loaded:,}",
            f"{m.quarantined:,}",
            m.committed_at[:19],
        )
    console.print(table)


@quarantine_app.command("list")
def quarantine_list(
    table: Annotated[str | None, typer.Option(help="Only rows refused for this table.")] = None,
    batch: Annotated[str | None, typer.Option(help="Only this batch (id or prefix).")] = None,
    reason: Annotated[str | None, typer.Option(help="Only reasons containing this text.")] = None,
    limit: Annotated[int, typer.Option(help="At most this many rows.")] = 50,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Refused rows with file, line, field, value and reason."""
    where = ["TRUE"]
    if table:
        where.append(f"table_name = {quote_literal(table)}")
    if batch:
        where.append(f"starts_with(_batch_id, {quote_literal(batch)})")
    if reason:
        where.append(f"contains(reason, {quote_literal(reason)})")
    con = warehouse().connect()
    [total] = con.execute(f"SELECT count(*) FROM quarantine WHERE {' AND '.join(where)}").fetchall()
    cur = con.execute(
        "SELECT quarantine_id, feed, table_name, _source_file, line, location, field, value, "
        f"reason FROM quarantine WHERE {' AND '.join(where)} "
        f"ORDER BY _ingested_at, _source_file, line LIMIT {int(limit)}"
    )
    cols = [d[0] for d in cur.description]
    rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    count = int(total[0]) if total else 0
    if as_json:
        print_json({"total": count, "rows": rows})
        return
    out = Table(
        title=f"Quarantine ({count:,} rows{', first ' + str(limit) if count > limit else ''})"
    )
    for col in ("id", "file", "line", "field", "value", "reason"):
        out.add_column(col, overflow="fold")
    for r in rows:
        where_at = str(r["line"]) if r["line"] is not None else (r["location"] or "")
        value = r["value"] if r["value"] is None or len(r["value"]) < 40 else r["value"][:37] + "…"
        out.add_row(
            r["quarantine_id"][:12],
            Path(r["_source_file"]).name,
            where_at,
            r["field"] or "",
            value or "",
            r["reason"],
        )
    console.print(out)
    console.print("Details of one row: [bold]redlane quarantine show ID[/]")


def _other_sightings(con: DuckDBPyConnection, row: dict[str, Any]) -> list[dict[str, Any]]:
    """Where else the same record was refused for the same reason (each file has its entry)."""
    cur = con.execute(
        "SELECT quarantine_id, _source_file AS file, line, location, _batch_id AS batch_id "
        "FROM quarantine WHERE feed = ? AND table_name IS NOT DISTINCT FROM ? AND record = ? "
        "AND reason = ? AND quarantine_id <> ? ORDER BY _ingested_at, _source_file, line",
        [row["feed"], row["table_name"], row["record"], row["reason"], row["quarantine_id"]],
    )
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]


@quarantine_app.command("show")
def quarantine_show(
    quarantine_id: Annotated[str, typer.Argument(help="Id (or its first characters).")],
    reason_for_reading: Annotated[
        str, typer.Option("--reason", help="Why you look at it (kept in the audit log).")
    ] = "data quality review",
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """One refused row: every error, the record as received, and other files that sent it."""
    con = warehouse().connect()
    cur = con.execute(
        "SELECT * FROM quarantine WHERE starts_with(quarantine_id, ?) LIMIT 2", [quarantine_id]
    )
    cols = [d[0] for d in cur.description]
    found = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    if not found:
        raise fail(f"no quarantined row with id {quarantine_id!r}")
    if len(found) > 1:
        raise fail(f"{quarantine_id!r} matches several rows; give more")
    row = found[0]
    # The record as received may hold personal data: its reading is audited.
    record("read", "quarantine_row", [row["quarantine_id"]], reason=reason_for_reading)
    row["same_record_elsewhere"] = _other_sightings(con, row)
    for key in ("errors", "record"):
        if isinstance(row[key], str):
            try:
                row[key] = json.loads(row[key])
            except (json.JSONDecodeError, RecursionError):
                pass  # shown as the text it was kept as (too deep to parse again)
    if as_json:
        print_json(row)
        return
    for key, value in row.items():
        console.print(f"[bold]{key}[/]: {value}")
