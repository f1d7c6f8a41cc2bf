"""``redlane brands``: the brand registry from the recordations feed, rights holders' users,
flag accuracy, and the simulator evaluation of known-good lists and cloned codes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from redlane.brands.scope import CliCaller
from redlane.cli.audit_log import cli_actor
from redlane.cli.common import console, err_console, print_json, settings, store_session

brands_app = typer.Typer(
    help="Brand protection: registry sync, rights holders' users, flag accuracy, evaluation.",
    no_args_is_help=True,
)


@brands_app.command("sync")
def sync(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Copy the recordations feed (brands, trademarks, product lines, authorised parties with
    their resolved actors) into the brand registry. Run after `redlane resolve`."""
    from redlane.brands.registry import sync_recordations
    from redlane.cases.records import connect

    con, _ = connect(settings())
    try:
        with store_session() as session:
            summary = sync_recordations(session, con, CliCaller(cli_actor()))
    finally:
        con.close()
    if json_out:
        print_json(summary.to_json())
        return
    console.print(
        f"{summary.brands} brands of {summary.holders} rights holders: {summary.trademarks} "
        f"recordations, {summary.product_lines} product lines, {summary.parties} authorised "
        f"parties ({summary.parties_resolved} resolved to actors), {summary.gtins} GTINs"
    )
    for refused in summary.gtins_refused:
        err_console.print(
            f"GTIN refused: brand {refused['brand_id']}, product line {refused['product_line']}:"
            f" {refused['problem']}",
            markup=False,
        )


@brands_app.command("link")
def link(
    username: Annotated[str, typer.Argument(help="A user with the rights_holder role.")],
    holder: Annotated[str, typer.Argument(help="The rights holder's slug (brands holders).")],
) -> None:
    """Let a rights-holder user act for a rights holder (and see only its brands)."""
    from redlane.brands.registry import link_user

    with store_session() as session:
        found = link_user(session, username, holder, CliCaller(cli_actor()))
        console.print(f"{username} now acts for {found.name}")


@brands_app.command("holders")
def holders(json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """Rights holders with their flag accuracy and fast path."""
    from redlane.brands.flags import holder_metrics
    from redlane.brands.registry import holders as all_holders

    with store_session() as session:
        rows = all_holders(session)
        metrics = {m["slug"]: m for m in holder_metrics(session, None, [h["id"] for h in rows])}
    for row in rows:
        row.update({k: metrics.get(row["slug"], {}).get(k) for k in ("flags", "precision")})
        row["fast_path"] = metrics.get(row["slug"], {}).get("fast_path", False)
    if json_out:
        print_json(rows)
        return
    table = Table(title="Rights holders")
    for column in ("slug", "name", "country", "flags", "precision", "fast path"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["slug"],
            row["name"],
            row["country"] or "",
            str(row["flags"] or 0),
            "" if row["precision"] is None else f"{row['precision']:.0%}",
            "yes" if row["fast_path"] else "no",
        )
    console.print(table)


@brands_app.command("evaluate")
def evaluate(
    seed: Annotated[int, typer.Option(help="World seed.")] = 7,
    scale: Annotated[str, typer.Option(help="World size (see redlane sim world).")] = "small",
    days: Annotated[int, typer.Option(help="Days of traffic.", min=4)] = 30,
    budget: Annotated[
        float, typer.Option(help="Share of parcels inspected.", min=0.001, max=1.0)
    ] = 0.05,
    work: Annotated[
        Path | None, typer.Option(help="Keep the world and home here (default: a temp dir).")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Known-good supply chains (false positives avoided at the same counterfeit recall) and
    cloned codes (verdicts, ring links) on a simulated world. Several minutes."""
    from redlane.lab.brands_eval import EvalConfig, run

    with err_console.status("simulating, ingesting, resolving, training, scanning…"):
        result = run(EvalConfig(seed, scale, days, budget), work)
    if json_out:
        print_json(result)
        return
    kg = result["known_good"]
    table = Table(
        title=f"Known-good supply chains (seed {seed}, {result['test_parcels']:,} parcels)"
    )
    for column in ("recall", "opened", "false positives", "with known-good", "avoided"):
        table.add_column(column)
    for row in kg["at_recall"]:
        table.add_row(
            f"{row['recall']:.0%}",
            f"{row['opened']:,}",
            f"{row['false_positives']:,}",
            f"{row['false_positives_known_good']:,}",
            f"{row['false_positives_avoided']:,}",
        )
    console.print(table)
    console.print(
        f"{kg['parcels_known_good']:,} parcels known-good, {kg['counterfeits_known_good']} of "
        "them counterfeit"
    )
    console.print_json(data=result["cloned_codes"])
