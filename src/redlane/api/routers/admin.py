"""Accounts, machine keys, data-sharing agreements and the audit log (admins only). Every call
is audited; secrets are shown once."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from redlane.api import admin_views
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


class AgreementIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "example": {
                "from_partner": "carrier",
                "to_partner": "marketplace",
                "stage": "seizure",
                "allowed": {"aed_shipments": ["hawb", "seller_ref", "description"]},
                "reason": "seizure notices to the marketplace",
            }
        }
    )
    from_partner: str = Field(min_length=1, max_length=32)
    to_partner: str = Field(min_length=1, max_length=32)
    stage: str = Field(default="any", max_length=32)
    allowed: dict[str, list[str]] = Field(
        description="Record kind -> field names shared (['*'] for all)"
    )
    valid_from: datetime | None = Field(default=None, description="Default: now")
    valid_to: datetime | None = Field(default=None, description="Default: open-ended")
    reason: str = Field(default="", max_length=500, description="Kept in the audit log")


class AgreementExpire(BaseModel):
    reason: str = Field(default="", max_length=500, description="Kept in the audit log")
    at: datetime | None = Field(default=None, description="When it ends (default: now)")


class AgreementOut(BaseModel):
    id: int
    from_partner: str
    to_partner: str
    stage: str
    allowed: dict[str, list[str]]
    valid_from: datetime
    valid_to: datetime | None
    created_at: datetime
    status: str = Field(description="in_force, pending or expired, now")


class AuditEntryOut(BaseModel):
    seq: int
    at: datetime
    actor: str
    partner_id: str | None
    action: str
    object_type: str
    object_ids: list[str]
    reason: str
    details: dict[str, Any]
    hash: str


class AuditPageOut(BaseModel):
    entries: list[AuditEntryOut]
    next_before: int | None = Field(description="Pass as `before` for the next (older) page")


class AuditVerifyOut(BaseModel):
    ok: bool
    entries: int
    first_bad_seq: int | None
    problem: str
    head_seq: int | None
    head_hash: str | None


@router.get("/agreements", response_model=list[AgreementOut], summary="Data-sharing agreements")
def list_agreements(
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
    partner: Annotated[str | None, Query(description="Either side is this partner")] = None,
    status: Annotated[str | None, Query(description="in_force, pending or expired")] = None,
) -> list[dict[str, Any]]:
    return admin_views.list_agreements(session, principal, partner, status)


@router.post(
    "/agreements",
    response_model=AgreementOut,
    status_code=201,
    summary="Add an agreement (in force for the next read)",
)
def add_agreement(
    body: AgreementIn,
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
) -> dict[str, Any]:
    return admin_views.add_agreement(
        session,
        principal,
        from_partner=body.from_partner,
        to_partner=body.to_partner,
        stage=body.stage,
        allowed=body.allowed,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        reason=body.reason,
    )


@router.post(
    "/agreements/{agreement_id}/expire",
    response_model=AgreementOut,
    summary="End an agreement (its fields are withheld from the next read)",
)
def expire_agreement(
    agreement_id: str,
    body: AgreementExpire,
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
) -> dict[str, Any]:
    parsed = record_id(agreement_id)
    if parsed is None:
        raise Problem(404, f"no agreement {agreement_id!r}")
    return admin_views.expire_agreement(session, principal, parsed, body.reason, body.at)


@router.get("/audit", response_model=AuditPageOut, summary="The audit log, newest first (audited)")
def read_audit(
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
    actor: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    object_type: Annotated[str | None, Query(max_length=64)] = None,
    object_id: Annotated[str | None, Query(max_length=200)] = None,
    since: Annotated[datetime | None, Query(description="From (inclusive, ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="Before (exclusive, ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    before: Annotated[int | None, Query(ge=1, description="Cursor: `next_before`")] = None,
) -> dict[str, Any]:
    where = audit.AuditFilter(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        since=_utc(since),
        until=_utc(until),
    )
    return admin_views.read_audit_log(session, principal, where, limit, before)


@router.get(
    "/audit/verify", response_model=AuditVerifyOut, summary="Check the audit log's hash chain"
)
def verify_audit(
    principal: Annotated[Principal, Depends(ADMINS)],
    session: SessionDep,
) -> dict[str, Any]:
    return admin_views.verify_audit_log(session, principal)


def _utc(moment: datetime | None) -> datetime | None:
    """A time without a zone is read as UTC (as on the command line)."""
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)
