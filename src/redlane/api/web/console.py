"""Console pages under ``/console``: same roles, policy and audit as the API.

The session is a JWT in an HttpOnly, SameSite=Lax cookie; forms carry a CSRF token bound to
the session. A visitor without a session gets the login page with status 401 (never a
redirect), a user without the role a 403 page.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, FastAPI, Form, Query, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane import csv_export
from redlane.api import actions, queries
from redlane.api.auth import SESSION_COOKIE, Access, load_user_principal
from redlane.api.problems import Problem, set_html_renderer
from redlane.api.roles import (
    ADMIN,
    CARRIER_LIAISON,
    CUSTOMS_OFFICER,
    INVESTIGATOR,
    MARKETPLACE_ANALYST,
    RIGHTS_HOLDER,
    TARGETING_ANALYST,
    Principal,
)
from redlane.api.routers import brands as brand_routes
from redlane.api.routers.ports import today
from redlane.api.schemas import LookoutIn, OutcomeIn, RuleIn
from redlane.api.security import csrf_ok, csrf_token, decode_token, issue_token
from redlane.api.state import db_session, get_state
from redlane.store.models import Lookout, Plan, Port, Rule

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

NAV: Final = (
    ("Port queue", "/console/queue", QUEUE),
    ("Actors", "/console/actors", ACTORS),
    ("Rules & lookouts", "/console/targeting", TARGETING),
    ("Dashboard", "/console/dashboard", DASHBOARD),
    ("Brands", "/console/brands", brand_routes.REGISTRY_READERS),
    ("Flags", "/console/flags", brand_routes.FLAG_READERS),
    ("Authenticate", "/console/authenticate", brand_routes.AUTHENTICATORS),
    ("Quarantine", "/console/quarantine", QUARANTINE),
    ("Cases", "/console/cases", CASES_NAV),
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


def check_csrf(request: Request, principal: Principal, token: str) -> None:
    state = get_state(request)
    if not principal.session_jti or not csrf_ok(state.secret_key, principal.session_jti, token):
        raise Problem(403, "form expired or forged (CSRF token mismatch): reload the page")


def _error_page(request: Request, status: int, detail: str) -> Response:
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


public = APIRouter(include_in_schema=False)
pages = APIRouter(
    prefix="/console", include_in_schema=False, dependencies=[Depends(console_principal)]
)


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
    from redlane.api.routers.system import authenticate_user

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


def _ports_for(session: Session, principal: Principal) -> list[str]:
    if principal.role == CUSTOMS_OFFICER:
        return sorted(principal.ports)
    return sorted(session.execute(select(Port.port_code)).scalars())


SORTS: Final = {
    "rank": (lambda i: i["rank"], False),
    "score": (lambda i: i["score"], True),
    "expected_value": (lambda i: i["expected_value"], True),
}


def _queue_data(
    session: Session, principal: Principal, port: str | None, day: date | None
) -> tuple[list[str], str | None, date, dict[str, Any] | None]:
    ports = _ports_for(session, principal)
    chosen = port or (ports[0] if ports else None)
    when = day or today()
    plan = None
    if chosen:
        if not principal.may_see_port(chosen):
            raise Problem(403, f"port {chosen} is not one of your ports")
        found = queries.latest_plan(session, chosen, when)
        if found is None and day is None:
            # No plan today (e.g. a simulated world's dates): show the port's newest plan.
            found = session.execute(
                select(Plan)
                .where(Plan.port_code == chosen)
                .order_by(Plan.plan_date.desc(), Plan.id.desc())
                .limit(1)
            ).scalar_one_or_none()
            if found is not None:
                when = found.plan_date
        plan = queries.plan_view(session, found) if found else None
    return ports, chosen, when, plan


@pages.get("/queue")
def queue(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(QUEUE))],
    session: Annotated[Session, Depends(db_session)],
    port: str | None = None,
    day: Annotated[date | None, Query(alias="date")] = None,
    lane: str = "",
    sort: str = "rank",
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    ports, chosen, when, plan = _queue_data(session, principal, port, day)
    items: list[dict[str, Any]] = []
    if plan:
        items = [i for i in plan["items"] if not lane or i["lane"] == lane]
        if q:
            needle = q.lower()
            items = [
                i
                for i in items
                if needle in i["hawb"].lower()
                or needle in i["carrier"].lower()
                or any(needle in str(r).lower() for r in i["reasons"])
            ]
        key, reverse = SORTS.get(sort, SORTS["rank"])
        items = sorted(items, key=key, reverse=reverse)
    return render(
        request,
        "queue.html",
        principal,
        ports=ports,
        port=chosen,
        day=when.isoformat(),
        plan=plan,
        items=items,
        lane=lane,
        sort=sort,
        q=q,
    )


@pages.get("/queue/holds.csv")
def export_holds(
    principal: Annotated[Principal, Depends(page_access(QUEUE))],
    session: Annotated[Session, Depends(db_session)],
    port: str | None = None,
    day: Annotated[date | None, Query(alias="date")] = None,
) -> Response:
    _ports, chosen, when, plan = _queue_data(session, principal, port, day)
    out = io.StringIO()
    writer = csv_export.writer(out)
    writer.writerow(
        ["rank", "carrier", "hawb", "lane", "score", "expected_value", "selected_by", "reasons"]
    )
    holds = [i for i in (plan or {}).get("items", []) if i["lane"] == "red"]
    for i in holds:
        writer.writerow(
            [
                i["rank"],
                i["carrier"],
                i["hawb"],
                i["lane"],
                f"{i['score']:.4f}",
                f"{i['expected_value']:.2f}",
                i["selected_by"],
                " | ".join(map(str, i["reasons"])),
            ]
        )
    queries.audit_read(
        session,
        principal,
        "plan",
        [str((plan or {}).get("plan_id", ""))],
        "holds list export",
        {"port": chosen, "date": when.isoformat(), "rows": len(holds)},
    )
    filename = f"holds-{chosen or 'none'}-{when.isoformat()}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@pages.get("/shipments/{carrier}/{hawb}")
def shipment(
    request: Request,
    carrier: str,
    hawb: str,
    principal: Annotated[Principal, Depends(page_access(QUEUE))],
    session: Annotated[Session, Depends(db_session)],
    saved: str = "",
) -> HTMLResponse:
    from redlane.api.web.brand_pages import shipment_guides

    data = queries.shipment_view(session, get_state(request), principal, carrier, hawb)
    port = (
        data["plans"][0]["port_code"]
        if data["plans"]
        else ((data["advance_data"] or {}).get("port_of_entry") or "")
    )
    return render(
        request,
        "shipment.html",
        principal,
        s=data,
        port=port,
        saved=saved,
        may_see_actors=allowed(ACTORS, principal),
        guides=shipment_guides(session, principal, data),
    )


@pages.post("/shipments/{carrier}/{hawb}/outcome")
def shipment_outcome(
    request: Request,
    carrier: str,
    hawb: str,
    principal: Annotated[Principal, Depends(page_access(QUEUE))],
    session: Annotated[Session, Depends(db_session)],
    csrf: Annotated[str, Form()] = "",
    port_code: Annotated[str, Form()] = "",
    outcome: Annotated[str, Form()] = "",
    brand: Annotated[str, Form()] = "",
    seized_quantity: Annotated[str, Form()] = "",
    seized_value: Annotated[str, Form()] = "",
    notes: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    try:
        body = OutcomeIn(
            carrier=carrier,
            hawb=hawb,
            port_code=port_code,
            outcome=outcome,  # type: ignore[arg-type]
            brand=brand or None,
            seized_quantity=int(seized_quantity) if seized_quantity.strip() else None,
            seized_value=float(seized_value) if seized_value.strip() else None,
            notes=notes,
        )
    except (ValidationError, ValueError) as e:
        raise Problem(422, f"the outcome form is not valid: {e}") from e
    actions.record_outcome(session, principal, body)
    return RedirectResponse(f"/console/shipments/{carrier}/{hawb}?saved=1", status_code=303)


@pages.get("/actors")
def actors_index(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(ACTORS))],
    q: Annotated[str, Query(max_length=100)] = "",
) -> HTMLResponse:
    import duckdb

    from redlane.resolve.outputs import register_resolution_views

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
    session: Annotated[Session, Depends(db_session)],
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


@pages.get("/targeting")
def targeting(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(TARGETING))],
    session: Annotated[Session, Depends(db_session)],
    saved: str = "",
) -> HTMLResponse:
    rules = list(session.execute(select(Rule).order_by(Rule.id.desc())).scalars())
    lookouts = list(session.execute(select(Lookout).order_by(Lookout.id.desc())).scalars())
    owners = {r.owner_id for r in rules if r.owner_id is not None} | {x.owner_id for x in lookouts}
    names = queries.usernames(session, owners)
    if lookouts:
        queries.audit_read(
            session, principal, "lookout", [x.id for x in lookouts], "lookout review"
        )
    return render(
        request,
        "targeting.html",
        principal,
        rules=[queries.rule_view(r, names) for r in rules],
        lookouts=[queries.lookout_view(x, names) for x in lookouts],
        may_write_rules=principal.role in (TARGETING_ANALYST, ADMIN),
        may_write_lookouts=principal.role in (TARGETING_ANALYST, INVESTIGATOR, ADMIN),
        saved=saved,
    )


def _form_criteria(text: str) -> dict[str, Any]:
    """JSON (``{"field": "hs6", "op": "eq", "value": "640411"}``), or ``key=value`` pairs
    separated by ``;`` or new lines (``identifier=phone; value=+86 20 8888 1234``)."""
    if text.strip().startswith("{"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as e:
            raise Problem(422, f"criteria are not valid JSON: {e}") from e
        if not isinstance(parsed, dict) or not parsed:
            raise Problem(422, "criteria must be a JSON object")
        return parsed
    criteria: dict[str, Any] = {}
    for part in text.replace("\n", ";").split(";"):
        if "=" in part:
            key, value = part.split("=", 1)
            if key.strip():
                criteria[key.strip()] = value.strip()
    if not criteria:
        raise Problem(422, "criteria must be key=value pairs, e.g. actor_id=A-1")
    return criteria


@pages.post("/lookouts")
def lookout_submit(
    request: Request,
    principal: Annotated[
        Principal, Depends(page_access(Access([TARGETING_ANALYST, INVESTIGATOR])))
    ],
    session: Annotated[Session, Depends(db_session)],
    csrf: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "actor",
    criteria: Annotated[str, Form()] = "",
    lane: Annotated[str, Form()] = "red",
    reason: Annotated[str, Form()] = "",
    valid_to: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    try:
        body = LookoutIn.model_validate(
            {
                "kind": kind,
                "criteria": _form_criteria(criteria),
                "lane": lane,
                "reason": reason,
                "valid_to": valid_to or None,
            }
        )
    except ValidationError as e:
        raise Problem(422, f"the lookout form is not valid: {e.errors()[0]['msg']}") from e
    actions.create_lookout(session, principal, body, get_state(request).paths)
    session.commit()
    get_state(request).engines.refresh_screener()
    return RedirectResponse("/console/targeting?saved=lookout", status_code=303)


@pages.post("/rules")
def rule_submit(
    request: Request,
    principal: Annotated[
        Principal, Depends(page_access(Access([TARGETING_ANALYST], partners=["customs"])))
    ],
    session: Annotated[Session, Depends(db_session)],
    csrf: Annotated[str, Form()] = "",
    name: Annotated[str, Form()] = "",
    criteria: Annotated[str, Form()] = "",
    lane: Annotated[str, Form()] = "yellow",
    reason: Annotated[str, Form()] = "",
    valid_to: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, principal, csrf)
    try:
        body = RuleIn.model_validate(
            {
                "name": name,
                "criteria": _form_criteria(criteria),
                "lane": lane,
                "reason": reason,
                "valid_to": valid_to or None,
            }
        )
    except ValidationError as e:
        raise Problem(422, f"the rule form is not valid: {e.errors()[0]['msg']}") from e
    actions.create_rule(session, principal, body, get_state(request).paths)
    session.commit()
    get_state(request).engines.refresh_screener()
    return RedirectResponse("/console/targeting?saved=rule", status_code=303)


@pages.post("/{kind}/{item_id}/retire")
def retire(
    request: Request,
    kind: str,
    item_id: str,
    principal: Annotated[
        Principal, Depends(page_access(Access([TARGETING_ANALYST, INVESTIGATOR])))
    ],
    session: Annotated[Session, Depends(db_session)],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    from redlane.api.schemas import LookoutPatch, RulePatch, record_id

    check_csrf(request, principal, csrf)
    item = record_id(item_id)
    if item is None or kind not in ("lookouts", "rules"):
        raise Problem(404, "nothing to retire there")
    if kind == "lookouts":
        actions.update_lookout(session, principal, item, LookoutPatch(active=False))
    else:
        actions.update_rule(session, principal, item, RulePatch(active=False))
    session.commit()
    get_state(request).engines.refresh_screener()
    return RedirectResponse("/console/targeting?saved=retired", status_code=303)


@pages.get("/dashboard")
def dashboard(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(DASHBOARD))],
    session: Annotated[Session, Depends(db_session)],
) -> HTMLResponse:
    metrics = queries.metrics_view(session, principal, None)
    return render(request, "dashboard.html", principal, m=metrics)


@pages.get("/quarantine")
def quarantine(
    request: Request,
    principal: Annotated[Principal, Depends(page_access(QUARANTINE))],
    session: Annotated[Session, Depends(db_session)],
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


def install(app: FastAPI) -> None:
    from redlane.api.web import brand_pages, case_pages

    app.include_router(public)
    app.include_router(case_pages.router)
    app.include_router(brand_pages.router)
    app.include_router(pages)
    set_html_renderer(app, _error_page)
