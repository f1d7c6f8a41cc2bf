"""Roles, the partner each belongs to, and the principal a request acts as.

The role names and their partners are defined once in :mod:`redlane.policy.roles` (brand
isolation and the disclosure policy check them too, and must not import the service); they are
re-exported here for the service's modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from redlane.policy.roles import ADMIN as ADMIN
from redlane.policy.roles import ALL_PARTNERS as ALL_PARTNERS
from redlane.policy.roles import CARRIER_LIAISON as CARRIER_LIAISON
from redlane.policy.roles import CUSTOMS_OFFICER as CUSTOMS_OFFICER
from redlane.policy.roles import INVESTIGATOR as INVESTIGATOR
from redlane.policy.roles import MACHINE as MACHINE
from redlane.policy.roles import MARKETPLACE_ANALYST as MARKETPLACE_ANALYST
from redlane.policy.roles import RIGHTS_HOLDER as RIGHTS_HOLDER
from redlane.policy.roles import ROLE_PARTNER as ROLE_PARTNER
from redlane.policy.roles import TARGETING_ANALYST as TARGETING_ANALYST
from redlane.policy.roles import USER_ROLES as USER_ROLES
from redlane.policy.roles import Role as Role


@dataclass(frozen=True)
class Principal:
    """Who a request acts for, as the store says now (never as an old token said)."""

    name: str  # username, or "apikey:<id>:<name>" for a machine
    role: str
    partner_id: str
    user_id: int | None = None
    ports: frozenset[str] = field(default_factory=frozenset)
    session_jti: str | None = None  # console sessions only (binds the CSRF token)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def may_see_port(self, port_code: str) -> bool:
        """Customs officers are scoped to their ports; other allowed roles see every port."""
        if self.role != CUSTOMS_OFFICER:
            return True
        return port_code in self.ports
