"""Schemathesis against the service's own OpenAPI schema, as every role.

Every operation of ``/openapi.json`` gets generated requests, valid ones and invalid ones,
from a caller of each role (people with a bearer token, a partner machine with its API key);
every answer must be no server error and must match the schema declared for its status.
The default run keeps the examples per operation small and derandomized (the same requests on
every machine); the ``slow`` run draws many more, at random.

Operations are walked explicitly (``schema.get_all_operations()`` and each operation's
Hypothesis strategy) rather than with ``schemathesis.pytest.from_fixture``, whose lazy
parametrisation does not run under pytest 9.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from redlane.api.roles import MACHINE, ROLE_PARTNER, USER_ROLES
from redlane.api.users import create_api_key, set_user_ports
from redlane.store.db import session_scope
from redlane.store.models import User
from tests.api.conftest import Service, service  # noqa: F401 - the seeded service fixture
from tests.reliability.test_authz_matrix import _user_caller

ROLES = (*USER_ROLES, MACHINE)
CHECKS = [not_a_server_error, response_schema_conformance]


@dataclass
class Run:
    """What one role's fuzzing did: requests by status, failures by operation."""

    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


@pytest.fixture(scope="module")
def api_schema(service: Service) -> Any:  # noqa: F811
    return schemathesis.openapi.from_asgi("/openapi.json", service.client.app)


@pytest.fixture(scope="module")
def credentials(service: Service) -> dict[str, dict[str, str]]:  # noqa: F811
    """Headers of one caller per role, at the partner that role normally belongs to (the
    officer at JFK). Tokens are issued directly: the fuzzer also tries logins, and its failed
    tries must not lock these callers out."""
    state = service.client.app.state.redlane
    found = {}
    with session_scope(service.world.url) as session:
        for role in USER_ROLES:
            user = User(username=f"fz.{role}", role=role, partner_id=ROLE_PARTNER[role])
            session.add(user)
            session.flush()
            set_user_ports(user.username, ["JFK"], state.home)
            caller = _user_caller(state.secret_key, user.id, user.username, role, user.partner_id)
            found[role] = caller.api
        _row, key = create_api_key(session, "carrier", "fuzz")
        found[MACHINE] = {"X-API-Key": key}
    return found


def fuzz(schema: Any, headers: dict[str, str], examples: int, derandomize: bool) -> Run:
    run = Run()
    options = settings(
        max_examples=examples,
        deadline=None,
        derandomize=derandomize,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @options
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: Any) -> None:
                response = case.call_and_validate(headers=headers, checks=CHECKS)
                run.statuses[response.status_code] += 1

            try:
                check()
            except Unsatisfiable:
                continue  # no invalid request exists (an operation without input)
            except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001 - report every operation
                first = str(e).strip().splitlines()[:12]
                run.failures.append(f"{operation.label} ({mode}): " + "\n    ".join(first))
    return run


def _report(role: str, run: Run) -> None:
    statuses = dict(sorted(run.statuses.items()))
    print(f"\nfuzz {role}: {run.requests} requests {statuses}, {len(run.failures)} failures")  # noqa: T201


@pytest.mark.parametrize("role", ROLES)
def test_api_as_every_role(
    api_schema: Any, credentials: dict[str, dict[str, str]], role: str
) -> None:
    run = fuzz(api_schema, credentials[role], examples=2, derandomize=True)
    _report(role, run)
    assert run.failures == [], "\n".join(run.failures)
    assert run.requests > 0


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_api_as_every_role_at_length(
    api_schema: Any, credentials: dict[str, dict[str, str]], role: str
) -> None:
    # Fresh draws on a developer's machine find new failures; CI replays one fixed draw, so
    # that a submission is judged on its own change, not on the luck of the draw (and a smaller
    # one: replaying the same draw on every submission finds nothing new past its first run).
    ci = bool(os.environ.get("CI"))
    run = fuzz(api_schema, credentials[role], examples=6 if ci else 12, derandomize=ci)
    _report(role, run)
    assert run.failures == [], "\n".join(run.failures)


def test_the_fuzzer_catches_server_errors_and_answers_off_the_schema() -> None:
    """The harness itself can fail: a route that crashes and one whose answer drifts from its
    declared model are both reported."""
    from fastapi import FastAPI
    from fastapi.responses import JSONResponse
    from pydantic import BaseModel

    class Out(BaseModel):
        count: int

    app = FastAPI()

    @app.get("/crash", response_model=Out)
    def crash(n: int = 0) -> Out:
        raise RuntimeError("boom")

    @app.get("/drift", response_model=Out)
    def drift() -> JSONResponse:
        return JSONResponse({"count": "many"})

    run = fuzz(schemathesis.openapi.from_asgi("/openapi.json", app), {}, 1, True)
    failed = " ".join(run.failures)
    assert "GET /crash" in failed and "GET /drift" in failed
