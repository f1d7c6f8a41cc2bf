"""``Idempotency-Key`` for writes a partner's machine may retry.

A client that sends a write with ``Idempotency-Key: <key>`` and never sees the answer (a
timeout, a dropped connection) sends the same request again with the same key: the service
answers with the first answer, stored, and does the work once — no second row, no second
audited decision. The header follows the IETF httpapi draft: the same key with a different
request is refused (422 ``idempotency-key-reused``); a key whose first request is still in
progress answers 409 (for at most :data:`LEASE`). Keys are scoped to who sent them (a
username or an API key), so two partners' machines cannot collide, and kept for
:data:`KEY_TTL`; an expired key is a new key.

The key is claimed in the write's own transaction and its answer stored before that
transaction commits, so the work and the key commit together or not at all: a failed request
(a 4xx, a crash) stores nothing and may be retried with the same key. On SQLite write
sessions begin ``IMMEDIATE``, so a concurrent retry waits for the first request to commit and
then replays it; on PostgreSQL the retry's insert waits on the unique index.

Without the header nothing here runs: screening keeps its fast path.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Final, TypeVar

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from redlane.api.problems import Problem
from redlane.api.roles import Principal
from redlane.api.state import get_state
from redlane.store.db import session_scope
from redlane.store.idempotency_models import IdempotencyKey
from redlane.store.sqltypes import utcnow

HEADER: Final = "Idempotency-Key"
REPLAYED: Final = "Idempotent-Replayed"
KEY_TTL: Final = timedelta(hours=24)
# A claimed key whose answer never came (the request died after committing part of its work,
# as an upload does before it starts its job) is free again after this long.
LEASE: Final = timedelta(minutes=5)
MEDIA_TYPE: Final = "application/json"

T = TypeVar("T")


class Idempotency:
    """One request's key, if it sent one; :meth:`run` does the route's work once per key."""

    def __init__(self, request: Request, key: str | None) -> None:
        self.request = request
        self.key = key

    @property
    def route(self) -> str:
        route = self.request.scope.get("route")
        return f"{self.request.method} {getattr(route, 'path', self.request.url.path)}"

    @property
    def status(self) -> int:
        return int(getattr(self.request.scope.get("route"), "status_code", None) or 200)

    def run(
        self,
        principal: Principal,
        request_data: Any,
        work: Callable[[], T],
        session: Session | None = None,
    ) -> T | Response:
        """``work()`` as it is without a key; with one, its first answer, stored and replayed.

        ``request_data`` is what makes two requests the same (the validated body, or a file's
        sha256 and the form fields); ``session`` is the route's own, so the key commits with
        the work (routes without a store session, screening, get one here).
        """
        if self.key is None:
            return work()
        fingerprint = self._fingerprint(request_data)
        if session is not None:
            return self._run(session, principal, fingerprint, work)
        with session_scope(get_state(self.request).database_url) as own:
            return self._run(own, principal, fingerprint, work)

    def _fingerprint(self, request_data: Any) -> str:
        if isinstance(request_data, BaseModel):
            request_data = request_data.model_dump(mode="json")
        shape = {
            "route": self.route,
            "path": self.request.url.path,
            "query": sorted(self.request.query_params.multi_items()),
            "data": jsonable_encoder(request_data),
        }
        text = json.dumps(shape, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    def _run(
        self, session: Session, principal: Principal, fingerprint: str, work: Callable[[], Any]
    ) -> Response:
        row, replay = self._claim(session, principal.name, fingerprint)
        if replay is not None:
            return replay
        body = _render(work())
        row.status_code, row.media_type, row.body = self.status, MEDIA_TYPE, body.decode()
        session.commit()
        return Response(body, status_code=self.status, media_type=MEDIA_TYPE)

    def _claim(
        self, session: Session, principal: str, fingerprint: str
    ) -> tuple[IdempotencyKey, Response | None]:
        """The key's row, new (claimed for this request) or stored (and its replay)."""
        now = utcnow()
        session.execute(delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now))
        row = self._find(session, principal)
        if row is None:
            row = IdempotencyKey(
                principal=principal,
                key=self.key,
                route=self.route,
                fingerprint=fingerprint,
                created_at=now,
                expires_at=now + KEY_TTL,
            )
            try:
                with session.begin_nested():
                    session.add(row)
                return row, None
            except IntegrityError:  # PostgreSQL: a concurrent first request committed it
                row = self._find(session, principal)
                assert row is not None
        if row.fingerprint != fingerprint:
            raise Problem(
                422,
                f"{HEADER} {self.key!r} was used for another request ({row.route}); "
                "use a new key for a new request",
                kind="idempotency-key-reused",
            )
        if row.status_code is None or row.body is None:
            if _aware(row.created_at) <= now - LEASE:  # its request died between two commits
                row.created_at = now
                return row, None
            raise Problem(
                409,
                f"the first request with {HEADER} {self.key!r} is still in progress",
                kind="idempotency-key-in-progress",
            )
        replay = Response(
            row.body.encode(),
            status_code=row.status_code,
            media_type=row.media_type,
            headers={REPLAYED: "true"},
        )
        return row, replay

    def _find(self, session: Session, principal: str) -> IdempotencyKey | None:
        query = select(IdempotencyKey).where(
            IdempotencyKey.principal == principal, IdempotencyKey.key == self.key
        )
        return session.execute(query).scalar_one_or_none()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _render(result: Any) -> bytes:
    """The JSON the route would have answered (as FastAPI's JSONResponse renders it)."""
    return json.dumps(
        jsonable_encoder(result), ensure_ascii=False, allow_nan=False, separators=(",", ":")
    ).encode("utf-8")


def idempotency(
    request: Request,
    key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            min_length=1,
            max_length=255,
            pattern=r"^[!-~]+$",
            description="Optional. A retry with the same key and request gets the first answer "
            "(header Idempotent-Replayed: true) instead of doing the work again; kept 24 h.",
        ),
    ] = None,
) -> Idempotency:
    return Idempotency(request, key)


IdempotencyDep = Annotated[Idempotency, Depends(idempotency)]
