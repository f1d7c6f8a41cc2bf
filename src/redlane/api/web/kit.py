"""The console's page kit: templates, the session user, page access, CSRF, the menu.

The session is a JWT in an HttpOnly, SameSite=Lax cookie; forms carry a CSRF token bound to
the session. A visitor without a session gets the login page with status 401 (never a
redirect), a user without the role a 403 page.

The page modules (``console``, ``queue_pages``, ``targeting_pages``, ``case_pages``,
``brand_pages``) import this one; it imports none of them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from redlane.api import brand_views
from redlane.api.auth import SESSION_COOKIE, Access, load_user_principal
from redlane.api.problems import Problem
from redlane.api.roles import (
    ADMIN,
    CARRIER_LIAISON,
    CUSTOMS_OFFICER,
    INVESTIGATOR,
    MARKETPLACE_ANALYST,
    RIGHTS_HOLDER,
    TARGETING_ANALYST,
    USER_ROLES,
    Principal,
)
from redlane.api.security import csrf_ok, csrf_token, decode_token
from redlane.api.state import get_state

HERE: Final = Path(__file__).resolve().parent
STATIC_DIR: Final = HERE / "static"
NODE_MODULES: Final = HERE / "node_modules"
# Served name -> file inside node_modules (installed by `make setup`, never committed).
VENDOR: Final = {
    "htmx.min.js": "htmx.org/dist/htmx.min.js",
    "cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
    "chart.umd.js": "chart.js/dist/chart.umd.js",
    "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
    "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
}

_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)

# Who may open which page (admins always).
QUEUE = Access([CUSTOMS_OFFICER, TARGETING_ANALYST], partners=["customs"])
ACTORS = Access([INVESTIGATOR, TARGETING_ANALYST, MARKETPLACE_ANALYST])
TARGETING = Access([INVESTIGATOR, TARGETING_ANALYST, CUSTOMS_OFFICER])
DASHBOARD = Access([CUSTOMS_OFFICER, TARGETING_ANALYST, INVESTIGATOR], partners=["customs", "ipcc"])
QUARANTINE = Access([CARRIER_LIAISON, MARKETPLACE_ANALYST, RIGHTS_HOLDER, TARGETING_ANALYST])
CASES_NAV = Access([INVESTIGATOR, TARGETING_ANALYST])
ADMIN_ONLY = Access([])
MARKETPLACE_ACTIONS = Access([MARKETPLACE_ANALYST], partners=["marketplace"])
CARRIER_ACTIONS = Access([CARRIER_LIAISON], partners=["carrier"])

NAV: Final = (
    ("Port queue", "/console/queue", QUEUE),
    ("Actors", "/console/actors", ACTORS),
    ("Rules & lookouts", "/console/targeting", TARGETING),
    ("Dashboard", "/console/dashboard", DASHBOARD),
    ("Brands", "/console/brands", brand_views.REGISTRY_READERS),
    ("Flags", "/console/flags", brand_views.FLAG_READERS),
    ("Authenticate", "/console/authenticate", brand_views.AUTHENTICATORS),
    ("Quarantine", "/console/quarantine", QUARANTINE),
    ("Cases", "/console/cases", CASES_NAV),
    ("Webhooks", "/console/webhooks", Access(USER_ROLES)),
    ("Marketplace actions", "/console/actions/marketplace", MARKETPLACE_ACTIONS),
    ("Carrier holds", "/console/actions/carrier", CARRIER_ACTIONS),
    ("Agreements", "/console/agreements", ADMIN_ONLY),
    ("Audit log", "/console/audit", ADMIN_ONLY),
)


def allowed(access: Access, principal: Principal) -> bool:
    return principal.role == ADMIN or (
        principal.role in access.roles
        and (access.partners is None or principal.partner_id in access.partners)
    )


def render(
    request: Request,
    template: str,
    principal: Principal | None,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    state = get_state(request)
    nav = [(label, href) for label, href, acc in NAV if principal and allowed(acc, principal)]
    csrf = (
        csrf_token(state.secret_key, principal.session_jti)
        if principal and principal.session_jti
        else ""
    )
    html = _env.get_template(template).render(
        request=request, principal=principal, nav=nav, csrf=csrf, path=request.url.path, **context
    )
    return HTMLResponse(html, status_code=status)


def console_principal(request: Request) -> Principal:
    """The console user from the session cookie, or 401 (rendered as the login page)."""
    state = get_state(request)
    token = request.cookies.get(SESSION_COOKIE, "")
    claims = decode_token(state.secret_key, token, "session") if token else None
    principal = load_user_principal(state, claims.user_id, claims.jti) if claims else None
    if principal is None:
        raise Problem(401, "please log in")
    return principal


def page_access(access: Access) -> Callable[..., Principal]:
    def dependency(principal: Annotated[Principal, Depends(console_principal)]) -> Principal:
        return access.check(principal)

    dependency.access = access  # type: ignore[attr-defined]
    return dependency


def page_router() -> APIRouter:
    """A router of console pages: under ``/console``, out of the schema, signed-in users only."""
    return APIRouter(
        prefix="/console", include_in_schema=False, dependencies=[Depends(console_principal)]
    )


def check_csrf(request: Request, principal: Principal, token: str) -> None:
    state = get_state(request)
    if not principal.session_jti or not csrf_ok(state.secret_key, principal.session_jti, token):
        raise Problem(403, "form expired or forged (CSRF token mismatch): reload the page")


def error_page(request: Request, status: int, detail: str) -> Response:
    """Errors under ``/console`` as pages: the login page for 401, else the error page."""
    if status == 401:
        response = render(request, "login.html", None, 401, error="", next=request.url.path)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response
    principal: Principal | None
    try:
        principal = console_principal(request)
    except Problem:
        principal = None
    return render(request, "error.html", principal, status, status_code=status, detail=detail)
