"""``redlane case``: investigations, evidence, signed evidence packages, FtM import."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from redlane.cli.audit_log import cli_actor
from redlane.cli.common import (
    console,
    err_console,
    fail,
    fitting_table,
    print_json,
    settings,
    store_session,
)

case_app = typer.Typer(
    help="Cases: targets, status, notes, evidence with chain of custody, signed exports.",
    no_args_is_help=True,
)
evidence_app = typer.Typer(help="Evidence files of a case.", no_args_is_help=True)
case_app.add_typer(evidence_app, name="evidence")


@case_app.command("open")
def open_case(
    title: Annotated[str, typer.Option("--title", help="What the case is about.")],
    actor: Annotated[str | None, typer.Option("--actor", help="Actor id.")] = None,
    ring: Annotated[str | None, typer.Option("--ring", help="Ring id.")] = None,
    hawb: Annotated[str | None, typer.Option("--hawb", help="House air waybill.")] = None,
    seizure: Annotated[
        str | None, typer.Option("--seizure", help="Inspection id of a seizure.")
    ] = None,
) -> None:
    """Open a case on exactly one of an actor, a ring, a shipment or a seizure."""
    from redlane.cases import service

    given = {
        k: v
        for k, v in {"actor": actor, "ring": ring, "hawb": hawb, "seizure": seizure}.items()
        if v
    }
    if len(given) != 1:
        raise typer.BadParameter("give exactly one of --actor, --ring, --hawb, --seizure")
    ((kind, ref),) = given.items()
    with store_session() as session:
        case = service.open_case(
            session, settings(), kind=kind, ref=ref, title=title, actor=cli_actor()
        )
        case_id = case.id
        n_targets = len(service.targets(session, case_id))
    console.print(f"opened case [bold]{case_id}[/] on {kind} {ref} ({n_targets} targets)")


@case_app.command("list")
def list_cases(
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Cases, newest first."""
    from redlane.cases import service

    with store_session() as session:
        cases = [service.case_brief(c) for c in service.list_cases(session)]
    if as_json:
        print_json(cases)
        return
    table = fitting_table(
        "Cases",
        [("id", "number"), ("status", "key"), ("title", "text"), ("updated", "key")],
        [[str(c["id"]), c["status"], c["title"], c["updated_at"][:19]] for c in cases],
    )
    console.print(table)


@case_app.command("show")
def show(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """A case with its targets, notes, evidence (and custody) and linked-record counts."""
    from redlane.cases import records, service
    from redlane.store import audit

    with store_session() as session:
        detail = service.case_detail(session, case_id)
        linked = records.collect(settings(), [(t["kind"], t["ref"]) for t in detail["targets"]])
        audit.append(
            session,
            actor=cli_actor(),
            action="case.view",
            object_type="case",
            object_ids=[case_id],
        )
    detail["linked"] = {
        "actors": [a["actor_id"] for a in linked.actors],
        "records": {t: len(rows) for t, rows in linked.records.items()},
        "seizures": len(linked.seizures),
        "timeline": [e.to_json() for e in linked.timeline],
    }
    if as_json:
        print_json(detail)
        return
    console.print(f"[bold]Case {detail['id']}[/]: {detail['title']} — {detail['status']}")
    console.print("targets: " + ", ".join(f"{t['kind']} {t['ref']}" for t in detail["targets"]))
    console.print("assignees: " + (", ".join(detail["assignees"]) or "none"))
    counts = ", ".join(f"{t} {n}" for t, n in detail["linked"]["records"].items() if n)
    console.print(f"linked records: {counts or 'none'}; seizures {len(linked.seizures)}")
    for note in detail["notes"]:
        console.print(f"  note {note['at'][:19]} {note['author']}: {note['text']}")
    for item in detail["evidence"]:
        console.print(
            f"  evidence {item['id']} {item['kind']} from {item['source_partner']}: "
            f"{item['original_filename']} ({item['sha256'][:12]}…, {len(item['custody'])} "
            "custody events)"
        )
    table = fitting_table(
        "Timeline",
        [("when", "key"), ("source", "key"), ("what", "text")],
        [[e.at[:19], e.table, e.summary] for e in linked.timeline[:50]],
    )
    console.print(table)


@case_app.command("status")
def status(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    new: Annotated[
        str,
        typer.Argument(help="lead, investigation, referred_prosecution, civil_action or closed."),
    ],
    reason: Annotated[str, typer.Option(help="Why (kept in the audit log).")] = "",
) -> None:
    """Move a case along its workflow (invalid moves are refused)."""
    from redlane.cases import service

    with store_session() as session:
        case = service.set_status(session, case_id, new, actor=cli_actor(), reason=reason)
        shown = case.status
    console.print(f"case {case_id} is now [bold]{shown}[/]")


@case_app.command("note")
def note(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    text: Annotated[str, typer.Argument(help="The note.")],
) -> None:
    """Add a note to a case."""
    from redlane.cases import service

    with store_session() as session:
        service.add_note(session, case_id, text, actor=cli_actor())
    console.print(f"note added to case {case_id}")


@case_app.command("assign")
def assign(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    username: Annotated[str, typer.Argument(help="Who works the case.")],
) -> None:
    """Assign someone to a case."""
    from redlane.cases import service

    with store_session() as session:
        service.assign(session, case_id, username, actor=cli_actor())
    console.print(f"{username} assigned to case {case_id}")


@case_app.command("label")
def label(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    party_a: Annotated[str, typer.Argument(help="A party id.")],
    party_b: Annotated[str, typer.Argument(help="Another party id.")],
    match: Annotated[bool, typer.Option("--match", help="The two are the same actor.")] = False,
    non_match: Annotated[
        bool, typer.Option("--non-match", help="The two are different actors.")
    ] = False,
) -> None:
    """Record an investigator's verdict on two parties (training label for resolution)."""
    from redlane.cases import service

    if match == non_match:
        raise typer.BadParameter("give exactly one of --match or --non-match")
    verdict = "match" if match else "non_match"
    with store_session() as session:
        service.add_label(
            session, case_id, party_a, party_b, verdict, actor=cli_actor(), settings=settings()
        )
    console.print(f"labelled {party_a} / {party_b} as {verdict}")


@evidence_app.command("add")
def evidence_add(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    file: Annotated[Path, typer.Argument(help="The evidence file.")],
    kind: Annotated[str, typer.Option("--kind", help="seizure_record, photo, test_buy, ...")],
    source_partner: Annotated[
        str, typer.Option("--source-partner", help="Partner the file came from.")
    ],
    description: Annotated[str, typer.Option(help="What it shows.")] = "",
) -> None:
    """Add an evidence file to a case (stored by sha256; custody starts with 'added')."""
    from redlane.cases.evidence import add_evidence_file

    with store_session() as session:
        item = add_evidence_file(
            session,
            settings(),
            case_id,
            file,
            kind=kind,
            source_partner=source_partner,
            actor=cli_actor(),
            description=description,
        )
        shown = (item.id, item.sha256)
    console.print(f"evidence {shown[0]} added to case {case_id} (sha256 {shown[1]})")


@evidence_app.command("view")
def evidence_view(
    evidence_id: Annotated[int, typer.Argument(help="Evidence id.")],
    out: Annotated[Path, typer.Option("--out", help="Where to write a copy.")],
) -> None:
    """Copy an evidence file out (checked against its sha256; custody logs 'viewed')."""
    from redlane.cases.evidence import read_evidence

    with store_session() as session:
        data = read_evidence(session, evidence_id, actor=cli_actor(), details={"to": str(out)})
    out.write_bytes(data)
    console.print(f"evidence {evidence_id} written to {out}")


@case_app.command("export")
def export(
    case_id: Annotated[int, typer.Argument(help="Case id.")],
    out: Annotated[Path, typer.Option("--out", help="New or empty folder for the package.")],
    for_partner: Annotated[
        str | None,
        typer.Option("--for-partner", help="Prepare for a partner (disclosure policy applies)."),
    ] = None,
    role: Annotated[str, typer.Option(help="Role of the partner's recipient.")] = "investigator",
) -> None:
    """Write a signed evidence package: PDF, evidence files, case.json, ftm.json, manifest."""
    from redlane.cases.package import export_case
    from redlane.policy.rules import Viewer, ensure_default_agreements

    viewer = Viewer(for_partner, role) if for_partner else Viewer.investigator()
    with store_session() as session:
        if for_partner:
            from redlane.store.partners import ensure_default_partners

            ensure_default_partners(session)
            ensure_default_agreements(session)
        result = export_case(session, settings(), case_id, out, actor=cli_actor(), viewer=viewer)
    console.print(
        f"case {case_id} exported to {result.out_dir}: {len(result.files)} files, report "
        f"{result.pdf.name}, signed by key {result.key_fingerprint[:16]}…"
    )


@case_app.command("verify")
def verify(
    folder: Annotated[Path, typer.Argument(help="An exported package.")],
    key_fingerprint: Annotated[
        str | None,
        typer.Option("--key-fingerprint", help="Require this signing key (sha256, hex)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Check a package; exits 1 naming every changed, added or removed file."""
    from redlane.cases.package import verify as verify_package

    result = verify_package(folder, key_fingerprint)
    if as_json:
        print_json(
            {
                "ok": result.ok,
                "files": result.files,
                "case_id": result.case_id,
                "key_fingerprint": result.key_fingerprint,
                "problems": [{"path": p.path, "problem": p.problem} for p in result.problems],
            }
        )
    elif result.ok:
        console.print(
            f"[green]package intact[/]: case {result.case_id}, {result.files} files, "
            f"signed by key {result.key_fingerprint}"
        )
    else:
        for problem in result.problems:
            err_console.print(f"[red]{problem.path}[/]: {problem.problem}", highlight=False)
    if not result.ok:
        raise typer.Exit(1)


@case_app.command("ftm-import")
def ftm_import(
    file: Annotated[Path, typer.Argument(help="FollowTheMoney entities, one JSON per line.")],
    lane: Annotated[str, typer.Option(help="Lane for matching shipments.")] = "yellow",
    partner: Annotated[str, typer.Option(help="Partner owning the lookouts.")] = "ipcc",
    reason: Annotated[str, typer.Option(help="Reason shown on the lookouts.")] = "",
    resolve: Annotated[
        bool,
        typer.Option(
            "--resolve",
            help="Match each entity by the actor the current resolution run resolves it to,"
            " not by its raw values; an entity resolving to none keeps its values less those"
            " held by shared infrastructure and the names other actors bear (docs/cases.md).",
        ),
    ] = False,
) -> None:
    """Import legal entities (e.g. a sanctions or bad-actor list) as identifier lookouts."""
    from redlane.cases.ftm import import_lookouts
    from redlane.cases.ftm_resolve import EntityResolver
    from redlane.errors import RedlaneError
    from redlane.store.partners import ensure_default_partners

    if not file.is_file():
        raise typer.BadParameter(f"no file {file}")
    resolver = None
    if resolve:
        try:
            resolver = EntityResolver.load(settings().home)
        except RedlaneError as exc:
            raise fail(exc) from None
    with store_session() as session:
        ensure_default_partners(session)
        result = import_lookouts(
            session,
            file,
            actor=cli_actor(),
            partner_id=partner,
            lane=lane,
            reason=reason,
            resolver=resolver,
        )
    skipped = ", ".join(f"{k} {v}" for k, v in sorted(result.skipped.items())) or "none"
    console.print(
        f"{len(result.created)} lookouts created, {result.already} already imported, "
        f"skipped: {skipped}, unreadable lines: {len(result.invalid_lines)}"
    )
    if resolver is not None:
        console.print(
            f"{result.resolved} matched by the actor they resolve to; left out of the others: "
            f"{result.infrastructure_values} values held by shared infrastructure, "
            f"{result.namesake_names} names other actors bear too"
        )


@case_app.command("actions")
def actions(
    partner: Annotated[
        str, typer.Argument(help="marketplace, carrier, rights_holders or customs.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder for the feed files.")],
    role: Annotated[
        str | None, typer.Option(help="Recipient's role (default: the partner's usual).")
    ] = None,
) -> None:
    """Write a partner's feeds back (notices, sideline list, holds, KYC alerts, lookouts)."""
    from redlane.cases.actions import PARTNER_FEEDS, export_feeds
    from redlane.policy.rules import ensure_default_agreements
    from redlane.store.partners import ensure_default_partners

    if partner not in PARTNER_FEEDS:
        raise typer.BadParameter(f"partners with feeds: {', '.join(PARTNER_FEEDS)}")
    with store_session() as session:
        ensure_default_partners(session)
        ensure_default_agreements(session)
        paths = export_feeds(session, settings(), partner, out, actor=cli_actor(), role=role)
    for path in paths:
        lines = path.read_text().count("\n")
        console.print(f"{path}: {lines} items")


@case_app.command("pprl-eval")
def pprl_eval(
    reference: Annotated[int, typer.Option(help="Known customers (reference records).")] = 500,
    strangers: Annotated[int, typer.Option(help="Partner customers redlane does not know.")] = 200,
    seed: Annotated[int, typer.Option(help="Sampling and corruption seed.")] = 7,
    as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False,
) -> None:
    """Linkage F1 with keyed Bloom-filter encodings (CLKs) vs plaintext, on shipper identities."""
    import random
    import secrets
    from dataclasses import asdict

    from redlane.cases import pprl
    from redlane.engine.warehouse import Warehouse

    con = Warehouse(settings().warehouse_path).connect(tables=["aed_shipments"])
    try:
        identities = pprl.shipper_identities(con)
    finally:
        con.close()
    random.Random(seed).shuffle(identities)
    if len(identities) < reference + strangers:
        raise typer.BadParameter(
            f"the warehouse has {len(identities)} shipper identities; need {reference + strangers}"
        )
    result = pprl.compare_on(
        identities[:reference],
        identities[reference : reference + strangers],
        secrets.token_bytes(32),
        seed=seed,
    )
    if as_json:
        print_json(asdict(result))
        return
    table = Table(title=f"PPRL: {result.partner_records} partner records, {result.true_links} true")
    for col in ("method", "threshold", "precision", "recall", "F1", "links"):
        table.add_column(col)
    for name, threshold, q in (
        ("CLK (keyed Bloom filters)", result.threshold_clk, result.clk),
        ("plaintext q-grams", result.threshold_plain, result.plaintext),
    ):
        table.add_row(
            name,
            f"{threshold:.2f}",
            f"{q.precision:.3f}",
            f"{q.recall:.3f}",
            f"{q.f1:.3f}",
            str(q.links),
        )
    console.print(table)
