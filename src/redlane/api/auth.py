"""Who is calling, and the one dependency that decides whether they may.

Credentials, in order: ``Authorization: Bearer <JWT>`` (from ``POST /v1/auth/login``),
``X-API-Key`` (a partner's machine), and for the console the ``redlane_session`` cookie. The
user is reloaded from the store on every request, so deactivating a user or changing their role
takes effect at once, whatever tokens they hold.

Every route declares ``Depends(access(roles..., partners=...))``. :func:`access` is the single
place where roles and partner scope are enforced; routers also carry
``Depends(current_principal)`` so that a request without credentials is refused (401) before
its path or body is even looked at. Port scope (customs officers) is data-dependent and checked
by the routes with :func:`require_port`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from fastapi import Depends, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import bindparam, select

from redlane.api.problems import Problem
from redlane.api.roles import ADMIN, MACHINE, Principal
from redlane.api.security import api_key_hash, decode_token, verify_password
from redlane.api.state import ServiceState, get_state
from redlane.api.users import user_ports
from redlane.store import audit
from redlane.store.db import READONLY_OPTION, get_engine, session_scope
from redlane.store.models import ApiKey, User

SESSION_COOKIE: Final = "redlane_session"

bearer_scheme = HTTPBearer(auto_error=False, description="JWT from POST /v1/auth/login")
api_key_scheme = APIKeyHeader(
    name="X-API-Key", auto_error=False, description="A partner machine's API key"
)

_CHALLENGE: Final = {"WWW-Authenticate": 'Bearer realm="redlane"'}


def unauthorized(detail: str) -> Problem:
    return Problem(401, detail, headers=_CHALLENGE)


_USER_QUERY: Final = select(User.username, User.role, User.partner_id, User.active).where(
    User.id == bindparam("user_id")
)


def load_user_principal(
    state: ServiceState, user_id: int, session_jti: str | None = None
) -> Principal | None:
    """The user as the store says now, or None when unknown or deactivated.

    One indexed Core query per request (no ORM session): it runs on every call, screening
    included, so it is kept to the columns the decision needs, built once, and read-only (on
    SQLite a plain ``BEGIN``: it must not queue for the write lock behind the audit writer).
    """
    with get_engine(state.database_url).connect() as connection:
        connection.execution_options(**{READONLY_OPTION: True})
        row = connection.execute(_USER_QUERY, {"user_id": user_id}).first()
    if row is None or not row.active:
        return None
    return Principal(
        name=row.username,
        role=row.role,
        partner_id=row.partner_id,
        user_id=user_id,
        ports=user_ports(row.username, state.home),
        session_jti=session_jti,
    )


def load_key_principal(state: ServiceState, key: str) -> Principal | None:
    digest = api_key_hash(key)
    with session_scope(state.database_url, readonly=True) as session:
        row = session.execute(select(ApiKey).where(ApiKey.key_hash == digest)).scalar_one_or_none()
        if row is None or row.revoked_at is not None:
            return None
        return Principal(
            name=f"apikey:{row.id}:{row.name}", role=MACHINE, partner_id=row.partner_id
        )


async def current_principal(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None = Depends(bearer_scheme),
    api_key: str | None = Depends(api_key_scheme),
) -> Principal:
    """The caller, or a 401 problem. Cached per request by FastAPI."""
    state = get_state(request)
    if bearer is not None:
        claims = decode_token(state.secret_key, bearer.credentials, "access")
        if claims is None:
            raise unauthorized("token invalid or expired: log in again")
        principal = load_user_principal(state, claims.user_id)
        if principal is None:
            raise unauthorized("user unknown or deactivated")
        return principal
    if api_key:
        principal = load_key_principal(state, api_key)
        if principal is None:
            raise unauthorized("API key unknown or revoked")
        return principal
    raise unauthorized("credentials required: a bearer token or an X-API-Key")


def authenticate_user(state: ServiceState, username: str, password: str, client: str) -> User:
    """Check a password under the rate limit; the audit log records every outcome."""
    wait = state.limiter.retry_after(username, client)
    if wait:
        raise Problem(
            429,
            f"too many failed logins: try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    with session_scope(state.database_url) as session:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        ok = verify_password(user.password_hash if user else None, password)
        if ok and user is not None and user.active:
            state.limiter.succeeded(username)
            audit.append(
                session,
                actor=user.username,
                action="login",
                object_type="user",
                object_ids=[user.id],
                reason="login",
                partner_id=user.partner_id,
                details={"client": client},
            )
            return user
        state.limiter.failed(username, client)
        # Committed with the session even though the login is refused below.
        audit.append(
            session,
            actor=username[:100],
            action="login.failed",
            object_type="user",
            object_ids=[user.id] if user else [],
            reason="bad credentials or inactive user",
            details={"client": client},
        )
    raise Problem(401, "wrong username or password", kind="bad-credentials")


class Access:
    """The dependency a route declares: which roles, and which partners, it serves."""

    def __init__(self, roles: Iterable[str], partners: Iterable[str] | None = None) -> None:
        self.roles = frozenset(roles)
        self.partners = frozenset(partners) if partners is not None else None

    def check(self, principal: Principal) -> Principal:
        if principal.role not in self.roles and principal.role != ADMIN:
            raise Problem(403, f"role {principal.role!r} may not use this route", kind="forbidden")
        if (
            self.partners is not None
            and principal.role != ADMIN
            and principal.partner_id not in self.partners
        ):
            raise Problem(
                403,
                f"partner {principal.partner_id!r} is outside this route's scope",
                kind="forbidden",
            )
        return principal

    async def __call__(self, principal: Principal = Depends(current_principal)) -> Principal:
        # async: a pure check needs no worker thread (sync dependencies each take one).
        return self.check(principal)

    def describe(self) -> str:
        roles = ", ".join(sorted(self.roles | {ADMIN}))
        scope = "any" if self.partners is None else ", ".join(sorted(self.partners))
        return f"roles: {roles}; partners: {scope}"


def access(*roles: str, partners: Iterable[str] | None = None) -> Access:
    """``Depends(access("investigator", partners=["ipcc"]))``; admins always pass."""
    return Access(roles, partners)


def require_port(principal: Principal, port_code: str) -> None:
    if not principal.may_see_port(port_code):
        raise Problem(403, f"port {port_code!r} is not one of your ports", kind="forbidden")


# Routes without an ``access()`` rule, on purpose: open to anyone (health, login, the schema
# and its viewer, static files), or to any signed-in console user (start page, logout).
OPEN_ROUTES: Final = frozenset(
    {
        "/openapi.json",
        "/docs",
        "/static/{name:path}",
        "/v1/health",
        "/v1/auth/login",
        "/console/login",
        "/",
        "/console",
        "/console/logout",
    }
)


@dataclass(frozen=True)
class RouteAccess:
    """One route of the route table and the ``access()`` rule it declares (None: none)."""

    path: str
    methods: frozenset[str]
    rule: Access | None


def access_of(call: Any) -> Access | None:
    """The rule behind a dependency: an :class:`Access`, or a wrapper carrying ``.access``
    (the console's ``page_access``)."""
    if isinstance(call, Access):
        return call
    found = getattr(call, "access", None)
    return found if isinstance(found, Access) else None


def _rules(dependant: Dependant) -> list[Access]:
    found: list[Access] = []
    for sub in dependant.dependencies:
        rule = access_of(sub.call)
        if rule is not None:
            found.append(rule)
        found.extend(_rules(sub))
    return found


def route_access(routes: Sequence[Any]) -> list[RouteAccess]:
    """Every route (through included routers) with its access rule, for tests and docs.

    A route with two rules would be ambiguous; the innermost one (the handler's own) is what
    the handler relies on, and routes here declare exactly one.
    """
    table: list[RouteAccess] = []
    for ctx in iter_route_contexts(routes):
        if ctx.path is None:
            continue
        dependant: Dependant | None = getattr(ctx, "dependant", None)
        rules = _rules(dependant) if dependant is not None else []
        table.append(
            RouteAccess(ctx.path, frozenset(ctx.methods or ()), rules[-1] if rules else None)
        )
    return table


def unguarded_routes(routes: Sequence[Any]) -> list[str]:
    """``METHOD path`` of every route that has no access rule and is not in OPEN_ROUTES."""
    return [
        f"{','.join(sorted(r.methods))} {r.path}"
        for r in route_access(routes)
        if r.rule is None and r.path not in OPEN_ROUTES
    ]
