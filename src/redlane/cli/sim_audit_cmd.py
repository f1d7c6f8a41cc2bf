"""``redlane sim audit``: how detectable the counterfeits of a simulated world are."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from redlane.cli.common import console, err_console, print_json
from redlane.cli.progress import StageBars
from redlane.cli.sim_cmds import parcels_of, sim_app


@sim_app.command("audit")
def audit(
    seed: Annotated[int, typer.Option(help="Random seed of the world.")] = 7,
    days: Annotated[int, typer.Option(help="Days of traffic to simulate.", min=2)] = 30,
    scale: Annotated[
        str, typer.Option(help="small (≈20k parcels), medium, large or a number of parcels.")
    ] = "small",
    inspection_rate: Annotated[
        float, typer.Option(help="Share of each day's arrivals inspected.", min=0.001, max=1.0)
    ] = 0.05,
    warmup_days: Annotated[
        int, typer.Option(help="Days before the loop starts planning (as in `sim loop`).", min=1)
    ] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Single-feature AUCs against the truth, and the hit rate of a perfect targeter."""
    from redlane.lab.world_audit import run_audit

    parcels = parcels_of(scale)
    if warmup_days >= days:
        raise typer.BadParameter("must be fewer than --days", param_hint="--warmup-days")
    with StageBars(err_console) as bars:
        result = run_audit(
            seed,
            days,
            parcels,
            inspection_rate=inspection_rate,
            warmup_days=warmup_days,
            progress=bars,
        )
    summary = result.summary()
    if as_json:
        print_json(summary)
        return
    table = Table(title=f"single-feature AUC, seed {seed} (direction-agnostic: max(AUC, 1-AUC))")
    table.add_column("feature")
    table.add_column("AUC", justify="right")
    for name, auc in summary["features"].items():
        style = "red" if auc >= 0.85 else ("yellow" if auc >= 0.7 else "")
        table.add_row(name, f"[{style}]{auc:.3f}[/]" if style else f"{auc:.3f}")
    console.print(table)
    constraints = summary["constraints"]
    lines = [
        f"prevalence {100 * summary['prevalence']:.2f} %"
        f" (random hit rate {100 * summary['random_hit_rate']:.2f} %)",
        f"max feature AUC {summary['max_feature_auc']:.3f} ({summary['max_feature']})",
        f"at {100 * summary['inspection_rate']:g} % inspection, loop evaluation days: ceiling hit"
        f" rate {100 * summary['ceiling_hit_rate']:.1f} %, ceiling recall"
        f" {100 * summary['ceiling_recall']:.1f} %, rules-only hit rate"
        f" {100 * summary['rules_only_hit_rate']:.1f} %",
    ]
    lines += [f"{name}: {'ok' if ok else 'FAILS'}" for name, ok in constraints.items()]
    for line in lines:
        console.print(line, highlight=False)
