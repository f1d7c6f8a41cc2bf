"""Authentication: login, tokens, revocation, API keys, rate limit, the secret key file."""

from __future__ import annotations

import os
import stat

import jwt
from sqlalchemy import select

from redlane.api.security import LoginLimiter, decode_token, issue_token, load_secret_key
from redlane.api.users import create_api_key, set_active
from redlane.store.db import session_scope
from redlane.store.models import AuditEntry, User
from tests.api.conftest import Service
from tests.api.seed import PASSWORD

PROBLEM = "application/problem+json"


def test_health_needs_no_credentials(service: Service) -> None:
    r = service.client.get("/v1/health")
    assert r.status_code == 200
    assert r.json()["status"] == "ok" and r.json()["database"] is True


def test_login_json_and_form_give_a_working_token(service: Service) -> None:
    c = service.client
    as_json = c.post("/v1/auth/login", json={"username": "analyst", "password": PASSWORD})
    as_form = c.post("/v1/auth/login", data={"username": "analyst", "password": PASSWORD})
    for r in (as_json, as_form):
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["token_type"] == "bearer" and body["role"] == "targeting_analyst"
        assert 0 < body["expires_in"] <= 15 * 60
        me = c.get("/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"})
        assert me.status_code == 200 and me.json()["name"] == "analyst"


def test_wrong_password_is_a_401_problem_and_is_audited(service: Service) -> None:
    r = service.client.post("/v1/auth/login", json={"username": "rights", "password": "nope"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["status"] == 401 and r.json()["type"].endswith("bad-credentials")
    with session_scope(service.world.url, readonly=True) as session:
        actions = session.execute(
            select(AuditEntry.action).where(AuditEntry.actor == "rights")
        ).scalars()
        assert "login.failed" in list(actions)


def test_brute_force_is_rate_limited_even_with_the_right_password(service: Service) -> None:
    c = service.client
    for _ in range(5):
        assert (
            c.post("/v1/auth/login", json={"username": "carrier", "password": "x"}).status_code
            == 401
        )
    r = c.post("/v1/auth/login", json={"username": "carrier", "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["Retry-After"]) > 0
    service.client.app.state.redlane.limiter.succeeded("carrier")  # let later tests log in


def test_limiter_window_expires() -> None:
    now = [0.0]
    limiter = LoginLimiter(attempts=2, window=10, clock=lambda: now[0])
    limiter.failed("u", "c")
    limiter.failed("u", "c")
    assert limiter.retry_after("u", "c") > 0
    assert limiter.retry_after("other", "c2") == 0
    now[0] = 11
    assert limiter.retry_after("u", "c") == 0


def test_bad_expired_and_wrong_kind_tokens_are_refused(service: Service) -> None:
    state = service.client.app.state.redlane
    with session_scope(service.world.url, readonly=True) as session:
        uid = session.execute(select(User.id).where(User.username == "analyst")).scalar_one()
    expired, _ = issue_token(state.secret_key, user_id=uid, username="analyst", seconds=-5)
    session_token, _ = issue_token(
        state.secret_key, user_id=uid, username="analyst", kind="session"
    )
    forged = jwt.encode(
        {"sub": "analyst", "uid": uid, "typ": "access", "iat": 0, "exp": 2**40, "jti": "x"},
        "not-the-key-" * 4,
        algorithm="HS256",
    )
    for token in (expired, session_token, forged, "garbage"):
        r = service.client.get("/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 401, token
        assert r.headers["content-type"].startswith(PROBLEM)
    assert decode_token(state.secret_key, session_token, "session") is not None


def test_revoked_user_loses_access_at_once(service: Service) -> None:
    headers = service.auth("investigator2")
    assert service.client.get("/v1/lookouts", headers=headers).status_code == 200
    with session_scope(service.world.url) as session:
        set_active(session, "investigator2", False)
    try:
        r = service.client.get("/v1/lookouts", headers=headers)
        assert r.status_code == 401
        r = service.client.post(
            "/v1/auth/login", json={"username": "investigator2", "password": PASSWORD}
        )
        assert r.status_code == 401
    finally:
        with session_scope(service.world.url) as session:
            set_active(session, "investigator2", True)
    assert service.client.get("/v1/lookouts", headers=headers).status_code == 200


def test_api_keys_are_stored_hashed_and_can_be_revoked(service: Service) -> None:
    from datetime import UTC, datetime

    from redlane.store.models import ApiKey

    with session_scope(service.world.url) as session:
        row, key = create_api_key(session, "carrier", "test push")
        key_id = row.id
    with session_scope(service.world.url, readonly=True) as session:
        stored = session.get(ApiKey, key_id)
        assert stored is not None and key not in stored.key_hash
    me = service.client.get("/v1/auth/me", headers={"X-API-Key": key})
    assert me.status_code == 200
    assert me.json()["role"] == "machine" and me.json()["partner"] == "carrier"
    # A machine may not read people's data.
    assert service.client.get("/v1/actors/A-1", headers={"X-API-Key": key}).status_code == 403
    with session_scope(service.world.url) as session:
        stored = session.get(ApiKey, key_id)
        assert stored is not None
        stored.revoked_at = datetime.now(UTC)
    assert service.client.get("/v1/auth/me", headers={"X-API-Key": key}).status_code == 401
    assert service.client.get("/v1/auth/me", headers={"X-API-Key": "rl_wrong"}).status_code == 401


def test_secret_key_file_is_created_private(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("REDLANE_SECRET_KEY", raising=False)
    key = load_secret_key(tmp_path)
    path = tmp_path / "secrets" / "jwt.key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert len(key) >= 32 and load_secret_key(tmp_path) == key
    monkeypatch.setenv("REDLANE_SECRET_KEY", "e" * 40)
    assert load_secret_key(tmp_path) == "e" * 40
