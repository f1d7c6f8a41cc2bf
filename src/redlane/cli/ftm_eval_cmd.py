"""``redlane eval ftm``: how FtM entities a partner imports find their parcels."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from redlane.cli.common import console, fail, print_json, settings
from redlane.cli.resolve_cmds import eval_app
from redlane.errors import RedlaneError


@eval_app.command("ftm")
def eval_ftm(
    truth: Annotated[Path, typer.Option("--truth", help="The ingested world's truth/ folder.")],
    write_lists: Annotated[
        Path | None,
        typer.Option(
            "--write-lists",
            help="Also write the two FtM lists it builds (truth_list-full.ftm.json,"
            " truth_list-names.ftm.json) into this folder, for `redlane case ftm-import`.",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Parcel precision and recall of a bad-actor list written as FtM entities from a simulated
    world's truth: as the identifier lookouts `case ftm-import` makes, and resolved to actors by
    live matching (docs/resolution.md, "FtM lists")."""
    from redlane.lab.ftm_eval import METHODS, VARIANTS, evaluate_ftm_lists

    if not truth.is_dir():
        raise fail(f"{truth}: no such folder (expected a world's truth/ folder)")
    if write_lists is not None:
        write_lists.mkdir(parents=True, exist_ok=True)
    config = settings()
    try:
        figures = evaluate_ftm_lists(config.home, config.warehouse_path, truth, write_lists)
    except RedlaneError as exc:
        raise fail(exc) from None
    if as_json:
        print_json(figures)
        return
    table = Table(
        title=f"{figures['listed_identities']:,} listed identities of "
        f"{figures['listed_actors']:,} counterfeit actors"
    )
    for column in ("list", "found by", "precision", "recall (actor)", "recall (identity)"):
        table.add_column(column, justify="left" if column in ("list", "found by") else "right")
    table.add_column("entities hitting a legitimate shipper", justify="right")
    for variant in VARIANTS:
        for method in METHODS:
            row = figures[variant][method]
            table.add_row(
                variant,
                method,
                f"{row['precision']:.3f}",
                f"{row['recall_actor']:.3f}",
                f"{row['recall_identity']:.3f}",
                f"{row['entities_hitting_legit_shippers']:,}",
            )
    console.print(table)
