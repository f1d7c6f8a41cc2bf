"""``redlane bench``: reproducible figures, appended to benchmarks/results/."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from redlane.cli.common import console

bench_app = typer.Typer(
    help="Benchmarks: time, rows/s per core, peak memory, baselines.", no_args_is_help=True
)

RESULTS = Path("benchmarks/results")

Out = Annotated[Path | None, typer.Option("--json", help="Also write figures here.")]
ResultsDir = Annotated[Path, typer.Option(help="Where results accumulate.")]
Engine = Annotated[
    str,
    typer.Option(
        help="duckdb or spark (Spark: resolution; in `bench day` also features and scores)."
    ),
]
HistoryDays = Annotated[int, typer.Option(help="Days of standing history before it.", min=1)]


def _figure(value: object) -> str:
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.4g}" if abs(value) < 1 else f"{value:,.2f}"
    return str(value)


def _print(name: str, figures: dict[str, Any]) -> None:
    """Headline figures (wall, rows/s per core, peak RSS, baselines), then time per stage."""
    table = Table(title=f"bench {name}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key, value in figures.items():
        if not isinstance(value, dict | list):
            table.add_row(key, _figure(value))
    console.print(table)
    stages = figures.get("stages_s")
    if isinstance(stages, dict):
        rss = figures.get("stages_peak_rss_mb") or {}
        cpu = figures.get("stages_cpu_s") or {}
        per_stage = Table(title=f"bench {name}: stages")
        for column in ("stage", "wall s", "CPU s", "peak RSS MB at its end"):
            per_stage.add_column(column, justify="left" if column == "stage" else "right")
        for stage, seconds in stages.items():
            per_stage.add_row(
                stage, _figure(seconds), _figure(cpu.get(stage, "")), _figure(rss.get(stage, ""))
            )
        console.print(per_stage)


def _report(name: str, figures: dict[str, Any], out: Path | None, results_dir: Path) -> None:
    from redlane.bench.record import append_result

    path = append_result(results_dir, name, figures)
    if out is not None:
        out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    _print(name, figures)
    console.print(f"appended to {path}")


def _engine(engine: str, bench: str, *, resolves: bool) -> None:
    from redlane.bench.standing import EngineUnavailable, check_engine

    try:
        check_engine(engine, bench, resolves=resolves)
    except EngineUnavailable as exc:
        raise typer.BadParameter(str(exc), param_hint="--engine") from exc


@bench_app.command("ingest")
def bench_ingest(
    parcels: Annotated[
        int,
        typer.Option(
            "--shipments", "--parcels", help="Parcels in the simulated world (all days).", min=100
        ),
    ] = 200_000,
    days: Annotated[int, typer.Option(help="Days of traffic.", min=1)] = 7,
    seed: Annotated[int, typer.Option(help="World seed.")] = 11,
    engine: Engine = "duckdb",
    out: Out = None,
    results_dir: ResultsDir = RESULTS,
) -> None:
    """Simulate a world, ingest it in a child process, compare with a plain DuckDB load."""
    from redlane.bench.ingest_bench import run

    _engine(engine, "ingest", resolves=False)
    _report("ingest", run(parcels, seed=seed, days=days), out, results_dir)


@bench_app.command("resolve")
def bench_resolve(
    parcels: Annotated[
        int,
        typer.Option(
            "--shipments", "--parcels", help="Parcels in the simulated world (all days).", min=100
        ),
    ] = 20_000,
    days: Annotated[int, typer.Option(help="Days of traffic.", min=1)] = 7,
    seed: Annotated[int, typer.Option(help="World seed.")] = 13,
    baseline: Annotated[
        bool,
        typer.Option("--baseline/--no-baseline", help="Also run Splink as tutorials set it up."),
    ] = True,
    engine: Engine = "duckdb",
    out: Out = None,
    results_dir: ResultsDir = RESULTS,
) -> None:
    """Simulate and ingest a world; resolve it with redlane and with the baseline; score both."""
    from redlane.bench.resolve_bench import run

    _engine(engine, "resolve", resolves=True)
    figures = run(parcels, seed=seed, days=days, baseline=baseline, engine=engine)
    _report("resolve", figures, out, results_dir)


@bench_app.command("match")
def bench_match(
    queries: Annotated[int, typer.Option(help="Queries to time.", min=10)] = 2000,
    seed: Annotated[int, typer.Option(help="Sampling seed.")] = 7,
    out: Out = None,
    results_dir: ResultsDir = RESULTS,
) -> None:
    """Live-match latency (p50/p95/p99) against the current resolution run, warm process."""
    from redlane.bench.match_bench import run
    from redlane.cli.common import settings

    _report("match", run(settings().home, queries=queries, seed=seed), out, results_dir)


@bench_app.command("day")
def bench_day(
    shipments: Annotated[int, typer.Option(help="Parcels in the day.", min=100)] = 20_000,
    history_days: HistoryDays = 2,
    seed: Annotated[int, typer.Option(help="World seed.")] = 17,
    engine: Engine = "duckdb",
    profile: Annotated[
        Path | None,
        typer.Option(
            help="Profile the timed day with cProfile: stats here, top functions in PATH.txt; "
            "the figures of a profiled run are not appended to the results."
        ),
    ] = None,
    out: Out = None,
    results_dir: ResultsDir = RESULTS,
) -> None:
    """A day end to end (ingest → incremental resolve → features → score → plan), timed."""
    from redlane.bench.day_bench import run

    _engine(engine, "day", resolves=True)
    figures = run(shipments, seed=seed, history_days=history_days, engine=engine, profile=profile)
    if profile is not None:
        _print("day (profiled)", figures)
        console.print(f"profile written to {profile} and {profile}.txt")
        if out is not None:
            out.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
        return
    _report("day", figures, out, results_dir)


@bench_app.command("score")
def bench_score(
    shipments: Annotated[int, typer.Option(help="Parcels in the day.", min=100)] = 20_000,
    history_days: HistoryDays = 2,
    seed: Annotated[int, typer.Option(help="World seed.")] = 17,
    engine: Engine = "duckdb",
    out: Out = None,
    results_dir: ResultsDir = RESULTS,
) -> None:
    """A day's features and model scores, against the counterfeit rule pack alone (AUC)."""
    from redlane.bench.score_bench import run

    _engine(engine, "score", resolves=False)
    _report("score", run(shipments, seed=seed, history_days=history_days), out, results_dir)


@bench_app.command("plan")
def bench_plan(
    shipments: Annotated[int, typer.Option(help="Parcels in the day.", min=100)] = 20_000,
    history_days: HistoryDays = 2,
    seed: Annotated[int, typer.Option(help="World seed.")] = 17,
    engine: Engine = "duckdb",
    out: Out = None,
    results_dir: ResultsDir = RESULTS,
) -> None:
    """Plans for every port of a day, against random and rules-only picks at equal capacity."""
    from redlane.bench.plan_bench import run

    _engine(engine, "plan", resolves=False)
    _report("plan", run(shipments, seed=seed, history_days=history_days), out, results_dir)


@bench_app.command("api")
def bench_api(
    shipments: Annotated[int, typer.Option(help="Parcels a day in the world.", min=100)] = 20_000,
    requests: Annotated[int, typer.Option(help="Records screened in process.", min=10)] = 2000,
    http_requests: Annotated[
        int, typer.Option(help="Of those, sent through POST /v1/screen (0: none).", min=0)
    ] = 300,
    history_days: HistoryDays = 2,
    seed: Annotated[int, typer.Option(help="World seed.")] = 17,
    engine: Engine = "duckdb",
    out: Out = None,
    results_dir: ResultsDir = RESULTS,
) -> None:
    """Screening latency and throughput: the warm screener, then the HTTP route in process."""
    from redlane.bench.api_bench import run

    _engine(engine, "api", resolves=False)
    figures = run(
        shipments,
        seed=seed,
        history_days=history_days,
        requests=requests,
        http_requests=http_requests,
    )
    _report("api", figures, out, results_dir)


@bench_app.command("events")
def bench_events(
    shipments: Annotated[
        int, typer.Option(help="Parcels a day in the standing world.", min=1000)
    ] = 5000,
    duration: Annotated[
        float, typer.Option(help="Seconds of advance data and injected events.", min=20)
    ] = 90.0,
    rate: Annotated[float, typer.Option(help="Advance-data parcels a second.", min=1)] = 50.0,
    events: Annotated[
        int, typer.Option(help="Events injected (takedown, seizure, lookout in turn).", min=1)
    ] = 9,
    transport: Annotated[str, typer.Option(help="outbox (embedded) or nats.")] = "outbox",
    kill_worker_at: Annotated[
        float | None,
        typer.Option(help="Kill the worker (SIGKILL) this many seconds in, and restart it."),
    ] = None,
    history_days: HistoryDays = 4,
    seed: Annotated[int, typer.Option(help="World seed.")] = 23,
    out: Out = None,
    results_dir: ResultsDir = RESULTS,
) -> None:
    """From a partner's event to the carrier's hold: latency per injected event (p50, p95,
    max), lost events and duplicate deliveries, under a day's advance-data load."""
    from redlane.bench.events_bench import run

    if transport not in ("outbox", "nats"):
        raise typer.BadParameter("choose outbox or nats", param_hint="--transport")
    figures = run(
        shipments,
        seed=seed,
        history_days=history_days,
        duration_s=duration,
        rate=rate,
        events=events,
        transport=transport,
        kill_worker_at=kill_worker_at,
        progress=lambda message: console.print(f"[dim]{message}[/dim]"),
    )
    _report("events", figures, out, results_dir)


@bench_app.command("all")
def bench_all(
    shipments: Annotated[
        int,
        typer.Option(help="Parcels a day (ingest and resolve: parcels in their world).", min=100),
    ] = 20_000,
    history_days: HistoryDays = 2,
    seed: Annotated[int, typer.Option(help="World seed.")] = 17,
    engine: Engine = "duckdb",
    out: Out = None,
    results_dir: ResultsDir = RESULTS,
) -> None:
    """Every benchmark at one size; score, plan and api share one standing world."""
    from redlane.bench import (
        api_bench,
        day_bench,
        ingest_bench,
        plan_bench,
        resolve_bench,
        score_bench,
    )
    from redlane.bench.standing import standing_world

    _engine(engine, "all", resolves=True)
    every: dict[str, dict[str, Any]] = {}

    def step(name: str, bench: Callable[[], dict[str, Any]]) -> None:
        console.print(f"[bold]bench {name}[/bold] …")
        every[name] = bench()
        _report(name, every[name], None, results_dir)

    step("ingest", lambda: ingest_bench.run(shipments, seed=seed))
    step("resolve", lambda: resolve_bench.run(shipments, seed=seed, engine=engine))
    step(
        "day",
        lambda: day_bench.run(shipments, seed=seed, history_days=history_days, engine=engine),
    )

    with standing_world(shipments, seed=seed, history_days=history_days, with_day=True) as world:
        shared = {"setup_s": world.setup_s, "history_days": history_days}
        day = (world.home, world.day, world.truth)
        step("score", lambda: {**score_bench.run_from(*day), **shared})
        step("plan", lambda: {**plan_bench.run_from(*day), **shared})
        step("api", lambda: {**api_bench.run_from(world.home), "shipments": shipments, **shared})
    if out is not None:
        out.write_text(json.dumps(every, indent=2) + "\n", encoding="utf-8")
