"""``redlane names …``: score name pairs from a CSV file."""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from redlane import csv_export
from redlane.cli.common import err_console, fail
from redlane.names import MATCH_THRESHOLD, SCHEMAS
from redlane.names import batch as name_batch

names_app = typer.Typer(help="Compare person, company and vessel names.", no_args_is_help=True)

COLUMNS = ("id", "schema", "name1", "name2")
DEFAULT_SCHEMA = "LegalEntity"
PROGRESS_MIN_ROWS = 5_000
SCORE_BATCH = 2_000  # rows scored at a time


@names_app.callback()
def _names() -> None:
    """Compare person, company and vessel names."""


def _count_rows(path: Path) -> int:
    with path.open("rb") as f:
        return max(sum(1 for _ in f) - 1, 0)


def _write_scores(writer: Any, batch: list[tuple[str, str, str, str]]) -> None:
    """Score rows with the batch scorer (compare()'s score, names and pairs that repeat scored
    once) and write them; empties ``batch``."""
    scores = name_batch.score_pairs(
        [r[1] for r in batch], [r[2] for r in batch], [r[3] for r in batch]
    )
    for (row_id, *_), score in zip(batch, scores.tolist(), strict=True):
        writer.writerow((row_id, f"{score:.4f}", "true" if score >= MATCH_THRESHOLD else "false"))
    batch.clear()


@names_app.command("score-pairs")
def score_pairs(
    in_path: Path = typer.Argument(..., metavar="IN.csv", help="CSV with id,schema,name1,name2."),
    out: Path = typer.Option(..., "--out", help="Where to write id,score,match."),
) -> None:
    """Score each name pair: writes ``id,score,match`` (score 0–1, 4 decimals; match = score ≥ 0.5).

    Rows keep their order. A row whose schema is not one of Person, Company, Organization,
    LegalEntity, Vessel is scored as LegalEntity, with a warning. A wrong header exits with
    code 2 and a row with missing or extra fields with code 1; either way the error names the
    file and line, and OUT is not written.
    """
    label = str(in_path)
    try:
        handle = in_path.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise fail(f"{label}: cannot read: {exc.strerror or exc}", 2) from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
        except (csv.Error, UnicodeDecodeError) as exc:
            raise fail(f"{label}:1: unreadable header: {exc}", 2) from None
        names = [h.strip() for h in header] if header else []
        missing = [c for c in COLUMNS if c not in names]
        if missing or len(set(names)) != len(names):
            found = ",".join(names) if names else "nothing"
            raise fail(
                f"{label}:1: header must have the columns {','.join(COLUMNS)}; "
                f"found {found}" + (f" (missing {', '.join(missing)})" if missing else ""),
                2,
            )
        index = {c: names.index(c) for c in COLUMNS}
        total = _count_rows(in_path)
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
        tmp = Path(tmp_name)
        progress = Progress(
            TextColumn("scoring"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=err_console,
            disable=total < PROGRESS_MIN_ROWS,
        )
        try:
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as sink, progress:
                task = progress.add_task("scoring", total=total)
                writer = csv_export.writer(sink, lineterminator="\n")
                writer.writerow(("id", "score", "match"))
                line = 1
                batch: list[tuple[str, str, str, str]] = []
                try:
                    for n, row in enumerate(reader, start=1):
                        line = reader.line_num
                        if not row:
                            continue
                        if len(row) != len(names):
                            raise fail(
                                f"{label}:{line}: expected {len(names)} fields "
                                f"({','.join(names)}), got {len(row)}",
                                1,
                            )
                        schema = row[index["schema"]].strip()
                        if schema not in SCHEMAS:
                            err_console.print(
                                f"[yellow]warning:[/yellow] {label}:{line}: unknown schema "
                                f"{schema!r}, scored as {DEFAULT_SCHEMA}",
                                highlight=False,
                                soft_wrap=True,
                            )
                            schema = DEFAULT_SCHEMA
                        batch.append(
                            (row[index["id"]], row[index["name1"]], row[index["name2"]], schema)
                        )
                        if len(batch) >= SCORE_BATCH:
                            _write_scores(writer, batch)
                            progress.update(task, completed=n)
                except (csv.Error, UnicodeDecodeError) as exc:
                    raise fail(f"{label}:{line + 1}: unreadable row: {exc}", 1) from None
                _write_scores(writer, batch)
                progress.update(task, completed=total)
            tmp.replace(out)
        finally:
            tmp.unlink(missing_ok=True)
    if sys.stderr.isatty():
        err_console.print(f"wrote {out}", highlight=False)


@names_app.command("bench")
def bench(
    pairs: int = typer.Option(20_000, "--pairs", min=10, help="Generated pairs per run."),
    runs: int = typer.Option(3, "--runs", min=1, help="Fresh processes per mode (median)."),
    signatures: Path | None = typer.Option(
        None,
        "--signatures",
        help="A resolution run's signatures (Parquet file or folder); default: the current run.",
    ),
    resolution_pairs: int = typer.Option(
        1_000_000, "--resolution-pairs", min=1, help="At most this many blocked pairs."
    ),
    json_out: Path | None = typer.Option(None, "--json", help="Also write the figures here."),
) -> None:
    """Pairs per second of the name comparator on one core (CPU time, fresh processes).

    Headline: the name pairs a resolution compares (Splink's blocking over the run's
    signatures) through the batch scorer; also generated pairs through the batch scorer and
    through compare(). See docs/names.md "Speed".
    """
    from redlane.bench import names_bench as name_bench

    figures = name_bench.measure(pairs, runs, signatures, resolution_pairs)
    sys.stdout.write(name_bench.report(figures))
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")
