"""The authorisation matrix, generated from the route table and the agreement table.

Routes come from the app itself (:func:`redlane.api.auth.route_access`: each route and the
``access()`` rule it declares); callers are every role (people, and partner machines with an
API key) at every partner. For every guarded route: no credentials → 401; a caller the rule
does not admit → 403; a caller it admits → the probe's expected answer (never 401 or 403).
Routes that return partner records are then walked through every disclosure stage a record
can reach: they must show exactly the fields the seeded agreements allow at that stage (the
oracle reads the agreement rows, as ``tests/api/test_policy_matrix.py`` does, not the policy
code), and no value of a withheld field may appear anywhere in the answer. Records scoped to
their own partner (quarantine rows, upload jobs) are checked for every admitted caller.

A route without a probe of its own gets a default one (ids that do not exist, an empty body),
so a new route is in the matrix from the start; :func:`unguarded_routes` fails the suite for
a route with no ``access()`` rule that is not open on purpose.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import select

from redlane.api.app import create_app
from redlane.api.auth import OPEN_ROUTES, Access, route_access, unguarded_routes
from redlane.api.roles import ADMIN, ALL_PARTNERS, CUSTOMS_OFFICER, MACHINE, USER_ROLES
from redlane.api.security import csrf_token, decode_token, issue_token
from redlane.api.users import create_api_key, set_user_ports
from redlane.brands.registry import ensure_holder
from redlane.cases.actions import PARTNER_FEEDS
from redlane.engine.warehouse import Warehouse
from redlane.store.brand_models import RightsHolderMember
from redlane.store.db import session_scope
from redlane.store.models import Agreement, User
from tests.api.conftest import Service, service  # noqa: F401 - the seeded service fixture
from tests.api.seed import carrier_file
from tests.api.test_policy_matrix import PARTY_NEUTRAL, RULES, agreed, full_view

ROLES = (*USER_ROLES, MACHINE)
SCREEN = {"carrier": "EXPR", "hawb": "MATRIX-S", "description": "books", "port_of_entry": "JFK"}
# Shipments walked through the disclosure stages: one read directly, one whose advance data
# gave actor A-1 a party.
SHIPMENT_WALKED = "JFK-RED-2"
ACTOR_WALKED = "JFK-RED-1"


def _route_table() -> dict[tuple[str, str], Access]:
    """(method, path) → rule of every route that declares one, read from a throwaway app."""
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Path(tmp), f"sqlite:///{tmp}/routes.db", prepare_store=False)
        table = route_access(app.routes)
    return {
        (method, r.path): r.rule
        for r in table
        if r.rule is not None
        for method in sorted(r.methods - {"HEAD"})
    }


ROUTES = _route_table()


@dataclass(frozen=True)
class Caller:
    role: str
    partner: str
    api: dict[str, str]  # headers for /v1 routes
    console: dict[str, str]  # headers for console pages (a session cookie; none for machines)
    csrf: str = ""

    @property
    def label(self) -> str:
        return f"{self.role}@{self.partner}"


@dataclass(frozen=True)
class Probe:
    """One request to a route; ``{name}`` in values is filled from the fixture's known ids."""

    path: dict[str, str] = field(default_factory=dict)
    json: Any = None
    form: dict[str, str] | None = None
    files: dict[str, Any] | None = None
    ok: int | Callable[[Caller], int] | None = 200  # None: anything but a refusal or 5xx

    def expected(self, caller: Caller) -> int | None:
        return self.ok(caller) if callable(self.ok) else self.ok

    def accepts(self, caller: Caller, status: int) -> bool:
        expected = self.expected(caller)
        if expected is None:
            return status not in (401, 403) and status < 500
        return status == expected


def default_probe(method: str, path: str) -> Probe:
    """For a route without its own probe: ids that do not exist and an empty body, so an
    admitted caller gets 404 or 422 and a refused one 403 (the rule runs first)."""
    names = re.findall(r"\{([^}:]+)", path)
    write = method in ("POST", "PUT", "PATCH")
    console = path.startswith("/console")
    return Probe(
        dict.fromkeys(names, MISSING),
        json={} if write and not console else None,
        form={} if write and console else None,
        ok=None,
    )


def _actions_status(caller: Caller) -> int:
    # Feeds exist for some partners only; the others have nothing to pull (404).
    return 200 if caller.partner in PARTNER_FEEDS else 404


FORM: dict[str, str] = {}  # console forms: the caller's CSRF token is added when sent
MISSING = "999999"
UNKNOWN_FEED = {"file": ("x.csv", b"what,is,this\n1,2,3\n", "text/csv")}

# Writes that would change what other checks see are probed with a body the route refuses
# (422) or an id that does not exist (404): the access rule runs before either.
PROBES: dict[tuple[str, str], Probe] = {
    ("GET", "/v1/auth/me"): Probe(),
    ("POST", "/v1/feeds/upload"): Probe(files=UNKNOWN_FEED, ok=422),
    ("GET", "/v1/feeds/jobs/{job_id}"): Probe({"job_id": "nope"}, ok=404),
    ("POST", "/v1/screen"): Probe(json=SCREEN),
    ("POST", "/v1/screen/batch"): Probe(json={"records": [SCREEN]}),
    ("POST", "/v1/match"): Probe(json={"record": {"name": "Meiya"}, "top": 1}),
    ("GET", "/v1/ports/{port}/plan"): Probe({"port": "JFK"}),
    ("GET", "/v1/shipments/{carrier}/{hawb}"): Probe({"carrier": "EXPR", "hawb": "JFK-GRN-1"}),
    ("POST", "/v1/outcomes"): Probe(
        json={"carrier": "EXPR", "hawb": "MATRIX-O", "port_code": "JFK", "outcome": "cleared"},
        ok=201,
    ),
    ("GET", "/v1/metrics"): Probe(),
    ("GET", "/v1/actors/{actor_id}"): Probe({"actor_id": "A-2"}),
    ("GET", "/v1/lookouts"): Probe(),
    ("POST", "/v1/lookouts"): Probe(
        json={
            "kind": "actor",
            "criteria": {"actor_id": "A-3"},
            "lane": "notify",
            "reason": "matrix",
        },
        ok=201,
    ),
    ("GET", "/v1/lookouts/{lookout_id}"): Probe({"lookout_id": "{lookout}"}),
    ("PATCH", "/v1/lookouts/{lookout_id}"): Probe(
        {"lookout_id": MISSING}, json={"lane": "red"}, ok=404
    ),
    ("DELETE", "/v1/lookouts/{lookout_id}"): Probe({"lookout_id": MISSING}, ok=404),
    ("GET", "/v1/rules"): Probe(),
    ("POST", "/v1/rules"): Probe(
        json={
            "name": "matrix",
            "criteria": {"field": "hs6", "op": "startswith", "value": "9999"},
            "lane": "notify",
            "reason": "matrix",
        },
        ok=201,
    ),
    ("GET", "/v1/rules/{rule_id}"): Probe({"rule_id": "{rule}"}),
    ("PATCH", "/v1/rules/{rule_id}"): Probe({"rule_id": MISSING}, json={"lane": "red"}, ok=404),
    ("DELETE", "/v1/rules/{rule_id}"): Probe({"rule_id": MISSING}, ok=404),
    ("GET", "/v1/quarantine"): Probe(),
    ("GET", "/v1/users"): Probe(),
    ("POST", "/v1/users"): Probe(json={"username": "m-x", "role": "emperor"}, ok=422),
    ("PATCH", "/v1/users/{username}"): Probe({"username": "nobody"}, json={}, ok=404),
    ("GET", "/v1/apikeys"): Probe(),
    ("POST", "/v1/apikeys"): Probe(json={"partner": "nowhere", "name": "x"}, ok=422),
    ("DELETE", "/v1/apikeys/{key_id}"): Probe({"key_id": MISSING}, ok=404),
    ("GET", "/v1/cases"): Probe(),
    ("POST", "/v1/cases"): Probe(json={}, ok=422),
    ("GET", "/v1/cases/{case_id}"): Probe({"case_id": "{case}"}),
    ("POST", "/v1/cases/{case_id}/status"): Probe({"case_id": "{case}"}, json={}, ok=422),
    ("POST", "/v1/cases/{case_id}/notes"): Probe({"case_id": "{case}"}, json={}, ok=422),
    ("POST", "/v1/cases/{case_id}/evidence"): Probe({"case_id": "{case}"}, form={}, ok=422),
    ("GET", "/v1/cases/{case_id}/evidence/{evidence_id}"): Probe(
        {"case_id": "{case}", "evidence_id": MISSING}, ok=404
    ),
    ("POST", "/v1/cases/{case_id}/export"): Probe({"case_id": MISSING}, ok=404),
    ("GET", "/v1/actions"): Probe(ok=_actions_status),
    # console pages
    ("GET", "/console/cases"): Probe(),
    ("POST", "/console/cases"): Probe(form=FORM, ok=None),
    ("GET", "/console/cases/{case_id}"): Probe({"case_id": "{case}"}),
    ("POST", "/console/cases/{case_id}/notes"): Probe({"case_id": "{case}"}, form=FORM, ok=None),
    ("POST", "/console/cases/{case_id}/status"): Probe({"case_id": "{case}"}, form=FORM, ok=None),
    ("GET", "/console/cases/{case_id}/evidence/new"): Probe({"case_id": "{case}"}),
    ("POST", "/console/cases/{case_id}/evidence"): Probe({"case_id": "{case}"}, form=FORM, ok=422),
    ("GET", "/console/cases/{case_id}/evidence/{evidence_id}"): Probe(
        {"case_id": "{case}", "evidence_id": MISSING}, ok=404
    ),
    ("POST", "/console/cases/{case_id}/export"): Probe({"case_id": MISSING}, form=FORM, ok=404),
    ("GET", "/console/queue"): Probe(),
    ("GET", "/console/queue/holds.csv"): Probe(),
    ("GET", "/console/shipments/{carrier}/{hawb}"): Probe({"carrier": "EXPR", "hawb": "JFK-GRN-1"}),
    ("POST", "/console/shipments/{carrier}/{hawb}/outcome"): Probe(
        {"carrier": "EXPR", "hawb": "JFK-GRN-1"}, form=FORM, ok=422
    ),
    ("GET", "/console/actors"): Probe(),
    ("GET", "/console/actors/{actor_id}"): Probe({"actor_id": "A-2"}),
    ("GET", "/console/targeting"): Probe(),
    ("POST", "/console/lookouts"): Probe(form=FORM, ok=422),
    ("POST", "/console/rules"): Probe(form=FORM, ok=422),
    ("POST", "/console/{kind}/{item_id}/retire"): Probe(
        {"kind": "lookouts", "item_id": MISSING}, form=FORM, ok=404
    ),
    ("GET", "/console/dashboard"): Probe(),
    ("GET", "/console/quarantine"): Probe(),
}


def admits(rule: Access, caller: Caller) -> bool:
    """The declared rule as documented: admins everywhere, else role and partner scope."""
    if caller.role == ADMIN:
        return True
    return caller.role in rule.roles and (rule.partners is None or caller.partner in rule.partners)


# --- the callers and the objects probes refer to --------------------------------------------


@pytest.fixture(scope="module")
def callers(service: Service) -> list[Caller]:  # noqa: F811
    """One user per role × partner (officers at JFK; rights holders acting for one holder, as
    every real rights-holder user does) and one machine key per partner.

    Users get tokens directly (no password: an argon2 hash per user would cost seconds)."""
    state = service.client.app.state.redlane
    found: list[Caller] = []
    with session_scope(service.world.url) as session:
        for role in USER_ROLES:
            for partner in ALL_PARTNERS:
                user = User(username=f"m.{role}.{partner}", role=role, partner_id=partner)
                session.add(user)
                session.flush()
                if role == CUSTOMS_OFFICER:
                    set_user_ports(user.username, ["JFK"], state.home)
                if role == "rights_holder":
                    holder = ensure_holder(session, "Matrix Brands")
                    session.add(RightsHolderMember(rights_holder_id=holder.id, user_id=user.id))
                found.append(_user_caller(state.secret_key, user.id, user.username, role, partner))
        for partner in ALL_PARTNERS:
            _row, key = create_api_key(session, partner, f"matrix {partner}")
            found.append(Caller(MACHINE, partner, {"X-API-Key": key}, {"X-API-Key": key}))
    return found


def _user_caller(key: str, user_id: int, username: str, role: str, partner: str) -> Caller:
    token, _ = issue_token(key, user_id=user_id, username=username)
    session, _ = issue_token(key, user_id=user_id, username=username, kind="session")
    claims = decode_token(key, session, "session")
    assert claims is not None
    return Caller(
        role,
        partner,
        {"Authorization": f"Bearer {token}"},
        {"Cookie": f"redlane_session={session}"},
        csrf_token(key, claims.jti),
    )


@pytest.fixture(scope="module")
def known(service: Service) -> dict[str, str]:  # noqa: F811
    """Ids of a lookout, a rule and a case that exist, for probes that read one."""
    c = service.client
    lookout = c.post(
        "/v1/lookouts",
        json={
            "kind": "actor",
            "criteria": {"actor_id": "A-2"},
            "lane": "notify",
            "reason": "matrix",
        },
        headers=service.auth("investigator"),
    )
    rule = c.post(
        "/v1/rules",
        json={
            "name": "matrix read",
            "criteria": {"field": "hs6", "op": "startswith", "value": "9998"},
            "lane": "notify",
            "reason": "matrix",
        },
        headers=service.auth("analyst"),
    )
    case = c.post(
        "/v1/cases",
        json={"kind": "actor", "ref": "A-2", "title": "matrix"},
        headers=service.auth("investigator"),
    )
    for r in (lookout, rule, case):
        assert r.status_code == 201, r.text
    return {"lookout": str(lookout.json()["id"]), "rule": str(rule.json()["id"]),
            "case": str(case.json()["id"])}  # fmt: skip


def send(
    client: TestClient,
    method: str,
    path: str,
    probe: Probe,
    known: dict[str, str],
    caller: Caller | None,
) -> Response:
    url = path
    for name, value in probe.path.items():
        url = url.replace("{" + name + "}", value.format(**known))
    console = path.startswith("/console")
    headers = (caller.console if console else caller.api) if caller else {}
    form = None
    if probe.form is not None:
        form = {**probe.form, "csrf": caller.csrf if caller else ""}
    return client.request(
        method,
        url,
        headers=headers,
        json=probe.json,
        data=form,
        files=probe.files,
        follow_redirects=False,
    )


# --- the matrix -----------------------------------------------------------------------------


def test_probes_name_routes_that_exist() -> None:
    assert sorted(set(PROBES) - set(ROUTES)) == []


def test_every_route_declares_an_access_rule_or_is_open_on_purpose() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(Path(tmp), f"sqlite:///{tmp}/routes.db", prepare_store=False)
    assert unguarded_routes(app.routes) == []
    paths = {r.path for r in route_access(app.routes)}
    assert OPEN_ROUTES <= paths, sorted(OPEN_ROUTES - paths)  # no stale entries


def test_a_route_added_without_access_is_caught() -> None:
    app = FastAPI(docs_url=None, redoc_url=None)

    @app.get("/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {}

    @app.get("/v1/guarded", dependencies=[Depends(Access(["investigator"]))])
    def guarded() -> None:
        return None

    assert unguarded_routes(app.routes) == ["GET /v1/forgotten"]


@pytest.mark.parametrize(("method", "path"), sorted(ROUTES), ids=lambda v: v)
def test_route_admits_exactly_its_roles_and_partners(
    service: Service,  # noqa: F811
    callers: list[Caller],
    known: dict[str, str],
    method: str,
    path: str,
) -> None:
    rule = ROUTES[(method, path)]
    probe = PROBES.get((method, path)) or default_probe(method, path)
    console = path.startswith("/console")
    wrong: list[str] = []
    anonymous = send(service.client, method, path, probe, known, None)
    if anonymous.status_code != 401:
        wrong.append(f"no credentials: {anonymous.status_code}")
    for caller in callers:
        r = send(service.client, method, path, probe, known, caller)
        if console and caller.role == MACHINE:
            right = r.status_code == 401  # machines have no console session
        elif admits(rule, caller):
            right = probe.accepts(caller, r.status_code)
        else:
            right = r.status_code == 403
        if not right:
            wrong.append(f"{caller.label}: {r.status_code}: {r.text[:160]}")
    assert wrong == [], f"{method} {path} ({rule.describe()})"


# --- records through the stages -------------------------------------------------------------


@pytest.fixture(scope="module")
def agreements(service: Service) -> list[tuple[str, str, str, dict[str, Any]]]:  # noqa: F811
    with session_scope(service.world.url, readonly=True) as session:
        return [
            (a.from_partner, a.to_partner, a.stage, dict(a.allowed))
            for a in session.scalars(select(Agreement))
        ]


def visible(
    rows: list[Any], caller: Caller, kind: str, record: dict[str, Any], stage: str
) -> set[str]:
    """Fields of ``record`` (a table row) the agreement table lets ``caller`` see."""
    owner = RULES.record_owners[kind]
    if full_view(caller.role, caller.partner, owner):
        return set(record)
    allowed = agreed(rows, owner, caller.partner, kind, stage)
    return set(record) if "*" in allowed else allowed & set(record)


def visible_party(rows: list[Any], caller: Caller, party: dict[str, Any], stage: str) -> set[str]:
    """A resolution party follows its source table: neutral columns plus the identifying
    ones a shared field of that table fills; nothing when no identifying one is shared."""
    source = str(party["source_table"])
    owner = RULES.record_owners[source]
    allowed = agreed(rows, owner, caller.partner, source, stage)
    if full_view(caller.role, caller.partner, owner) or "*" in allowed:
        return set(party)
    identifying = {
        k
        for k in party
        if k not in PARTY_NEUTRAL and any(f == k or f.endswith("_" + k) for f in allowed)
    }
    return (set(PARTY_NEUTRAL) & set(party)) | identifying if identifying else set()


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def warehouse_row(home: Path, table: str, where: str, params: list[Any]) -> dict[str, Any]:
    con = Warehouse(home / "warehouse").connect(tables=[table])
    try:
        cur = con.execute(f"SELECT * FROM {table} WHERE {where}", params)
        cols = [d[0] for d in cur.description or []]
        rows = cur.fetchall()
    finally:
        con.close()
    assert len(rows) == 1, rows
    return {c: _plain(v) for c, v in zip(cols, rows[0], strict=True)}


def parties(home: Path, actor_id: str) -> list[dict[str, Any]]:
    import duckdb

    from redlane.resolve.outputs import register_resolution_views

    con = duckdb.connect()
    try:
        register_resolution_views(con, home)
        cur = con.execute(
            "SELECT p.* FROM party_actors pa JOIN parties p USING (party_id) WHERE pa.actor_id = ?",
            [actor_id],
        )
        cols = [d[0] for d in cur.description or []]
        return [{c: _plain(v) for c, v in zip(cols, r, strict=True)} for r in cur.fetchall()]
    finally:
        con.close()


def strings(value: Any) -> list[str]:
    """Every string value in a JSON answer (keys are names, not data)."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in strings(v)]
    return [value] if isinstance(value, str) else []


def leaks(answer: Any, records: list[tuple[dict[str, Any], set[str]]], asked: set[str]) -> set[str]:
    """Values of withheld fields found in the answer, as a value or (long ones) inside one,
    e.g. an address quoted in a sentence. Values the caller may see through another field, or
    named in its own request, do not count."""
    shown = {str(r[k]) for r, keys in records for k in keys if r.get(k) is not None}
    withheld = {
        str(r[k]) for r, keys in records for k in set(r) - keys if r.get(k) not in (None, "")
    }
    found = strings(answer)
    return {
        v
        for v in withheld - shown - asked
        if len(v) >= 4 and any(v == f or (len(v) >= 8 and v in f) for f in found)
    }


def sees_resolution(caller: Caller) -> bool:
    """The rules' resolution viewers see actors and the network, which are derived from
    every partner's data; anyone else only the parties shown to them."""
    return caller.role in RULES.resolution_viewers.get(caller.partner, ())


def _json(r: Response) -> Any:
    assert r.status_code == 200, r.text
    return r.json()


def check_shipment(
    c: TestClient, caller: Caller, rows: list[Any], hawb: str, record: dict[str, Any], stage: str
) -> list[str]:
    carrier = "EXPR"
    r = c.get(f"/v1/shipments/{carrier}/{hawb}", headers=caller.api)
    body = _json(r)
    must = visible(rows, caller, "aed_shipments", record, stage)
    shown = set(body["advance_data"] or {})
    problems = []
    if shown != must or body["advance_data_withheld"] != (not must):
        problems.append(f"shipment: shown {sorted(shown ^ must)} differ from the agreements")
    if found := leaks(body, [(record, must)], {carrier, hawb}):
        problems.append(f"shipment: withheld values in the answer: {sorted(found)}")
    return problems


def check_actor(
    c: TestClient,
    caller: Caller,
    rows: list[Any],
    actor_id: str,
    records: list[dict[str, Any]],
    stage_of: Callable[[dict[str, Any]], str],
) -> list[str]:
    r = c.get(f"/v1/actors/{actor_id}", headers=caller.api)
    body = _json(r)
    must = {p["party_id"]: visible_party(rows, caller, p, stage_of(p)) for p in records}
    shown = {p["party_id"]: set(p) for p in body["parties"]}
    problems = []
    if shown != {k: v for k, v in must.items() if v}:
        problems.append(f"actor {actor_id}: parties {shown} differ from the agreements {must}")
    if body["parties_withheld"] != sum(1 for v in must.values() if not v):
        problems.append(f"actor {actor_id}: parties_withheld {body['parties_withheld']}")
    scanned = body if not sees_resolution(caller) else [body["parties"], body["timeline"]]
    if found := leaks(scanned, [(p, must[p["party_id"]]) for p in records], {actor_id}):
        problems.append(f"actor {actor_id}: withheld values in the answer: {sorted(found)}")
    return problems


# advance → detention → seizure, by the outcome the stage rules map to each stage. No record
# can reach ``case``: no rule maps to it (and no agreement names it).
WALK = (("advance", None), ("detention", "other_violation"), ("seizure", "seized"))


def walk_stages(service: Service, hawb: str) -> Iterator[str]:  # noqa: F811
    """Move a shipment through the stages by recording outcomes; yield each stage."""
    reachable = [s for s in RULES.stages if s in {*RULES.outcome_stages.values(), "advance"}]
    assert [stage for stage, _ in WALK] == reachable
    for stage, outcome in WALK:
        if outcome is not None:
            r = service.client.post(
                "/v1/outcomes",
                json={"carrier": "EXPR", "hawb": hawb, "port_code": "JFK", "outcome": outcome},
                headers=service.auth("officer"),
            )
            assert r.status_code == 201, r.text
        yield stage


def test_shipments_show_what_the_agreements_allow_at_every_stage(
    service: Service,  # noqa: F811
    callers: list[Caller],
    agreements: list[Any],
) -> None:
    c, hawb = service.client, SHIPMENT_WALKED
    where = "carrier = ? AND hawb = ?"
    record = warehouse_row(service.world.home, "aed_shipments", where, ["EXPR", hawb])
    rule = ROUTES[("GET", "/v1/shipments/{carrier}/{hawb}")]
    admitted = [caller for caller in callers if admits(rule, caller)]
    problems: list[str] = []
    for stage in walk_stages(service, hawb):
        for caller in admitted:
            found = check_shipment(c, caller, agreements, hawb, record, stage)
            problems += [f"{stage} {caller.label} {p}" for p in found]
    assert problems == [], "\n".join(problems)
    assert len(admitted) >= 5


def test_actors_show_what_the_agreements_allow_at_every_stage(
    service: Service,  # noqa: F811
    callers: list[Caller],
    agreements: list[Any],
) -> None:
    """Actor A-1 has a party from the walked shipment's advance data and one from a seller;
    A-2's party comes from a seeded shipment that was cleared (first stage)."""
    c, home, hawb = service.client, service.world.home, ACTOR_WALKED
    actors = {a: parties(home, a) for a in ("A-1", "A-2")}
    rule = ROUTES[("GET", "/v1/actors/{actor_id}")]
    admitted = [caller for caller in callers if admits(rule, caller)]
    problems: list[str] = []
    for stage in walk_stages(service, hawb):

        def stage_of(party: dict[str, Any], at: str = stage) -> str:
            if party["source_table"] == "aed_shipments" and party["record_key"] == hawb:
                return at
            assert party["record_key"] == "LAX-RED-1" or party["source_table"] == "mp_sellers"
            return "advance"

        for caller in admitted:
            for actor_id, found in actors.items():
                issues = check_actor(c, caller, agreements, actor_id, found, stage_of)
                problems += [f"{stage} {caller.label} {p}" for p in issues]
    assert problems == [], "\n".join(problems)
    assert len(admitted) >= 10


def test_partner_scoped_rows_stay_with_their_partner(
    service: Service,  # noqa: F811
    callers: list[Caller],
    tmp_path: Path,
) -> None:
    """Quarantine rows and upload jobs are their partner's: another partner's caller sees no
    row, and a job of another partner answers 404 (its existence is not confirmed)."""
    c = service.client
    path = carrier_file(tmp_path, "matrix.csv", bad_rows=1)
    text = path.read_text()
    for old in (",JFK-", ",LAX-", ",BAD-"):
        text = text.replace(old, ",MX" + old[1:])
    path.write_text(text)
    carrier_machine = next(x for x in callers if x.role == MACHINE and x.partner == "carrier")
    with path.open("rb") as fh:
        r = c.post("/v1/feeds/upload", files={"file": ("m.csv", fh)}, headers=carrier_machine.api)
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    c.app.state.redlane.jobs.wait(job)
    quarantine_rule = ROUTES[("GET", "/v1/quarantine")]
    job_rule = ROUTES[("GET", "/v1/feeds/jobs/{job_id}")]
    problems = []
    for caller in callers:
        own = caller.role == ADMIN or caller.partner == "carrier"
        if admits(quarantine_rule, caller):
            rows = _json(c.get("/v1/quarantine?limit=1000", headers=caller.api))["rows"]
            partners = {row["partner"] for row in rows}
            if not own and partners:
                problems.append(f"{caller.label} sees quarantine rows of {partners}")
            if own and "carrier" not in partners:
                problems.append(f"{caller.label} misses its own quarantine rows")
        if admits(job_rule, caller):
            status = c.get(f"/v1/feeds/jobs/{job}", headers=caller.api).status_code
            if status != (200 if own else 404):
                problems.append(f"{caller.label} reads the carrier's job: {status}")
    assert problems == [], "\n".join(problems)
