"""Accounts and machine keys (admins only). Every change is audited; secrets are shown once."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from redlane.api.auth import access
from redlane.api.deps import SessionDep
from redlane.api.problems import Problem
from redlane.api.queries import audit_read
from redlane.api.roles import Principal
from redlane.api.routers.common import protected_router
from redlane.api.schemas import record_id
from redlane.api.state import get_state
from redlane.api.users import (
    UserError,
    add_user,
    all_user_ports,
    create_api_key,
    revoke_api_key,
    set_active,
    set_user_ports,
)
from redlane.store import audit
from redlane.store.models import ApiKey, User

router = protected_router("admin", 404)

ADMINS = access()  # no role but admin


class UserIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {"username": "jdoe", "role": "customs_officer", "ports": ["JFK"]}
        }
    )
    username: str = Field(min_length=2, max_length=100, pattern=r"^[A-Za-z0-9._@-]+$")
    role: str
    partner: str | None = None
    ports: list[str] = Field(default_factory=list)
    password: str | None = Field(default=None, min_length=12, max_length=200)


class UserPatch(BaseModel):
    active: bool | None = None
    ports: list[str] | None = None


class UserOut(BaseModel):
    username: str
    role: str
    partner: str
    active: bool
    ports: list[str]
    created_at: datetime
    password: str | None = Field(default=None, description="Only when generated, shown once")


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"example": {"partner": "carrier", "name": "AED"}})
    partner: str
    name: str = Field(min_length=1, max_length=100)


class ApiKeyOut(BaseModel):
    id: int
    partner: str
    name: str
    created_at: datetime
    revoked_at: datetime | None
    key: str | None = Field(default=None, description="Only at creation, shown once")


def _user_out(user: User, ports: dict[str, list[str]], password: str | None = None) -> UserOut:
    return UserOut(
        username=user.username,
        role=user.role,
        partner=user.partner_id,
        active=user.active,
        ports=ports.get(user.username, []),
        created_at=user.created_at,
        password=password,
    )


def _key_out(row: ApiKey, key: str | None = None) -> ApiKeyOut:
    return ApiKeyOut(
        id=row.id,
        partner=row.partner_id,
        name=row.name,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
        key=key,
    )


@router.get("/users", response_model=list[UserOut], summary="Accounts")
def list_users(
    request: Request,
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
) -> list[UserOut]:
    ports = all_user_ports(get_state(request).home)
    users = list(session.execute(select(User).order_by(User.id)).scalars())
    audit_read(session, principal, "user", [u.id for u in users], "user administration")
    return [_user_out(u, ports) for u in users]


@router.post("/users", response_model=UserOut, status_code=201, summary="Create or reset a user")
def create_user(
    request: Request,
    body: UserIn,
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
) -> UserOut:
    password = body.password or secrets.token_urlsafe(12)
    try:
        user = add_user(
            session,
            body.username,
            password,
            body.role,
            body.partner,
            body.ports,
            actor=principal.name,
        )
    except UserError as e:
        raise Problem(422, str(e)) from e
    ports = all_user_ports(get_state(request).home)
    return _user_out(user, ports, None if body.password else password)


@router.patch("/users/{username}", response_model=UserOut, summary="(De)activate, set ports")
def patch_user(
    request: Request,
    username: str,
    body: UserPatch,
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
) -> UserOut:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise Problem(404, f"no user {username!r}")
    if body.active is not None:
        set_active(session, username, body.active, actor=principal.name)
    if body.ports is not None:
        set_user_ports(username, body.ports, get_state(request).home)
        audit.append(
            session,
            actor=principal.name,
            action="user.ports",
            object_type="user",
            object_ids=[user.id],
            reason="user administration",
            partner_id=user.partner_id,
            details={"ports": sorted(body.ports)},
        )
    return _user_out(user, all_user_ports(get_state(request).home))


@router.get(
    "/apikeys",
    response_model=list[ApiKeyOut],
    summary="Machine keys (never the keys)",
    dependencies=[Depends(ADMINS)],
)
def list_keys(
    session: SessionDep,
) -> list[ApiKeyOut]:
    return [_key_out(k) for k in session.execute(select(ApiKey).order_by(ApiKey.id)).scalars()]


@router.post("/apikeys", response_model=ApiKeyOut, status_code=201, summary="New machine key")
def new_key(
    body: ApiKeyIn,
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
) -> ApiKeyOut:
    try:
        row, key = create_api_key(session, body.partner, body.name, actor=principal.name)
    except UserError as e:
        raise Problem(422, str(e)) from e
    return _key_out(row, key)


@router.delete("/apikeys/{key_id}", response_model=ApiKeyOut, summary="Revoke a machine key")
def revoke_key(
    key_id: str,
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
) -> Any:
    parsed = record_id(key_id)
    if parsed is None:
        raise Problem(404, f"no API key {key_id!r}")
    try:
        return _key_out(revoke_api_key(session, parsed, actor=principal.name))
    except UserError as e:
        raise Problem(404, str(e)) from e
