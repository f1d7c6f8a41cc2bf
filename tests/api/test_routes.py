"""Every /v1 route with the roles that may and may not use it, and its audit entries."""

from __future__ import annotations

import importlib
import json
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from redlane.api.engines import Engines, get_engines
from redlane.store import audit
from redlane.store.db import session_scope
from redlane.store.models import AuditEntry, Outcome
from tests.api.conftest import Service
from tests.api.seed import carrier_file

SCREEN_RECORD = {
    "carrier": "EXPR",
    "hawb": "NEW-1",
    "description": "sneakers",
    "port_of_entry": "JFK",
}


def audit_actions(service: Service, actor: str) -> list[tuple[str, str, list[str]]]:
    with session_scope(service.world.url, readonly=True) as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.object_type, AuditEntry.object_ids)
            .where(AuditEntry.actor == actor)
            .order_by(AuditEntry.seq)
        ).all()
    return [(a, t, list(ids)) for a, t, ids in rows]


# --- screening and matching ---------------------------------------------------------------


def test_screen_returns_the_engines_answer_and_is_audited(service: Service) -> None:
    r = service.client.post("/v1/screen", json=SCREEN_RECORD, headers=service.auth("analyst"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["lane"] == "red" and body["matched_actor_ids"] == ["A-1"]
    assert body["reasons"] == ["brand keyword: sneakers"]
    assert service.engines.fake_screener.seen[-1]["hawb"] == "NEW-1"
    # Screening entries are written by the audit buffer's thread; flush to see them now.
    service.client.app.state.redlane.buffered_audit().flush()
    assert ("screen", "shipment", ["EXPR/NEW-1"]) in audit_actions(service, "analyst")
    with session_scope(service.world.url, readonly=True) as session:
        assert audit.verify(session).ok


def test_screen_batch(service: Service) -> None:
    records = [SCREEN_RECORD, {**SCREEN_RECORD, "hawb": "NEW-2", "description": "books"}]
    r = service.client.post(
        "/v1/screen/batch", json={"records": records}, headers=service.auth("officer")
    )
    assert r.status_code == 200, r.text
    assert [x["lane"] for x in r.json()["results"]] == ["red", "green"]


@pytest.mark.parametrize(
    ("user", "record", "status"),
    [
        ("officer", SCREEN_RECORD, 200),
        ("officer", {**SCREEN_RECORD, "port_of_entry": "LAX"}, 403),  # not the officer's port
        ("marketplace", SCREEN_RECORD, 403),
        ("investigator", SCREEN_RECORD, 403),
        ("rights", SCREEN_RECORD, 403),
        ("admin", {**SCREEN_RECORD, "port_of_entry": "LAX"}, 200),
    ],
)
def test_screen_roles_and_ports(service: Service, user: str, record: dict, status: int) -> None:
    r = service.client.post("/v1/screen", json=record, headers=service.auth(user))
    assert r.status_code == status, r.text


def test_engines_not_ready_is_503(service: Service, tmp_path: Path) -> None:
    def missing(home: Path) -> object:
        return importlib.import_module("redlane.api._no_such_screener")

    class Missing(Engines):
        def screener(self):  # type: ignore[no-untyped-def]
            return self._load(missing, "screening")

    app = service.client.app
    app.dependency_overrides[get_engines] = lambda: Missing(tmp_path)
    try:
        r = service.client.post("/v1/screen", json=SCREEN_RECORD, headers=service.auth("analyst"))
    finally:
        app.dependency_overrides.clear()
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "not ready" in r.json()["detail"]


def test_engine_reporting_not_ready_is_503(tmp_path: Path) -> None:
    from redlane.api.engines import EngineNotReady

    class Screener:
        ready = False

        @classmethod
        def load(cls, home: Path) -> Screener:
            return cls()

    with pytest.raises(EngineNotReady):
        Engines(tmp_path)._load(Screener.load, "screening")
    Screener.ready = True
    assert isinstance(Engines(tmp_path)._load(Screener.load, "x"), Screener)


def test_live_match(service: Service) -> None:
    r = service.client.post(
        "/v1/match",
        json={"record": {"name": "Meiya"}, "top": 1},
        headers=service.auth("investigator"),
    )
    assert r.status_code == 200, r.text
    assert r.json()["candidates"] == [
        {"actor_id": "A-1", "probability": 0.97, "reasons": ["same phone"]}
    ]
    assert (
        service.client.post(
            "/v1/match", json={"record": {"name": "x"}}, headers=service.auth("officer")
        ).status_code
        == 403
    )


# --- plans, shipments, outcomes, metrics --------------------------------------------------


def test_port_plan_for_officer_analyst_and_others(service: Service) -> None:
    c = service.client
    r = c.get("/v1/ports/JFK/plan", headers=service.auth("officer"))
    assert r.status_code == 200
    plan = r.json()
    assert [i["hawb"] for i in plan["items"]] == [
        "JFK-RED-1",
        "JFK-RED-2",
        "JFK-YEL-1",
        "JFK-GRN-1",
    ]
    assert plan["capacity"] == 2 and plan["capacity_used"] == 2
    assert plan["lanes"] == {"red": 2, "yellow": 1, "green": 1}
    assert c.get("/v1/ports/LAX/plan", headers=service.auth("officer")).status_code == 403
    assert c.get("/v1/ports/LAX/plan", headers=service.auth("analyst")).status_code == 200
    assert c.get("/v1/ports/JFK/plan", headers=service.auth("marketplace")).status_code == 403
    assert c.get("/v1/ports/JFK/plan", headers=service.auth("investigator")).status_code == 403
    missing = c.get("/v1/ports/JFK/plan?date=2001-01-01", headers=service.auth("officer"))
    assert missing.status_code == 404


def test_shipment_detail_shows_advance_data_per_agreement(service: Service) -> None:
    c = service.client
    r = c.get("/v1/shipments/EXPR/JFK-RED-1", headers=service.auth("officer"))
    assert r.status_code == 200
    body = r.json()
    assert body["advance_data"]["consignee_name"] == "John Miller"  # carrier -> customs: all
    assert body["plans"][0]["reasons"][0] == "shipper linked to 2 seizures"
    assert [a["actor_id"] for a in body["matched_actors"]] == ["A-1"]
    assert ("read", "shipment", ["EXPR/JFK-RED-1"]) in audit_actions(service, "officer")
    assert c.get("/v1/shipments/EXPR/LAX-RED-1", headers=service.auth("officer")).status_code == 403
    assert c.get("/v1/shipments/EXPR/NOPE", headers=service.auth("officer")).status_code == 404


def test_outcome_is_recorded_linked_to_the_plan_and_audited(service: Service) -> None:
    c = service.client
    body = {
        "carrier": "EXPR",
        "hawb": "JFK-RED-2",
        "port_code": "JFK",
        "outcome": "seized",
        "brand": "Acme",
        "seized_quantity": 12,
        "seized_value": 900.0,
    }
    r = c.post("/v1/outcomes", json=body, headers=service.auth("officer"))
    assert r.status_code == 201, r.text
    assert r.json()["plan_id"] == service.world.plan_ids["JFK"]
    with session_scope(service.world.url, readonly=True) as session:
        stored = session.get(Outcome, r.json()["id"])
        assert stored is not None and stored.seized_quantity == 12 and stored.recorded_by
    assert ("outcome.record", "outcome", [str(r.json()["id"])]) in audit_actions(service, "officer")
    # Not the officer's port; not a customs role; nonsense.
    assert (
        c.post(
            "/v1/outcomes", json={**body, "port_code": "LAX"}, headers=service.auth("officer")
        ).status_code
        == 403
    )
    assert (
        c.post("/v1/outcomes", json=body, headers=service.auth("investigator")).status_code == 403
    )
    bad = c.post("/v1/outcomes", json={**body, "outcome": "maybe"}, headers=service.auth("officer"))
    assert bad.status_code == 422
    cleared_with_goods = {**body, "outcome": "cleared"}
    assert (
        c.post("/v1/outcomes", json=cleared_with_goods, headers=service.auth("officer")).status_code
        == 422
    )


def test_metrics_hit_rates_and_officer_scope(service: Service) -> None:
    c = service.client
    c.post(
        "/v1/outcomes",
        json={"carrier": "EXPR", "hawb": "JFK-RED-1", "port_code": "JFK", "outcome": "cleared"},
        headers=service.auth("officer"),
    )
    # A hit of its own: the test must not depend on another test's seizure having run first
    # (under two workers it may run alone).
    c.post(
        "/v1/outcomes",
        json={"carrier": "EXPR", "hawb": "JFK-RED-2", "port_code": "JFK", "outcome": "seized"},
        headers=service.auth("officer"),
    )
    m = c.get("/v1/metrics", headers=service.auth("analyst")).json()
    ports = {row["key"]: row for row in m["by_port"]}
    assert ports["LAX"]["inspected"] == 1 and ports["LAX"]["hits"] == 0
    jfk = ports["JFK"]
    rate = jfk["hits"] / jfk["inspected"]
    assert jfk["hits"] >= 1 and jfk["hit_rate"] == pytest.approx(rate, abs=1e-4)  # rounded to 4
    assert {row["key"] for row in m["by_model"]} == {"lgbm-test-1"}
    assert m["daily"] and all(d["inspected"] >= d["hits"] for d in m["daily"])
    mine = c.get("/v1/metrics", headers=service.auth("officer")).json()
    assert {row["key"] for row in mine["by_port"]} == {"JFK"}
    assert c.get("/v1/metrics?port=LAX", headers=service.auth("officer")).status_code == 403
    assert c.get("/v1/metrics", headers=service.auth("marketplace")).status_code == 403


# --- actors -------------------------------------------------------------------------------


def test_actor_profile_network_and_audit(service: Service) -> None:
    r = service.client.get("/v1/actors/A-1?reason=case%2017", headers=service.auth("investigator"))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["actor"]["display_name"] == "Meiya Trading"
    assert {p["source_table"] for p in body["parties"]} == {"aed_shipments", "mp_sellers"}
    assert {n["actor_id"] for n in body["network"]["nodes"]} == {"A-1", "A-2", "A-3"}
    assert len(body["network"]["edges"]) == 2
    assert [t["source_table"] for t in body["timeline"]] == ["mp_sellers", "aed_shipments"]
    with session_scope(service.world.url, readonly=True) as session:
        entry = (
            session.execute(
                select(AuditEntry).where(
                    AuditEntry.actor == "investigator",
                    AuditEntry.object_type == "actor",
                    AuditEntry.action == "read",
                )
            )
            .scalars()
            .first()
        )
        assert entry is not None and entry.reason == "case 17" and entry.object_ids == ["A-1"]


def test_partner_sees_only_what_agreements_allow(service: Service) -> None:
    r = service.client.get("/v1/actors/A-1", headers=service.auth("marketplace"))
    assert r.status_code == 200
    body = r.json()
    # Its own seller record in full; the carrier's shipment party is not shared with it.
    assert [p["source_table"] for p in body["parties"]] == ["mp_sellers"]
    assert body["parties"][0]["bank_account"] == "CN00BANK1"
    assert body["parties_withheld"] == 1
    assert service.client.get("/v1/actors/A-1", headers=service.auth("officer")).status_code == 403
    assert (
        service.client.get("/v1/actors/NOPE", headers=service.auth("investigator")).status_code
        == 404
    )


# --- lookouts and rules -------------------------------------------------------------------


def test_lookout_crud_owner_and_validity(service: Service) -> None:
    c = service.client
    new = {"kind": "actor", "criteria": {"actor_id": "A-1"}, "lane": "red", "reason": "ring R-1"}
    r = c.post("/v1/lookouts", json=new, headers=service.auth("investigator"))
    assert r.status_code == 201, r.text
    lookout = r.json()
    assert (
        lookout["owner"] == "investigator"
        and lookout["in_force"]
        and lookout["partner_id"] == "ipcc"
    )
    lid = lookout["id"]
    # Someone else may read but not change it; the owner and admins may.
    assert c.get(f"/v1/lookouts/{lid}", headers=service.auth("officer")).status_code == 200
    assert ("read", "lookout", [str(lid)]) in audit_actions(service, "officer")
    assert (
        c.patch(
            f"/v1/lookouts/{lid}", json={"lane": "yellow"}, headers=service.auth("analyst")
        ).status_code
        == 403
    )
    r = c.patch(
        f"/v1/lookouts/{lid}", json={"lane": "yellow"}, headers=service.auth("investigator")
    )
    assert r.status_code == 200 and r.json()["lane"] == "yellow"
    r = c.delete(f"/v1/lookouts/{lid}", headers=service.auth("admin"))
    assert r.status_code == 200 and r.json()["active"] is False and not r.json()["in_force"]
    listed = c.get("/v1/lookouts?active=false", headers=service.auth("analyst")).json()
    assert lid in [x["id"] for x in listed]
    bad = {**new, "valid_from": "2027-01-02T00:00:00Z", "valid_to": "2027-01-01T00:00:00Z"}
    assert c.post("/v1/lookouts", json=bad, headers=service.auth("investigator")).status_code == 422
    assert c.post("/v1/lookouts", json=new, headers=service.auth("marketplace")).status_code == 403
    assert c.get("/v1/lookouts/999999", headers=service.auth("analyst")).status_code == 404
    assert c.get("/v1/lookouts/x", headers=service.auth("analyst")).status_code == 404
    actions = [a for a, t, _ in audit_actions(service, "investigator") if t == "lookout"]
    assert actions[-2:] == ["lookout.create", "lookout.update"]


def test_future_lookout_is_not_in_force(service: Service) -> None:
    new = {
        "kind": "identifier",
        "criteria": {"identifier": "phone", "value": "+1 217 555 0148"},
        "lane": "notify",
        "reason": "later",
        "valid_from": "2099-01-01T00:00:00Z",
    }
    r = service.client.post("/v1/lookouts", json=new, headers=service.auth("analyst"))
    assert r.status_code == 201 and r.json()["in_force"] is False


def test_rule_crud(service: Service) -> None:
    c = service.client
    new = {
        "name": "cheap shoes",
        "criteria": {"field": "hs6", "op": "startswith", "value": "6404"},
        "lane": "yellow",
        "reason": "Q3 pattern",
    }
    # Criteria the screening engine cannot compile are refused before they are stored.
    for bad in ({"hs6_prefix": "6404"}, {"field": "hs6", "op": "like", "value": "6"}):
        r = c.post("/v1/rules", json={**new, "criteria": bad}, headers=service.auth("analyst"))
        assert r.status_code == 422 and r.json()["type"].endswith("bad-criteria"), r.text
    before = service.engines.refreshes
    r = c.post("/v1/rules", json=new, headers=service.auth("analyst"))
    assert r.status_code == 201, r.text
    assert service.engines.refreshes == before + 1  # the warm screener reloads its rules
    rid = r.json()["id"]
    assert r.json()["owner"] == "analyst"
    assert c.post("/v1/rules", json=new, headers=service.auth("investigator")).status_code == 403
    assert c.get(f"/v1/rules/{rid}", headers=service.auth("investigator")).status_code == 200
    r = c.patch(
        f"/v1/rules/{rid}",
        json={"criteria": {"field": "nope", "op": "eq", "value": 1}},
        headers=service.auth("analyst"),
    )
    assert r.status_code == 422
    r = c.patch(
        f"/v1/rules/{rid}",
        json={"valid_to": "2099-01-01T00:00:00Z"},
        headers=service.auth("analyst"),
    )
    assert r.status_code == 200 and r.json()["valid_to"].startswith("2099")
    assert c.delete(f"/v1/rules/{rid}", headers=service.auth("analyst")).json()["active"] is False
    assert c.get("/v1/rules", headers=service.auth("marketplace")).status_code == 403


def test_without_lane_or_start_a_rule_or_lookout_is_red_from_the_start_with_hit_counts(
    service: Service,
) -> None:
    """As on the command line: lane red, applying to every arrival already in the data."""
    c = service.client
    rule = {"name": "shoes, red", "criteria": {"field": "hs6", "op": "eq", "value": "640411"}}
    r = c.post(
        "/v1/rules", json={**rule, "reason": "default lane"}, headers=service.auth("analyst")
    )
    assert r.status_code == 201, r.text
    assert r.json()["lane"] == "red" and r.json()["valid_from"].startswith("1970-01-01")
    assert r.json()["plan_hits"] == 0
    lookout = {"kind": "actor", "criteria": {"actor_id": "A-2"}, "reason": "default lane"}
    r = c.post("/v1/lookouts", json=lookout, headers=service.auth("analyst"))
    assert r.status_code == 201, r.text
    assert r.json()["lane"] == "red" and r.json()["in_force"] and r.json()["plan_hits"] == 0
    listed = c.get("/v1/lookouts", headers=service.auth("analyst")).json()
    assert all(isinstance(x["plan_hits"], int) for x in listed)
    assert all("plan_hits" in x for x in c.get("/v1/rules", headers=service.auth("analyst")).json())


def _cli(*args: str) -> str:
    from typer.testing import CliRunner

    from redlane.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _ftm_file(path: Path, entity_id: str) -> Path:
    entity = {"id": entity_id, "schema": "Person", "properties": {"name": [f"Ivan {entity_id}"]}}
    path.write_text(json.dumps(entity) + "\n", encoding="utf-8")
    return path


def test_analysts_retire_what_their_partner_owns_whoever_filed_it(
    service: Service, tmp_path: Path
) -> None:
    """Rules and lookouts filed from the command line or an FtM import belong to no analyst:
    customs' analysts may still retire customs' ones (and only retire them); not ipcc's."""
    shoes = '{"field": "hs6", "op": "eq", "value": "640412"}'
    _cli("target", "rules", "add", "--name", "cli shoes", "--criteria", shoes, "--reason", "cli")
    actor = '{"actor_id": "A-7"}'
    _cli("target", "lookouts", "add", "--kind", "actor", "--criteria", actor, "--reason", "cli")
    _cli("case", "ftm-import", str(_ftm_file(tmp_path / "c.json", "os-c")), "--partner", "customs")
    _cli("case", "ftm-import", str(_ftm_file(tmp_path / "i.json", "os-i")))  # ipcc's
    c, analyst = service.client, service.auth("analyst")
    rules = c.get("/v1/rules", headers=analyst).json()
    cli_rule = next(r for r in rules if r["name"] == "cli shoes")
    assert cli_rule["owner"].startswith("cli:")  # the console showed "shipped"
    lookouts = c.get("/v1/lookouts", headers=analyst).json()
    cli_lookout = next(x for x in lookouts if x["criteria"] == {"actor_id": "A-7"})
    ftm = {x["criteria"].get("ftm_id"): x for x in lookouts}
    change = {"lane": "notify"}
    r = c.patch(f"/v1/lookouts/{cli_lookout['id']}", json=change, headers=analyst)
    assert r.status_code == 403  # retiring, not changing
    assert c.delete(f"/v1/lookouts/{ftm['os-i']['id']}", headers=analyst).status_code == 403
    for path in (
        f"/v1/rules/{cli_rule['id']}",
        f"/v1/lookouts/{cli_lookout['id']}",
        f"/v1/lookouts/{ftm['os-c']['id']}",
    ):
        r = c.delete(path, headers=analyst)
        assert r.status_code == 200 and r.json()["active"] is False, (path, r.text)
    r = c.delete(f"/v1/lookouts/{ftm['os-i']['id']}", headers=service.auth("investigator"))
    assert r.status_code == 200 and r.json()["active"] is False  # ipcc's, by ipcc
    updates = [a for a, _, _ in audit_actions(service, "analyst") if a.endswith(".update")]
    assert updates[-3:] == ["rule.update", "lookout.update", "lookout.update"]


# --- quarantine and uploads ---------------------------------------------------------------


def test_quarantine_is_scoped_to_the_partner(service: Service) -> None:
    c = service.client
    own = c.get("/v1/quarantine", headers=service.auth("carrier")).json()
    assert own["total"] >= 1 and {r["partner"] for r in own["rows"]} == {"carrier"}
    assert own["rows"][0]["reason"] and own["rows"][0]["field"] == "expected_arrival"
    assert c.get("/v1/quarantine", headers=service.auth("marketplace")).json()["total"] == 0
    assert c.get("/v1/quarantine", headers=service.auth("admin")).json()["total"] >= 1
    assert c.get("/v1/quarantine", headers=service.auth("officer")).status_code == 403
    assert any(t == "quarantine_row" for _, t, _ in audit_actions(service, "carrier"))


def test_feed_upload_runs_as_a_job(service: Service, tmp_path: Path) -> None:
    c = service.client
    path = carrier_file(tmp_path, "upload.csv", bad_rows=2)
    # New shipments (same keys with other content would be quarantined as conflicts).
    text = path.read_text()
    for old in (",JFK-", ",LAX-", ",BAD-"):
        text = text.replace(old, ",UP" + old[1:])
    path.write_text(text)
    with path.open("rb") as fh:
        r = c.post(
            "/v1/feeds/upload",
            files={"file": ("../../etc/upload.csv", fh, "text/csv")},
            headers=service.auth("carrier"),
        )
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["filename"] == "upload.csv" and job["partner"] == "carrier"
    jobs = c.app.state.redlane.jobs
    jobs.wait(job["id"])
    done = c.get(f"/v1/feeds/jobs/{job['id']}", headers=service.auth("carrier")).json()
    assert done["status"] == "done", done
    assert done["result"]["quarantined"] == 2
    assert done["quarantine"] == [
        {"table": "aed_shipments", "reason": "not an ISO 8601 date-time", "rows": 2}
    ]
    # Another partner cannot see the job; a marketplace analyst may not send carrier feeds.
    assert (
        c.get(f"/v1/feeds/jobs/{job['id']}", headers=service.auth("marketplace")).status_code == 404
    )
    for data in ({"feed": "carrier"}, {}):  # named or detected, a carrier feed is the carrier's
        with path.open("rb") as fh:
            r = c.post(
                "/v1/feeds/upload",
                files={"file": ("a.csv", fh)},
                data=data,
                headers=service.auth("marketplace"),
            )
        assert r.status_code == 403, r.text
    r = c.post(
        "/v1/feeds/upload",
        files={"file": ("x.csv", b"what,is,this\n1,2,3\n")},
        headers=service.auth("carrier"),
    )
    assert r.status_code == 422 and "cannot tell which feed" in r.json()["detail"]
    with path.open("rb") as fh:
        r = c.post(
            "/v1/feeds/upload", files={"file": ("a.csv", fh)}, headers=service.auth("officer")
        )
    assert r.status_code == 403
    for _ in range(50):  # the ingest audit entry lands when the thread finishes
        if any(a == "feed.ingest" for a, _, _ in audit_actions(service, "carrier")):
            break
        time.sleep(0.1)
    assert any(a == "feed.ingest" for a, _, _ in audit_actions(service, "carrier"))


@pytest.mark.parametrize(
    ("engine", "module_name", "class_name"),
    [
        ("screener", "redlane.targeting.screen", "Screener"),
        ("matcher", "redlane.resolve.live", "LiveMatcher"),
    ],
)
def test_an_engine_refresh_swaps_in_a_fresh_engine(  # type: ignore[no-untyped-def]
    tmp_path: Path, monkeypatch, engine: str, module_name: str, class_name: str
) -> None:
    import sys
    import types

    loads: list[int] = []

    class Loaded:
        @classmethod
        def load(cls, home: Path) -> Loaded:
            loads.append(1)
            return cls()

    module = types.ModuleType(module_name)
    setattr(module, class_name, Loaded)
    monkeypatch.setitem(sys.modules, module_name, module)
    engines = Engines(tmp_path)
    get, refresh = getattr(engines, engine), getattr(engines, f"refresh_{engine}")
    assert refresh() is None  # nothing loaded yet: nothing to refresh
    first = get()
    thread = refresh()
    assert thread is not None
    thread.join(5)
    assert get() is not first and len(loads) == 2


# --- administration -----------------------------------------------------------------------


def test_admin_manages_users_and_keys(service: Service) -> None:
    c = service.client
    admin = service.auth("admin")
    for user in ("analyst", "investigator", "carrier"):
        assert c.get("/v1/users", headers=service.auth(user)).status_code == 403
        assert (
            c.post(
                "/v1/apikeys", json={"partner": "carrier", "name": "x"}, headers=service.auth(user)
            ).status_code
            == 403
        )
    r = c.post(
        "/v1/users",
        json={"username": "newofficer", "role": "customs_officer", "ports": ["lax"]},
        headers=admin,
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["ports"] == ["LAX"] and created["partner"] == "customs"
    password = created["password"]
    assert password and len(password) >= 12
    login = c.post("/v1/auth/login", json={"username": "newofficer", "password": password})
    token = {"Authorization": f"Bearer {login.json()['access_token']}"}
    assert c.get("/v1/ports/LAX/plan", headers=token).status_code == 200
    assert c.get("/v1/ports/JFK/plan", headers=token).status_code == 403
    r = c.patch("/v1/users/newofficer", json={"ports": ["JFK"]}, headers=admin)
    assert r.json()["ports"] == ["JFK"]
    assert c.get("/v1/ports/JFK/plan", headers=token).status_code == 200  # at once
    r = c.patch("/v1/users/newofficer", json={"active": False}, headers=admin)
    assert r.json()["active"] is False
    assert c.get("/v1/ports/JFK/plan", headers=token).status_code == 401
    assert c.patch("/v1/users/nobody", json={"active": False}, headers=admin).status_code == 404
    bad = c.post("/v1/users", json={"username": "z1", "role": "emperor"}, headers=admin)
    assert bad.status_code == 422
    listed = c.get("/v1/users", headers=admin).json()
    assert {"newofficer", "officer"} <= {u["username"] for u in listed}
    assert all(u.get("password") is None for u in listed)

    r = c.post("/v1/apikeys", json={"partner": "carrier", "name": "AED push"}, headers=admin)
    assert r.status_code == 201
    key = r.json()["key"]
    assert c.get("/v1/auth/me", headers={"X-API-Key": key}).status_code == 200
    assert all(k["key"] is None for k in c.get("/v1/apikeys", headers=admin).json())
    revoked = c.delete(f"/v1/apikeys/{r.json()['id']}", headers=admin)
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]
    assert c.get("/v1/auth/me", headers={"X-API-Key": key}).status_code == 401
    assert c.delete("/v1/apikeys/99999", headers=admin).status_code == 404
    actions = {a for a, _, _ in audit_actions(service, "admin")}
    assert {"user.create", "user.ports", "user.revoke", "apikey.create", "apikey.revoke"} <= actions


def test_partner_actions_feeds_are_scoped_and_audited(service: Service) -> None:
    c = service.client
    carrier = c.get("/v1/actions", headers=service.auth("carrier"))
    assert carrier.status_code == 200, carrier.text
    body = carrier.json()
    assert body["partner"] == "carrier" and set(body["feeds"]) == {"holds", "kyc_alerts"}
    market = c.get("/v1/actions", headers=service.auth("marketplace")).json()
    assert set(market["feeds"]) == {"seizure_notices", "sideline_list", "accounts_to_review"}
    # a partner never pulls another partner's feeds; an admin may
    other = c.get("/v1/actions?partner=marketplace", headers=service.auth("carrier"))
    assert other.status_code == 403
    admin = c.get("/v1/actions?partner=carrier", headers=service.auth("admin"))
    assert admin.status_code == 200 and admin.json()["partner"] == "carrier"
    assert c.get("/v1/actions", headers=service.auth("investigator")).status_code == 403
    assert c.get("/v1/actions").status_code == 401
    served = [ids for a, t, ids in audit_actions(service, "carrier") if a == "action.serve"]
    assert served and "carrier:holds" in served[-1]
