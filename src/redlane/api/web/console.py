"""The console's front door and overview pages: login, logout, the start page, static files and
the API docs; actors, the dashboard and quarantine.

Shared page machinery (templates, the session user, page access, CSRF, the menu) is in
:mod:`redlane.api.web.kit`; the other pages are in ``queue_pages``, ``targeting_pages``,
``case_pages`` and ``brand_pages``.
"""

from __future__ import annotations

from typing import Annotated

import duckdb
from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from redlane.api import queries
from redlane.api.auth import SESSION_COOKIE, authenticate_user
from redlane.api.deps import SessionDep
from redlane.api.problems import Problem
from redlane.api.roles import Principal
from redlane.api.security import issue_token
from redlane.api.state import get_state
from redlane.api.web.kit import (
    ACTORS,
    DASHBOARD,
    NAV,
    NODE_MODULES,
    QUARANTINE,
    STATIC_DIR,
    VENDOR,
    allowed,
    check_csrf,
    console_principal,
    page_access,
    page_router,
    render,
)
from redlane.resolve.outputs import register_resolution_views

public = APIRouter(include_in_schema=False)
pages = page_router()


@public.get("/console/login")
def login_page(request: Request, next: str = "/console") -> HTMLResponse:
    return render(request, "login.html", None, error="", next=_safe_next(next))


def _safe_next(target: str) -> str:
    return target if target.startswith("/console") and "//" not in target else "/console"


@public.post("/console/login")
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=100)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form()] = "/console",
) -> Response:
    state = get_state(request)
    client = request.client.host if request.client else "unknown"
    try:
        user = authenticate_user(state, username, password, client)
    except Problem as e:
        message = e.detail if e.status == 429 else "Wrong username or password."
        page = render(request, "login.html", None, e.status, error=message, next=_safe_next(next))
        page.headers.update(e.headers)  # Retry-After when limited
        return page
    token, lifetime = issue_token(
        state.secret_key, user_id=user.id, username=user.username, kind="session"
    )
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=lifetime,
        httponly=True,
        samesite="lax",
        secure=state.secure_cookies,
        path="/",
    )
    return response


@pages.post("/logout")
def logout(
    request: Request,
    principal: Annotated[Principal, Depends(console_principal)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@pages.get("")
def home(principal: Annotated[Principal, Depends(console_principal)]) -> Response:
    for _label, href, acc in NAV:
        if allowed(acc, principal):
            return RedirectResponse(href, status_code=303)
    raise Problem(403, "your role has no console pages")


@public.get("/static/{name:path}")
def static_file(name: str) -> Response:
    if name.startswith("vendor/"):
        relative = VENDOR.get(name.removeprefix("vendor/"))
        path = NODE_MODULES / relative if relative else None
    else:
        path = STATIC_DIR / name if name in {"console.css", "console.js"} else None
    if path is None or not path.is_file():
        raise Problem(404, f"no static file {name!r} (vendor files come from `make setup`)")
    return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})


@public.get("/docs")
def api_docs() -> HTMLResponse:
    """Swagger UI from the npm package served here (FastAPI's default loads it from a CDN)."""
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="redlane API",
        swagger_js_url="/static/vendor/swagger-ui-bundle.js",
        swagger_css_url="/static/vendor/swagger-ui.css",
        swagger_favicon_url="data:,",
    )


@pages.get("/actors")
def actors_index(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(ACTORS))],
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    con = duckdb.connect()
    try:
        has_run = register_resolution_views(con, get_state(request).home)
        cur = con.execute(
            "SELECT actor_id, display_name, n_parties, n_sources, ring_id, risk FROM actors "
            "WHERE ? = '' OR contains(lower(display_name), lower(?)) OR actor_id = ? "
            "ORDER BY risk DESC NULLS LAST, actor_id LIMIT 50",
            [q, q, q],
        )
        cols = [d[0] for d in cur.description or []]
        rows = [dict(zip(cols, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()
    return render(request, "actors.html", principal, rows=rows, q=q, has_run=has_run)


@pages.get("/actors/{actor_id}")
def actor_page(
    request: Request,
    actor_id: str,
    principal: Annotated[Principal, Depends(page_access(ACTORS))],
    session: SessionDep,
) -> HTMLResponse:
    data = queries.actor_view(
        session, get_state(request), principal, actor_id, "console actor page"
    )
    graph = {
        "center": actor_id,
        "nodes": [
            {"id": n["actor_id"], "label": n["display_name"] or n["actor_id"], "risk": n["risk"]}
            for n in data["network"]["nodes"]
        ],
        "edges": [
            {"source": e["src_actor_id"], "target": e["dst_actor_id"], "kind": e["kind"]}
            for e in data["network"]["edges"]
        ],
    }
    return render(request, "actor.html", principal, a=data, graph=graph)


@pages.get("/dashboard")
def dashboard(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(DASHBOARD))],
    session: SessionDep,
) -> HTMLResponse:
    metrics = queries.metrics_view(session, principal, None)
    return render(request, "dashboard.html", principal, m=metrics)


@pages.get("/quarantine")
def quarantine(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(QUARANTINE))],
    session: SessionDep,
    table: str = "",
    batch: str = "",
    page: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> HTMLResponse:
    data = queries.quarantine_view(
        session,
        get_state(request),
        principal,
        table=table or None,
        batch=batch or None,
        limit=50,
        offset=page * 50,
    )
    return render(
        request, "quarantine.html", principal, q=data, table=table, batch=batch, page=page
    )
