"""``redlane demo``: the whole system on a small simulated world, stage by stage.

It grows with every stage the product gains; each stage prints what happened and where to look.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel
from rich.table import Table

from redlane.cli.common import console, err_console, settings, warehouse
from redlane.cli.data_cmds import report_ingest, rows_table
from redlane.cli.progress import IngestBars, StageBars
from redlane.engine.warehouse import QUARANTINE_TABLE


def demo(
    seed: Annotated[int, typer.Option(help="World seed.")] = 7,
    scale: Annotated[str, typer.Option(help="World size (see redlane sim world).")] = "small",
    days: Annotated[int, typer.Option(help="Days of traffic.", min=1)] = 30,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Do not start the web service at the end.")
    ] = False,
) -> None:
    """Simulate a world, set up the stores, ingest every partner feed, show what is there."""
    from redlane.feeds.ingest import ingest_paths
    from redlane.sim import generate_world, parse_scale

    started = time.perf_counter()
    home = settings().home
    home.mkdir(parents=True, exist_ok=True)
    world = world_dir_for(home, seed, scale, days)
    console.rule("[bold]1. Simulate the partners' world")
    if (world / "truth" / "world.json").exists():
        console.print(f"world already made at {world} (same seed: same files)")
    else:
        with StageBars(err_console) as bars:
            summary = generate_world(
                world, seed=seed, parcels=parse_scale(scale), days=days, progress=bars
            )
        console.print(
            f"{sum(summary.files.values()):,} rows in {len(summary.files)} files, "
            f"{summary.parcels:,} parcels, in {summary.seconds:.1f} s → {world}"
        )

    console.rule("[bold]2. Operational store")
    _setup_operational_store()

    console.rule("[bold]3. Ingest every partner feed")
    with IngestBars(err_console) as bars:
        results = ingest_paths([world], warehouse(), progress=bars)
    report_ingest(results)
    again = ingest_paths([world], warehouse())
    console.print(
        f"Re-ingesting the same files: {sum(r.loaded for r in again)} rows added, "
        f"{sum(r.status == 'already_ingested' for r in again)} files recognised as already loaded."
    )

    console.rule("[bold]4. What the warehouse holds")
    _print_warehouse()

    console.rule("[bold]5. Resolve parties into actors and rings")
    _resolve(world)

    console.rule("[bold]6. Train the targeting model and plan each port's last day")
    _target()

    console.rule("[bold]7. Open a case on the riskiest ring and export its evidence package")
    _case()

    console.rule("[bold]8. Console users")
    _users()
    console.print(
        Panel.fit(
            "redlane status                 rows per table\n"
            "redlane quarantine list        refused rows and why\n"
            "redlane batches                ingestion history (lineage)\n"
            "redlane network show ACTOR     an actor's network and risk\n"
            "redlane match --json '{...}'   live match of a new party\n"
            "redlane case list              cases; redlane case export ID --out DIR\n"
            f"{world}/truth/     ground truth (evaluation only)",
            title="Where to look next",
        )
    )
    console.print(f"demo finished in {time.perf_counter() - started:.1f} s")
    if not no_serve:
        from redlane.cli.serve_cmds import serve

        serve(host="127.0.0.1", port=8000)


def _resolve(world: Path) -> None:
    from redlane.brands.cloned import register_cloned_refs
    from redlane.resolve.run import resolve
    from redlane.resolve.splink_model import quiet_splink

    quiet_splink()
    store = settings()
    with err_console.status("resolving parties with Splink…"):
        summary = resolve(
            store.warehouse_path,
            store.home,
            memory_limit=store.duckdb_memory_limit,
            links=(register_cloned_refs,),
        )
    console.print(
        f"{summary.parties:,} parties → {summary.actors:,} actors in {summary.rings:,} rings "
        f"({summary.mode} run, {summary.seconds:.1f} s)"
    )
    import duckdb

    from redlane.resolve.evaluate import evaluate_assignments
    from redlane.resolve.outputs import register_resolution_views

    con = duckdb.connect()
    register_resolution_views(con, store.home)
    metrics = evaluate_assignments(con, "SELECT * FROM party_actors", world / "truth")
    console.print(
        f"against the simulator's truth: pairwise F1 {metrics.pairwise_f1:.3f}, "
        f"B-cubed F1 {metrics.bcubed_f1:.3f}"
    )
    top = con.execute(
        "SELECT ring_id, n_actors, round(risk, 2), seizures FROM rings ORDER BY risk DESC LIMIT 3"
    ).fetchall()
    for ring_id, n_actors, risk, seizures in top:
        console.print(f"  ring {ring_id}: {n_actors} actors, risk {risk}, {seizures} seizure(s)")


def _target() -> None:
    from redlane.store.db import session_scope
    from redlane.targeting.plan import plan_port_day
    from redlane.targeting.training import connect, train_and_promote

    store = settings()
    with err_console.status("computing features and training LightGBM…"):
        con = connect(store.home, store.warehouse_path, store.duckdb_memory_limit)
        model = train_and_promote(store.home, con)
    meta = model.meta
    console.print(
        f"model {model.version}: {meta['rows']:,} inspected shipments, {meta['seizures']:,} "
        "seizures; now the champion"
    )
    # The busiest of the last week's arrival days (the very last days are a thin tail).
    day, ports = con.execute(
        "WITH d AS (SELECT CAST(expected_arrival AS DATE) AS day, port_of_entry AS port "
        "FROM aed_shipments), recent AS (SELECT day, count(*) AS n FROM d "
        "WHERE day > (SELECT max(day) FROM d) - 7 GROUP BY day ORDER BY n DESC, day LIMIT 1) "
        "SELECT recent.day::VARCHAR, list(DISTINCT d.port) FROM recent JOIN d USING (day) "
        "GROUP BY recent.day"
    ).fetchall()[0]
    table = Table(title=f"Inspection plans for {day}")
    for column in (
        "port",
        "shipments",
        "red lane",
        "by rules/lookouts",
        "exploration",
        "top reason",
    ):
        table.add_column(column)
    with session_scope(store.database) as session:
        for port in sorted(ports or []):
            result = plan_port_day(
                session,
                con,
                model,
                port=port,
                day=day,
                actor="system:demo",
                out=store.home / "plans",
            )
            red = result.lane("red")
            top = red[0].reasons[0] if red and red[0].reasons else ""
            top = top if len(top) <= 60 else top[:57] + "…"
            table.add_row(
                port,
                f"{result.shipments:,}",
                f"{len(red)} / {result.capacity}",
                str(sum(i.selected_by in ("rule", "lookout") for i in red)),
                str(sum(i.selected_by == "exploration" for i in red)),
                top,
            )
    console.print(table)
    console.print(f"holds lists (CSV/JSON by air waybill) in {store.home / 'plans'}")


def _case() -> None:
    from redlane.cases.demo import create_demo_case
    from redlane.errors import NotReady

    try:
        case_id = create_demo_case(settings())
    except NotReady as exc:
        console.print(f"[yellow]no case opened:[/] {exc}")
        return
    package = settings().home / "exports" / f"case-{case_id}"
    console.print(f"case {case_id} opened; signed evidence package in {package}")
    console.print(f"  redlane case show {case_id}    redlane case verify {package}")


def _users() -> None:
    from redlane.api.users import ensure_demo_users
    from redlane.store.db import session_scope

    with session_scope(settings().database) as session:
        users = ensure_demo_users(session, settings().home)
    _demo_rights_holder()
    table = Table(title="Demo users (local only; also in REDLANE_HOME/demo-users.txt)")
    for column in ("username", "password", "role", "partner"):
        table.add_column(column)
    for username, password, role, partner in users:
        table.add_row(username, password, role, partner)
    console.print(table)
    console.print("console: http://127.0.0.1:8000/console   API docs: http://127.0.0.1:8000/docs")


def _demo_rights_holder() -> None:
    from redlane.brands.registry import ensure_demo_rights_holder
    from redlane.brands.scope import CliCaller
    from redlane.cases.records import connect
    from redlane.store.db import session_scope

    con, _ = connect(settings())
    try:
        with session_scope(settings().database) as session:
            holder = ensure_demo_rights_holder(session, con, "rights", CliCaller("system:demo"))
    finally:
        con.close()
    if holder is not None:
        console.print(f"demo user rights acts for the rights holder {holder.name}")


def _setup_operational_store() -> None:
    from redlane.store.db import session_scope
    from redlane.store.migrate import current, ensure_schema
    from redlane.store.partners import ensure_default_partners

    url = settings().database
    ensure_schema(url)
    with session_scope(url) as session:
        ensure_default_partners(session)
    shown = url.split("@")[-1] if "@" in url else url
    console.print(f"{shown} at revision {current(url)}; default partners present")


def _print_warehouse() -> None:
    store = warehouse()
    con = store.connect()
    rows = store.table_rows()
    console.print(rows_table(store.root, rows, rows.pop(QUARANTINE_TABLE)))
    reasons = con.execute(
        "SELECT table_name, reason, count(*) AS n FROM quarantine GROUP BY ALL ORDER BY n DESC "
        "LIMIT 8"
    ).fetchall()
    if reasons:
        top = Table(title="Why rows were refused (top reasons)")
        for col in ("table", "reason", "rows"):
            top.add_column(col)
        for table_name, reason, n in reasons:
            top.add_row(table_name or "", reason, str(n))
        console.print(top)
    seized = con.execute(
        "SELECT count(*), count(*) FILTER (outcome = 'seized') FROM inspections"
    ).fetchall()[0]
    if seized:
        console.print(f"{seized[0]:,} past inspections, {seized[1]:,} seizures on record")


def world_dir_for(home: Path, seed: int, scale: str, days: int) -> Path:
    return home / "worlds" / f"demo-seed{seed}-{scale}-{days}d"
