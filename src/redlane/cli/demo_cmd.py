"""``redlane demo``: the whole system on a small simulated world, stage by stage.

It grows with every stage the product gains; each stage prints what happened and where to look.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.panel import Panel
from rich.table import Table

from redlane.cli.common import console, err_console, settings, warehouse
from redlane.cli.data_cmds import report_ingest, rows_table
from redlane.cli.progress import IngestBars, StageBars
from redlane.engine.warehouse import QUARANTINE_TABLE
from redlane.lab.demo_days import OPERATING_DAYS


def demo(
    seed: Annotated[int, typer.Option(help="World seed.")] = 7,
    scale: Annotated[str, typer.Option(help="World size (see redlane sim world).")] = "small",
    days: Annotated[int, typer.Option(help="Days of traffic.", min=2)] = 30,
    operating_days: Annotated[
        int,
        typer.Option(
            help="Last days of the world played as operating days (plans, inspections, "
            "outcomes, lookouts) instead of ingested as history; at most half of --days.",
            min=1,
        ),
    ] = OPERATING_DAYS,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Do not start the web service at the end.")
    ] = False,
) -> None:
    """Simulate a world, ingest its history, then play its last days as customs would."""
    from redlane.feeds.ingest import ingest_paths
    from redlane.lab.demo_days import split_world
    from redlane.sim import generate_world, parse_scale

    # A history of at least half the days: the first model needs labels to learn from.
    operating_days = min(operating_days, days // 2)
    started = time.perf_counter()
    stage = _Stages()
    home = settings().home
    home.mkdir(parents=True, exist_ok=True)
    world = world_dir_for(home, seed, scale, days)
    stage.rule("Simulate the partners' world")
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
    split = split_world(world, operating_days)
    first_day = min(split.days) if split.days else date.max

    stage.rule("Operational store")
    _setup_operational_store()

    stage.rule(f"Ingest the partners' history (before {first_day})")
    with IngestBars(err_console) as bars:
        results = ingest_paths(split.history, warehouse(), progress=bars)
    report_ingest(results)
    again = ingest_paths(split.history, warehouse())
    console.print(
        f"Re-ingesting the same files: {sum(r.loaded for r in again)} rows added, "
        f"{sum(r.status == 'already_ingested' for r in again)} files recognised as already loaded."
    )

    stage.rule("What the warehouse holds")
    _print_warehouse()

    stage.rule("Resolve parties into actors and rings")
    _resolve(world)

    stage.rule("Train the targeting model on the history")
    trained = _target(first_day)

    stage.rule("Console users")
    _users()

    stage.rule("Rules and lookouts: the shipped rule pack, lookouts on past seizures")
    _rule_pack(first_day)

    from redlane.lab.demo_days import Truth

    truth = Truth.load(world)
    seized: list[str] = []
    playing = sorted(split.days) if trained else []
    if not trained:
        console.print("[yellow]no champion model: the operating days are skipped[/]")
    for n, day in enumerate(playing, start=1):
        if n == len(playing) and n > 1:
            stage.rule("Retrain: a challenger against the champion")
            _retrain()
        stage.rule(f"Operating day {n} of {len(playing)}: {day}")
        seized += _play_day(truth, day, split.days[day], len(split.held_out))
    last_day = playing[-1] if playing else first_day
    _scope_demo_officer()

    stage.rule("The marketplace takes a seller down")
    _takedown(truth, seized, last_day)

    stage.rule("The rights holder: authentication codes and a flag")
    _brand_protection(world, seed, truth, seized)

    stage.rule("Events: holds to the carrier, notices to the marketplace and rights holders")
    _events()

    stage.rule("Open a case on the riskiest ring and export its evidence package")
    _case()
    console.print(
        Panel.fit(
            "redlane status                 rows per table\n"
            "redlane quarantine list        refused rows and why\n"
            "redlane batches                ingestion history (lineage)\n"
            "redlane network show ACTOR     an actor's network and risk\n"
            "redlane match --json '{...}'   live match of a new party\n"
            "redlane target rules list      rules with their hits and hit rates\n"
            "redlane case list              cases; redlane case export ID --out DIR\n"
            "docs/guide/                    what each role does in a day\n"
            f"{world}/truth/     ground truth (evaluation only)",
            title="Where to look next",
        )
    )
    stage.report()
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


class _Stages:
    """Numbered stage headings, in the order the demo reaches them, and the time each took."""

    def __init__(self) -> None:
        self.seconds: list[tuple[str, float]] = []
        self._since = time.perf_counter()

    def rule(self, title: str) -> None:
        self._close()
        self.seconds.append((title, 0.0))
        console.rule(f"[bold]{len(self.seconds)}. {title}")

    def _close(self) -> None:
        now = time.perf_counter()
        if self.seconds:
            title, _ = self.seconds[-1]
            self.seconds[-1] = (title, now - self._since)
        self._since = now

    def report(self) -> None:
        self._close()
        table = Table(title="Seconds per stage")
        table.add_column("stage")
        table.add_column("seconds", justify="right")
        for n, (title, seconds) in enumerate(self.seconds, start=1):
            table.add_row(f"{n}. {title}", f"{seconds:.1f}")
        console.print(table)


def _target(first_day: date) -> bool:
    from redlane.errors import RedlaneError
    from redlane.lab.demo_days import train_history_model
    from redlane.targeting.training import connect

    store = settings()
    with err_console.status("computing features and training LightGBM…"):
        con = connect(store.home, store.warehouse_path, store.duckdb_memory_limit)
        try:
            model = train_history_model(store.home, con, first_day)
        except RedlaneError as exc:
            console.print(f"[yellow]no model trained:[/] {exc}")
            return False
        finally:
            con.close()
    meta = model.meta
    console.print(
        f"model {model.version}: {meta['rows']:,} inspected shipments, {meta['seizures']:,} "
        f"seizures (arrivals before {first_day}); now the champion"
    )
    return True


def _world_start() -> datetime:
    from redlane.sim.config import START_DATE

    return datetime.combine(START_DATE, datetime.min.time(), UTC)


def _rule_pack(first_day: date) -> None:
    from redlane.lab.demo_days import add_rule_pack, history_lookouts
    from redlane.store.db import session_scope

    start = _world_start()
    with session_scope(settings().database) as session:
        added = add_rule_pack(session, settings(), start)
    for line in added:
        console.print(f"analyst added {line} (in force from {start.date()})", highlight=False)
    if not added:
        console.print("the counterfeit rule pack is already in force")
    filed = history_lookouts(settings(), start, first_day - timedelta(days=1))
    for line in filed:
        console.print(f"investigator filed {line} (shipper behind a past seizure)", highlight=False)


def _play_day(truth: Any, day: date, files: list[Path], held_out: int) -> list[str]:
    from redlane.lab.demo_days import play_day

    with err_console.status(f"operating day {day}: ingest, resolve, plan, inspect…"):
        report = play_day(settings(), truth, day, files, _world_start())
    console.print(
        f"{report.rows:,} rows of the day's advance data ingested and resolved "
        f"({len(files)} files; the simulator's own inspection files of these days, {held_out}, "
        "are left out: the plans below decide what is opened)",
        highlight=False,
    )
    table = Table(title=f"{day}: plans made, red lane opened, findings recorded")
    for column in ("port", "shipments", "red lane", "by rules/lookouts", "exploration", "seized"):
        table.add_column(column)
    for p in report.ports:
        table.add_row(
            p.port,
            f"{p.shipments:,}",
            f"{p.red} / {p.capacity}",
            str(p.by_checks),
            str(p.exploration),
            str(p.seized),
        )
    console.print(table)
    versions = sorted({p.model_version for p in report.ports})
    console.print(
        f"{report.inspected} outcomes recorded ({report.seized} seized) against plans of model "
        f"{', '.join(versions)}; holds lists in {settings().home / 'plans'}",
        highlight=False,
    )
    for line in report.lookouts:
        console.print(f"  investigator filed {line}", highlight=False)
    return report.seized_hawbs


def _retrain() -> None:
    from redlane.cli.target_cmds import audit_retrain
    from redlane.errors import NotReady
    from redlane.lab.demo_days import retrain_champion

    try:
        with err_console.status("training the challenger…"):
            result = retrain_champion(settings())
    except NotReady as exc:
        console.print(f"[yellow]no retrain:[/] {exc}")
        return
    audit_retrain(result)
    table = Table(title=f"champion vs challenger on inspections from {result.window_from[:16]}")
    for column in ("model", "version", "AUC (IPW)", "log loss (IPW)"):
        table.add_column(column)
    for name, version, m in (
        ("champion", result.champion_version, result.champion),
        ("challenger", result.challenger_version, result.challenger),
    ):
        auc = None if m is None else m.get("auc")
        loss = None if m is None else m.get("log_loss")
        table.add_row(
            name,
            str(version or "-"),
            "-" if auc is None else f"{auc:.3f}",
            "-" if loss is None else f"{loss:.4f}",
        )
    console.print(table)
    verdict = "[green]promoted[/green]" if result.promoted else "[yellow]not promoted[/yellow]"
    console.print(
        f"challenger {verdict}: {result.why} ({result.window_rows} inspections, "
        f"{result.window_seizures} seizures)"
    )


def _takedown(truth: Any, seized: list[str], last_day: date) -> None:
    from redlane.lab.demo_days import marketplace_takedown

    at = datetime.combine(last_day, datetime.min.time(), UTC) + timedelta(hours=18)
    done = marketplace_takedown(settings(), truth, seized, at)
    if done is None:
        console.print("[yellow]no takedown:[/] no seized parcel names a marketplace seller")
        return
    listing = f", listing {done.listing_id}" if done.listing_id else ""
    console.print(
        f"takedown {done.takedown_id}: seller {done.seller_id} closed{listing} "
        f"({done.rows} row ingested from {done.file}); the screener follows takedowns",
        highlight=False,
    )


def _brand_protection(world: Path, seed: int, truth: Any, seized: list[str]) -> None:
    from redlane.lab.demo_days import brand_protection

    done = brand_protection(settings(), world, seed, truth, seized)
    if done is None:
        console.print("[yellow]no brand step:[/] the demo rights holder has no brand")
        return
    console.print(f"rights holder enrolled {done.enrolled:,} unit codes of {done.brand}")
    for hawb, verdicts in done.scans:
        counts = ", ".join(f"{n} {v}" for v, n in sorted(verdicts.items()))
        console.print(f"officer scanned the codes on parcel {hawb}: {counts}", highlight=False)
    if done.flag_id is not None:
        console.print(
            f"rights holder flagged {done.flag_target} (flag {done.flag_id}); the analyst "
            f"accepted it as lookout {done.lookout_id}",
            highlight=False,
        )


def _events() -> None:
    """One pass of the event worker (``redlane worker --once``), as the service's worker would
    have run through the days: the partners' action feeds fill from the plans and findings."""
    from sqlalchemy import func, select

    from redlane.events.worker import handle_pending
    from redlane.store.db import session_scope
    from redlane.store.event_models import PartnerMessage

    s = settings()
    handled = handle_pending(s.home, s.database, s.warehouse_path)
    with session_scope(s.database, readonly=True) as session:
        counts = session.execute(
            select(PartnerMessage.partner_id, PartnerMessage.topic, func.count())
            .group_by(PartnerMessage.partner_id, PartnerMessage.topic)
            .order_by(PartnerMessage.partner_id, PartnerMessage.topic)
        ).all()
    console.print(f"{handled} events handled by the worker")
    table = Table("partner", "message", "count")
    for partner, topic, count in counts:
        table.add_row(str(partner), str(topic), f"{count:,}")
    console.print(table)


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


def _scope_demo_officer() -> None:
    """The users were made before any plan: now the demo officer gets the port with the most
    parcels on the newest plans (``ensure_demo_users`` keeps every password it wrote)."""
    from redlane.api.users import ensure_demo_users, user_ports
    from redlane.store.db import session_scope

    with session_scope(settings().database) as session:
        ensure_demo_users(session, settings().home)
    ports = sorted(user_ports("officer", settings().home))
    if ports:
        console.print(f"demo user officer works port {', '.join(ports)}", highlight=False)


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
