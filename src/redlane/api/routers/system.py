"""Health, login and who-am-I."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from sqlalchemy import text

from redlane import __version__
from redlane.api.auth import access, authenticate_user, current_principal
from redlane.api.problems import Problem, problem_responses
from redlane.api.roles import USER_ROLES, Principal
from redlane.api.schemas import Health, LoginJson, Me, TokenOut
from redlane.api.security import issue_token
from redlane.api.state import get_state
from redlane.store.db import session_scope

router = APIRouter(prefix="/v1", tags=["system"])


@router.get("/health", response_model=Health, summary="Liveness and readiness (no auth)")
def health(request: Request) -> Health:
    state = get_state(request)
    try:
        with session_scope(state.database_url, readonly=True) as session:
            session.execute(text("SELECT 1"))
        database = True
    except Exception:  # noqa: BLE001 - health reports, it does not raise
        database = False
    engines = state.engines
    return Health(
        version=__version__,
        database=database,
        screening=engines.is_loaded("screener"),
        live_matching=engines.is_loaded("matcher"),
    )


@router.post(
    "/auth/login",
    response_model=TokenOut,
    summary="Log in (OAuth2 password form or JSON) for a short-lived bearer token",
    responses=problem_responses(401, 422, 429),
    openapi_extra={
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["password"]},
                            "username": {"type": "string"},
                            "password": {"type": "string", "format": "password"},
                        },
                        "required": ["username", "password"],
                    }
                },
                "application/json": {"schema": LoginJson.model_json_schema()},
            },
            "required": True,
        }
    },
)
async def login(request: Request) -> TokenOut:
    content_type = request.headers.get("content-type", "")
    data: dict[str, Any]
    if content_type.startswith("application/json"):
        try:
            data = await request.json()
        except ValueError as e:
            raise Problem(422, "body is not JSON") from e
    else:
        form = await request.form()
        data = {k: v for k, v in form.items() if isinstance(v, str)}
    try:
        credentials = LoginJson.model_validate(data)
    except ValidationError as e:
        raise Problem(422, "username and password are required") from e
    state = get_state(request)
    client = request.client.host if request.client else "unknown"
    from starlette.concurrency import run_in_threadpool

    user = await run_in_threadpool(
        authenticate_user, state, credentials.username, credentials.password, client
    )
    token, lifetime = issue_token(state.secret_key, user_id=user.id, username=user.username)
    return TokenOut(
        access_token=token, expires_in=lifetime, role=user.role, partner=user.partner_id
    )


me_router = APIRouter(
    prefix="/v1",
    tags=["system"],
    dependencies=[Depends(current_principal)],
    responses=problem_responses(401, 403),
)


@me_router.get("/auth/me", response_model=Me, summary="The caller as the service sees them")
def me(
    principal: Annotated[Principal, Depends(access(*USER_ROLES, "machine"))],
) -> Me:
    return Me(
        name=principal.name,
        role=principal.role,
        partner=principal.partner_id,
        ports=sorted(principal.ports),
    )
