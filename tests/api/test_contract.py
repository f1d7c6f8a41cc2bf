"""Every protected route refuses a caller without credentials, before looking at anything else.

The same walk as the contract script: every path in /openapi.json except the public ones,
requested without credentials (GET, or a JSON body ``{}``), path parameters replaced by ``x``,
must answer 401 or 403 (never 404, 422, 200 or a redirect). Console pages, which are not in the
schema, must answer 401 with the login page.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts

from redlane.api.auth import Access
from tests.api.conftest import Service

PUBLIC = re.compile(r"(health|login|token|docs|openapi|static|redoc|favicon|livez|readyz)")


def routes(app: FastAPI) -> list[tuple[str, set[str], object]]:
    """(path, methods, dependant) of every route, through included routers."""
    found = []
    for ctx in iter_route_contexts(app.routes):
        if ctx.path is None:
            continue
        found.append((ctx.path, set(ctx.methods or ()), getattr(ctx, "dependant", None)))
    return found


def _concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def test_openapi_walk_without_credentials(service: Service) -> None:
    c = service.client
    schema = c.get("/openapi.json").json()
    checked = 0
    for path, methods in schema["paths"].items():
        if PUBLIC.search(path):
            continue
        for method in methods:
            url = _concrete(path)
            if method == "get":
                r = c.get(url, follow_redirects=False)
            elif method in ("post", "put", "patch"):
                r = c.request(method.upper(), url, json={}, follow_redirects=False)
            else:
                r = c.request(method.upper(), url, follow_redirects=False)
            assert r.status_code in (401, 403), (method, path, r.status_code, r.text[:200])
            checked += 1
    assert checked >= 20


def test_console_pages_answer_401_with_the_login_page(service: Service) -> None:
    c = service.client
    pages = [
        (path, methods)
        for path, methods, _ in routes(c.app)
        if path.startswith("/console") and not PUBLIC.search(path)
    ]
    assert len(pages) >= 10
    for path, methods in pages:
        for method in methods - {"HEAD"}:
            url = _concrete(path)
            if method == "GET":
                r = c.get(url, follow_redirects=False)
            else:
                r = c.post(url, data={}, follow_redirects=False)
            assert r.status_code == 401, (method, path, r.status_code)
            assert 'action="/console/login"' in r.text


# Routes any signed-in user may use: the console's start page (redirects by role) and logout.
ANY_SIGNED_IN = {"/", "/console", "/console/logout"}


def test_every_protected_route_declares_its_roles(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from redlane.api.app import create_app

    def accesses(dependant) -> list[Access]:  # type: ignore[no-untyped-def]
        found = []
        for sub in dependant.dependencies:
            if isinstance(sub.call, Access) or hasattr(sub.call, "access"):
                found.append(sub.call)
            found.extend(accesses(sub))
        return found

    app = create_app(tmp_path, f"sqlite:///{tmp_path / 'x.db'}", prepare_store=False)
    found = [(path, dep) for path, _, dep in routes(app) if dep is not None]
    unguarded = [
        path
        for path, dep in found
        if not PUBLIC.search(path) and path not in ANY_SIGNED_IN and not accesses(dep)
    ]
    assert unguarded == [] and len(found) > 30


def test_errors_are_problem_details(service: Service) -> None:
    r = service.client.get("/v1/no-such-route")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert {"type", "title", "status", "detail"} <= set(r.json())
    r = service.client.post("/v1/screen", json={}, headers=service.auth("analyst"))
    assert r.status_code == 422 and r.json()["errors"]


def test_request_size_limit(service: Service) -> None:
    big = {"carrier": "EXPR", "hawb": "H", "description": "x" * (1024 * 1024 + 10)}
    r = service.client.post("/v1/screen", json=big, headers=service.auth("analyst"))
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("application/problem+json")


def test_openapi_has_examples_and_security(service: Service) -> None:
    schema = service.client.get("/openapi.json").json()
    assert "AdvanceData" in schema["components"]["schemas"]
    assert schema["components"]["schemas"]["AdvanceData"].get("example")
    assert {"HTTPBearer", "APIKeyHeader"} <= set(schema["components"]["securitySchemes"])
    screen = schema["paths"]["/v1/screen"]["post"]
    assert "503" in screen["responses"] and "401" in screen["responses"]
