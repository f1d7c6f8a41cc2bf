"""`redlane webhooks`: subscribe (the secret shown once), list, deliver, read the log, replay,
remove; refusals exit 1 with the reason."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import select
from standardwebhooks.webhooks import Webhook
from typer.testing import CliRunner

from redlane.cli import app
from redlane.config import get_settings
from redlane.events import webhooks
from redlane.store.db import dispose_engine, session_scope
from redlane.store.models import AuditEntry
from tests.events.webhook_helpers import LocalReceiver, make_store

runner = CliRunner()


def test_the_webhook_commands_from_subscribing_to_replaying(home: Path) -> None:
    url = make_store(home)
    assert url == get_settings().database
    try:
        with LocalReceiver() as receiver:
            _walk(url, receiver)
    finally:
        dispose_engine(url)


def _walk(url: str, receiver: LocalReceiver) -> None:
    added = runner.invoke(
        app, ["webhooks", "add", "--partner", "carrier", "--url", receiver.url, "--topic", "hold"]
    )
    assert added.exit_code == 0, added.output
    assert "subscription 1: carrier" in added.stdout and "shown this once" in added.stderr
    secret = added.stdout.strip().splitlines()[-1]
    assert secret.startswith("whsec_")

    wrong_topic = ["--url", receiver.url, "--topic", "seizure_notice"]
    refused = runner.invoke(app, ["webhooks", "add", "--partner", "carrier", *wrong_topic])
    assert refused.exit_code == 1 and "may not subscribe" in refused.stderr

    listed = json.loads(runner.invoke(app, ["webhooks", "list", "--json"]).stdout)
    assert [(s["id"], s["partner"], s["topics"], s["active"]) for s in listed] == [
        (1, "carrier", ["hold"], True)
    ]
    assert "secret" not in listed[0]

    with session_scope(url) as session:
        webhooks.notify(
            session,
            topic="hold",
            key="hold:EXPR:H-1",
            record_kind="holds",
            record={"carrier": "EXPR", "hawb": "H-1", "carrier_partner": "carrier"},
            stage="detention",
        )
    sent = runner.invoke(app, ["webhooks", "deliver", "--once"])
    assert sent.exit_code == 0 and "1 attempt(s)" in sent.stdout, sent.output
    log = json.loads(runner.invoke(app, ["webhooks", "deliveries", "--json"]).stdout)
    assert [(d["status"], d["attempts"], d["last_status_code"]) for d in log] == [
        ("delivered", 1, 200)
    ]

    nothing = runner.invoke(app, ["webhooks", "replay"])
    assert nothing.exit_code == 1 and "name what to replay" in nothing.stderr
    replayed = runner.invoke(app, ["webhooks", "replay", "--status", "delivered"])
    assert replayed.exit_code == 0 and "1 delivery queued again" in replayed.stdout
    runner.invoke(app, ["webhooks", "deliver", "--once"])
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == log[0]["message_id"]
    assert Webhook(secret).verify(second.body, second.headers)["data"]["hawb"] == "H-1"

    table = runner.invoke(app, ["webhooks", "deliveries", "--subscription", "1"])
    assert table.exit_code == 0 and "delivered" in table.stdout

    removed = runner.invoke(app, ["webhooks", "remove", "1"])
    assert removed.exit_code == 0 and "removed" in removed.stdout
    assert runner.invoke(app, ["webhooks", "remove", "9"]).exit_code == 1
    assert (
        json.loads(runner.invoke(app, ["webhooks", "list", "--json"]).stdout)[0]["active"] is False
    )

    with session_scope(url) as session:
        entries = session.execute(
            select(AuditEntry.action, AuditEntry.actor).where(AuditEntry.action.like("webhook.%"))
        ).all()
    by_cli = {action for action, actor in entries if actor.startswith("cli:")}
    assert by_cli == {"webhook.subscribe", "webhook.replay", "webhook.remove"}
