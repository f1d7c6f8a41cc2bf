"""Tokens expire, revocation is immediate on every route, and login guessing is rate-limited.

The route-by-route checks walk the same route table as the authorisation matrix
(``test_authz_matrix.py``): an admin (admitted everywhere) and a partner machine first get past
authentication on every guarded route, then lose it at once when deactivated, deleted or
revoked. Login limits are driven through ``POST /v1/auth/login`` and the console's login form
with a limiter on a clock the test moves.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update

from redlane.api import security
from redlane.api.app import create_app
from redlane.api.roles import ADMIN, MACHINE
from redlane.api.security import ACCESS_TOKEN_SECONDS, LoginLimiter
from redlane.api.users import create_api_key
from redlane.store.db import session_scope
from redlane.store.models import ApiKey, User
from tests.api.conftest import Service, service  # noqa: F401 - the seeded service fixture
from tests.api.seed import PASSWORD
from tests.reliability.test_authz_matrix import (
    PROBES,
    ROUTES,
    Caller,
    _user_caller,
    default_probe,
    send,
)

PROBLEM = "application/problem+json"
KNOWN = {"lookout": "999999", "rule": "999999", "case": "999999"}


def statuses(client: TestClient, caller: Caller) -> dict[str, int]:
    """Every guarded route's answer to ``caller`` (console pages only for people)."""
    found = {}
    for (method, path), _rule in sorted(ROUTES.items()):
        if path.startswith("/console") and caller.role == MACHINE:
            continue
        probe = PROBES.get((method, path)) or default_probe(method, path)
        found[f"{method} {path}"] = send(client, method, path, probe, KNOWN, caller).status_code
    return found


def _new_admin(service: Service, name: str) -> Caller:  # noqa: F811
    state = service.client.app.state.redlane
    with session_scope(service.world.url) as session:
        user = User(username=name, role=ADMIN, partner_id="ipcc")
        session.add(user)
        session.flush()
        return _user_caller(state.secret_key, user.id, name, ADMIN, "ipcc")


def _set_active(service: Service, name: str, active: bool) -> None:  # noqa: F811
    with session_scope(service.world.url) as session:
        session.execute(update(User).where(User.username == name).values(active=active))


def test_deactivated_or_deleted_user_loses_every_route_at_once(service: Service) -> None:  # noqa: F811
    c = service.client
    admin = _new_admin(service, "tok.admin")
    before = statuses(c, admin)
    assert [r for r, s in before.items() if s in (401, 403)] == []
    _set_active(service, "tok.admin", False)
    assert {r for r, s in statuses(c, admin).items() if s != 401} == set()
    _set_active(service, "tok.admin", True)
    assert c.get("/v1/users", headers=admin.api).status_code == 200  # the same token again
    # Users with a history are deactivated, never deleted; one without can be.
    gone = _new_admin(service, "tok.gone")
    assert c.get("/v1/users", headers=gone.api).status_code == 200
    with session_scope(service.world.url) as session:
        session.execute(delete(User).where(User.username == "tok.gone"))
    assert {r for r, s in statuses(c, gone).items() if s != 401} == set()


def test_revoked_api_key_loses_every_route_at_once(service: Service) -> None:  # noqa: F811
    c = service.client
    with session_scope(service.world.url) as session:
        row, key = create_api_key(session, "carrier", "revoked soon")
        key_id = row.id
    machine = Caller(MACHINE, "carrier", {"X-API-Key": key}, {"X-API-Key": key})
    before = statuses(c, machine)
    assert 0 < sum(s not in (401, 403) for s in before.values())  # it does get in somewhere
    assert all(s != 401 for s in before.values())
    with session_scope(service.world.url) as session:
        session.execute(
            update(ApiKey).where(ApiKey.id == key_id).values(revoked_at=datetime.now(UTC))
        )
    assert {r for r, s in statuses(c, machine).items() if s != 401} == set()


def test_role_change_takes_effect_on_the_next_request(service: Service) -> None:  # noqa: F811
    c = service.client
    state = c.app.state.redlane
    with session_scope(service.world.url) as session:
        user = User(username="tok.analyst", role="targeting_analyst", partner_id="customs")
        session.add(user)
        session.flush()
        caller = _user_caller(state.secret_key, user.id, user.username, user.role, "customs")
    screen = {"carrier": "EXPR", "hawb": "TOK-1", "description": "books"}
    assert c.post("/v1/screen", json=screen, headers=caller.api).status_code == 200
    with session_scope(service.world.url) as session:
        session.execute(
            update(User)
            .where(User.username == "tok.analyst")
            .values(role="rights_holder", partner_id="rights_holders")
        )
    r = c.post("/v1/screen", json=screen, headers=caller.api)
    assert r.status_code == 403 and r.headers["content-type"].startswith(PROBLEM)
    assert c.get("/v1/auth/me", headers=caller.api).json()["role"] == "rights_holder"


def _login(client: TestClient, username: str, password: str = PASSWORD) -> int:
    r = client.post("/v1/auth/login", json={"username": username, "password": password})
    return r.status_code


@pytest.mark.parametrize(
    ("issued_ago", "status"),
    [(0, 200), (ACCESS_TOKEN_SECONDS - 60, 200), (ACCESS_TOKEN_SECONDS + 5, 401)],
)
def test_login_tokens_expire_after_their_lifetime(
    service: Service,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    issued_ago: int,
    status: int,
) -> None:
    """A token from the login route is refused once its lifetime has passed (the signing
    clock is moved back instead of waiting 15 minutes)."""
    real = security.time.time
    monkeypatch.setattr(security, "time", SimpleNamespace(time=lambda: real() - issued_ago))
    r = service.client.post("/v1/auth/login", json={"username": "analyst", "password": PASSWORD})
    monkeypatch.undo()
    assert r.status_code == 200 and r.json()["expires_in"] == ACCESS_TOKEN_SECONDS
    me = service.client.get(
        "/v1/auth/me", headers={"Authorization": f"Bearer {r.json()['access_token']}"}
    )
    assert me.status_code == status
    if status == 401:
        assert "expired" in me.json()["detail"]


# --- brute force ------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def limited(service: Service) -> Iterator[tuple[TestClient, Clock, LoginLimiter]]:  # noqa: F811
    """A second service over the same world whose login limiter runs on a test clock
    (small limits: every failed try costs an argon2 verification)."""
    clock = Clock()
    limiter = LoginLimiter(attempts=3, window=60, per_client=5, clock=clock)
    app = create_app(service.world.home, service.world.url, limiter=limiter)
    with TestClient(app) as client:
        yield client, clock, limiter


def test_documented_login_limits_are_the_defaults() -> None:
    limiter = LoginLimiter()
    assert (limiter.attempts, limiter.window, limiter.per_client) == (5, 300.0, 20)


def test_guessing_one_password_is_stopped_then_allowed_after_the_window(limited) -> None:  # type: ignore[no-untyped-def]
    client, clock, _ = limited
    assert [_login(client, "officer", "guess") for _ in range(3)] == [401] * 3
    r = client.post("/v1/auth/login", json={"username": "OFFICER", "password": PASSWORD})
    assert r.status_code == 429 and r.headers["content-type"].startswith(PROBLEM)
    wait = int(r.headers["Retry-After"])
    assert 0 < wait <= 60 + 1 and f"{wait} s" in r.json()["detail"]
    clock.now += 30
    later = client.post("/v1/auth/login", data={"username": "officer", "password": PASSWORD})
    assert later.status_code == 429  # the form login counts the same
    remaining = int(later.headers["Retry-After"])
    assert remaining <= wait - 29
    clock.now += remaining  # waiting as told is enough
    assert _login(client, "officer") == 200


def test_success_resets_the_count_for_that_user(limited) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = limited
    assert [_login(client, "analyst", "guess") for _ in range(2)] == [401, 401]
    assert _login(client, "analyst") == 200
    assert [_login(client, "analyst", "guess") for _ in range(2)] == [401, 401]
    assert _login(client, "analyst") == 200


def test_spraying_many_usernames_from_one_client_is_stopped(limited) -> None:  # type: ignore[no-untyped-def]
    """Unknown names count like known ones (the answer never tells which exist)."""
    client, _, _ = limited
    answers = [_login(client, name, "guess") for name in ("a1", "a2", "investigator", "a4", "a5")]
    assert answers == [401] * 5
    r = client.post("/v1/auth/login", json={"username": "rights", "password": PASSWORD})
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0


def test_console_login_is_limited_with_retry_after(limited) -> None:  # type: ignore[no-untyped-def]
    client, _, _ = limited
    for _ in range(3):
        r = client.post("/console/login", data={"username": "carrier", "password": "guess"})
        assert r.status_code == 401
    r = client.post("/console/login", data={"username": "carrier", "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
