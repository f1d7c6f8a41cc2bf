"""What one running service holds: where its stores are, its key, limiter, engines and jobs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import Request
from sqlalchemy.orm import Session

from redlane.api.audit_buffer import AuditBuffer
from redlane.api.engines import Engines
from redlane.api.jobs import JobRunner
from redlane.api.security import LoginLimiter
from redlane.engine.warehouse import Warehouse
from redlane.store.db import session_scope


@dataclass
class ServiceState:
    home: Path
    database_url: str
    warehouse_path: Path
    secret_key: str
    engines: Engines
    jobs: JobRunner
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    secure_cookies: bool = False
    audit_buffer: AuditBuffer | None = None

    def buffered_audit(self) -> AuditBuffer:
        if self.audit_buffer is None:
            self.audit_buffer = AuditBuffer(self.database_url)
        return self.audit_buffer

    @property
    def paths(self) -> tuple[Path, Path]:
        return self.home, self.warehouse_path

    def warehouse(self) -> Warehouse:
        return Warehouse(self.warehouse_path)


def get_state(request: Request) -> ServiceState:
    state: ServiceState = request.app.state.redlane
    return state


def db_session(request: Request) -> Iterator[Session]:
    """A session in one transaction for the request (committed when the route succeeds)."""
    with session_scope(get_state(request).database_url) as session:
        yield session
