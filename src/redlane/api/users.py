"""Users, API keys, officers' ports and demo users.

A customs officer is scoped to ports. The ``users`` table has no column for that (and this
package adds no migration), so assignments live in ``HOME/user_ports.json``
(``{"username": ["PORT", ...]}``, written atomically). A later migration should move them into
the store; :func:`user_ports` and :func:`set_user_ports` are the only readers and writers.
"""

from __future__ import annotations

import json
import os
import secrets
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from redlane.api.roles import (
    ADMIN,
    CARRIER_LIAISON,
    CUSTOMS_OFFICER,
    INVESTIGATOR,
    MARKETPLACE_ANALYST,
    RIGHTS_HOLDER,
    ROLE_PARTNER,
    TARGETING_ANALYST,
    USER_ROLES,
)
from redlane.api.security import api_key_hash, hash_password, new_api_key
from redlane.config import get_settings
from redlane.engine.warehouse import write_atomic
from redlane.policy import ensure_default_agreements
from redlane.store import audit
from redlane.store.models import ApiKey, Partner, Plan, PlanItem, Port, User
from redlane.store.partners import ensure_default_partners

PORTS_FILE: Final = "user_ports.json"
DEMO_FILE: Final = "demo-users.txt"
_ports_lock = threading.Lock()
_ports_cache: dict[Path, tuple[float, dict[str, list[str]]]] = {}


class UserError(ValueError):
    """A user cannot be created or changed as asked."""


def _home(home: Path | None) -> Path:
    return home if home is not None else get_settings().home


def _ports_path(home: Path | None) -> Path:
    return _home(home) / PORTS_FILE


def all_user_ports(home: Path | None = None) -> dict[str, list[str]]:
    path = _ports_path(home)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return {}
    with _ports_lock:
        cached = _ports_cache.get(path)
        if cached is not None and cached[0] == mtime:
            return cached[1]
        data = json.loads(path.read_text(encoding="utf-8"))
        ports = {str(k): [str(p) for p in v] for k, v in data.items()}
        _ports_cache[path] = (mtime, ports)
        return ports


def user_ports(username: str, home: Path | None = None) -> frozenset[str]:
    return frozenset(all_user_ports(home).get(username, []))


def set_user_ports(username: str, ports: list[str], home: Path | None = None) -> None:
    path = _ports_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _ports_lock:
        current: dict[str, list[str]] = {}
        if path.exists():
            current = json.loads(path.read_text(encoding="utf-8"))
        current[username] = sorted({p.strip().upper() for p in ports if p.strip()})
        write_atomic(path, json.dumps(current, indent=1, sort_keys=True))
        _ports_cache.pop(path, None)


def add_user(
    session: Session,
    username: str,
    password: str,
    role: str,
    partner_id: str | None = None,
    ports: list[str] | None = None,
    *,
    actor: str = audit.SYSTEM,
    home: Path | None = None,
) -> User:
    """Create a user (or reset an existing one's password, role and partner)."""
    if role not in USER_ROLES:
        raise UserError(f"unknown role {role!r}; roles: {', '.join(USER_ROLES)}")
    partner = partner_id or ROLE_PARTNER[role]
    if session.get(Partner, partner) is None:
        raise UserError(f"unknown partner {partner!r}")
    if len(password) < 12:
        raise UserError("passwords must have at least 12 characters")
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    action = "user.update"
    if user is None:
        user = User(username=username, partner_id=partner, role=role, active=True)
        session.add(user)
        action = "user.create"
    user.partner_id, user.role, user.active = partner, role, True
    user.password_hash = hash_password(password)
    session.flush()
    if role == CUSTOMS_OFFICER or ports:
        set_user_ports(username, ports or [], home)
    audit.append(
        session,
        actor=actor,
        action=action,
        object_type="user",
        object_ids=[user.id],
        reason="user administration",
        partner_id=partner,
        details={"username": username, "role": role, "ports": sorted(ports or [])},
    )
    return user


def set_active(session: Session, username: str, active: bool, *, actor: str = audit.SYSTEM) -> User:
    user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if user is None:
        raise UserError(f"no user {username!r}")
    user.active = active
    audit.append(
        session,
        actor=actor,
        action="user.activate" if active else "user.revoke",
        object_type="user",
        object_ids=[user.id],
        reason="user administration",
        partner_id=user.partner_id,
    )
    return user


def create_api_key(
    session: Session, partner_id: str, name: str, *, actor: str = audit.SYSTEM
) -> tuple[ApiKey, str]:
    """A new API key for a partner's machine; the clear key is returned once, never stored."""
    if session.get(Partner, partner_id) is None:
        raise UserError(f"unknown partner {partner_id!r}")
    key = new_api_key()
    row = ApiKey(partner_id=partner_id, name=name, key_hash=api_key_hash(key))
    session.add(row)
    session.flush()
    audit.append(
        session,
        actor=actor,
        action="apikey.create",
        object_type="api_key",
        object_ids=[row.id],
        reason="machine access",
        partner_id=partner_id,
        details={"name": name},
    )
    return row, key


def revoke_api_key(session: Session, key_id: int, *, actor: str = audit.SYSTEM) -> ApiKey:
    row = session.get(ApiKey, key_id)
    if row is None:
        raise UserError(f"no API key {key_id}")
    if row.revoked_at is None:
        row.revoked_at = datetime.now(UTC)
        audit.append(
            session,
            actor=actor,
            action="apikey.revoke",
            object_type="api_key",
            object_ids=[row.id],
            reason="machine access revoked",
            partner_id=row.partner_id,
        )
    return row


# username, role, partner
DEMO_USERS: Final = (
    ("officer", CUSTOMS_OFFICER, "customs"),
    ("analyst", TARGETING_ANALYST, "customs"),
    ("investigator", INVESTIGATOR, "ipcc"),
    ("marketplace", MARKETPLACE_ANALYST, "marketplace"),
    ("carrier", CARRIER_LIAISON, "carrier"),
    ("rights", RIGHTS_HOLDER, "rights_holders"),
    ("admin", ADMIN, "ipcc"),
)


def _demo_officer_ports(session: Session) -> list[str]:
    """The port with the most shipments on the newest plans (so the demo queue is not empty),
    else the first port in the store."""
    busiest = session.execute(
        select(Plan.port_code)
        .join(PlanItem, PlanItem.plan_id == Plan.id)
        .group_by(Plan.port_code, Plan.plan_date)
        .order_by(Plan.plan_date.desc(), func.count(PlanItem.id).desc(), Plan.port_code)
        .limit(1)
    ).scalar_one_or_none()
    if busiest is not None:
        return [busiest]
    first = session.execute(select(Port.port_code).order_by(Port.port_code).limit(1)).scalar()
    return [first] if first else []


def ensure_demo_users(
    session: Session, home: Path | None = None
) -> list[tuple[str, str, str, str]]:
    """One user per role with a random password, written to ``HOME/demo-users.txt`` (0600).

    Returns ``(username, password, role, partner)``. Users already listed in the file keep their
    password; others get a new one. The demo officer is scoped to the port with the most
    shipments on the newest plans (else the first port): call it after plans exist. Also adds
    the missing default agreements of the stage rules
    (:func:`redlane.policy.ensure_default_agreements`, the one idempotent seeder, also used by
    the demo case) so the console has something to show across partners.
    """
    root = _home(home)
    ensure_default_partners(session)
    ensure_default_agreements(session)
    path = root / DEMO_FILE
    known: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) >= 2 and not line.startswith("#"):
                known[parts[0]] = parts[1]
    officer_ports = _demo_officer_ports(session)
    result: list[tuple[str, str, str, str]] = []
    for username, role, partner in DEMO_USERS:
        user = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
        password = known.get(username)
        if user is None or password is None or not user.active:
            password = secrets.token_urlsafe(12)
            add_user(
                session,
                username,
                password,
                role,
                partner,
                officer_ports if role == CUSTOMS_OFFICER else None,
                home=root,
            )
        elif role == CUSTOMS_OFFICER and not user_ports(username, root):
            set_user_ports(username, officer_ports, root)
        result.append((username, password, role, partner))
    lines = ["# redlane demo users (local only): username password role partner"]
    lines += [" ".join(row) for row in result]
    root.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)
    return result
