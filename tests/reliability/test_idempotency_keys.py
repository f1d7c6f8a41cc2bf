"""Retried writes with an ``Idempotency-Key`` happen once.

A partner's machine that retries a write with the same key and the same request gets the first
answer again (``Idempotent-Replayed: true``), and the store shows one write and one audited
decision; the same key with another request is refused; keys belong to whoever sent them,
expire, and are not spent by a request that failed.
"""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from httpx import Response
from sqlalchemy import func, select, update

from redlane.api.idempotency import HEADER, KEY_TTL, LEASE, REPLAYED
from redlane.api.users import create_api_key
from redlane.store.db import session_scope
from redlane.store.idempotency_models import IdempotencyKey
from redlane.store.models import AuditEntry, Outcome
from redlane.store.sqltypes import utcnow
from tests.api.conftest import Service, service  # noqa: F401 - the seeded service fixture
from tests.api.seed import carrier_file

PROBLEM = "application/problem+json"


def outcome(hawb: str, **extra: Any) -> dict[str, Any]:
    return {"carrier": "EXPR", "hawb": hawb, "port_code": "JFK", "outcome": "cleared", **extra}


def post(service: Service, path: str, body: Any, user: str, key: str | None) -> Response:  # noqa: F811
    headers = service.auth(user) | ({HEADER: key} if key else {})
    return service.client.post(path, json=body, headers=headers)


def count(service: Service, query: Any) -> int:  # noqa: F811
    with session_scope(service.world.url, readonly=True) as session:
        return int(session.execute(query).scalar_one())


def outcomes(service: Service, hawb: str) -> int:  # noqa: F811
    return count(service, select(func.count()).select_from(Outcome).where(Outcome.hawb == hawb))


def audited(service: Service, action: str, object_id: str) -> int:  # noqa: F811
    service.client.app.state.redlane.buffered_audit().flush()
    with session_scope(service.world.url, readonly=True) as session:
        rows = session.scalars(select(AuditEntry.object_ids).where(AuditEntry.action == action))
        return sum(object_id in ids for ids in rows)


def test_a_retried_outcome_is_recorded_once(service: Service) -> None:  # noqa: F811
    first = post(service, "/v1/outcomes", outcome("IK-1"), "officer", "retry-1")
    again = post(service, "/v1/outcomes", outcome("IK-1"), "officer", "retry-1")
    assert first.status_code == again.status_code == 201
    assert again.content == first.content
    assert again.headers[REPLAYED] == "true" and REPLAYED not in first.headers
    assert outcomes(service, "IK-1") == 1
    assert audited(service, "outcome.record", str(first.json()["id"])) == 1


def test_without_a_key_a_retry_is_a_second_write(service: Service) -> None:  # noqa: F811
    for _ in range(2):
        assert post(service, "/v1/outcomes", outcome("IK-2"), "officer", None).status_code == 201
    assert outcomes(service, "IK-2") == 2


def test_the_same_key_for_another_request_is_refused(service: Service) -> None:  # noqa: F811
    assert post(service, "/v1/outcomes", outcome("IK-3"), "officer", "k-3").status_code == 201
    other = post(service, "/v1/outcomes", outcome("IK-3", notes="x"), "officer", "k-3")
    assert other.status_code == 422
    assert other.headers["content-type"].startswith(PROBLEM)
    assert other.json()["type"].endswith("idempotency-key-reused")
    elsewhere = post(service, "/v1/screen/batch", {"records": [outcome("IK-3")]}, "officer", "k-3")
    assert elsewhere.status_code == 422  # a key names one request, on one route
    assert outcomes(service, "IK-3") == 1


def test_keys_belong_to_their_sender(service: Service) -> None:  # noqa: F811
    mine = post(service, "/v1/outcomes", outcome("IK-4"), "officer", "shared-key")
    theirs = post(service, "/v1/outcomes", outcome("IK-4"), "analyst", "shared-key")
    assert mine.status_code == theirs.status_code == 201
    assert REPLAYED not in theirs.headers and theirs.json()["id"] != mine.json()["id"]
    assert outcomes(service, "IK-4") == 2


def test_a_failed_request_does_not_spend_its_key(service: Service) -> None:  # noqa: F811
    lax = outcome("IK-5", port_code="LAX")  # not the officer's port
    assert post(service, "/v1/outcomes", lax, "officer", "k-5").status_code == 403
    assert post(service, "/v1/outcomes", lax, "officer", "k-5").status_code == 403
    ok = post(service, "/v1/outcomes", outcome("IK-5"), "officer", "k-5")
    assert ok.status_code == 201 and REPLAYED not in ok.headers
    assert outcomes(service, "IK-5") == 1


def test_an_expired_key_is_a_new_key(service: Service) -> None:  # noqa: F811
    assert post(service, "/v1/outcomes", outcome("IK-6"), "officer", "k-6").status_code == 201
    with session_scope(service.world.url, readonly=True) as session:
        row = session.execute(
            select(IdempotencyKey).where(IdempotencyKey.key == "k-6")
        ).scalar_one()
        assert row.expires_at - row.created_at == KEY_TTL
    with session_scope(service.world.url) as session:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "k-6")
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    again = post(service, "/v1/outcomes", outcome("IK-6"), "officer", "k-6")
    assert again.status_code == 201 and REPLAYED not in again.headers
    assert outcomes(service, "IK-6") == 2
    stored = select(func.count()).select_from(IdempotencyKey).where(IdempotencyKey.key == "k-6")
    assert count(service, stored) == 1  # the expired row was purged, not kept beside


def test_concurrent_retries_write_once(service: Service) -> None:  # noqa: F811
    """Two copies of one request racing (a client that retried too early)."""
    barrier = threading.Barrier(4)
    answers: list[Response] = []

    def send() -> None:
        barrier.wait()
        answers.append(post(service, "/v1/outcomes", outcome("IK-7"), "officer", "race"))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(a.status_code for a in answers) == [201] * 4
    assert len({a.content for a in answers}) == 1
    assert sum(REPLAYED in a.headers for a in answers) == 3
    assert outcomes(service, "IK-7") == 1


def test_a_key_still_in_progress_answers_409_until_its_lease_ends(service: Service) -> None:  # noqa: F811
    """A claimed key without an answer is a request in flight, or one that died half way."""
    principal = "officer"
    body = outcome("IK-8")
    with session_scope(service.world.url) as session:
        now = utcnow()
        session.add(
            IdempotencyKey(
                principal=principal,
                key="k-8",
                route="POST /v1/outcomes",
                fingerprint="?",
                created_at=now,
                expires_at=now + KEY_TTL,
            )
        )
    assert post(service, "/v1/outcomes", body, principal, "k-8").status_code == 422  # other request
    first = post(service, "/v1/outcomes", body, principal, "k-8")
    fingerprint = _fingerprint_of(service, body)
    with session_scope(service.world.url) as session:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "k-8")
            .values(fingerprint=fingerprint, status_code=None, body=None)
        )
    busy = post(service, "/v1/outcomes", body, principal, "k-8")
    assert first.status_code == 422 and busy.status_code == 409
    assert busy.json()["type"].endswith("idempotency-key-in-progress")
    with session_scope(service.world.url) as session:
        session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.key == "k-8")
            .values(created_at=utcnow() - LEASE - timedelta(seconds=1))
        )
    taken = post(service, "/v1/outcomes", body, principal, "k-8")
    assert taken.status_code == 201 and REPLAYED not in taken.headers
    assert outcomes(service, "IK-8") == 2  # the fingerprint probe's and the taken-over one


def _fingerprint_of(service: Service, body: dict[str, Any]) -> str:  # noqa: F811
    """The fingerprint the service stored for ``body`` (taken from a throwaway key)."""
    assert post(service, "/v1/outcomes", body, "analyst", "probe-fp").status_code == 201
    with session_scope(service.world.url, readonly=True) as session:
        query = select(IdempotencyKey.fingerprint).where(
            IdempotencyKey.key == "probe-fp", IdempotencyKey.principal == "analyst"
        )
        return str(session.execute(query).scalar_one())


def test_a_retried_screening_batch_is_screened_and_audited_once(service: Service) -> None:  # noqa: F811
    screener = service.engines.fake_screener
    records = [{"carrier": "EXPR", "hawb": f"IK-S{i}", "description": "sneakers"} for i in range(3)]
    before = len(screener.seen)
    first = post(service, "/v1/screen/batch", {"records": records}, "analyst", "batch-1")
    again = post(service, "/v1/screen/batch", {"records": records}, "analyst", "batch-1")
    assert first.status_code == again.status_code == 200
    assert again.content == first.content and again.headers[REPLAYED] == "true"
    assert len(screener.seen) - before == 3
    assert audited(service, "screen", "EXPR/IK-S0") == 1
    other = post(service, "/v1/screen/batch", {"records": records[:1]}, "analyst", "batch-1")
    assert other.status_code == 422


def test_a_retried_upload_is_one_job(service: Service, tmp_path: Path) -> None:  # noqa: F811
    with session_scope(service.world.url) as session:
        _row, key = create_api_key(session, "carrier", "idempotent push")
    path = carrier_file(tmp_path, "aed.csv", bad_rows=0)
    path.write_text(path.read_text().replace(",JFK-", ",IKU-").replace(",LAX-", ",IKL-"))
    headers = {"X-API-Key": key, HEADER: "upload-1"}
    c = service.client
    answers = []
    for _ in range(2):
        with path.open("rb") as fh:
            answers.append(
                c.post("/v1/feeds/upload", files={"file": ("aed.csv", fh)}, headers=headers)
            )
    first, again = answers
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again.headers[REPLAYED] == "true"
    jobs = c.app.state.redlane.jobs
    jobs.wait(first.json()["id"])
    assert audited(service, "feed.upload", first.json()["id"]) == 1
    uploads = c.app.state.redlane.home / "uploads"
    assert [p.name for p in uploads.iterdir()] == []  # the retry's copy was removed at once
    with path.open("rb") as fh:
        renamed = c.post("/v1/feeds/upload", files={"file": ("other.csv", fh)}, headers=headers)
    assert renamed.status_code == 422  # another file name is another request
    assert [p.name for p in uploads.iterdir()] == []


@pytest.mark.parametrize("key", [b"", b"x" * 256, b"has space", "ünïcode".encode("latin-1")])
def test_malformed_keys_are_refused(service: Service, key: bytes) -> None:  # noqa: F811
    r = service.client.post(
        "/v1/outcomes",
        json=outcome("IK-9"),
        headers={**service.auth("officer"), HEADER: key},
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)
    assert outcomes(service, "IK-9") == 0


def test_machine_writes_document_the_header(service: Service) -> None:  # noqa: F811
    paths = service.client.get("/openapi.json").json()["paths"]
    for path in ("/v1/outcomes", "/v1/screen/batch", "/v1/feeds/upload"):
        names = {p["name"] for p in paths[path]["post"].get("parameters", [])}
        assert HEADER in names, path
