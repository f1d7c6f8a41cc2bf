"""Webhooks to partners as a partner sees them: signed messages it can verify, retries, dead
letters, replays under the same webhook-id, one message per event, and only the fields the
disclosure policy lets it see."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from redlane.config import WebhookSettings
from redlane.errors import RedlaneError
from redlane.events import delivery, webhooks
from redlane.store.db import dispose_engine, session_scope
from redlane.store.event_models import WebhookDelivery, WebhookSubscription
from redlane.store.models import AuditEntry
from tests.events.webhook_helpers import LocalReceiver, make_store

HOLD: dict[str, Any] = {
    "carrier": "EXPR",
    "awb": "AWB-1",
    "hawb": "H-1",
    "port_code": "JFK",
    "held_at": "2026-03-01T10:00:00+00:00",
    "status": "hold",
    "carrier_partner": "carrier",
}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("REDLANE_WEBHOOKS_BACKOFF_BASE_S", "0")  # a failed message is due again
    url = make_store(tmp_path)
    yield url
    dispose_engine(url)


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(trust_env=False) as c:
        yield c


def subscribe(url: str, partner: str, endpoint: str, topics: list[str]) -> tuple[int, str]:
    with session_scope(url) as session:
        row, secret = webhooks.subscribe(
            session, partner_id=partner, url=endpoint, topics=topics, created_by="tester"
        )
        return row.id, secret


def notify_hold(url: str, hawb: str = "H-1", **kwargs: Any) -> int:
    with session_scope(url) as session:
        return webhooks.notify(
            session,
            topic="hold",
            key=f"hold:EXPR:{hawb}",
            record_kind="holds",
            record={**HOLD, "hawb": hawb},
            stage="detention",
            **kwargs,
        )


def deliveries(url: str) -> list[WebhookDelivery]:
    # A committing session: its objects stay loaded (a read-only one rolls back, expiring them).
    with session_scope(url) as session:
        return list(session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def audit_actions(url: str) -> list[str]:
    with session_scope(url, readonly=True) as session:
        return list(session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


def test_a_delivery_verifies_with_standard_webhooks(store: str, client: httpx.Client) -> None:
    with LocalReceiver() as receiver:
        _, secret = subscribe(store, "carrier", receiver.url, ["hold"])
        assert notify_hold(store, event_id=7, extra={"event_id": 7, "reason": "lookout 3"}) == 1
        assert delivery.deliver_due(store, client) == 1
    [got] = receiver.received
    assert got.headers["webhook-id"] == webhooks.message_id("hold", "hold:EXPR:H-1")
    assert got.headers["content-type"] == "application/json"
    message = Webhook(secret).verify(got.body, got.headers)
    assert message["type"] == "hold" and message["timestamp"]
    # The carrier sees its hold by air waybill, as agreed, plus the event's own fields.
    assert message["data"] == {
        **{k: HOLD[k] for k in ("carrier", "awb", "hawb", "port_code", "held_at", "status")},
        "event_id": 7,
        "reason": "lookout 3",
    }
    with pytest.raises(WebhookVerificationError):
        Webhook(webhooks.new_secret()).verify(got.body, got.headers)
    [row] = deliveries(store)
    assert row.status == "delivered" and row.attempts == 1 and row.delivered_at is not None
    assert row.event_id == 7
    assert {"webhook.subscribe", "webhook.deliver"} <= set(audit_actions(store))


def test_a_failed_attempt_is_retried_then_delivered(store: str, client: httpx.Client) -> None:
    with LocalReceiver(statuses=[500]) as receiver:
        _, secret = subscribe(store, "carrier", receiver.url, ["hold"])
        notify_hold(store)
        assert delivery.deliver_due(store, client) == 1
        [row] = deliveries(store)
        assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, 500)
        assert row.last_error == "HTTP 500"
        assert delivery.deliver_due(store, client) == 1
    [row] = deliveries(store)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 2, 200)
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert Webhook(secret).verify(second.body, second.headers)["type"] == "hold"
    assert audit_actions(store).count("webhook.deliver") == 2


def test_backoff_doubles_up_to_the_cap() -> None:
    settings = WebhookSettings(backoff_base_s=1.0, backoff_cap_s=300.0)
    waits = [delivery.backoff(n, settings).total_seconds() for n in range(1, 12)]
    assert waits == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300]


def test_a_message_is_dead_after_the_last_attempt(
    store: str, client: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDLANE_WEBHOOKS_MAX_ATTEMPTS", "3")
    with LocalReceiver(default=503) as receiver:
        subscribe(store, "carrier", receiver.url, ["hold"])
        notify_hold(store)
        sent = [delivery.deliver_due(store, client) for _ in range(4)]
    assert sent == [1, 1, 1, 0]
    [row] = deliveries(store)
    assert (row.status, row.attempts, row.last_status_code) == ("dead", 3, 503)
    actions = audit_actions(store)
    assert actions.count("webhook.deliver") == 2 and actions.count("webhook.dead") == 1


def test_an_unreachable_endpoint_is_a_failed_attempt(store: str, client: httpx.Client) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    subscribe(store, "carrier", f"http://127.0.0.1:{port}/gone", ["hold"])
    notify_hold(store)
    assert delivery.deliver_due(store, client) == 1
    [row] = deliveries(store)
    assert (row.status, row.attempts, row.last_status_code) == ("pending", 1, None)
    assert row.last_error and row.last_error.startswith("ConnectError")


def test_replay_sends_again_with_the_same_webhook_id(store: str, client: httpx.Client) -> None:
    with LocalReceiver() as receiver:
        sub_id, secret = subscribe(store, "carrier", receiver.url, ["hold"])
        notify_hold(store)
        delivery.deliver_due(store, client)
        [row] = deliveries(store)
        with session_scope(store) as session:
            with pytest.raises(webhooks.WebhookError, match="name what to replay"):
                webhooks.replay(session, by="tester")
            assert webhooks.replay(session, delivery_id=row.id, by="tester") == 1
        [again] = deliveries(store)
        assert (again.status, again.attempts, again.delivered_at) == ("pending", 0, None)
        assert delivery.deliver_due(store, client) == 1
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == row.message_id
    assert Webhook(secret).verify(second.body, second.headers)["data"]["hawb"] == "H-1"
    assert deliveries(store)[0].status == "delivered"
    assert "webhook.replay" in audit_actions(store)


def test_the_same_event_twice_queues_one_delivery(store: str) -> None:
    subscribe(store, "carrier", "https://carrier.example/hooks", ["hold"])
    assert notify_hold(store) == 1
    assert notify_hold(store) == 0
    with session_scope(store) as session:  # twice in one transaction, too
        for expected in (1, 0):
            queued = webhooks.notify(
                session,
                topic="hold",
                key="hold:EXPR:H-2",
                record_kind="holds",
                record={**HOLD, "hawb": "H-2"},
                stage="detention",
            )
            assert queued == expected
    assert [d.payload["data"]["hawb"] for d in deliveries(store)] == ["H-1", "H-2"]


def _agreed(partner: str, kind: str, stage: str) -> set[str]:
    """What the rules file lets ``partner`` see of the carrier's ``kind`` at ``stage``."""
    rules = json.loads(
        resources.files("redlane.policy").joinpath("disclosure_rules.json").read_text()
    )
    reached = rules["stages"][: rules["stages"].index(stage) + 1]
    return {
        field
        for a in rules["agreements"]
        if a["from"] == "carrier" and a["to"] == partner and a["stage"] in reached
        for field in a["allowed"].get(kind, [])
    }


@pytest.mark.parametrize("stage", ["detention", "seizure"])
def test_each_partner_gets_only_what_the_policy_lets_it_see(store: str, stage: str) -> None:
    shipment = {
        "hawb": "H-9",
        "expected_arrival": "2026-03-02",
        "port_of_entry": "JFK",
        "description": "sneakers",
        "pieces": 2,
        "origin_country": "CN",
        "seller_ref": "S-1",
        "shipper_name": "Shenzhen Trading",
        "consignee_name": "J. Doe",
        "consignee_address": "1 Main St",
        "_partner": "carrier",
    }
    subscribe(store, "rights_holders", "https://brand.example/hooks", ["seizure_notice"])
    subscribe(store, "marketplace", "https://market.example/hooks", ["seizure_notice"])
    with session_scope(store) as session:
        queued = webhooks.notify(
            session,
            topic="seizure_notice",
            key="seizure:H-9",
            record_kind="aed_shipments",
            record=shipment,
            stage=stage,
            extra={"outcome": "seized"},
        )
    with session_scope(store, readonly=True) as session:
        got = {
            partner: payload["data"]
            for partner, payload in session.execute(
                select(WebhookSubscription.partner_id, WebhookDelivery.payload).join(
                    WebhookDelivery
                )
            )
        }
    expected = {
        partner: {k: v for k, v in shipment.items() if k in fields} | {"outcome": "seized"}
        for partner in ("rights_holders", "marketplace")
        if (fields := _agreed(partner, "aed_shipments", stage))
    }
    assert got == expected and queued == len(expected)
    # The rules file's own case: before seizure the rights holder learns no importer identity,
    # and the marketplace, whose agreements start at seizure, gets nothing at all.
    if stage == "detention":
        assert set(got) == {"rights_holders"} and "shipper_name" not in got["rights_holders"]
    else:
        assert got["rights_holders"]["shipper_name"] == "Shenzhen Trading"
        assert set(got["marketplace"]) == {"hawb", "seller_ref", "description", "outcome"}


@pytest.mark.parametrize(
    ("partner", "url", "topics", "message"),
    [
        ("carrier", "https://c.example/h", ["seizure_notice"], "may not subscribe"),
        ("customs", "https://c.example/h", ["hold", "lookout_proposal"], "may not subscribe"),
        ("carrier", "https://c.example/h", ["parcel_gossip"], "unknown topic"),
        ("carrier", "https://c.example/h", [], "at least one topic"),
        ("carrier", "ftp://c.example/h", ["hold"], "http:// or https://"),
        ("carrier", "carrier.example", ["hold"], "http:// or https://"),
        ("nobody", "https://c.example/h", ["hold"], "no partner"),
    ],
)
def test_a_subscription_it_may_not_have_is_refused(
    store: str, partner: str, url: str, topics: list[str], message: str
) -> None:
    with session_scope(store) as session:
        with pytest.raises(RedlaneError, match=message) as refused:
            webhooks.subscribe(
                session, partner_id=partner, url=url, topics=topics, created_by="tester"
            )
        assert refused.value.STATUS == 422
        assert webhooks.list_subscriptions(session) == []


def test_one_subscriptions_messages_go_in_order(store: str, client: httpx.Client) -> None:
    with LocalReceiver(statuses=[500]) as receiver:
        subscribe(store, "carrier", receiver.url, ["hold"])
        notify_hold(store, "H-1")
        notify_hold(store, "H-2")
        assert delivery.deliver_due(store, client) == 1  # H-2 waits behind the failed H-1
        assert delivery.deliver_due(store, client) == 2
    hawbs = [json.loads(r.body)["data"]["hawb"] for r in receiver.received]
    assert hawbs == ["H-1", "H-1", "H-2"]


def test_two_deliverers_do_not_send_the_same_message(store: str) -> None:
    with LocalReceiver(delay_s=0.1) as receiver:
        for n in range(4):
            subscribe(store, "carrier", f"{receiver.url}?sub={n}", ["hold"])
        assert notify_hold(store) == 4
        counts: list[int] = []

        def run() -> None:
            with httpx.Client(trust_env=False) as own:
                counts.append(delivery.deliver_due(store, own))

        threads = [threading.Thread(target=run) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
    assert sum(counts) == 4
    assert sorted(r.path for r in receiver.received) == [f"/hooks?sub={n}" for n in range(4)]
    assert {d.status for d in deliveries(store)} == {"delivered"}


def test_a_deliverer_thread_sends_once_the_notify_commits(store: str, client: httpx.Client) -> None:
    with LocalReceiver() as receiver:
        subscribe(store, "carrier", receiver.url, ["hold"])
        stop = threading.Event()
        # A poll far longer than the test: only the wake-up can explain a prompt delivery.
        thread = delivery.Deliverer(store, client=client, poll_s=60).start(stop)
        try:
            assert notify_hold(store) == 1
            assert receiver.wait_for(1, timeout_s=5)
        finally:
            stop.set()
            delivery.WAKE.set()
            thread.join(5)
    assert not thread.is_alive()


def test_removing_a_subscription_stops_its_messages(store: str) -> None:
    sub_id, _ = subscribe(store, "carrier", "https://carrier.example/hooks", ["hold"])
    notify_hold(store, "H-1")
    with session_scope(store) as session:
        webhooks.remove(session, sub_id, "tester")
        webhooks.remove(session, sub_id, "tester")  # again: nothing more happens
    assert notify_hold(store, "H-2") == 0
    [row] = deliveries(store)
    assert (row.status, row.last_error) == ("dead", "subscription removed")
    with session_scope(store) as session:
        with pytest.raises(webhooks.WebhookError, match="removed"):
            webhooks.replay(session, delivery_id=row.id, by="tester")
        [sub] = webhooks.list_subscriptions(session)
        assert not sub.active
    assert audit_actions(store).count("webhook.remove") == 1
