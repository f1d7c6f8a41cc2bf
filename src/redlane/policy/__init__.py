"""The disclosure policy: the one layer every API read of partner records and every export
goes through (agreements in the operational store + stage rules in ``disclosure_rules.json``).
"""

from redlane.policy.rules import (
    ANY_STAGE,
    PARTIES,
    Grant,
    Policy,
    StageRules,
    Viewer,
    disclose,
    ensure_default_agreements,
    record_stages,
)

__all__ = [
    "ANY_STAGE",
    "PARTIES",
    "Grant",
    "Policy",
    "StageRules",
    "Viewer",
    "disclose",
    "ensure_default_agreements",
    "record_stages",
]
