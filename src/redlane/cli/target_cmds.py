"""``redlane target``: risk model, rules and lookouts, inspection plans, outcomes, drift."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer
from rich.table import Table

from redlane.cli.audit_log import cli_actor, record
from redlane.cli.common import (
    ColumnKind,
    console,
    err_console,
    exit_on_error,
    fitting_table,
    migrated_store,
    print_json,
    settings,
    store_session,
)
from redlane.store.models import LOOKOUT_KINDS
from redlane.targeting import decisions
from redlane.targeting.outcomes import import_outcomes
from redlane.targeting.reasons import format_score
from redlane.targeting.rules import COUNTERFEIT_PACK, gouging_rules

if TYPE_CHECKING:
    from redlane.targeting.day_source import Engine
    from redlane.targeting.training import Comparison

target_app = typer.Typer(
    help="Targeting: explained risk scores, rules, lookouts and inspection plans.",
    no_args_is_help=True,
)
outcomes_app = typer.Typer(help="What inspections found.", no_args_is_help=True)
rules_app = typer.Typer(help="Targeting rules.", no_args_is_help=True)
lookouts_app = typer.Typer(
    help="Lookouts on actors, identifiers or patterns.", no_args_is_help=True
)
target_app.add_typer(outcomes_app, name="outcomes")
target_app.add_typer(rules_app, name="rules")
target_app.add_typer(lookouts_app, name="lookouts")

# Domain errors exit 2 under `redlane target` (a bad outcomes file, no model yet, refused
# criteria: docs/targeting.md); refused rows of an outcomes file exit 1.
FAILED = 2

Weighting = Annotated[
    str,
    typer.Option(help="Selection-bias correction: ipw, exploration or none."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON to stdout.")]
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help="duckdb (this machine) or spark (features and scores on REDLANE_SPARK_MASTER,"
        " plans on the driver).",
    ),
]
VALID_FROM_HELP = (
    "First expected arrival it applies to, YYYY-MM-DD or an ISO date-time (default: from the"
    " start of the data, so it also hits arrivals already in the warehouse)."
)


# Whoever runs the command line holds the store itself: it retires as an administrator would
# (the audit names the operating-system user).
def _operator() -> decisions.Person:
    return decisions.Person(cli_actor(), is_admin=True)


def _weighting(value: str) -> Any:
    from redlane.targeting.model import WEIGHTINGS

    if value not in WEIGHTINGS:
        raise typer.BadParameter(f"use one of {', '.join(WEIGHTINGS)}", param_hint="--weighting")
    return value


def _features() -> Any:
    """A feature connection whose labels include the outcomes recorded in the store."""
    from redlane.targeting.training import connect

    s = settings()
    return connect(s.home, s.warehouse_path, s.duckdb_memory_limit)


def _engine(value: str) -> Engine:
    from redlane.targeting.day_source import ENGINES

    for engine in ENGINES:
        if value == engine:
            return engine
    raise typer.BadParameter(f"use one of {', '.join(ENGINES)}", param_hint="--engine")


def _where() -> decisions.Where:
    return settings().home, settings().warehouse_path


def _when(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD or an ISO date-time", param_hint=name) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _criteria(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(f"not JSON: {exc}", param_hint="--criteria") from None
    if not isinstance(value, dict):
        raise typer.BadParameter("criteria must be a JSON object", param_hint="--criteria")
    return value


# --- model ---------------------------------------------------------------------------------
@target_app.command("train")
def train_cmd(
    weighting: Weighting = "ipw",
    seed: Annotated[int, typer.Option(help="LightGBM seed.")] = 7,
    as_json: AsJson = False,
) -> None:
    """Train on every inspection and outcome to date and make it the champion."""
    from redlane.targeting.training import train_and_promote

    with exit_on_error(FAILED), console.status("computing features and training"):
        migrated_store()
        model = train_and_promote(settings().home, _features(), _weighting(weighting), seed)
    record("target.train", "model", [model.version], "trained and promoted", model.meta_summary())
    if as_json:
        print_json({"version": model.version, **model.meta_summary()})
        return
    meta = model.meta
    console.print(
        f"model {model.version}: {meta['rows']:,} labelled shipments, {meta['seizures']:,} "
        f"seizures ({meta['labels_from']} .. {meta['labels_to']}), weighting {meta['weighting']};"
        " now the champion",
        highlight=False,
    )


@target_app.command("retrain")
def retrain_cmd(
    window_days: Annotated[
        int, typer.Option(help="Latest days of inspections the two models are compared on.", min=1)
    ] = 7,
    weighting: Weighting = "ipw",
    seed: Annotated[int, typer.Option(help="LightGBM seed.")] = 7,
    as_json: AsJson = False,
) -> None:
    """Train a challenger on labels before a later window; promote it only if better there."""
    from redlane.targeting.training import retrain

    with exit_on_error(FAILED), console.status("training the challenger"):
        migrated_store()
        result = retrain(settings().home, _features(), window_days, _weighting(weighting), seed)
    audit_retrain(result)
    if as_json:
        print_json(result.to_dict())
        return
    table = Table(title=f"champion vs challenger on inspections from {result.window_from}")
    for name in ("model", "version", "AUC (IPW)", "log loss (IPW)"):
        table.add_column(name)
    for name, version, m in (
        ("champion", result.champion_version, result.champion),
        ("challenger", result.challenger_version, result.challenger),
    ):
        if m is None:
            table.add_row(name, "-", "-", "-")
            continue
        auc, loss = m.get("auc"), m.get("log_loss")
        table.add_row(
            name,
            str(version),
            "-" if auc is None else f"{auc:.3f}",
            "-" if loss is None else f"{loss:.4f}",
        )
    console.print(table)
    verdict = "[green]promoted[/green]" if result.promoted else "[yellow]not promoted[/yellow]"
    console.print(f"challenger {verdict}: {result.why}")


@target_app.command("drift")
def drift_cmd(
    days: Annotated[int, typer.Option(help="Recent days of arrivals to compare.", min=1)] = 7,
    top: Annotated[int, typer.Option(help="Features to show.", min=1)] = 15,
    as_json: AsJson = False,
) -> None:
    """Population stability per feature against the champion's training data; hit rate by week."""
    from redlane.targeting.training import drift

    with exit_on_error(FAILED):
        migrated_store()
        report = drift(settings().home, _features(), days)
    if as_json:
        print_json(report.to_dict())
        return
    table = Table(title=f"PSI, arrivals from {report.recent_from} vs model {report.model_version}")
    table.add_column("feature")
    table.add_column("PSI", justify="right")
    table.add_column("", justify="left")
    for row in report.psi[:top]:
        psi = float(row["psi"])
        flag = "[red]act[/red]" if psi >= 0.25 else "[yellow]watch[/yellow]" if psi >= 0.1 else ""
        table.add_row(row["feature"], f"{psi:.3f}", flag)
    console.print(table)
    weekly = Table(title="hit rate by week of inspection")
    for name in ("week", "inspected", "seized", "hit rate", "random inspected", "random hit rate"):
        weekly.add_column(name, justify="right")
    for w in report.weekly:
        weekly.add_row(
            w["week"],
            str(w["inspected"]),
            str(w["seized"]),
            "-" if w["hit_rate"] is None else f"{100 * w['hit_rate']:.1f} %",
            str(w["random_inspected"]),
            "-" if w["random_hit_rate"] is None else f"{100 * w['random_hit_rate']:.1f} %",
        )
    console.print(weekly)


# --- plans -----------------------------------------------------------------------------------
@target_app.command("plan")
def plan_cmd(
    day: Annotated[str, typer.Option("--date", help="Arrival day, YYYY-MM-DD.")],
    port: Annotated[
        str | None, typer.Option("--port", help="Port code, e.g. JFK (or --all-ports).")
    ] = None,
    all_ports: Annotated[
        bool,
        typer.Option(
            "--all-ports",
            help="Plan every port with arrivals that day: one feature query for the day, "
            "planned a port at a time.",
        ),
    ] = False,
    exploration: Annotated[
        float, typer.Option(help="Share of capacity drawn at random.", min=0.0, max=1.0)
    ] = 0.05,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the holds CSV/JSON (default HOME/plans).")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the exploration draw.")] = 0,
    engine: EngineOption = "duckdb",
    as_json: AsJson = False,
) -> None:
    """Plan a port's inspections for a day: mandatory hits, top value, random exploration."""
    from redlane.targeting.day_plan import plan_one_port
    from redlane.targeting.model import load_champion

    _day(day)
    chosen = _engine(engine)
    if (port is None) == (not all_ports):
        raise typer.BadParameter("give either --port or --all-ports", param_hint="--port")
    if port is None:
        _plan_all_ports(day, exploration, out, seed, as_json, chosen)
        return
    with exit_on_error(FAILED):
        migrated_store()
        model = load_champion(settings().home)
        con = _features()
        with store_session(code=FAILED) as session:
            result = plan_one_port(
                session,
                con,
                model,
                port=port,
                day=day,
                actor=cli_actor(),
                exploration_rate=exploration,
                seed=seed,
                out=out or settings().home / "plans",
                engine=chosen,
                home=settings().home,
                warehouse_path=settings().warehouse_path,
            )
    capacity, documents = result.capacity, result.document_capacity
    if as_json:
        print_json(result.to_dict())
        return
    table = fitting_table(
        f"plan {result.plan_id}: {port} {day}, {result.shipments:,} shipments, capacity "
        f"{capacity} red / {documents} yellow, exploration quota {result.exploration_quota}",
        PLAN_COLUMNS,
        [
            (
                str(item.rank),
                item.lane,
                item.hawb,
                item.selected_by,
                format_score(item.score),
                f"{item.expected_value:,.0f}",
                "\n".join(item.reasons),
            )
            for item in result.items
        ],
    )
    console.print(table)
    if result.mandatory_over_capacity:
        console.print(
            f"[yellow]{result.mandatory_over_capacity} mandatory hits did not fit the capacity"
        )
    console.print(f"holds written: {', '.join(result.files)}", highlight=False)


def _day(value: str) -> None:
    try:
        date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--date") from None


def _plan_all_ports(
    day: str, exploration: float, out: Path | None, seed: int, as_json: bool, engine: Engine
) -> None:
    from redlane.targeting.day_plan import plan_day
    from redlane.targeting.model import load_champion

    with exit_on_error(FAILED):
        migrated_store()
        model = load_champion(settings().home)
        con = _features()
        with (
            store_session(code=FAILED) as session,
            err_console.status(f"computing the features of {day}…") as status,
        ):
            result = plan_day(
                session,
                con,
                model,
                day=day,
                actor=cli_actor(),
                exploration_rate=exploration,
                seed=seed,
                out=out or settings().home / "plans",
                on_port=lambda p, n: status.update(f"planning {p}: {n:,} shipments…"),
                engine=engine,
                home=settings().home,
                warehouse_path=settings().warehouse_path,
            )
    if as_json:
        print_json(
            {
                "day": day,
                "plans": [plan.to_dict() for plan in result.plans],
                "unknown_ports": result.unknown_ports,
                "without_port": result.without_port,
            }
        )
        return
    table = Table(title=f"plans for {day}: {len(result.plans)} ports")
    for name in ("port", "plan", "shipments", "red", "yellow", "notify", "holds"):
        table.add_column(name)
    for plan in result.plans:
        table.add_row(
            plan.port,
            str(plan.plan_id),
            f"{plan.shipments:,}",
            *(str(len(plan.lane(lane))) for lane in ("red", "yellow", "notify")),
            plan.files[0] if plan.files else "",
        )
    console.print(table)
    for code, shipments in result.unknown_ports.items():
        console.print(
            f"[yellow]{code}: {shipments:,} shipments not planned, the port is not in the ports"
            " table (ingest customs/ports.csv)",
            highlight=False,
        )
    if result.without_port:
        console.print(f"[yellow]{result.without_port:,} shipments name no port of entry")


@target_app.command("score")
def score_cmd(
    day: Annotated[str, typer.Option("--date", help="Arrival day, YYYY-MM-DD.")],
    port: Annotated[
        str | None, typer.Option("--port", help="Only this port (default: every port).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="Write every shipment's score here (.parquet or .csv): carrier, hawb, sid, port,"
            " arrival_date, submitted_at, score, expected_value."
        ),
    ] = None,
    engine: EngineOption = "duckdb",
    as_json: AsJson = False,
) -> None:
    """Score a day's shipments with the champion model (nothing is stored or audited)."""
    from redlane.targeting.day_scores import SCORE_FORMATS, write_day_scores
    from redlane.targeting.day_source import day_by_port
    from redlane.targeting.features import day_where
    from redlane.targeting.model import load_champion

    _day(day)
    chosen = _engine(engine)
    if out is not None and out.suffix.lower() not in SCORE_FORMATS:
        raise typer.BadParameter("write to a .parquet or .csv file", param_hint="--out")
    with exit_on_error(FAILED):
        s = settings()
        model = load_champion(s.home)
        con = _features()
        with (
            err_console.status(f"scoring {day} on {engine}…"),
            day_by_port(
                con,
                model,
                day_where(day, port),
                engine=chosen,
                home=s.home,
                warehouse_path=s.warehouse_path,
            ) as source,
        ):
            result = write_day_scores(source, model, day=day, engine=engine, out=out)
    if as_json:
        print_json(result.to_dict())
        return
    table = Table(title=f"scores for {day} ({engine}, model {result.model_version})")
    for name in ("port", "shipments", "mean score", "max score"):
        table.add_column(name, justify="left" if name == "port" else "right")
    for code, scores in result.ports.items():
        table.add_row(
            code or "(no port)",
            f"{scores.shipments:,}",
            format_score(scores.mean_score),
            format_score(scores.max_score),
        )
    console.print(table)
    if out is not None:
        console.print(f"{result.shipments:,} scores written to {out}", highlight=False)


# --- outcomes --------------------------------------------------------------------------------
@outcomes_app.command("import")
def outcomes_import(
    file: Annotated[Path, typer.Argument(help="CSV: carrier,hawb,port_code,outcome,…")],
    as_json: AsJson = False,
) -> None:
    """Record what officers found (re-importing the same file changes nothing)."""
    with store_session(code=FAILED) as session:
        report = import_outcomes(session, file, cli_actor())
    if as_json:
        print_json(asdict(report))
    else:
        console.print(
            f"{file}: {report.rows} rows, {report.inserted} new, {report.updated} updated, "
            f"{report.unchanged} unchanged, {len(report.errors)} refused",
            highlight=False,
        )
        for err in report.errors[:20]:
            err_console.print(f"  {err}", highlight=False)
    if report.errors:
        raise typer.Exit(code=1)


# --- rules -----------------------------------------------------------------------------------
@rules_app.command("list")
def rules_list(
    stats: Annotated[bool, typer.Option(help="Hits and hit rate over the warehouse.")] = False,
    as_json: AsJson = False,
) -> None:
    """Rules: owner, lane, validity, hits in stored plans (--stats: over the warehouse too)."""
    with store_session(readonly=True, code=FAILED) as session:
        rows = decisions.rule_rows(session, _features() if stats else None)
    if as_json:
        print_json(rows)
        return
    columns = ["id", "name", "owner", "lane", "active", "valid", "plan_hits"]
    if stats:
        columns += ["hits", "inspected", "seized", "hit_rate"]
    cells = [_cells({**row, "valid": _validity(row)}, columns) for row in rows]
    console.print(fitting_table("rules", [(c, _column_kind(c)) for c in columns], cells))


# The plan table's columns: reasons wrap, the rest keep their width (cli.common.fitting_table).
PLAN_COLUMNS: Final[list[tuple[str, ColumnKind]]] = [
    ("#", "number"),
    ("lane", "key"),
    ("hawb", "key"),
    ("by", "key"),
    ("score", "number"),
    ("value", "number"),
    ("reasons", "text"),
]
_TEXT_COLUMNS: Final = frozenset({"name", "criteria", "reason", "owner"})
_NUMBER_COLUMNS: Final = frozenset({"id", "plan_hits", "hits", "inspected", "seized", "hit_rate"})


def _column_kind(name: str) -> ColumnKind:
    if name in _TEXT_COLUMNS:
        return "text"
    return "number" if name in _NUMBER_COLUMNS else "key"


def _cells(row: dict[str, Any], columns: list[str]) -> list[str]:
    return ["-" if row.get(c) is None else str(row.get(c)) for c in columns]


def _validity(row: dict[str, Any]) -> str:
    """``start → no end`` for a row applying from the start of the data with no end (not
    "…", which reads as a value cut short)."""
    start, end = row["valid_from"], row["valid_to"]
    begins = "start" if start == decisions.FROM_START else start.date().isoformat()
    return f"{begins} → {end.date().isoformat() if end else 'no end'}"


@rules_app.command("add")
def rules_add(
    name: Annotated[str, typer.Option(help="Rule name.")],
    criteria: Annotated[str, typer.Option(help="Criteria as JSON (see docs/targeting.md).")],
    reason: Annotated[str, typer.Option(help="Why: shown to officers.")],
    lane: Annotated[
        str, typer.Option(help="red, yellow, green or notify.")
    ] = decisions.DEFAULT_LANE,
    valid_from: Annotated[str | None, typer.Option(help=VALID_FROM_HELP)] = None,
    valid_to: Annotated[str | None, typer.Option(help="End (default none).")] = None,
) -> None:
    """Add a rule (owned by the command-line user)."""
    _add_rules(
        [
            {
                "name": name,
                "criteria": _criteria(criteria),
                "lane": lane,
                "reason": reason,
                "valid_from": _when(valid_from, "--valid-from"),
                "valid_to": _when(valid_to, "--valid-to"),
            }
        ]
    )


@rules_app.command("add-pack")
def rules_add_pack(
    pack: Annotated[str, typer.Argument(help="gouging (essential goods) or counterfeit.")],
    start: Annotated[
        str | None, typer.Option("--from", help="Emergency start (gouging pack), YYYY-MM-DD.")
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Emergency end (gouging pack), YYYY-MM-DD.")
    ] = None,
) -> None:
    """Add a shipped rule pack: price gouging during a declared emergency, or counterfeit."""
    if pack == "gouging":
        begin, finish = _when(start, "--from"), _when(end, "--to")
        if begin is None or finish is None:
            raise typer.BadParameter("the gouging pack needs --from and --to", param_hint="--from")
        _add_rules(gouging_rules(begin, finish))
    elif pack == "counterfeit":
        _add_rules([dict(d) for d in COUNTERFEIT_PACK])
    else:
        raise typer.BadParameter("use gouging or counterfeit", param_hint="PACK")


def _add_rules(definitions: list[dict[str, Any]]) -> None:
    with store_session(code=FAILED) as session:
        actor = decisions.person(session, cli_actor(), decisions.RULE_PARTNER)
        added = decisions.create_rules(session, actor, definitions, _where())
        shown = [f"rule {r.id} added: {r.name} ({r.lane})" for r in added]
    for line in shown:
        console.print(line, highlight=False)


# --- lookouts --------------------------------------------------------------------------------
@lookouts_app.command("list")
def lookouts_list(as_json: AsJson = False) -> None:
    """Lookouts with kind, criteria, lane, owner, validity and hits in stored plans."""
    with store_session(readonly=True, code=FAILED) as session:
        rows = decisions.lookout_rows(session)
    if as_json:
        print_json(rows)
        return
    columns = ["id", "kind", "criteria", "lane", "owner", "active", "valid", "plan_hits", "reason"]
    cells = [
        _cells(
            {
                **row,
                "criteria": json.dumps(row["criteria"], ensure_ascii=False),
                "owner": f"{row['owner'] or '-'} ({row['partner_id']})",
                "valid": _validity(row),
            },
            columns,
        )
        for row in rows
    ]
    console.print(fitting_table("lookouts", [(c, _column_kind(c)) for c in columns], cells))


@lookouts_app.command("add")
def lookouts_add(
    kind: Annotated[str, typer.Option(help="actor, identifier or pattern.")],
    criteria: Annotated[
        str,
        typer.Option(
            help='JSON: {"actor_id": …} | {"identifier": "phone", "value": …} | rule criteria.'
        ),
    ],
    reason: Annotated[str, typer.Option(help="Why: shown to officers.")],
    lane: Annotated[
        str, typer.Option(help="red, yellow, green or notify.")
    ] = decisions.DEFAULT_LANE,
    partner: Annotated[str, typer.Option(help="Partner filing it.")] = "customs",
    valid_from: Annotated[str | None, typer.Option(help=VALID_FROM_HELP)] = None,
    valid_to: Annotated[str | None, typer.Option(help="End (default none).")] = None,
) -> None:
    """Add a lookout (filed under the command-line user)."""
    if kind not in LOOKOUT_KINDS:
        raise typer.BadParameter(f"use one of {', '.join(LOOKOUT_KINDS)}", param_hint="--kind")
    definition = {
        "kind": kind,
        "criteria": _criteria(criteria),
        "lane": lane,
        "reason": reason,
        "valid_from": _when(valid_from, "--valid-from"),
        "valid_to": _when(valid_to, "--valid-to"),
    }
    with store_session(code=FAILED) as session:
        actor = decisions.person(session, cli_actor(), partner)
        lookout_id = decisions.create_lookout(session, actor, definition, _where()).id
    console.print(f"lookout {lookout_id} added ({kind}, {lane})", highlight=False)


@lookouts_app.command("retire")
def lookouts_retire(
    lookout_id: Annotated[int, typer.Argument(help="Lookout id (redlane target lookouts list).")],
) -> None:
    """Retire a lookout: kept, marked inactive, audited (lookout.update)."""
    with store_session(code=FAILED) as session:
        decisions.retire_lookout(session, _operator(), lookout_id)
    console.print(f"lookout {lookout_id} retired", highlight=False)


@rules_app.command("retire")
def rules_retire(
    rule_id: Annotated[int, typer.Argument(help="Rule id (redlane target rules list).")],
) -> None:
    """Retire a rule: kept, marked inactive, audited (rule.update)."""
    with store_session(code=FAILED) as session:
        decisions.retire_rule(session, _operator(), rule_id)
    console.print(f"rule {rule_id} retired", highlight=False)


def audit_retrain(result: Comparison) -> None:
    """The audit entry of a retrain (champion kept or challenger promoted), the CLI's and the
    demo's alike."""
    record(
        "target.retrain",
        "model",
        [result.challenger_version],
        "promoted" if result.promoted else "kept the champion",
        result.to_dict(),
    )
