"""``redlane webhooks``: partners' webhook subscriptions, their delivery log, replays, and the
deliverer (``docs/webhooks.md``). The command-line user acts as the local operator
(``cli:<login>`` in the audit log)."""

from __future__ import annotations

import threading
from typing import Annotated, Any

import typer
from rich.table import Table

from redlane.cli.audit_log import cli_actor
from redlane.cli.common import (
    console,
    err_console,
    migrated_store,
    parse_time,
    print_json,
    store_session,
)
from redlane.events import delivery, webhooks
from redlane.store.event_models import WebhookDelivery, WebhookSubscription

webhooks_app = typer.Typer(
    help="Webhooks to partners: subscriptions, deliveries, replays.", no_args_is_help=True
)

AsJson = Annotated[bool, typer.Option("--json", help="Print JSON to stdout.")]
Status = Annotated[
    str | None, typer.Option("--status", help="pending, delivered or dead.", show_default=False)
]
SubscriptionOpt = Annotated[
    int | None, typer.Option("--subscription", help="Only this subscription.", show_default=False)
]


def subscription_json(row: WebhookSubscription) -> dict[str, Any]:
    """A subscription as shown (never its secret)."""
    return {
        "id": row.id,
        "partner": row.partner_id,
        "url": row.url,
        "topics": list(row.topics or []),
        "active": row.active,
        "created_at": row.created_at.isoformat(),
        "created_by": row.created_by,
    }


def delivery_json(row: WebhookDelivery) -> dict[str, Any]:
    """A delivery as logged (not its body: that is the partner's disclosed record)."""
    return {
        "id": row.id,
        "subscription_id": row.subscription_id,
        "message_id": row.message_id,
        "topic": row.topic,
        "event_id": row.event_id,
        "status": row.status,
        "attempts": row.attempts,
        "next_attempt_at": row.next_attempt_at.isoformat(),
        "last_status_code": row.last_status_code,
        "last_error": row.last_error,
        "created_at": row.created_at.isoformat(),
        "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
    }


@webhooks_app.command("add")
def add(
    partner: Annotated[str, typer.Option("--partner", help="The partner id, e.g. carrier.")],
    url: Annotated[str, typer.Option("--url", help="The partner's endpoint (http or https).")],
    topic: Annotated[
        list[str], typer.Option("--topic", help="A topic to push there (repeat for more).")
    ],
) -> None:
    """Subscribe a partner's endpoint to topics; prints the signing secret, once."""
    with store_session() as session:
        row, secret = webhooks.subscribe(
            session, partner_id=partner, url=url, topics=topic, created_by=cli_actor()
        )
        shown = subscription_json(row)
    console.print(
        f"subscription {shown['id']}: {shown['partner']} → {shown['url']}"
        f" ({', '.join(shown['topics'])})",
        highlight=False,
        soft_wrap=True,
    )
    err_console.print("[bold yellow]signing secret: shown this once, give it to the partner now[/]")
    typer.echo(secret)


@webhooks_app.command("list")
def list_(
    partner: Annotated[
        str | None, typer.Option("--partner", help="Only this partner.", show_default=False)
    ] = None,
    as_json: AsJson = False,
) -> None:
    """Subscriptions (removed ones too, inactive), never their secrets."""
    with store_session(readonly=True) as session:
        rows = [
            subscription_json(r) for r in webhooks.list_subscriptions(session, partner_id=partner)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} webhook subscription(s)")
    for name in ("id", "partner", "url", "topics", "active", "created"):
        table.add_column(name, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["id"]),
            r["partner"],
            r["url"],
            ", ".join(r["topics"]),
            "yes" if r["active"] else "no",
            r["created_at"][:19],
        )
    console.print(table)


@webhooks_app.command("remove")
def remove(
    subscription_id: Annotated[int, typer.Argument(help="A subscription id (see `list`).")],
) -> None:
    """Deactivate a subscription; its messages not yet sent are dead-lettered."""
    with store_session() as session:
        row = webhooks.remove(session, subscription_id, cli_actor())
        partner = row.partner_id
    console.print(f"subscription {subscription_id} of {partner} removed")


@webhooks_app.command("replay")
def replay(
    delivery_id: Annotated[
        int | None, typer.Argument(help="One delivery to send again.", show_default=False)
    ] = None,
    subscription: SubscriptionOpt = None,
    status: Status = None,
    since: Annotated[
        str | None,
        typer.Option("--since", help="Only deliveries created from this time (ISO 8601)."),
    ] = None,
) -> None:
    """Send deliveries again, under the same webhook-id (receivers dedupe on it)."""
    when = parse_time(since, "--since")
    with store_session() as session:
        count = webhooks.replay(
            session,
            delivery_id=delivery_id,
            subscription_id=subscription,
            status=status,
            since=when,
            by=cli_actor(),
        )
    console.print(f"{count} deliver{'y' if count == 1 else 'ies'} queued again")


@webhooks_app.command("deliveries")
def deliveries(
    subscription: SubscriptionOpt = None,
    status: Status = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Show at most N.")] = 50,
    as_json: AsJson = False,
) -> None:
    """The delivery log, newest first."""
    with store_session(readonly=True) as session:
        rows = [
            delivery_json(d)
            for d in webhooks.list_deliveries(
                session, subscription_id=subscription, status=status, limit=limit
            )
        ]
    if as_json:
        print_json(rows)
        return
    table = Table(title=f"{len(rows)} deliver{'y' if len(rows) == 1 else 'ies'}")
    for name in ("id", "sub", "topic", "status", "tries", "code", "last error", "delivered"):
        table.add_column(name, overflow="fold")
    for d in rows:
        table.add_row(
            str(d["id"]),
            str(d["subscription_id"]),
            d["topic"],
            d["status"],
            str(d["attempts"]),
            str(d["last_status_code"] or ""),
            d["last_error"] or "",
            (d["delivered_at"] or "")[:19],
        )
    console.print(table)


@webhooks_app.command("deliver")
def deliver(
    once: Annotated[bool, typer.Option("--once", help="One pass, then exit.")] = False,
    poll: Annotated[
        float, typer.Option("--poll", min=0.05, help="Seconds between passes when idle.")
    ] = 0.5,
) -> None:
    """Send due deliveries: one pass, or until interrupted (Ctrl-C)."""
    import httpx

    url = migrated_store()
    if once:
        with httpx.Client(follow_redirects=False) as client:
            sent = delivery.deliver_due(url, client)
        console.print(f"{sent} attempt(s) made")
        return
    stop = threading.Event()
    thread = delivery.Deliverer(url, poll_s=poll).start(stop)
    console.print("delivering webhooks; Ctrl-C to stop")
    try:
        while thread.is_alive():
            thread.join(0.5)
    except KeyboardInterrupt:
        stop.set()
        thread.join()
