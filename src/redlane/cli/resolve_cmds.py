"""``redlane resolve``, ``redlane eval resolution``, ``redlane match``, ``redlane network``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from redlane.cli.audit_log import record
from redlane.cli.common import (
    console,
    err_console,
    fail,
    fitting_table,
    print_json,
    settings,
)
from redlane.errors import RedlaneError

STEPS = ("parties", "normalise", "train", "score", "cluster", "network", "publish")

resolve_app = typer.Typer(
    help="Resolve parties from every feed into actors and rings.", invoke_without_command=True
)
eval_app = typer.Typer(
    help="Evaluate against a truth: a simulated world's, or your own labels.", no_args_is_help=True
)
network_app = typer.Typer(help="Actor networks and rings.", no_args_is_help=True)


def _quiet_splink() -> None:
    from redlane.resolve.splink_model import quiet_splink

    quiet_splink()


def _labels() -> list[tuple[str, str, str]]:
    from redlane.resolve.labels import load_labels

    if not (settings().database_url or (settings().home / "redlane.db").exists()):
        return []
    return load_labels(settings().database)


@resolve_app.callback()
def resolve(
    ctx: typer.Context,
    full: bool = typer.Option(
        False, "--full", help="Retrain Splink and re-cluster everything (default: incremental)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the run summary as JSON."),
    engine: str = typer.Option(
        "duckdb",
        "--engine",
        help="Where signature pairs are scored: duckdb (embedded) or spark (REDLANE_SPARK_MASTER,"
        " local[2] by default; needs the `spark` extra).",
    ),
) -> None:
    """Link every party (sellers, shippers, consignees, importers, handles) into actors.

    The first run is full; later runs link only new parties to existing actors with the saved
    model, unless --full. Results are published whole under REDLANE_HOME/resolution.
    """
    if ctx.invoked_subcommand is not None:
        return
    from redlane.brands.cloned import register_cloned_refs
    from redlane.resolve.run import ENGINES
    from redlane.resolve.run import resolve as run_resolve

    if engine not in ENGINES:
        raise typer.BadParameter(f"choose one of {', '.join(ENGINES)}", param_hint="--engine")
    _quiet_splink()
    s = settings()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=as_json,
    ) as progress:
        task = progress.add_task("resolving: reading parties", total=None)

        def on_step(name: str) -> None:
            nxt = STEPS[STEPS.index(name) + 1] if name in STEPS[:-1] else "done"
            progress.update(task, description=f"resolving: {nxt}")

        try:
            summary = run_resolve(
                s.warehouse_path,
                s.home,
                full=full,
                labels=_labels(),
                memory_limit=s.duckdb_memory_limit,
                on_step=on_step,
                engine=engine,  # type: ignore[arg-type]  # checked against ENGINES above
                links=(register_cloned_refs,),
            )
        except RedlaneError as exc:
            raise fail(exc) from None
    record("resolve", "resolution_run", [summary.run_id], details=summary.to_json())
    if as_json:
        print_json(summary.to_json())
        return
    table = Table(title=f"resolution run {summary.run_id} ({summary.mode})")
    for column in ("parties", "new parties", "signatures", "pairs", "actors", "rings", "seconds"):
        table.add_column(column, justify="right")
    table.add_row(
        *(
            f"{v:,}"
            for v in (
                summary.parties,
                summary.new_parties,
                summary.signatures,
                summary.pairs,
                summary.actors,
                summary.rings,
            )
        ),
        f"{summary.seconds:.1f}",
    )
    console.print(table)


@resolve_app.command("explain")
def explain(
    party_a: str = typer.Argument(..., help="A party id (see `redlane match` or the parties)."),
    party_b: str = typer.Argument(..., help="Another party id."),
    html: Path | None = typer.Option(None, "--html", help="Write Splink's charts to this file."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Why two parties match or not: each field's comparison level and Bayes factor."""
    from redlane.resolve.explain import explain_pair

    _quiet_splink()
    try:
        result = explain_pair(settings().home, party_a, party_b, html)
    except RedlaneError as exc:
        raise fail(exc) from None
    record("explain_match", "party", [party_a, party_b])
    if as_json:
        print_json(result.to_json())
        return
    table = fitting_table(
        f"match probability {result.match_probability:.4f}",
        [
            ("field", "key"),
            (party_a, "text"),
            (party_b, "text"),
            ("level", "text"),
            ("Bayes factor", "number"),
        ],
        [
            [
                level["field"],
                str(level["left"]),
                str(level["right"]),
                str(level["label"]),
                f"{level['bayes_factor']:.3g}",
            ]
            for level in result.levels
        ],
    )
    console.print(table)
    if result.refused is not None:
        console.print(f"not merged: {result.refused}")
    if html is not None:
        console.print(f"charts written to {html}")


@eval_app.command("resolution")
def eval_resolution(
    truth: Path = typer.Option(
        ...,
        "--truth",
        help="A world's truth/ folder, or a mapping file (.csv or .parquet) with columns"
        " source,record_id,role,entity_id.",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print metrics as JSON."),
) -> None:
    """Pairwise and B-cubed precision/recall/F1 of the current run against a truth, plus ring
    purity/recall and the figures a truth/ folder allows (docs/resolution.md)."""
    import duckdb

    from redlane.network.evaluate import evaluate_rings
    from redlane.resolve.evaluate import (
        MAPPING_SUFFIXES,
        ResolutionMetrics,
        evaluate_resolution,
        load_mapping,
    )
    from redlane.resolve.outputs import register_resolution_views

    con = duckdb.connect()
    truth_source: Path | str
    if truth.is_dir():
        if not (truth / "party_links.parquet").exists():
            raise fail(f"{truth}: no party_links.parquet (is this a truth/ folder?)")
        truth_source = truth
    elif truth.suffix.lower() in MAPPING_SUFFIXES:
        try:
            truth_source = load_mapping(con, truth)
        except RedlaneError as exc:
            raise fail(exc) from None
    elif not truth.exists():
        raise fail(f"{truth}: no such file or folder")
    else:
        raise fail(f"{truth}: expected a truth/ folder or a .csv or .parquet mapping file")
    if not register_resolution_views(con, settings().home):
        raise fail("no resolution run yet: run `redlane resolve` first")
    found = evaluate_resolution(con, "party_actors", truth_source, actors_sql="actors")
    # The keys of earlier versions first, in their order (a contract), then the newer ones.
    metrics: dict[str, Any] = {k: found[k] for k in ResolutionMetrics.__dataclass_fields__}
    if isinstance(truth_source, Path) and (truth_source / "actors.parquet").exists():
        metrics.update(evaluate_rings(con, truth_source).to_json())
    metrics.update({k: v for k, v in found.items() if k not in metrics})
    if as_json:
        print_json(metrics)
        return
    table = Table(title="resolution vs truth")
    table.add_column("metric", overflow="fold")
    table.add_column("value", justify="right", no_wrap=True)
    for key, value in metrics.items():
        table.add_row(key, f"{value:.4f}" if isinstance(value, float) else f"{value:,}")
    console.print(table)
    if metrics.get("unmatched_labels"):
        err_console.print(
            f"{metrics['unmatched_labels']:,} of {metrics['labels']:,} labelled appearances match"
            " no party of the run (left out of every figure)",
            highlight=False,
            soft_wrap=True,
        )


def match(
    record_json: str = typer.Option(
        ..., "--json", help='The party as JSON, e.g. \'{"name": "...", "phone": "..."}\'.'
    ),
    top: int = typer.Option(5, "--top", min=1, max=100),
) -> None:
    """Top candidate actors for one new party record (name, address, country, phone, email,
    bank_account, device_id, ip_address, handle, registry_id), with per-field reasons."""
    from redlane.resolve.live import LiveMatcher

    try:
        party = json.loads(record_json)
    except json.JSONDecodeError as exc:
        raise fail(f"--json is not valid JSON: {exc}") from None
    if not isinstance(party, dict):
        raise fail("--json must be a JSON object")
    try:
        matcher = LiveMatcher.load(settings().home)
    except RedlaneError as exc:
        raise fail(exc) from None
    candidates = matcher.match(party, top=top)
    record("live_match", "actor", [c.actor_id for c in candidates])
    print_json({"candidates": [c.to_json() for c in candidates]})


@network_app.command("show")
def network_show(
    actor_id: str = typer.Argument(...),
    html: Path | None = typer.Option(None, "--html", help="Write an interactive graph here."),
    hops: int = typer.Option(2, "--hops", min=1, max=4),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """An actor's neighbourhood: shared identifiers, ring, risk and why."""
    import duckdb

    from redlane.network.view import neighbourhood, neighbourhood_html
    from redlane.resolve.outputs import register_resolution_views

    con = duckdb.connect()
    register_resolution_views(con, settings().home)
    try:
        hood = neighbourhood(con, actor_id, hops=hops)
    except RedlaneError as exc:
        raise fail(exc) from None
    record("view_network", "actor", [actor_id])
    if html is not None:
        html.write_text(neighbourhood_html(hood), encoding="utf-8")
    if as_json:
        print_json(hood.to_json())
        return
    table = fitting_table(
        f"network around {actor_id}",
        [("actor", "key"), ("name", "text"), ("ring", "key"), ("risk", "number"), ("why", "text")],
        [
            [
                node["id"],
                str(node["label"]),
                str(node["ring_id"] or ""),
                f"{node['risk']:.2f}",
                "; ".join(node["reasons"][:2]),
            ]
            for node in sorted(hood.nodes, key=lambda n: -n["risk"])
        ],
    )
    console.print(table)
    if html is not None:
        console.print(f"graph written to {html}")
