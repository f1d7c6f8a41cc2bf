"""The service's side of the one disclosure policy (:mod:`redlane.policy`).

Every read of partner records in the service calls :meth:`PrincipalPolicy.redact`, which hands the
caller's partner and role to :meth:`redlane.policy.Policy.disclose` — the same agreements and
stage rules every case export and partner feed goes through — and turns "nothing visible" into
``None`` (withheld, counted by the caller). Nothing is decided here.

``stage`` ``any`` (a record whose stage is unknown) is read as the first stage of the rules;
an unknown stage fails closed (withheld).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from redlane.api.roles import Principal
from redlane.policy import Policy, StageRules
from redlane.store.models import Agreement


class PrincipalPolicy:
    """The one disclosure policy (:class:`redlane.policy.Policy`) asked for a service
    :class:`~redlane.api.roles.Principal`: the agreements in force at ``now`` under the stage
    rules."""

    def __init__(
        self,
        agreements: Iterable[Agreement],
        now: datetime | None = None,
        rules: StageRules | None = None,
    ) -> None:
        self.core = Policy.from_agreements(agreements, rules, now)

    @classmethod
    def load(cls, session: Session, now: datetime | None = None) -> PrincipalPolicy:
        policy = cls([], now)
        policy.core = Policy.load(session, at=now)
        return policy

    def visible_fields(
        self, record_kind: str, owner: str, viewer: Principal, stage: str
    ) -> set[str] | None:
        """See :meth:`redlane.policy.Policy.visible_fields` (None: every field)."""
        return self.core.visible_fields(
            viewer.partner_id, viewer.role, record_kind, owner, self.core.lowest_stage(stage)
        )

    def redact(
        self,
        record_kind: str,
        record: Mapping[str, Any],
        viewer: Principal,
        stage: str = "any",
    ) -> dict[str, Any] | None:
        """The part of ``record`` the viewer may see at ``stage``, or None when withheld."""
        try:
            shown = self.core.disclose(
                viewer.partner_id, viewer.role, record_kind, record, self.core.lowest_stage(stage)
            )
        except ValueError:  # a stage the rules do not know: fail closed
            return None
        return shown or None
