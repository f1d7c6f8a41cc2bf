"""``redlane agreements`` and ``redlane audit list``: the administration a deployment needs.

Agreements between partners drive the disclosure policy (``docs/service.md``); adding and
expiring one is audited and takes effect on the next read. Reading the audit log is itself
audited. The command-line user acts as the local operator (``cli:<login>`` in the audit log).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from redlane.cli.audit_log import cli_actor
from redlane.cli.common import console, parse_time, print_json, store_session
from redlane.cli.db_cmds import audit_app

agreements_app = typer.Typer(
    help="Data-sharing agreements between partners: what each may see of the other's records.",
    no_args_is_help=True,
)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON to stdout.")]


def _when(value: str | None) -> str:
    return (value or "")[:19].replace("T", " ")


def _allowed_text(allowed: dict[str, list[str]]) -> str:
    return "; ".join(f"{kind}: {', '.join(fields)}" for kind, fields in sorted(allowed.items()))


@agreements_app.command("list")
def list_cmd(
    partner: Annotated[
        str | None,
        typer.Option("--partner", help="Only agreements with this partner on either side."),
    ] = None,
    status: Annotated[
        str | None,
        typer.Option("--status", help="in_force, pending or expired.", show_default=False),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """List agreements, oldest first, with their status now."""
    from redlane.policy.agreements import list_agreements

    with store_session() as session:
        shown = [a.to_json() for a in list_agreements(session, partner=partner, status=status)]
    if as_json:
        print_json(shown)
        return
    table = Table(title=f"{len(shown)} agreements")
    for column in ("id", "from", "to", "stage", "shares", "valid from", "valid to", "status"):
        table.add_column(column)
    for a in shown:
        table.add_row(
            str(a["id"]),
            a["from_partner"],
            a["to_partner"],
            a["stage"],
            _allowed_text(a["allowed"]),
            _when(a["valid_from"]),
            _when(a["valid_to"]),
            a["status"],
        )
    console.print(table)


@agreements_app.command("add")
def add_cmd(
    from_partner: Annotated[
        str, typer.Option("--from", help="The partner whose records are shared.")
    ],
    to_partner: Annotated[str, typer.Option("--to", help="The partner who may see them.")],
    allow: Annotated[
        list[str],
        typer.Option(
            "--allow",
            help="KIND=FIELD,FIELD or KIND=* (repeat for more kinds), e.g. "
            "aed_shipments=hawb,port_of_entry.",
        ),
    ],
    stage: Annotated[
        str, typer.Option("--stage", help="The disclosure stage sharing starts at, or any.")
    ] = "any",
    valid_from: Annotated[
        str | None, typer.Option("--from-time", help="Start (ISO 8601; default now).")
    ] = None,
    valid_to: Annotated[
        str | None, typer.Option("--until", help="End (ISO 8601; default open-ended).")
    ] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")] = "",
    as_json: AsJson = False,
) -> None:
    """Add an agreement; it is in force from --from-time (now) for the next read."""
    from redlane.policy.agreements import add_agreement, parse_allowed
    from redlane.store.partners import ensure_default_partners

    start = parse_time(valid_from, "--from-time")
    end = parse_time(valid_to, "--until")
    with store_session() as session:
        ensure_default_partners(session)
        added = add_agreement(
            session,
            actor=cli_actor(),
            from_partner=from_partner,
            to_partner=to_partner,
            stage=stage,
            allowed=parse_allowed(allow),
            valid_from=start,
            valid_to=end,
            reason=reason,
        ).to_json()
    if as_json:
        print_json(added)
        return
    console.print(
        f"agreement {added['id']}: {added['from_partner']} → {added['to_partner']} "
        f"from stage {added['stage']}: {_allowed_text(added['allowed'])} ({added['status']})",
        highlight=False,
    )


@agreements_app.command("seed")
def seed_cmd() -> None:
    """Add the stage rules file's default agreements that the store lacks (idempotent)."""
    from redlane.policy import ensure_default_agreements
    from redlane.store.partners import ensure_default_partners

    with store_session() as session:
        ensure_default_partners(session)
        added = ensure_default_agreements(session, actor=cli_actor())
    console.print(f"{added} default agreements added")


@agreements_app.command("expire")
def expire_cmd(
    agreement_id: Annotated[int, typer.Argument(help="The agreement's id (agreements list).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")] = "",
    at: Annotated[
        str | None, typer.Option("--at", help="When it ends (ISO 8601; default now).")
    ] = None,
    as_json: AsJson = False,
) -> None:
    """End an agreement (now by default): its fields are withheld from the next read."""
    from redlane.policy.agreements import expire_agreement

    end = parse_time(at, "--at")
    with store_session() as session:
        ended = expire_agreement(
            session, agreement_id, actor=cli_actor(), reason=reason, at=end
        ).to_json()
    if as_json:
        print_json(ended)
        return
    console.print(
        f"agreement {ended['id']} ({ended['from_partner']} → {ended['to_partner']}) "
        f"ends at {_when(ended['valid_to'])} UTC",
        highlight=False,
    )


@audit_app.command("list")
def audit_list(
    actor: Annotated[str | None, typer.Option("--actor", help="Only this actor.")] = None,
    action: Annotated[
        str | None, typer.Option("--action", help="Only this action, e.g. agreement.expire.")
    ] = None,
    object_type: Annotated[
        str | None, typer.Option("--object-type", help="Only this kind of object, e.g. user.")
    ] = None,
    object_id: Annotated[
        str | None, typer.Option("--object-id", help="Only entries naming this object id.")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="From this time, inclusive (ISO 8601).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Before this time, exclusive (ISO 8601).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=10000, help="At most so many.")] = 50,
    before: Annotated[
        int | None,
        typer.Option("--before", help="Only entries older than this seq (the next page)."),
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Browse the audit log, newest first (this read is itself audited)."""
    from redlane.store import audit

    where = audit.AuditFilter(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        since=parse_time(since, "--since"),
        until=parse_time(until, "--until"),
    )
    with store_session() as session:
        page = audit.read_page(session, where, limit=limit, before=before)
        entries = [audit.entry_json(e) for e in page.entries]
        audit.append(
            session,
            actor=cli_actor(),
            action="audit.read",
            object_type="audit_log",
            object_ids=[e["seq"] for e in entries],
            reason="audit log browsed",
            details={"filters": where.to_json(), "count": len(entries)},
        )
    if as_json:
        print_json({"entries": entries, "next_before": page.next_before})
        return
    _print_entries(entries, page.next_before)


def _print_entries(entries: list[dict[str, Any]], next_before: int | None) -> None:
    table = Table(title=f"{len(entries)} audit entries, newest first")
    for column in ("seq", "at (UTC)", "actor", "partner", "action", "object", "ids", "reason"):
        table.add_column(column)
    for e in entries:
        ids = ", ".join(e["object_ids"][:5]) + (" …" if len(e["object_ids"]) > 5 else "")
        table.add_row(
            str(e["seq"]),
            _when(e["at"]),
            e["actor"],
            e["partner_id"] or "",
            e["action"],
            e["object_type"],
            ids,
            e["reason"],
        )
    console.print(table)
    if next_before is not None:
        console.print(f"more: add --before {next_before}")
