"""The role vocabulary: every role a user (or a partner's API key) acts in, and its partner.

One home for the names, below every package that checks them: the service's access rules
(:mod:`redlane.api.roles`, :mod:`redlane.api.auth`), brand isolation (:mod:`redlane.brands.scope`)
and the disclosure policy (:mod:`redlane.policy.rules`) all import them from here.
"""

from __future__ import annotations

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
