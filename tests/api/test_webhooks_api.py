"""``/v1/webhooks`` (admins only) and the console's webhook page (a partner sees its own)."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from redlane.events import delivery, webhooks
from redlane.store.db import session_scope
from redlane.store.models import AuditEntry
from tests.api.conftest import Service
from tests.api.test_console import console_login
from tests.events.webhook_helpers import LocalReceiver

ROUTES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/v1/webhooks", None),
    (
        "POST",
        "/v1/webhooks",
        {"partner": "carrier", "url": "https://x.example", "topics": ["hold"]},
    ),
    ("DELETE", "/v1/webhooks/1", None),
    ("GET", "/v1/webhooks/1/deliveries", None),
    ("POST", "/v1/webhooks/replay", {"status": "dead"}),
]


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
def test_only_admins_use_the_webhook_routes(
    service: Service, method: str, path: str, body: dict[str, Any] | None
) -> None:
    c = service.client
    assert c.request(method, path, json=body).status_code == 401
    for user in ("carrier", "investigator", "officer"):
        r = c.request(method, path, json=body, headers=service.auth(user))
        assert r.status_code == 403, (user, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")


def _notify_hold(service: Service, hawb: str) -> int:
    with session_scope(service.world.url) as session:
        return webhooks.notify(
            session,
            topic="hold",
            key=f"hold:EXPR:{hawb}",
            record_kind="holds",
            record={"carrier": "EXPR", "hawb": hawb, "carrier_partner": "carrier"},
            stage="detention",
        )


def test_an_admin_subscribes_reads_the_log_replays_and_removes(service: Service) -> None:
    c, admin = service.client, service.auth("admin")
    with LocalReceiver() as receiver, httpx.Client(trust_env=False) as client:
        r = c.post(
            "/v1/webhooks",
            json={"partner": "carrier", "url": receiver.url, "topics": ["hold"]},
            headers=admin,
        )
        assert r.status_code == 201, r.text
        created = r.json()
        secret, sub_id = created["secret"], created["id"]
        assert secret.startswith("whsec_") and created["created_by"] == "admin"
        listed = c.get("/v1/webhooks", params={"partner": "carrier"}, headers=admin).json()
        assert [s["secret"] for s in listed if s["id"] == sub_id] == [None]

        assert _notify_hold(service, "API-1") == 1
        assert delivery.deliver_due(service.world.url, client) == 1
        log = c.get(f"/v1/webhooks/{sub_id}/deliveries", headers=admin).json()
        assert [(d["status"], d["attempts"]) for d in log] == [("delivered", 1)]

        r = c.post("/v1/webhooks/replay", json={"delivery_id": log[0]["id"]}, headers=admin)
        assert r.status_code == 200 and r.json() == {"replayed": 1}
        assert delivery.deliver_due(service.world.url, client) == 1
    first, second = receiver.received
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == log[0]["message_id"]
    assert Webhook(secret).verify(second.body, second.headers)["data"]["hawb"] == "API-1"

    r = c.delete(f"/v1/webhooks/{sub_id}", headers=admin)
    assert r.status_code == 200 and r.json()["active"] is False
    with session_scope(service.world.url) as session:
        actions = set(
            session.scalars(
                select(AuditEntry.action).where(
                    AuditEntry.actor == "admin", AuditEntry.action.like("webhook.%")
                )
            )
        )
        read = session.scalars(
            select(AuditEntry.object_type).where(
                AuditEntry.actor == "admin", AuditEntry.action == "read"
            )
        ).all()
    assert {"webhook.subscribe", "webhook.replay", "webhook.remove"} <= actions
    assert {"webhook_subscription", "webhook_delivery"} <= set(read)


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "says"),
    [
        (
            "POST",
            "/v1/webhooks",
            {"partner": "carrier", "url": "https://c.example", "topics": ["seizure_notice"]},
            422,
            "may not subscribe",
        ),
        (
            "POST",
            "/v1/webhooks",
            {"partner": "carrier", "url": "x", "topics": ["hold"]},
            422,
            "http",
        ),
        ("POST", "/v1/webhooks/replay", {}, 422, "name what to replay"),
        ("POST", "/v1/webhooks/replay", {"delivery_id": 999999}, 404, "no webhook delivery"),
        ("DELETE", "/v1/webhooks/999999", None, 404, "no webhook subscription"),
        ("GET", "/v1/webhooks/abc/deliveries", None, 404, "no webhook subscription"),
    ],
)
def test_refusals_are_problem_details(
    service: Service,
    method: str,
    path: str,
    body: dict[str, Any] | None,
    status: int,
    says: str,
) -> None:
    r = service.client.request(method, path, json=body, headers=service.auth("admin"))
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert says in r.json()["detail"]


def test_the_console_page_shows_a_partner_its_own_webhooks(service: Service) -> None:
    admin = service.auth("admin")
    urls = {
        "carrier": "https://carrier.example/console-hooks",
        "marketplace": "https://market.example/console-hooks",
    }
    for partner, topic in (("carrier", "hold"), ("marketplace", "sideline")):
        r = service.client.post(
            "/v1/webhooks",
            json={"partner": partner, "url": urls[partner], "topics": [topic]},
            headers=admin,
        )
        assert r.status_code == 201
    assert _notify_hold(service, "PAGE-1") >= 1

    carrier = console_login(service, "carrier").get("/console/webhooks")
    assert carrier.status_code == 200
    assert urls["carrier"] in carrier.text and urls["marketplace"] not in carrier.text
    assert "pending" in carrier.text and "whsec_" not in carrier.text
    market = console_login(service, "marketplace").get("/console/webhooks?partner=carrier")
    assert urls["marketplace"] in market.text and urls["carrier"] not in market.text
    everyone = console_login(service, "admin").get("/console/webhooks")
    assert urls["carrier"] in everyone.text and urls["marketplace"] in everyone.text
    narrowed = console_login(service, "admin").get("/console/webhooks?partner=marketplace")
    assert urls["carrier"] not in narrowed.text


def test_a_partner_pulls_its_messages_with_a_cursor_whether_subscribed_or_not(
    service: Service,
) -> None:
    c = service.client
    carrier = service.auth("carrier")
    start = c.get("/v1/actions/messages", params={"limit": 1000}, headers=carrier).json()["next"]
    _notify_hold(service, "H-PULL-1")
    _notify_hold(service, "H-PULL-2")
    _notify_hold(service, "H-PULL-1")  # the same hold again is the same message
    first = c.get("/v1/actions/messages", params={"after": start, "limit": 1}, headers=carrier)
    assert first.status_code == 200, first.text
    page = first.json()
    assert [m["data"]["hawb"] for m in page["messages"]] == ["H-PULL-1"]
    assert page["messages"][0]["type"] == "hold" and page["messages"][0]["webhook_id"]
    rest = c.get("/v1/actions/messages", params={"after": page["next"]}, headers=carrier).json()
    assert [m["data"]["hawb"] for m in rest["messages"]] == ["H-PULL-2"]
    done = c.get("/v1/actions/messages", params={"after": rest["next"]}, headers=carrier)
    assert done.json()["messages"] == [] and done.json()["next"] == rest["next"]
    # holds are the carrier's: the marketplace is owed none of them
    other = c.get("/v1/actions/messages", headers=service.auth("marketplace")).json()
    assert all(m["type"] != "hold" for m in other["messages"])
    refused = c.get("/v1/actions/messages", params={"partner": "marketplace"}, headers=carrier)
    assert refused.status_code == 403
