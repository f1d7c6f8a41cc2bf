"""Agreements and the audit log through the API and the console (admins only), and the
partners' action feeds in the console (each partner its own)."""

from __future__ import annotations

import html
import re
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from redlane.events import webhooks
from redlane.store import audit
from redlane.store.db import session_scope
from redlane.store.models import Agreement, AuditEntry
from tests.api.conftest import Service
from tests.api.test_console import console_login, csrf_of

SHIPMENT = "/v1/shipments/EXPR/JFK-RED-1"


def _carrier_to_customs(service: Service) -> list[int]:
    r = service.client.get(
        "/v1/agreements",
        params={"partner": "customs", "status": "in_force"},
        headers=service.auth("admin"),
    )
    assert r.status_code == 200, r.text
    return [
        a["id"] for a in r.json() if a["from_partner"] == "carrier" and a["to_partner"] == "customs"
    ]


def _audit(service: Service, **params: Any) -> dict[str, Any]:
    r = service.client.get("/v1/audit", params=params, headers=service.auth("admin"))
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_only_admins_manage_agreements_and_read_the_audit_log(service: Service) -> None:
    for user in ("officer", "investigator", "marketplace", "carrier"):
        headers = service.auth(user)
        assert service.client.get("/v1/agreements", headers=headers).status_code == 403
        assert service.client.get("/v1/audit", headers=headers).status_code == 403
        assert service.client.get("/v1/audit/verify", headers=headers).status_code == 403
        r = service.client.post("/v1/agreements/1/expire", json={}, headers=headers)
        assert r.status_code == 403
    assert service.client.get("/v1/agreements").status_code == 401


def test_expiring_an_agreement_withholds_its_fields_at_once(service: Service) -> None:
    officer = service.auth("officer")
    before = service.client.get(SHIPMENT, headers=officer).json()
    assert before["advance_data"]["consignee_name"] == "John Miller"

    [agreement_id] = _carrier_to_customs(service)
    r = service.client.post(
        f"/v1/agreements/{agreement_id}/expire",
        json={"reason": "contract ended"},
        headers=service.auth("admin"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "expired"

    after = service.client.get(SHIPMENT, headers=officer).json()
    assert after["advance_data"] is None and after["advance_data_withheld"] is True

    # Expiring it again is refused (its end is history); an unknown id is a 404.
    again = service.client.post(
        f"/v1/agreements/{agreement_id}/expire", json={}, headers=service.auth("admin")
    )
    assert again.status_code == 422 and "already ended" in again.json()["detail"]
    missing = service.client.post(
        "/v1/agreements/99999/expire", json={}, headers=service.auth("admin")
    )
    assert missing.status_code == 404

    # A new agreement restores part of the view from the next read, and is audited.
    added = service.client.post(
        "/v1/agreements",
        json={
            "from_partner": "carrier",
            "to_partner": "customs",
            "stage": "advance",
            "allowed": {"aed_shipments": ["hawb", "description"]},
            "reason": "renewed, narrower",
        },
        headers=service.auth("admin"),
    )
    assert added.status_code == 201, added.text
    shown = service.client.get(SHIPMENT, headers=officer).json()["advance_data"]
    assert shown is not None and set(shown) == {"hawb", "description"}

    entries = _audit(service, object_type="agreement", object_id=str(agreement_id))["entries"]
    assert [e["action"] for e in entries][:1] == ["agreement.expire"]
    assert entries[0]["actor"] == "admin" and entries[0]["reason"] == "contract ended"
    created = _audit(service, action="agreement.create", object_id=str(added.json()["id"]))
    assert created["entries"][0]["details"]["allowed"] == {"aed_shipments": ["description", "hawb"]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"from_partner": "nobody"}, "from partner 'nobody' does not exist"),
        ({"to_partner": "carrier"}, "two different partners"),
        ({"stage": "later"}, "unknown stage 'later'"),
        ({"allowed": {"aed_shipments": ["no_such_field"]}}, "has no field 'no_such_field'"),
        ({"allowed": {"no_such_table": ["*"]}}, "unknown record kind 'no_such_table'"),
        ({"allowed": {}}, "at least one record kind"),
    ],
)
def test_a_bad_agreement_is_refused_naming_the_field(
    service: Service, change: dict[str, Any], message: str
) -> None:
    body = {
        "from_partner": "carrier",
        "to_partner": "marketplace",
        "stage": "seizure",
        "allowed": {"aed_shipments": ["hawb"]},
        **change,
    }
    r = service.client.post("/v1/agreements", json=body, headers=service.auth("admin"))
    assert r.status_code == 422 and message in r.json()["detail"], r.text


def test_audit_log_filters_pages_and_records_its_own_reading(service: Service) -> None:
    service.client.get(SHIPMENT, headers=service.auth("officer"))
    by_officer = _audit(service, actor="officer", object_type="shipment", limit=500)["entries"]
    assert by_officer and all(
        e["actor"] == "officer" and e["object_type"] == "shipment" for e in by_officer
    )
    assert all("EXPR/JFK-RED-1" in e["object_ids"] for e in by_officer)

    first = _audit(service, limit=2)
    assert len(first["entries"]) == 2 and first["next_before"] == first["entries"][-1]["seq"]
    second = _audit(service, limit=2, before=first["next_before"])
    assert second["entries"][0]["seq"] < first["entries"][-1]["seq"]

    newest = first["entries"][0]
    since = _audit(service, since=newest["at"])["entries"]
    assert newest["seq"] in [e["seq"] for e in since]
    until = _audit(service, until=newest["at"], limit=1000)["entries"]
    assert newest["seq"] not in [e["seq"] for e in until]

    # Each read of the log is itself the next entry, with its filters.
    reads = _audit(service, action="audit.read", limit=1)["entries"]
    assert reads[0]["actor"] == "admin"
    [read_until] = reads[0]["details"]["filters"].values()
    assert datetime.fromisoformat(read_until) == datetime.fromisoformat(newest["at"])

    verified = service.client.get("/v1/audit/verify", headers=service.auth("admin")).json()
    assert verified["ok"] is True and verified["entries"] >= 1 and verified["head_hash"]


def test_console_agreements_page_adds_and_expires(service: Service) -> None:
    client = console_login(service, "admin")
    page = client.get("/console/agreements")
    assert page.status_code == 200 and 'id="agreements"' in page.text
    token = csrf_of(page.text)
    form = {
        "from_partner": "marketplace",
        "to_partner": "carrier",
        "stage": "any",
        "allowed": "mp_sellers=seller_id,store_name",
        "reason": "pilot",
    }
    assert client.post("/console/agreements", data=form).status_code == 403  # no CSRF token
    r = client.post("/console/agreements", data={**form, "csrf": token}, follow_redirects=False)
    assert r.status_code == 303 and "saved=added-" in r.headers["location"]
    new_id = int(r.headers["location"].rsplit("-", 1)[1])
    listed = client.get("/console/agreements?partner=carrier&status=in_force").text
    assert f'data-id="{new_id}"' in listed and "store_name" in listed

    r = client.post(
        f"/console/agreements/{new_id}/expire",
        data={"csrf": token, "reason": "pilot over"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    expired = client.get("/console/agreements?status=expired").text
    assert f'data-id="{new_id}"' in expired
    with session_scope(service.world.url, readonly=True) as session:
        row = session.get(Agreement, new_id)
        assert row is not None and row.valid_to is not None

    bad = client.post("/console/agreements", data={**form, "allowed": "mp_sellers", "csrf": token})
    assert bad.status_code == 422 and "KIND=FIELD" in bad.text


def test_console_audit_page_filters_pages_and_verifies(service: Service) -> None:
    client = console_login(service, "admin")
    page = client.get("/console/audit", params={"action": "read", "actor": "admin"})
    assert page.status_code == 200 and 'id="audit-entries"' in page.text
    assert "audit.read" not in page.text.split('id="audit-entries"')[1].split("</table>")[0]
    with session_scope(service.world.url) as session:  # more than one page of entries
        for n in range(60):
            audit.append(
                session, actor="tester", action="test.fill", object_type="t", object_ids=[n]
            )
    first = client.get("/console/audit", params={"actor": "tester"}).text
    assert first.count('data-seq="') == 50
    older_href = re.search(r'href="([^"]+)" id="audit-older"', first)
    assert older_href is not None
    rest = client.get(html.unescape(older_href.group(1))).text
    assert rest.count('data-seq="') == 10 and 'id="audit-older"' not in rest
    older = client.get("/console/audit", params={"before": 3}).text
    assert 'data-seq="2"' in older and 'data-seq="3"' not in older
    assert 'id="audit-newest"' in older
    verified = client.get("/console/audit", params={"verify": 1}).text
    assert "Chain intact" in verified
    assert client.get("/console/audit", params={"since": "soon"}).status_code == 422
    for user in ("investigator", "officer"):
        other = console_login(service, user)
        assert other.get("/console/audit").status_code == 403
        assert other.get("/console/agreements").status_code == 403
        assert "Audit log" not in other.get("/console/webhooks").text
    with session_scope(service.world.url, readonly=True) as session:
        filters = [
            e.details["filters"]
            for e in session.scalars(
                select(AuditEntry).where(
                    AuditEntry.action == "audit.read", AuditEntry.actor == "admin"
                )
            )
        ]
    assert {"action": "read", "actor": "admin"} in filters


@pytest.fixture(scope="module")
def messages(service: Service) -> None:
    """A hold owed to the carrier and a seizure notice owed to the marketplace."""
    hold = {
        "carrier": "EXPR",
        "awb": "AWB-1",
        "hawb": "JFK-RED-1",
        "port_code": "JFK",
        "held_at": "2026-01-02T03:04:05+00:00",
        "status": "held",
        "carrier_partner": "carrier",
    }
    with session_scope(service.world.url) as session:
        webhooks.notify(
            session,
            topic="hold",
            key="hold:EXPR:JFK-RED-1",
            record_kind="holds",
            record=hold,
            stage="detention",
            extra={"reason": "lookout 1"},
        )
        webhooks.notify(
            session,
            topic="seizure_notice",
            key="seizure:EXPR:JFK-RED-2",
            record_kind="inspections",
            record={"hawb": "JFK-RED-2", "outcome": "seized", "brand": "Acme"},
            stage="seizure",
            partners=["marketplace"],
        )


@pytest.mark.usefixtures("messages")
def test_console_action_feeds_show_each_partner_its_own(service: Service) -> None:
    carrier = console_login(service, "carrier")
    holds = carrier.get("/console/actions/carrier")
    assert holds.status_code == 200
    feed = holds.text.split('id="action-feed"')[1]
    assert 'data-topic="hold"' in feed and "JFK-RED-1" in feed and "AWB-1" in feed
    assert "seizure notice" not in feed
    assert carrier.get("/console/actions/marketplace").status_code == 403
    assert "Carrier holds" in holds.text and "Marketplace actions" not in holds.text

    market = console_login(service, "marketplace")
    notices = market.get("/console/actions/marketplace")
    assert notices.status_code == 200
    feed = notices.text.split('id="action-feed"')[1]
    assert 'data-topic="seizure_notice"' in feed and "JFK-RED-2" in feed
    assert 'data-topic="hold"' not in feed
    only_sideline = market.get("/console/actions/marketplace?topic=sideline").text
    assert "Nothing for marketplace yet." in only_sideline
    assert market.get("/console/actions/carrier").status_code == 403

    admin = console_login(service, "admin")
    assert "JFK-RED-1" in admin.get("/console/actions/carrier").text
    with session_scope(service.world.url, readonly=True) as session:
        readers = session.scalars(
            select(AuditEntry.partner_id).where(
                AuditEntry.actor == "carrier", AuditEntry.object_type == "partner_message"
            )
        ).all()
    assert readers and set(readers) == {"carrier"}
