"""Who may see and change which brand: cross-brand isolation, in one place.

A user with the ``rights_holder`` role acts for the one rights holder it is a member of
(``rights_holder_members``) and sees only that holder's brands, and through them only their
codes, scans, guides and flags. A brand outside the caller's scope answers exactly like a brand
that does not exist (404), so one brand owner cannot even learn another's brand references.
Customs, the coordination centre and the marketplace read every brand's registry and guides
(officers need the guide of whatever brand a parcel carries); only the owning rights holder and
admins change a brand.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Protocol

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from redlane.errors import NotFound, RedlaneError
from redlane.policy.roles import ADMIN as ADMIN
from redlane.policy.roles import RIGHTS_HOLDER as RIGHTS_HOLDER
from redlane.store import audit
from redlane.store.brand_models import Brand, RightsHolder, RightsHolderMember


class Caller(Protocol):
    """Whoever acts: the service's ``Principal`` fits, and so does a command-line actor."""

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...

    @property
    def partner_id(self) -> str: ...

    @property
    def user_id(self) -> int | None: ...


@dataclass(frozen=True)
class CliCaller:
    """The command line acting as a user of a role (``cli:<os user>``)."""

    name: str
    role: str = ADMIN
    partner_id: str = "ipcc"
    user_id: int | None = None


class Forbidden(RedlaneError):
    STATUS = 403


@dataclass(frozen=True)
class BrandScope:
    """The brands a caller sees: one rights holder's (``holder_id``) or every brand (None)."""

    caller: Caller
    holder_id: int | None

    @property
    def is_holder(self) -> bool:
        return self.caller.role == RIGHTS_HOLDER

    def sees(self, brand: Brand) -> bool:
        return self.holder_id is None or brand.rights_holder_id == self.holder_id

    def may_change(self, brand: Brand) -> bool:
        if self.caller.role == ADMIN:
            return True
        return self.is_holder and brand.rights_holder_id == self.holder_id

    def brands(self) -> Select[Brand]:
        query = select(Brand).order_by(Brand.name, Brand.id)
        if self.holder_id is not None:
            query = query.where(Brand.rights_holder_id == self.holder_id)
        return query


# A rights-holder user that belongs to no rights holder sees nothing: this id matches no row.
_NO_HOLDER: Final = -1


def holder_of(session: Session, caller: Caller) -> RightsHolder | None:
    if caller.user_id is None:
        return None
    return session.execute(
        select(RightsHolder)
        .join(RightsHolderMember, RightsHolderMember.rights_holder_id == RightsHolder.id)
        .where(RightsHolderMember.user_id == caller.user_id)
    ).scalar_one_or_none()


def scope_for(session: Session, caller: Caller) -> BrandScope:
    if caller.role != RIGHTS_HOLDER:
        return BrandScope(caller, None)
    holder = holder_of(session, caller)
    return BrandScope(caller, holder.id if holder is not None else _NO_HOLDER)


def require_holder(session: Session, scope: BrandScope) -> RightsHolder:
    """The caller's rights holder (for acts only a rights holder does: flags, new brands)."""
    holder = session.get(RightsHolder, scope.holder_id) if scope.holder_id else None
    if holder is None:
        raise Forbidden(
            f"{scope.caller.name} acts for no rights holder: an admin links the user first"
        )
    return holder


def brand_in_scope(session: Session, scope: BrandScope, brand_ref: str) -> Brand:
    """The brand ``brand_ref`` if the caller sees it; 404 otherwise (never 403: no leak)."""
    brand = session.execute(select(Brand).where(Brand.brand_ref == brand_ref)).scalar_one_or_none()
    if brand is None or not scope.sees(brand):
        raise NotFound(f"no brand {brand_ref!r}")
    return brand


def brand_to_change(session: Session, scope: BrandScope, brand_ref: str) -> Brand:
    """The brand if the caller may change it: its own rights holder or an admin."""
    brand = brand_in_scope(session, scope, brand_ref)
    if not scope.may_change(brand):
        raise Forbidden(f"only {brand.name}'s rights holder changes its registry")
    return brand


def brand_ids(session: Session, scope: BrandScope) -> list[int]:
    return list(session.execute(scope.brands().with_only_columns(Brand.id)).scalars())


def audit_act(
    session: Session,
    caller: Caller,
    action: str,
    object_type: str,
    ids: list[str] | list[int],
    reason: str,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Every brand-protection decision and read of personal data, in the same transaction."""
    audit.append(
        session,
        actor=caller.name,
        action=action,
        object_type=object_type,
        object_ids=list(ids),
        reason=reason,
        partner_id=caller.partner_id,
        details=dict(details or {}),
    )
