"""``redlane bench``: reproducible figures, appended to benchmarks/results/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from redlane.cli.common import console

bench_app = typer.Typer(
    help="Benchmarks: time, rows/s per core, peak memory, baselines.", no_args_is_help=True
)

RESULTS = Path("benchmarks/results")


def _report(name: str, figures: dict[str, object], out: Path | None, results_dir: Path) -> None:
    from redlane.bench.record import append_result

    path = append_result(results_dir, name, figures)
    if out is not None:
        out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    table = Table(title=f"bench {name}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        table.add_row(key, f"{value:,}" if isinstance(value, int) else str(value))
    console.print(table)
    console.print(f"appended to {path}")


@bench_app.command("ingest")
def bench_ingest(
    parcels: Annotated[
        int, typer.Option(help="Parcels in the simulated world.", min=100)
    ] = 200_000,
    days: Annotated[int, typer.Option(help="Days of traffic.", min=1)] = 7,
    seed: Annotated[int, typer.Option(help="World seed.")] = 11,
    out: Annotated[Path | None, typer.Option("--json", help="Also write figures here.")] = None,
    results_dir: Annotated[Path, typer.Option(help="Where results accumulate.")] = RESULTS,
) -> None:
    """Simulate a world, ingest it in a child process, compare with a plain DuckDB load."""
    from redlane.bench.ingest_bench import run

    _report("ingest", run(parcels, seed=seed, days=days), out, results_dir)


@bench_app.command("resolve")
def bench_resolve(
    parcels: Annotated[int, typer.Option(help="Parcels in the simulated world.", min=100)] = 20_000,
    days: Annotated[int, typer.Option(help="Days of traffic.", min=1)] = 7,
    seed: Annotated[int, typer.Option(help="World seed.")] = 13,
    baseline: Annotated[
        bool,
        typer.Option("--baseline/--no-baseline", help="Also run Splink as tutorials set it up."),
    ] = True,
    out: Annotated[Path | None, typer.Option("--json", help="Also write figures here.")] = None,
    results_dir: Annotated[Path, typer.Option(help="Where results accumulate.")] = RESULTS,
) -> None:
    """Simulate and ingest a world; resolve it with redlane and with the baseline; score both."""
    from redlane.bench.resolve_bench import run

    _report("resolve", run(parcels, seed=seed, days=days, baseline=baseline), out, results_dir)


@bench_app.command("match")
def bench_match(
    queries: Annotated[int, typer.Option(help="Queries to time.", min=10)] = 2000,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 7,
    out: Annotated[Path | None, typer.Option("--json", help="Also write figures here.")] = None,
    results_dir: Annotated[Path, typer.Option(help="Where results accumulate.")] = RESULTS,
) -> None:
    """Live-match latency (p50/p95/p99) against the current resolution run, warm process."""
    from redlane.bench.match_bench import run
    from redlane.cli.common import settings

    _report("match", run(settings().home, queries=queries, seed=seed), out, results_dir)


@bench_app.command("day")
def bench_day(
    shipments: Annotated[int, typer.Option(help="Parcels in the day.", min=100)] = 20_000,
    history_days: Annotated[
        int, typer.Option(help="Days of standing history before it.", min=1)
    ] = 2,
    seed: Annotated[int, typer.Option(help="World seed.")] = 17,
    engine: Annotated[str, typer.Option(help="duckdb (spark: not yet).")] = "duckdb",
    out: Annotated[Path | None, typer.Option("--json", help="Also write figures here.")] = None,
    results_dir: Annotated[Path, typer.Option(help="Where results accumulate.")] = RESULTS,
) -> None:
    """A day end to end (ingest → incremental resolve → features → score → plan), timed."""
    from redlane.bench.day_bench import run

    if engine != "duckdb":
        raise typer.BadParameter("only duckdb is available so far", param_hint="--engine")
    _report("day", run(shipments, seed=seed, history_days=history_days), out, results_dir)
