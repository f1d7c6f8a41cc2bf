"""The console through HTTP (the browser tests drive the same pages in Chromium)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.api.conftest import Service
from tests.api.seed import PASSWORD


def console_login(service: Service, username: str) -> TestClient:
    client = TestClient(service.client.app)
    r = client.post(
        "/console/login", data={"username": username, "password": PASSWORD}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie
    return client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
    assert match
    return match.group(1)


def test_login_page_and_bad_password(service: Service) -> None:
    client = TestClient(service.client.app)
    assert client.get("/console/login").status_code == 200
    r = client.post("/console/login", data={"username": "officer", "password": "wrong"})
    assert r.status_code == 401 and "Wrong username or password" in r.text
    r = client.get("/console/queue")
    assert r.status_code == 401 and 'action="/console/login"' in r.text
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_officer_queue_shows_only_their_port(service: Service) -> None:
    client = console_login(service, "officer")
    r = client.get("/console")
    assert r.status_code == 200 and "Port queue" in r.text
    assert "JFK-RED-1" in r.text and "LAX-RED-1" not in r.text
    assert client.get("/console/queue?port=LAX").status_code == 403
    yellow = client.get("/console/queue?lane=yellow")
    assert "JFK-YEL-1" in yellow.text and "JFK-RED-1" not in yellow.text
    csv = client.get("/console/queue/holds.csv")
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0].startswith("rank,carrier,hawb") and len(lines) == 3  # the two red-lane holds


def test_record_outcome_needs_the_csrf_token(service: Service) -> None:
    client = console_login(service, "officer")
    page = client.get("/console/shipments/EXPR/JFK-YEL-1")
    assert page.status_code == 200 and "John Miller" in page.text
    form = {"port_code": "JFK", "outcome": "other_violation"}
    forged = client.post(
        "/console/shipments/EXPR/JFK-YEL-1/outcome", data=form, follow_redirects=False
    )
    assert forged.status_code == 403
    ok = client.post(
        "/console/shipments/EXPR/JFK-YEL-1/outcome",
        data={**form, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert "other_violation" in client.get("/console/shipments/EXPR/JFK-YEL-1").text


def test_pages_by_role(service: Service) -> None:
    mp = console_login(service, "marketplace")
    for path in (
        "/console/queue",
        "/console/shipments/EXPR/JFK-RED-1",
        "/console/dashboard",
        "/console/queue/holds.csv",
    ):
        assert mp.get(path).status_code == 403, path
    assert mp.get("/console/actors/A-1").status_code == 200
    assert mp.get("/console/quarantine").status_code == 200
    inv = console_login(service, "investigator")
    page = inv.get("/console/actors/A-1")
    assert page.status_code == 200 and 'id="graph-data"' in page.text
    assert inv.get("/console/dashboard").status_code == 200
    assert inv.get("/console/queue").status_code == 403
    carrier = console_login(service, "carrier")
    q = carrier.get("/console/quarantine")
    assert q.status_code == 200 and "not an ISO 8601 date-time" in q.text


def test_targeting_forms(service: Service) -> None:
    client = console_login(service, "analyst")
    page = client.get("/console/targeting")
    token = csrf_of(page.text)
    r = client.post(
        "/console/rules",
        data={
            "csrf": token,
            "name": "console rule",
            "criteria": '{"field": "hs6", "op": "startswith", "value": "6404"}',
            "lane": "yellow",
            "reason": "from the console",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "console rule" in client.get("/console/targeting").text
    bad = client.post(
        "/console/rules",
        data={"csrf": token, "name": "x", "criteria": "nothing", "lane": "yellow", "reason": "r"},
    )
    assert bad.status_code == 422
    unknown_field = client.post(
        "/console/rules",
        data={
            "csrf": token,
            "name": "xyz",
            "criteria": "hs6_prefix=6404",
            "lane": "yellow",
            "reason": "rrr",
        },
    )
    assert unknown_field.status_code == 422 and "criteria not understood" in unknown_field.text


def test_targeting_page_shows_command_line_owners_and_hits_and_lets_analysts_retire(
    service: Service,
) -> None:
    from typer.testing import CliRunner

    from redlane.cli import app

    shoes = '{"field": "hs6", "op": "eq", "value": "640413"}'
    added = CliRunner().invoke(
        app,
        ["target", "rules", "add", "--name", "cli rule", "--criteria", shoes, "--reason", "cli"],
    )
    assert added.exit_code == 0, added.output
    rule_id = re.search(r"rule (\d+) added", added.output).group(1)  # type: ignore[union-attr]
    client = console_login(service, "analyst")
    page = client.get("/console/targeting").text
    row = next(r for r in page.split("<tr>") if "cli rule" in r)
    assert "<td>cli:" in row and "shipped" not in row  # its owner, not "shipped"
    assert "start →" in row and "Plan hits" in page and 'lane-red">red' in row
    assert f"/console/rules/{rule_id}/retire" in row  # filed from the CLI, retired by an analyst
    r = client.post(
        f"/console/rules/{rule_id}/retire", data={"csrf": csrf_of(page)}, follow_redirects=False
    )
    assert r.status_code == 303
    row = next(r for r in client.get("/console/targeting").text.split("<tr>") if "cli rule" in r)
    assert "<td>no</td>" in row and "/retire" not in row


def test_logout_ends_the_session(service: Service) -> None:
    client = console_login(service, "analyst")
    token = csrf_of(client.get("/console/targeting").text)
    r = client.post("/console/logout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/console/targeting").status_code == 401


def test_vendor_files_are_served_when_installed(service: Service) -> None:
    from redlane.api.web.kit import NODE_MODULES, VENDOR

    client = service.client
    assert client.get("/static/console.js").status_code == 200
    assert client.get("/static/../app.py").status_code == 404
    assert client.get("/static/vendor/not-listed.js").status_code == 404
    for name, relative in VENDOR.items():
        expected = 200 if (NODE_MODULES / relative).exists() else 404
        assert client.get(f"/static/vendor/{name}").status_code == expected


def test_queue_falls_back_to_the_newest_plan(service: Service) -> None:
    from datetime import date

    from redlane.store.db import session_scope
    from redlane.store.models import Plan, PlanItem, Port

    with session_scope(service.world.url) as session:
        session.add(
            Port(
                port_code="ORD",
                name="Chicago",
                country="US",
                inspections_per_day=1,
                document_checks_per_day=1,
            )
        )
        session.flush()
        plan = Plan(
            port_code="ORD",
            plan_date=date(2025, 6, 1),
            model_version="m",
            capacity=1,
            exploration_rate=0.0,
        )
        plan.items.append(
            PlanItem(
                carrier="EXPR",
                hawb="ORD-OLD-1",
                lane="red",
                rank=1,
                score=0.7,
                expected_value=9.0,
                propensity=1.0,
                selected_by="model",
            )
        )
        session.add(plan)
    client = console_login(service, "analyst")
    page = client.get("/console/queue?port=ORD")
    assert "ORD-OLD-1" in page.text and "2025-06-01" in page.text
    # An explicit date is taken as asked.
    assert "No plan for ORD" in client.get("/console/queue?port=ORD&date=2025-06-02").text


def test_api_docs_need_no_internet(service: Service) -> None:
    page = service.client.get("/docs")
    assert page.status_code == 200
    assert "/static/vendor/swagger-ui-bundle.js" in page.text
    assert "cdn." not in page.text and "https://" not in page.text


def _plan_with_extreme_scores(service: Service) -> None:
    from datetime import date

    from redlane.store.db import session_scope
    from redlane.store.models import Plan, PlanItem, Port

    with session_scope(service.world.url) as session:
        session.add(
            Port(
                port_code="SEA",
                name="Seattle",
                country="US",
                inspections_per_day=2,
                document_checks_per_day=0,
            )
        )
        session.flush()
        plan = Plan(
            port_code="SEA",
            plan_date=date(2025, 6, 1),
            model_version="m",
            capacity=2,
            exploration_rate=0.0,
        )
        for rank, (hawb, score) in enumerate([("SEA-SURE", 0.99999998), ("SEA-LOW", 3e-7)], 1):
            plan.items.append(
                PlanItem(
                    carrier="EXPR",
                    hawb=hawb,
                    lane="red",
                    rank=rank,
                    score=score,
                    expected_value=9.0,
                    propensity=1.0,
                    selected_by="model",
                    reasons=[f"selected for inspection by the model: rank {rank}"],
                )
            )
        session.add(plan)


def test_queue_shipment_and_holds_show_rounded_scores(service: Service) -> None:
    """Scores with three decimals, never a certainty the model does not have (issue 28 §2:
    "0.99999998"), on the queue, the shipment page and the holds export."""
    import csv
    import io

    _plan_with_extreme_scores(service)
    client = console_login(service, "analyst")
    page = client.get("/console/queue?port=SEA&date=2025-06-01").text
    assert "<td>&gt; 0.999</td>" in page and "<td>&lt; 0.001</td>" in page
    assert "0.99999998" not in page and "1.000" not in page and "e-07" not in page
    shipment = client.get("/console/shipments/EXPR/SEA-SURE").text
    assert "score &gt; 0.999" in shipment
    export = client.get("/console/queue/holds.csv?port=SEA&date=2025-06-01")
    rows = {r["hawb"]: r["score"] for r in csv.DictReader(io.StringIO(export.text))}
    assert rows == {"SEA-SURE": "> 0.999", "SEA-LOW": "< 0.001"}
