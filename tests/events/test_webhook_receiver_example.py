"""``examples/webhook_receiver.py``, run as a partner would run it, against real deliveries from
redlane and forged ones: a signed message is handled once however often it comes, a forged or
tampered one is refused with 401."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import update

from redlane.events import delivery, webhooks
from redlane.store.db import dispose_engine, session_scope
from redlane.store.event_models import WebhookSubscription
from tests.events.webhook_helpers import make_store

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "webhook_receiver.py"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[str]:
    url = make_store(tmp_path)
    yield url
    dispose_engine(url)


def _start(secret: str) -> tuple[subprocess.Popen[str], str]:
    env = {**os.environ, "WEBHOOK_SECRET": secret}
    proc = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    first = proc.stdout.readline().strip()
    assert first.startswith("listening on http://127.0.0.1:"), first
    return proc, first.removeprefix("listening on ") + "/redlane"


def test_the_example_receiver_takes_signed_messages_once_and_refuses_forged_ones(
    store: str,
) -> None:
    assert "redlane" not in {
        line.split()[1].split(".")[0]
        for line in EXAMPLE.read_text().splitlines()
        if line.startswith(("import ", "from "))
    }
    with session_scope(store) as session:
        # The receiver needs the secret to start, and the subscription its address: subscribe
        # first, then point the subscription at the receiver's port.
        row, secret = webhooks.subscribe(
            session,
            partner_id="carrier",
            url="https://later.invalid/",
            topics=["hold"],
            created_by="tester",
        )
        sub_id = row.id
    proc, endpoint = _start(secret)
    try:
        with session_scope(store) as session:
            session.execute(
                update(WebhookSubscription)
                .where(WebhookSubscription.id == sub_id)
                .values(url=endpoint)
            )
            webhooks.notify(
                session,
                topic="hold",
                key="hold:EXPR:H-1",
                record_kind="holds",
                record={"carrier": "EXPR", "hawb": "H-1", "carrier_partner": "carrier"},
                stage="detention",
            )
        with httpx.Client(trust_env=False) as client:
            assert delivery.deliver_due(store, client) == 1
            with session_scope(store) as session:  # sent again: the receiver must dedupe
                assert webhooks.replay(session, subscription_id=sub_id, by="tester") == 1
            assert delivery.deliver_due(store, client) == 1
            [last] = webhooks_log(store)
            assert last == ("delivered", 200)

            payload = {"type": "hold", "timestamp": "2026-01-01T00:00:00Z", "data": {"x": 1}}
            body, headers = delivery.signed_request(webhooks.new_secret(), "msg_forged", payload)
            forged = client.post(endpoint, content=body, headers=headers)
            body, headers = delivery.signed_request(secret, "msg_tampered", payload)
            tampered = client.post(
                endpoint, content=body.replace(b'"x":1', b'"x":2'), headers=headers
            )
            unsigned = client.post(endpoint, content=body)
        assert (forged.status_code, tampered.status_code, unsigned.status_code) == (401, 401, 401)
    finally:
        proc.terminate()
        out, _err = proc.communicate(timeout=10)
    messages = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert messages == [
        {
            "webhook_id": webhooks.message_id("hold", "hold:EXPR:H-1"),
            "type": "hold",
            "data": {"carrier": "EXPR", "hawb": "H-1"},
        }
    ]


def webhooks_log(store: str) -> list[tuple[str, int | None]]:
    with session_scope(store) as session:
        return [(d.status, d.last_status_code) for d in webhooks.list_deliveries(session)]
