"""``redlane serve`` (the API and console) and ``redlane users`` (accounts and API keys)."""

from __future__ import annotations

from typing import Annotated

import typer

from redlane.cli.common import console, fail, settings

users_app = typer.Typer(
    help="Service users, officers' ports and partner API keys.", no_args_is_help=True
)


def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    secure_cookies: Annotated[
        bool, typer.Option(help="Mark console cookies Secure (behind HTTPS).")
    ] = False,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
    worker: Annotated[
        bool,
        typer.Option(
            help="Start an event worker beside the service (re-screens parcels in flight on "
            "every event, delivers webhooks); --no-worker when `redlane worker` runs elsewhere."
        ),
    ] = True,
) -> None:
    """Run the HTTP API (/v1, OpenAPI at /docs) and the web console (/console)."""
    import subprocess
    import sys

    import uvicorn

    from redlane.api.app import create_app

    app = create_app(secure_cookies=secure_cookies, warm_engines=True)
    # A process of its own: its screening and webhook calls never hold the interpreter lock
    # that the service's screening requests wait for.
    child = (
        subprocess.Popen(
            [sys.executable, "-m", "redlane.cli", "worker", "--quiet", "--with-parent"]
        )
        if worker
        else None
    )
    console.print(f"redlane service on http://{host}:{port}/console  (API docs: /docs)")
    try:
        uvicorn.run(app, host=host, port=port, log_level=log_level)
    finally:
        if child is not None:
            child.terminate()
            child.wait(timeout=30)


def worker(
    transport: Annotated[
        str, typer.Option(help="How events reach this worker: outbox (embedded) or nats.")
    ] = "outbox",
    nats_url: Annotated[
        str | None, typer.Option(help="NATS servers (default: REDLANE_NATS_URL, else local).")
    ] = None,
    nats_stream: Annotated[
        str | None,
        typer.Option(help="JetStream stream of this deployment (default REDLANE_EVENTS)."),
    ] = None,
    deliver: Annotated[
        bool, typer.Option(help="Also deliver webhooks (--no-deliver: another worker does).")
    ] = True,
    quiet: Annotated[bool, typer.Option(help="Log warnings only.")] = False,
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="Handle the events pending now (outbox), then exit: for a scheduler. "
            "Webhooks are left to `redlane webhooks deliver`.",
        ),
    ] = False,
    with_parent: Annotated[
        bool, typer.Option(hidden=True, help="Stop when the process that started it ends.")
    ] = False,
) -> None:
    """Run the event worker until interrupted: every batch, takedown, seizure, lookout, rule and
    resolution run re-screens the parcels in flight it can affect, holds what must be held and
    tells the partners who must act (webhooks)."""
    import logging
    import signal
    import threading

    from redlane.events.worker import TRANSPORTS, run_worker

    if transport not in TRANSPORTS:
        raise fail(ValueError(f"--transport must be one of {', '.join(TRANSPORTS)}"))
    url = _prepare()
    if once:
        from redlane.events.worker import handle_pending

        handled = handle_pending(settings().home, url, settings().warehouse_path)
        console.print(f"{handled} events handled")
        return
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    if with_parent:  # started by `redlane serve`: a service killed outright leaves no orphan
        import os

        parent = os.getppid()

        def watch_parent() -> None:
            while not stop.wait(1.0):
                if os.getppid() != parent:
                    stop.set()

        threading.Thread(target=watch_parent, name="parent-watch", daemon=True).start()
    if not quiet:
        console.print(f"redlane event worker ({transport}) on {settings().home}")
    run_worker(
        settings().home,
        url,
        settings().warehouse_path,
        stop,
        transport=transport,
        nats_url=nats_url or settings().nats_url or None,
        nats_stream=nats_stream,
        deliver=deliver,
    )


def _prepare() -> str:
    from redlane.store.db import session_scope
    from redlane.store.migrate import ensure_schema
    from redlane.store.partners import ensure_default_partners

    url = settings().database
    settings().home.mkdir(parents=True, exist_ok=True)
    ensure_schema(url)
    with session_scope(url) as session:
        ensure_default_partners(session)
    return url


@users_app.command("add")
def users_add(
    username: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="Role (customs_officer, targeting_analyst, …).")],
    partner: Annotated[str | None, typer.Option(help="Partner id (default: the role's).")] = None,
    ports: Annotated[
        list[str] | None, typer.Option("--ports", help="Customs officers: their ports.")
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(help="Password (default: generated and printed once).", hide_input=True),
    ] = None,
) -> None:
    """Create a user (or reset one's password, role, partner and ports)."""
    import secrets

    from redlane.api.users import UserError, add_user
    from redlane.cli.audit_log import cli_actor
    from redlane.store.db import session_scope

    url = _prepare()
    chosen = password or secrets.token_urlsafe(12)
    port_list = [p for item in ports or [] for p in item.split(",") if p.strip()]
    try:
        with session_scope(url) as session:
            add_user(session, username, chosen, role, partner, port_list, actor=cli_actor())
    except UserError as e:
        raise fail(e) from e
    console.print(f"user {username} ({role}) ready")
    if password is None:
        console.print(f"password: {chosen}")


@users_app.command("deactivate")
def users_deactivate(username: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Revoke a user's access at once (tokens they hold stop working)."""
    from redlane.api.users import UserError, set_active
    from redlane.cli.audit_log import cli_actor
    from redlane.store.db import session_scope

    url = _prepare()
    try:
        with session_scope(url) as session:
            set_active(session, username, False, actor=cli_actor())
    except UserError as e:
        raise fail(e) from e
    console.print(f"user {username} deactivated")


@users_app.command("apikey")
def users_apikey(
    partner: Annotated[str, typer.Argument(help="Partner id the machine acts for.")],
    name: Annotated[str, typer.Option(help="What the key is for.")] = "feed push",
) -> None:
    """Create an API key for a partner's machine (shown once; only its hash is stored)."""
    from redlane.api.users import UserError, create_api_key
    from redlane.cli.audit_log import cli_actor
    from redlane.store.db import session_scope

    url = _prepare()
    try:
        with session_scope(url) as session:
            row, key = create_api_key(session, partner, name, actor=cli_actor())
    except UserError as e:
        raise fail(e) from e
    console.print(f"API key {row.id} for {partner}: {key}")
    console.print("[dim]send it as the X-API-Key header; it is not shown again[/]")


@users_app.command("demo")
def users_demo() -> None:
    """Create the demo users (one per role) and print their passwords."""
    from redlane.api.users import ensure_demo_users
    from redlane.store.db import session_scope

    url = _prepare()
    with session_scope(url) as session:
        rows = ensure_demo_users(session, settings().home)
    for username, password, role, partner in rows:
        console.print(f"{username:14} {password:20} {role:20} {partner}")
    console.print(f"[dim]also in {settings().home / 'demo-users.txt'} (mode 0600)[/]")
