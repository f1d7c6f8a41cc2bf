"""``redlane sim``: make a simulated world of partner feeds with its ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from redlane.cli.common import console, err_console, print_json
from redlane.cli.progress import StageBars

sim_app = typer.Typer(
    help="The world simulator: partner feeds with ground truth.", no_args_is_help=True
)


def parcels_of(scale: str) -> int:
    """The parcel count of a --scale value, or a usage error naming the option."""
    from redlane.sim import parse_scale

    try:
        return parse_scale(scale)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--scale") from None


@sim_app.command("world")
def world(
    out: Annotated[Path, typer.Option(help="Folder to write the feeds and truth/ into.")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 1,
    scale: Annotated[
        str, typer.Option(help="small (≈20k parcels), medium (≈1M), large (4M) or a number.")
    ] = "small",
    days: Annotated[int, typer.Option(help="Days of traffic to simulate.", min=1)] = 30,
    counterfeit_rate: Annotated[
        float | None,
        typer.Option(
            help="Share of parcels that are counterfeit (true prevalence; default 0.01).",
            min=0.0,
            max=1.0,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Write every partner's feed, in its own format, plus truth/ for evaluation only."""
    from redlane.sim import SimConfig, generate_world

    parcels = parcels_of(scale)
    with StageBars(err_console) as bars:
        summary = generate_world(
            out,
            seed=seed,
            parcels=parcels,
            days=days,
            progress=bars,
            config=SimConfig()
            if counterfeit_rate is None
            else SimConfig(counterfeit_rate=counterfeit_rate),
        )
    if as_json:
        print_json(summary.to_dict())
        return
    rows = sum(summary.files.values())
    table = Table(title=f"World seed={seed} parcels={summary.parcels:,} days={days} → {out}")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, n in sorted(summary.files.items()):
        table.add_row(name, f"{n:,}")
    console.print(table)
    rate = rows / summary.seconds if summary.seconds else 0.0
    console.print(f"{rows:,} rows in {summary.seconds:.1f} s ({rate:,.0f} rows/s)")
    console.print(f"Next: [bold]redlane ingest {out}[/]")


@sim_app.command("loop")
def loop(
    seed: Annotated[int, typer.Option(help="Random seed of the world and of the loop.")] = 7,
    seeds: Annotated[
        str | None,
        typer.Option(
            help="Several seeds, e.g. 41-45 or 41,43,47: per-seed figures, their mean and 95 % "
            "interval (overrides --seed)."
        ),
    ] = None,
    days: Annotated[int, typer.Option(help="Days of traffic to simulate.", min=10)] = 30,
    scale: Annotated[
        str, typer.Option(help="small (≈20k parcels), medium, large or a number of parcels.")
    ] = "small",
    inspection_rate: Annotated[
        float, typer.Option(help="Share of each day's arrivals inspected.", min=0.001, max=1.0)
    ] = 0.05,
    exploration: Annotated[
        float, typer.Option(help="Share of capacity drawn at random.", min=0.0, max=1.0)
    ] = 0.05,
    weighting: Annotated[str, typer.Option(help="Bias correction: ipw, exploration or none.")] = (
        "ipw"
    ),
    warmup_days: Annotated[
        int, typer.Option(help="Days of historical inspections to start from.", min=1)
    ] = 7,
    plots: Annotated[
        Path | None, typer.Option(help="Folder for the hit-rate plot (PNG + HTML).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Closed loop: each day score → plan at capacity → inspect → record → retrain weekly."""
    from redlane.lab.loop_seeds import parse_seeds, summarise_seeds
    from redlane.lab.targeting_loop import run_loop, write_plots
    from redlane.targeting.model import WEIGHTINGS

    parcels = parcels_of(scale)
    try:
        seed_list = parse_seeds(seeds) if seeds is not None else [seed]
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--seeds") from None
    if weighting not in WEIGHTINGS:
        raise typer.BadParameter(f"use one of {', '.join(WEIGHTINGS)}", param_hint="--weighting")
    results = []
    for one in seed_list:
        with StageBars(err_console) as bars:
            results.append(
                run_loop(
                    one,
                    days,
                    parcels,
                    inspection_rate=inspection_rate,
                    exploration_rate=exploration,
                    warmup_days=warmup_days,
                    weighting=weighting,  # type: ignore[arg-type]
                    progress=bars,
                )
            )
    if seeds is not None:
        combined = summarise_seeds([r.summary() for r in results])
        if as_json:
            print_json(combined)
            return
        _print_seeds(combined)
        return
    result = results[0]
    files = write_plots(result, plots) if plots is not None else []
    summary = result.summary()
    summary["plots"] = [str(f) for f in files]
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"closed loop, last half ({' .. '.join(summary['evaluation_days'])})")
    for name in ("strategy", "inspected", "seized", "hit rate", "value share", "recall"):
        table.add_column(name, justify="right")
    for name, m in result.strategies.items():
        table.add_row(
            name,
            str(m["inspected"]),
            str(m["seized"]),
            f"{100 * (m['hit_rate'] or 0):.1f} %",
            f"{100 * (m['seized_value_share'] or 0):.1f} %",
            f"{100 * (m['counterfeit_recall'] or 0):.1f} %",
        )
    console.print(table)
    for note in result.notes:
        console.print(f"note: {note}", highlight=False)


def _print_seeds(combined: dict[str, Any]) -> None:
    table = Table(title=f"closed loop over seeds {combined['seeds']}: mean and 95 % interval")
    for name in ("figure", "mean", "95 % interval", *(str(s) for s in combined["seeds"])):
        table.add_column(name, justify="right")
    for key, (lo, hi) in combined["ci95"].items():
        per = [combined["per_seed"][str(s)].get(key) for s in combined["seeds"]]
        table.add_row(
            key,
            _fmt(combined["mean"][key]),
            f"{_fmt(lo)} .. {_fmt(hi)}",
            *(_fmt(v) for v in per),
        )
    console.print(table)


def _fmt(value: Any) -> str:
    return "-" if value is None else f"{value:.3f}" if isinstance(value, float) else str(value)
