"""``/v1/cases``: every route, roles, custody and tamper detection, through the HTTP API."""

from __future__ import annotations

import io
import os
import re
import zipfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from redlane.api import case_views
from redlane.cases.records import TimelineEvent
from redlane.store.case_models import CustodyEvent, EvidenceItem
from redlane.store.db import session_scope
from redlane.store.models import AuditEntry
from tests.api.conftest import Service
from tests.api.test_console import console_login

NOBODY_ELSE = ("officer", "marketplace", "carrier", "rights")


def open_case(service: Service, title: str = "Meiya ring", ref: str = "A-1") -> int:
    r = service.client.post(
        "/v1/cases",
        json={"kind": "actor", "ref": ref, "title": title},
        headers=service.auth("investigator"),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def add_file(service: Service, case_id: int, data: bytes, user: str = "investigator") -> dict:
    r = service.client.post(
        f"/v1/cases/{case_id}/evidence",
        files={"file": ("photo.jpg", data, "image/jpeg")},
        data={"kind": "photo", "description": "seized sneakers"},
        headers=service.auth(user),
    )
    assert r.status_code == 201, r.text
    return r.json()


def audit_of(service: Service, user: str, action: str) -> list[tuple[str, str, list]]:
    """(action, object_type, object_ids) of the user's audit entries with that action."""
    with session_scope(service.world.url, readonly=True) as session:
        return [
            (e.action, e.object_type, list(e.object_ids or []))
            for e in session.scalars(
                select(AuditEntry).where(AuditEntry.actor == user, AuditEntry.action == action)
            )
        ]


def test_open_list_and_read_a_case(service: Service) -> None:
    c = service.client
    case_id = open_case(service)
    listed = c.get("/v1/cases", headers=service.auth("investigator"))
    assert listed.status_code == 200 and case_id in [x["id"] for x in listed.json()]
    r = c.get(f"/v1/cases/{case_id}", headers=service.auth("investigator"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "lead" and body["transitions"] == ["investigation", "closed"]
    assert {"kind": "actor", "ref": "A-1"}.items() <= body["targets"][0].items()
    assert "A-1" in [a["actor_id"] for a in body["actors"]]
    # The shipment of A-1's shipper party is on the timeline (warehouse record, full view).
    assert any(e["key"] == "JFK-RED-1" for e in body["timeline"]), body["timeline"]
    assert ("read", "case", [str(case_id)]) in audit_of(service, "investigator", "read")
    assert ("case.open", "case", [str(case_id)]) in audit_of(service, "investigator", "case.open")


def test_status_changes_follow_the_workflow(service: Service) -> None:
    c = service.client
    case_id = open_case(service, "workflow")
    h = service.auth("investigator")
    bad = c.post(f"/v1/cases/{case_id}/status", json={"status": "civil_action"}, headers=h)
    assert bad.status_code == 409
    assert bad.headers["content-type"].startswith("application/problem+json")
    ok = c.post(f"/v1/cases/{case_id}/status", json={"status": "investigation"}, headers=h)
    assert ok.status_code == 200 and ok.json()["status"] == "investigation"
    assert c.get(f"/v1/cases/{case_id}", headers=h).json()["transitions"] == [
        "referred_prosecution",
        "civil_action",
        "closed",
    ]


def test_notes(service: Service) -> None:
    c = service.client
    case_id = open_case(service, "notes")
    r = c.post(
        f"/v1/cases/{case_id}/notes",
        json={"text": "same bank account as the March seizure"},
        headers=service.auth("investigator"),
    )
    assert r.status_code == 201
    notes = c.get(f"/v1/cases/{case_id}", headers=service.auth("investigator")).json()["notes"]
    assert [n["text"] for n in notes] == ["same bank account as the March seizure"]
    # An analyst reads the case but not the internal notes (policy: no full view).
    analyst = c.get(f"/v1/cases/{case_id}", headers=service.auth("analyst"))
    assert analyst.status_code == 200 and analyst.json()["notes"] == []


def test_evidence_upload_view_custody_and_tamper(service: Service) -> None:
    c = service.client
    case_id = open_case(service, "evidence")
    data = b"\xff\xd8 a photo of seized sneakers " + os.urandom(16)
    item = add_file(service, case_id, data)
    assert [e["action"] for e in item["custody"]] == ["added"]
    import hashlib

    assert item["sha256"] == hashlib.sha256(data).hexdigest()
    url = f"/v1/cases/{case_id}/evidence/{item['id']}"
    r = c.get(url, headers=service.auth("investigator"))
    assert r.status_code == 200 and r.content == data
    assert r.headers["x-evidence-sha256"] == item["sha256"]
    detail = c.get(f"/v1/cases/{case_id}", headers=service.auth("investigator")).json()
    [shown] = [e for e in detail["evidence"] if e["id"] == item["id"]]
    assert [e["action"] for e in shown["custody"]] == ["added", "viewed"]
    assert shown["custody"][1]["actor"] == "investigator"
    # Another case's path does not reach it.
    other = open_case(service, "other")
    assert (
        c.get(
            f"/v1/cases/{other}/evidence/{item['id']}", headers=service.auth("investigator")
        ).status_code
        == 404
    )

    # Tamper with the stored file: the next view is refused and logs no `viewed`.
    with session_scope(service.world.url, readonly=True) as session:
        stored = Path(session.get(EvidenceItem, item["id"]).stored_path)
    stored.chmod(0o644)
    stored.write_bytes(data + b"x")
    try:
        bad = c.get(url, headers=service.auth("investigator"))
        assert bad.status_code == 500
        assert "no longer matches its sha256" in bad.json()["detail"]
        with session_scope(service.world.url, readonly=True) as session:
            views = session.scalars(
                select(CustodyEvent).where(
                    CustodyEvent.evidence_id == item["id"], CustodyEvent.action == "viewed"
                )
            ).all()
        assert len(views) == 1
    finally:
        stored.write_bytes(data)


def test_analyst_sees_only_evidence_shared_with_customs(service: Service) -> None:
    c = service.client
    case_id = open_case(service, "sharing")
    ipcc_item = add_file(service, case_id, b"ipcc memo")
    r = c.post(
        f"/v1/cases/{case_id}/evidence",
        files={"file": ("entry.pdf", b"customs entry", "application/pdf")},
        data={"kind": "document", "source_partner": "customs"},
        headers=service.auth("investigator"),
    )
    customs_item = r.json()
    body = c.get(f"/v1/cases/{case_id}", headers=service.auth("analyst")).json()
    assert [e["id"] for e in body["evidence"]] == [customs_item["id"]]
    base = f"/v1/cases/{case_id}/evidence"
    assert c.get(f"{base}/{customs_item['id']}", headers=service.auth("analyst")).status_code == 200
    assert c.get(f"{base}/{ipcc_item['id']}", headers=service.auth("analyst")).status_code == 403


def test_export_returns_a_signed_package(service: Service) -> None:
    case_id = open_case(service, "export")
    add_file(service, case_id, b"exported file")
    r = service.client.post(f"/v1/cases/{case_id}/export", headers=service.auth("investigator"))
    assert r.status_code == 200, r.text[:300]
    assert r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    assert any(n.endswith("manifest.sig") for n in names)
    assert any(n.endswith(f"case-{case_id}.pdf") for n in names)
    from redlane.cases.package import verify

    assert verify(Path(r.headers["x-package-path"])).ok
    assert audit_of(service, "investigator", "case.export")


def test_roles(service: Service) -> None:
    c = service.client
    case_id = open_case(service, "roles")
    item = add_file(service, case_id, b"roles")
    writes = [
        ("POST", "/v1/cases", {"kind": "actor", "ref": "A-1", "title": "t"}),
        ("POST", f"/v1/cases/{case_id}/status", {"status": "investigation"}),
        ("POST", f"/v1/cases/{case_id}/notes", {"text": "x"}),
        ("POST", f"/v1/cases/{case_id}/export", None),
    ]
    reads = ["/v1/cases", f"/v1/cases/{case_id}", f"/v1/cases/{case_id}/evidence/{item['id']}"]
    for user in NOBODY_ELSE:
        for url in reads:
            assert c.get(url, headers=service.auth(user)).status_code == 403, (user, url)
        for method, url, body in writes:
            r = c.request(method, url, json=body, headers=service.auth(user))
            assert r.status_code == 403, (user, url)
    for method, url, body in writes:  # the analyst reads only
        assert c.request(method, url, json=body, headers=service.auth("analyst")).status_code == 403
    upload = c.post(
        f"/v1/cases/{case_id}/evidence",
        files={"file": ("a.txt", b"a", "text/plain")},
        headers=service.auth("analyst"),
    )
    assert upload.status_code == 403
    for url in reads:
        assert c.get(url).status_code == 401
        assert c.get(url, headers=service.auth("admin")).status_code == 200
    assert c.get("/v1/cases/999999", headers=service.auth("investigator")).status_code == 404


def test_console_case_pages_roles_and_csrf(service: Service) -> None:
    from tests.api.test_console import console_login, csrf_of

    case_id = open_case(service, "console")
    investigator = console_login(service, "investigator")
    page = investigator.get(f"/console/cases/{case_id}")
    assert (
        page.status_code == 200
        and "Add note" in page.text
        and "Export evidence package" in page.text
    )
    assert 'href="/console/cases"' in investigator.get("/console/cases").text  # nav link
    forged = investigator.post(
        f"/console/cases/{case_id}/notes", data={"text": "x", "csrf": "0" * 64}
    )
    assert forged.status_code == 403
    ok = investigator.post(
        f"/console/cases/{case_id}/notes",
        data={"text": "from the console", "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    analyst = console_login(service, "analyst")
    read = analyst.get(f"/console/cases/{case_id}")
    assert read.status_code == 200 and "Add note" not in read.text
    assert "from the console" not in read.text  # internal notes: full view only
    assert analyst.get(f"/console/cases/{case_id}/evidence/new").status_code == 403
    marketplace = console_login(service, "marketplace")
    assert marketplace.get("/console/cases").status_code == 403
    assert 'href="/console/cases"' not in marketplace.get("/console/quarantine").text


def test_console_download_keeps_any_uploaded_name_safe_in_the_header(service: Service) -> None:
    """A file name with quotes, a line break and non-Latin-1 letters can neither break the
    response nor add a header; the exact name survives in ``filename*`` (RFC 6266)."""
    from urllib.parse import unquote

    from tests.api.test_console import console_login

    case_id = open_case(service, "names")
    hostile = 'Zahlung "Ü" 付款\r\nX-Injected: 1.pdf'
    r = service.client.post(
        f"/v1/cases/{case_id}/evidence",
        files={"file": (hostile, b"%PDF-1.4 tiny", "application/pdf")},
        data={"kind": "document", "description": "invoice"},
        headers=service.auth("investigator"),
    )
    assert r.status_code == 201, r.text
    item = r.json()
    page = console_login(service, "investigator").get(
        f"/console/cases/{case_id}/evidence/{item['id']}"
    )
    assert page.status_code == 200 and page.content == b"%PDF-1.4 tiny"
    assert "x-injected" not in page.headers
    disposition = page.headers["content-disposition"]
    assert "\r" not in disposition and "\n" not in disposition
    fallback = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert fallback.isascii() and '"' not in fallback
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    with session_scope(service.world.url, readonly=True) as session:
        stored = session.get(EvidenceItem, item["id"])
        assert stored is not None
        assert unquote(encoded) == stored.original_filename
        assert "付款" in stored.original_filename


# A case's timeline a page at a time, filtered by kind and dates, in the API and the console.
# The seeded world links one record to a case; a busy case (the had 639 events) is made
# by adding events to what the case's records give, at the one place both readers get them.
KINDS = ("aed_shipments", "inspections", "mp_listings")
BUSY = 120  # events added: 40 of each kind, one a day from 2026-01-01


def busy_events() -> list[TimelineEvent]:
    start = date(2026, 1, 1)
    return [
        TimelineEvent(
            (start + timedelta(days=i)).isoformat() + "T09:00:00",
            KINDS[i % 3],
            f"K-{i:03d}",
            f"busy event {i:03d}",
        )
        for i in range(BUSY)
    ]


@pytest.fixture
def busy_case(service: Service, monkeypatch: pytest.MonkeyPatch) -> int:
    real = case_views.case_content

    def with_busy_timeline(*args: Any, **kwargs: Any) -> Any:
        detail, linked, policy = real(*args, **kwargs)
        linked.timeline = sorted(linked.timeline + busy_events(), key=lambda e: e.at)
        return detail, linked, policy

    monkeypatch.setattr(case_views, "case_content", with_busy_timeline)
    return open_case(service, title="Busy ring")


def _summaries(body: dict[str, Any]) -> list[str]:
    return [e["summary"] for e in body["timeline"] if e["summary"].startswith("busy")]


def test_api_pages_and_filters_the_timeline(service: Service, busy_case: int) -> None:
    get = service.client.get
    auth = service.auth("investigator")
    whole = get(f"/v1/cases/{busy_case}", headers=auth).json()
    assert whole["timeline_total"] == BUSY + 1 and len(whole["timeline"]) == BUSY + 1

    r = get(
        f"/v1/cases/{busy_case}",
        params={"timeline_per_page": 50, "timeline_page": 2},
        headers=auth,
    )
    assert r.status_code == 200, r.text
    page = r.json()["timeline_page"]
    assert (page["page"], page["pages"], page["matched"], page["first"]) == (2, 3, BUSY + 1, 51)
    assert len(r.json()["timeline"]) == 50

    r = get(
        f"/v1/cases/{busy_case}",
        params={
            "timeline_kind": "inspections",
            "timeline_since": "2026-01-10",
            "timeline_until": "2026-01-31",
        },
        headers=auth,
    )
    body = r.json()
    # inspections are the events i = 1, 4, 7, …; days 10..31 of January are i = 9..30
    assert _summaries(body) == [f"busy event {i:03d}" for i in range(10, 31, 3)]
    assert {e["table"] for e in body["timeline"]} == {"inspections"}
    assert body["timeline_total"] == BUSY + 1


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"timeline_since": "last tuesday"}, "since"),
        ({"timeline_until": "2026-02-30"}, "until"),
        ({"timeline_since": "2026-03-01", "timeline_until": "2026-02-01"}, "after until"),
        ({"timeline_kind": "emails"}, "'emails'"),
    ],
)
def test_api_refuses_bad_timeline_filters(
    service: Service, busy_case: int, params: dict[str, str], named: str
) -> None:
    r = service.client.get(
        f"/v1/cases/{busy_case}", params=params, headers=service.auth("investigator")
    )
    assert r.status_code == 422
    assert r.headers["content-type"].startswith("application/problem+json")
    assert named in r.json()["detail"]


def test_console_timeline_pages_keep_their_filters(service: Service, busy_case: int) -> None:
    client = console_login(service, "investigator")
    html = client.get(f"/console/cases/{busy_case}").text
    # the seeded world's one event, then the busy ones
    assert html.count('<span class="kind">') == case_views.TIMELINE_PAGE == 50
    assert re.findall(r"busy event (\d{3})", html)[-1] == "048"
    assert "Page 1 of 3" in html and "Events 1–50 of 121" in html
    assert 'rel="prev"' not in html

    html = client.get(
        f"/console/cases/{busy_case}", params={"kind": ["mp_listings"], "since": "2026-02-01"}
    ).text
    # listings are i = 2, 5, 8, …; February starts at i = 31: 30 events, one page
    assert re.findall(r"busy event (\d{3})", html) == [f"{i:03d}" for i in range(32, BUSY, 3)]
    assert "Page 1 of" not in html and "30 matching (121 in all)" in html
    assert 'value="mp_listings" checked' in html and 'value="2026-02-01"' in html

    html = client.get(
        f"/console/cases/{busy_case}", params={"kind": ["inspections", "mp_listings"]}
    ).text
    next_link = re.search(r'<a href="([^"]+)" rel="next">', html)
    assert next_link and "Page 1 of 2" in html
    url = next_link.group(1).replace("&amp;", "&")
    assert "kind=inspections&kind=mp_listings&page=2" in url
    second = client.get(url).text
    assert "Page 2 of 2" in second and 'rel="prev"' in second and 'rel="next"' not in second
    # the 51st of inspections (i = 1, 4, …) and listings (i = 2, 5, …) in time order is i = 76
    assert re.findall(r"busy event (\d{3})", second)[0] == "076"


def test_console_bad_timeline_filter_is_a_page_not_a_traceback(
    service: Service, busy_case: int
) -> None:
    client = console_login(service, "investigator")
    r = client.get(f"/console/cases/{busy_case}", params={"since": "yesterday"})
    assert r.status_code == 422
    assert "is not a date (YYYY-MM-DD)" in r.text and "Traceback" not in r.text
