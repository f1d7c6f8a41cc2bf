"""Roles, the partner each belongs to, and the principal a request acts as."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

Role = Literal[
    "customs_officer",
    "targeting_analyst",
    "investigator",
    "marketplace_analyst",
    "carrier_liaison",
    "rights_holder",
    "admin",
    "machine",
]

CUSTOMS_OFFICER: Final = "customs_officer"
TARGETING_ANALYST: Final = "targeting_analyst"
INVESTIGATOR: Final = "investigator"
MARKETPLACE_ANALYST: Final = "marketplace_analyst"
CARRIER_LIAISON: Final = "carrier_liaison"
RIGHTS_HOLDER: Final = "rights_holder"
ADMIN: Final = "admin"
# Not a user role: what a partner's API key acts as (a carrier pushing advance data).
MACHINE: Final = "machine"

USER_ROLES: Final = (
    CUSTOMS_OFFICER,
    TARGETING_ANALYST,
    INVESTIGATOR,
    MARKETPLACE_ANALYST,
    CARRIER_LIAISON,
    RIGHTS_HOLDER,
    ADMIN,
)

# The partner a user of each role normally belongs to (admins may belong to any).
ROLE_PARTNER: Final = {
    CUSTOMS_OFFICER: "customs",
    TARGETING_ANALYST: "customs",
    INVESTIGATOR: "ipcc",
    MARKETPLACE_ANALYST: "marketplace",
    CARRIER_LIAISON: "carrier",
    RIGHTS_HOLDER: "rights_holders",
    ADMIN: "ipcc",
}

ALL_PARTNERS: Final = ("marketplace", "customs", "carrier", "ipcc", "rights_holders")


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
