"""``redlane sim``: make a simulated world of partner feeds with its ground truth."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from redlane.cli.common import console, err_console, print_json
from redlane.cli.progress import StageBars

sim_app = typer.Typer(
    help="The world simulator: partner feeds with ground truth.", no_args_is_help=True
)


@sim_app.command("world")
def world(
    out: Annotated[Path, typer.Option(help="Folder to write the feeds and truth/ into.")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 1,
    scale: Annotated[
        str, typer.Option(help="small (≈20k parcels), medium (≈1M), large (4M) or a number.")
    ] = "small",
    days: Annotated[int, typer.Option(help="Days of traffic to simulate.", min=1)] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Write every partner's feed, in its own format, plus truth/ for evaluation only."""
    from redlane.sim import generate_world, parse_scale

    try:
        parcels = parse_scale(scale)
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--scale") from None
    with StageBars(err_console) as bars:
        summary = generate_world(out, seed=seed, parcels=parcels, days=days, progress=bars)
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
