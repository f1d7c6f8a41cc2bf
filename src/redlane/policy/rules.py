"""Who may see which fields of which record, at which stage of a shipment: the one policy
layer. Every API read of partner records (through :mod:`redlane.api.policy`, an adapter that
takes the caller's :class:`~redlane.api.roles.Principal`) and every export and partner feed
(:mod:`redlane.cases`) calls :meth:`Policy.disclose` / :meth:`Policy.visible_fields` here.

Two sources, both data:

* the **agreements** in the operational store (:class:`~redlane.store.models.Agreement`):
  ``from_partner`` lets ``to_partner`` see ``allowed`` (record kind → field names, ``["*"]`` for
  all) from ``stage`` on; agreements of one pair at later stages widen what is seen;
* the **stage rules** file (``disclosure_rules.json`` by default): the ordered stages of the
  jurisdiction, who owns each record kind, which partner roles see everything (the coordination
  center's investigators), which roles see no records, which kinds a partner only sees about its
  own customers, and the default agreements :func:`ensure_default_agreements` seeds.

:meth:`Policy.disclose` redacts field by field and returns ``{}`` when nothing may be seen. Deny is
the default: no agreement, no fields (lineage columns such as ``_partner`` included). Record
kinds are warehouse tables, ``holds``, ``kyc_alerts``, and ``parties`` (a resolution party row,
owned by the partner of its ``source_table``; an identifying column is shown when a field of the
source table that fills it is shared, e.g. ``shipper_email`` → ``email``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any, Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from redlane.model.spec import FEEDS
from redlane.policy.roles import INVESTIGATOR
from redlane.store import audit
from redlane.store.models import Agreement
from redlane.store.sqltypes import utcnow

ANY_STAGE: Final = "any"
RULES_FILE: Final = "disclosure_rules.json"
PARTIES: Final = "parties"

# The partner whose feed fills each warehouse table: the owner of a record kind the rules file
# does not name (a row's ``_partner`` wins over both).
FEED_OWNERS: Final = {t.name: f.partner for f in FEEDS for t in f.tables}
# Resolution ``parties`` columns that identify nobody: shown whenever the party may be shown.
PARTY_NEUTRAL: Final = ("party_id", "source_table", "record_key", "role", "country", "first_seen")


@dataclass(frozen=True)
class Viewer:
    partner: str
    role: str

    @classmethod
    def investigator(cls) -> Viewer:
        """The coordination center's investigator: the deployment's own, full view."""
        return cls("ipcc", INVESTIGATOR)

    def to_json(self) -> dict[str, str]:
        return {"partner": self.partner, "role": self.role}


@dataclass(frozen=True)
class StageRules:
    name: str
    stages: tuple[str, ...]
    outcome_stages: dict[str, str]
    record_owners: dict[str, str]
    full_access: dict[str, tuple[str, ...]]
    roles_without_records: frozenset[str]
    own_records_only: dict[str, str]
    resolution_viewers: dict[str, tuple[str, ...]]
    agreements: tuple[dict[str, Any], ...]

    @classmethod
    def load(cls, path: Path | None = None) -> StageRules:
        if path is None:
            text = resources.files("redlane.policy").joinpath(RULES_FILE).read_text()
        else:
            text = path.read_text()
        data = json.loads(text)
        return cls(
            name=str(data["name"]),
            stages=tuple(data["stages"]),
            outcome_stages=dict(data.get("outcome_stages", {})),
            record_owners=dict(data["record_owners"]),
            full_access={k: tuple(v) for k, v in data.get("full_access", {}).items()},
            roles_without_records=frozenset(data.get("roles_without_records", [])),
            own_records_only=dict(data.get("own_records_only", {})),
            resolution_viewers={k: tuple(v) for k, v in data.get("resolution_viewers", {}).items()},
            agreements=tuple(data.get("agreements", [])),
        )

    def stage_index(self, stage: str) -> int:
        if stage == ANY_STAGE:
            return -1
        try:
            return self.stages.index(stage)
        except ValueError:
            raise ValueError(
                f"unknown stage {stage!r}; stages of {self.name}: {', '.join(self.stages)}"
            ) from None

    def owner_of(self, record_kind: str) -> str:
        return self.record_owners.get(record_kind) or FEED_OWNERS.get(record_kind, "")


@dataclass(frozen=True)
class Grant:
    """One agreement as the policy uses it."""

    from_partner: str
    to_partner: str
    stage: str
    allowed: Mapping[str, list[str]]


@dataclass
class Policy:
    rules: StageRules
    grants: list[Grant] = field(default_factory=list)

    @classmethod
    def load(
        cls, session: Session, rules: StageRules | None = None, at: datetime | None = None
    ) -> Policy:
        """The agreements in force at ``at`` (now by default) under ``rules``."""
        when = at or utcnow()
        rows = session.scalars(
            select(Agreement).where(
                Agreement.valid_from <= when,
                or_(Agreement.valid_to.is_(None), Agreement.valid_to > when),
            )
        )
        grants = [Grant(a.from_partner, a.to_partner, a.stage, dict(a.allowed or {})) for a in rows]
        return cls(rules or StageRules.load(), grants)

    @classmethod
    def from_agreements(
        cls,
        agreements: Iterable[Agreement],
        rules: StageRules | None = None,
        at: datetime | None = None,
    ) -> Policy:
        """Like :meth:`load`, from agreement rows already in hand (validity checked here)."""
        when = _aware(at or utcnow())
        grants = [
            Grant(a.from_partner, a.to_partner, a.stage, dict(a.allowed or {}))
            for a in agreements
            if _aware(a.valid_from) <= when and (a.valid_to is None or _aware(a.valid_to) > when)
        ]
        return cls(rules or StageRules.load(), grants)

    def full_view(self, viewer_partner: str, viewer_role: str) -> bool:
        return viewer_role in self.rules.full_access.get(viewer_partner, ())

    def sees_resolution(self, viewer_partner: str, viewer_role: str) -> bool:
        """Actors, identifiers and the network are derived from every partner's data."""
        return viewer_role in self.rules.resolution_viewers.get(viewer_partner, ())

    def visible_fields(
        self, viewer_partner: str, viewer_role: str, record_kind: str, owner: str, stage: str
    ) -> set[str] | None:
        """Field names ``viewer`` may see of a ``record_kind`` owned by ``owner`` at ``stage``;
        None means every field."""
        at = self.rules.stage_index(stage)
        if viewer_role in self.rules.roles_without_records:
            return set()
        if self.full_view(viewer_partner, viewer_role) or owner == viewer_partner:
            return None
        fields: set[str] = set()
        for grant in self.grants:
            if grant.from_partner != owner or grant.to_partner != viewer_partner:
                continue
            if grant.stage != ANY_STAGE and grant.stage not in self.rules.stages:
                continue  # a stage these rules do not know: fail closed
            if self.rules.stage_index(grant.stage) > at:
                continue
            allowed = grant.allowed.get(record_kind, [])
            if "*" in allowed:
                return None
            fields.update(allowed)
        return fields

    def disclose(
        self,
        viewer_partner: str,
        viewer_role: str,
        record_kind: str,
        record: Mapping[str, Any],
        stage: str,
    ) -> dict[str, Any]:
        """The part of ``record`` the viewer may see at ``stage`` (``{}``: nothing)."""
        if viewer_role in self.rules.roles_without_records:
            return {}
        if record_kind == PARTIES:
            return self._disclose_party(viewer_partner, viewer_role, record, stage)
        full = self.full_view(viewer_partner, viewer_role)
        own_field = self.rules.own_records_only.get(record_kind)
        if own_field and not full and record.get(own_field) != viewer_partner:
            return {}
        owner = str(record.get("_partner") or self.rules.owner_of(record_kind))
        fields = self.visible_fields(viewer_partner, viewer_role, record_kind, owner, stage)
        if fields is None:
            return dict(record)
        return {k: v for k, v in record.items() if k in fields}

    def _disclose_party(
        self, viewer_partner: str, viewer_role: str, record: Mapping[str, Any], stage: str
    ) -> dict[str, Any]:
        """A resolution party row follows its source table: shown with the columns that the
        source table's shared fields fill; withheld (``{}``) when none of them is shared."""
        table = str(record.get("source_table") or "")
        owner = self.rules.owner_of(table)
        fields = self.visible_fields(viewer_partner, viewer_role, table, owner, stage)
        if fields is None:
            return dict(record)

        def shared(column: str) -> bool:
            return any(f == column or f.endswith("_" + column) for f in fields)

        identifying = {k for k in record if k not in PARTY_NEUTRAL and shared(k)}
        if not identifying:
            return {}
        return {k: v for k, v in record.items() if k in PARTY_NEUTRAL or k in identifying}

    def lowest_stage(self, stage: str) -> str:
        """``any`` (a record whose stage is unknown) read as the first stage of the rules."""
        return self.rules.stages[0] if stage == ANY_STAGE else stage


def disclose(
    viewer_partner: str,
    viewer_role: str,
    record_kind: str,
    record: Mapping[str, Any],
    stage: str,
    *,
    policy: Policy,
) -> dict[str, Any]:
    """Module-level form of :meth:`Policy.disclose`."""
    return policy.disclose(viewer_partner, viewer_role, record_kind, record, stage)


def ensure_default_agreements(
    session: Session, rules: StageRules | None = None, *, actor: str = audit.SYSTEM
) -> int:
    """The one seeder of agreements (demo users, demo case, ``case export --for-partner``):
    insert the rules file's agreements that the store does not have yet (same from, to, stage
    and allowed); returns how many were added, so a second call adds none. Partners must
    exist."""
    rules = rules or StageRules.load()
    existing = {
        (a.from_partner, a.to_partner, a.stage, json.dumps(a.allowed, sort_keys=True))
        for a in session.scalars(select(Agreement))
    }
    added = []
    for spec in rules.agreements:
        key = (spec["from"], spec["to"], spec["stage"], json.dumps(spec["allowed"], sort_keys=True))
        if key in existing:
            continue
        rules.stage_index(spec["stage"])
        row = Agreement(
            from_partner=spec["from"],
            to_partner=spec["to"],
            stage=spec["stage"],
            allowed=spec["allowed"],
            valid_from=datetime(2000, 1, 1, tzinfo=UTC),
        )
        session.add(row)
        session.flush()
        added.append(row.id)
    if added:
        audit.append(
            session,
            actor=actor,
            action="agreement.create",
            object_type="agreement",
            object_ids=added,
            reason=f"default agreements of {rules.name}",
        )
    return len(added)


def record_stages(
    records: Mapping[str, list[dict[str, Any]]], rules: StageRules | None = None
) -> Callable[[str, Mapping[str, Any]], str]:
    """A function giving each record's disclosure stage: a shipment's records are at the
    furthest stage its inspections' outcomes reach (``outcome_stages`` in the rules: seized →
    seizure, other_violation → detention; cleared or not inspected: the first stage); records
    not tied to one shipment (sellers, listings, posts) are at the furthest stage of the case."""
    rules = rules or StageRules.load()
    first = rules.stages[0]
    by_hawb: dict[str, str] = {}
    for row in records.get("inspections", []):
        stage = rules.outcome_stages.get(str(row.get("outcome")), first)
        hawb = str(row.get("hawb"))
        if rules.stage_index(stage) > rules.stage_index(by_hawb.get(hawb, first)):
            by_hawb[hawb] = stage
    furthest = max(by_hawb.values(), key=rules.stage_index, default=first)

    def stage_of(table: str, row: Mapping[str, Any]) -> str:
        if table in ("aed_shipments", "inspections", "customs_entries", "holds"):
            return by_hawb.get(str(row.get("hawb")), first)
        return furthest

    return stage_of


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
