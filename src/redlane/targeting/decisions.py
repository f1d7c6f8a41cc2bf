"""Rules and lookouts as decisions: create, change and list them, every write audited.

The one home of these writes for the service (``redlane.api.actions``, the API and the
console) and the command line (``redlane target rules|lookouts``). Each write checks its
values, writes the ``Rule`` / ``Lookout`` row and appends its audit entry in the caller's
transaction (flushed, never committed here), under one action vocabulary:

- ``rule.create`` / ``lookout.create``: one entry per row, reason the row's reason, details
  ``{name|kind, criteria, lane}``;
- ``rule.update`` / ``lookout.update``: reason ``edit`` (``retire`` for a retirement, an update
  to ``active: false``), details the changed fields.

Checks, the same whoever calls: name 3–200 characters, reason 3–2000, lane one of ``LANES``
(``DEFAULT_LANE`` when none is given), lookout kind one of ``LOOKOUT_KINDS``, ``valid_to`` after
``valid_from``, criteria a non-empty object that the engine compiles against the feature table's
columns. The screener compiles every active rule and lookout when it loads, so one malformed
criteria would stop it loading for everyone. Without ``valid_from`` a row applies from the start
of the data (``FROM_START``): validity is read against each parcel's expected arrival, and an
analyst working on past arrivals expects a new rule to hit them. Only the owner or an admin may
change a row; a colleague of the owning partner in a role that writes such rows
(``RETIRING_ROLES``) may also retire it (``retire_rule``, ``retire_lookout``). Lookouts are
owned by people.

Errors are ``RedlaneError`` subclasses: ``CriteriaError`` (422) for criteria and lanes,
``DecisionError`` (422) for other values, ``NotAllowed`` (403), ``NotFound`` (404).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Protocol

import duckdb
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.errors import NotFound, RedlaneError
from redlane.policy.roles import INVESTIGATOR, TARGETING_ANALYST
from redlane.store import audit, outbox
from redlane.store.models import FROM_START as FROM_START  # the default start, re-exported
from redlane.store.models import LOOKOUT_KINDS, AuditEntry, Lookout, Rule, User
from redlane.store.partners import ensure_default_partners
from redlane.targeting.features import (
    compute_features,
    empty_labels,
    labelled_features,
    open_features_connection,
)
from redlane.targeting.rules import (
    CriteriaError,
    from_rule,
    hit_stats,
    lookout_criteria,
    to_sql,
    validate_lane,
)

# (home, warehouse path): where the feature table's columns are read.
Where = tuple[Path, Path]

NAME_LENGTH: Final = (3, 200)
REASON_LENGTH: Final = (3, 2000)
RULE_FIELDS: Final = ("name", "criteria", "lane", "reason", "active", "valid_from", "valid_to")
LOOKOUT_FIELDS: Final = ("criteria", "lane", "reason", "active", "valid_from", "valid_to")
# The lane of a rule or lookout created without one: the CLI, the API and the console alike.
DEFAULT_LANE: Final = "red"
# Rules belong to customs' selectivity: a rule with no owner (shipped) is customs'.
RULE_PARTNER: Final = "customs"
# Who, besides the owner and admins, may retire a row their partner owns: the roles that write
# such rows (the service's access rules let these roles write them).
RETIRING_ROLES: Final = {"rule": (TARGETING_ANALYST,), "lookout": (TARGETING_ANALYST, INVESTIGATOR)}


class DecisionError(RedlaneError):
    STATUS = 422


class NotAllowed(RedlaneError):
    STATUS = 403


class Actor(Protocol):
    """Who decides: ``redlane.api.roles.Principal`` is one, ``Person`` another."""

    @property
    def name(self) -> str: ...
    @property
    def user_id(self) -> int | None: ...
    @property
    def partner_id(self) -> str | None: ...
    @property
    def is_admin(self) -> bool: ...
    @property
    def role(self) -> str | None: ...


@dataclass(frozen=True)
class Person:
    """An actor outside the service (the command line)."""

    name: str
    user_id: int | None = None
    partner_id: str | None = None
    is_admin: bool = False
    role: str | None = None


def person(session: Session, username: str, partner_id: str) -> Person:
    """``username`` filing for ``partner_id``: their user row, made an officer the first time."""
    ensure_default_partners(session)
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None:
        user = User(username=username, partner_id=partner_id, role="officer", password_hash=None)
        session.add(user)
        session.flush()
    return Person(username, user.id, partner_id)


# --- checks ----------------------------------------------------------------------------------
_columns: list[str] | None = None
_lock = threading.Lock()


def feature_columns(where: Where) -> list[str]:
    """The feature table's columns (read once per process: they follow the feature SQL)."""
    global _columns
    with _lock:
        if _columns is None:
            con = open_features_connection(*where, empty_labels())
            try:
                _columns = list(compute_features(con, "FALSE").column_names)
            finally:
                con.close()
        return _columns


def check_criteria(kind: str | None, criteria: Any, where: Where | None) -> dict[str, Any]:
    """``criteria`` as stored, once the engine compiles them (``kind`` None for a rule).

    Without ``where`` only their shape is checked (fields need the feature table's columns).
    """
    if not isinstance(criteria, Mapping) or not criteria:
        raise CriteriaError("criteria must be a non-empty JSON object")
    try:
        compiled = lookout_criteria(kind, criteria) if kind else dict(criteria)
        if where is not None:
            to_sql(compiled, feature_columns(where))
    except (TypeError, ValueError, AttributeError) as e:
        raise CriteriaError(str(e)) from e
    return dict(criteria)


def _text(value: Any, what: str, length: tuple[int, int]) -> str:
    low, high = length
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise DecisionError(f"{what} must be {low} to {high} characters")
    return value


def _aware(t: datetime) -> datetime:
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _moment(value: Any, what: str) -> Any:
    """A date-time as stored: aware (a form's bare date is taken as UTC)."""
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise DecisionError(f"{what} must be a date-time")
    return _aware(value)


def _window(valid_from: datetime, valid_to: datetime | None) -> None:
    if valid_to is not None and _aware(valid_to) <= _aware(valid_from):
        raise DecisionError("valid_to must be after valid_from")


def _values(
    kind: str | None, d: Mapping[str, Any], where: Where | None, *, named: bool
) -> dict[str, Any]:
    """The checked columns of a new rule (``named``) or lookout."""
    values: dict[str, Any] = {
        "criteria": check_criteria(kind, d.get("criteria"), where),
        "lane": validate_lane(str(d.get("lane") or DEFAULT_LANE)),
        "reason": _text(d.get("reason"), "reason", REASON_LENGTH),
        "valid_from": _moment(d.get("valid_from") or FROM_START, "valid_from"),
        "valid_to": _moment(d.get("valid_to"), "valid_to"),
    }
    if named:
        values["name"] = _text(d.get("name"), "name", NAME_LENGTH)
    _window(values["valid_from"], values["valid_to"])
    return values


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    row: Rule | Lookout,
    reason: str,
    details: Mapping[str, Any],
) -> None:
    audit.append(
        session,
        actor=actor.name,
        action=action,
        object_type=action.split(".")[0],
        object_ids=[row.id],
        reason=reason,
        partner_id=actor.partner_id,
        details=details,
    )
    # The event that makes the warm screeners and the parcels in flight follow the change, in
    # the same transaction as the change (redlane.events).
    label = action.split(".")[0]
    outbox.emit(
        session,
        f"{label}.changed",
        f"{label}:{row.id}",
        {
            "id": row.id,
            "kind": row.kind if isinstance(row, Lookout) else "rule",
            "criteria": row.criteria,
            "lane": row.lane,
            "active": row.active,
        },
    )


# --- rules -----------------------------------------------------------------------------------
def create_rules(
    session: Session, actor: Actor, definitions: Sequence[Mapping[str, Any]], where: Where | None
) -> list[Rule]:
    """Rules from definitions (``name, criteria, lane, reason[, valid_from, valid_to]``).

    Every definition is checked before any is written; each rule gets its ``rule.create``.
    """
    checked = [_values(None, d, where, named=True) for d in definitions]
    rules = []
    for values in checked:
        rule = Rule(owner_id=actor.user_id, active=True, **values)
        session.add(rule)
        session.flush()
        details = {"name": rule.name, "criteria": rule.criteria, "lane": rule.lane}
        _audit(session, actor, "rule.create", rule, rule.reason, details)
        rules.append(rule)
    return rules


def create_rule(
    session: Session, actor: Actor, definition: Mapping[str, Any], where: Where | None
) -> Rule:
    return create_rules(session, actor, [definition], where)[0]


def update_rule(
    session: Session,
    actor: Actor,
    rule_id: int,
    changes: Mapping[str, Any],
    where: Where | None = None,
) -> Rule:
    rule = session.get(Rule, rule_id)
    if rule is None:
        raise NotFound(f"no rule {rule_id}")
    _update(session, actor, rule, None, RULE_FIELDS, changes, where)
    return rule


def retire_rule(session: Session, actor: Actor, rule_id: int) -> Rule:
    """The rule stops applying (kept, marked inactive): ``rule.update`` to ``active: false``."""
    return update_rule(session, actor, rule_id, {"active": False})


# --- lookouts --------------------------------------------------------------------------------
def create_lookout(
    session: Session, actor: Actor, definition: Mapping[str, Any], where: Where | None
) -> Lookout:
    """A lookout (``kind, criteria, lane, reason[, valid_from, valid_to]``) owned by ``actor``."""
    kind = str(definition.get("kind"))
    if kind not in LOOKOUT_KINDS:
        raise DecisionError(f"kind must be one of {', '.join(LOOKOUT_KINDS)}, not {kind!r}")
    values = _values(kind, definition, where, named=False)
    if actor.user_id is None:
        raise NotAllowed("lookouts are owned by people, not API keys")
    if not actor.partner_id:
        raise DecisionError("a lookout is filed for a partner")
    lookout = Lookout(
        owner_id=actor.user_id, partner_id=actor.partner_id, kind=kind, active=True, **values
    )
    session.add(lookout)
    session.flush()
    details = {"kind": kind, "criteria": lookout.criteria, "lane": lookout.lane}
    _audit(session, actor, "lookout.create", lookout, lookout.reason, details)
    return lookout


def update_lookout(
    session: Session,
    actor: Actor,
    lookout_id: int,
    changes: Mapping[str, Any],
    where: Where | None = None,
) -> Lookout:
    lookout = session.get(Lookout, lookout_id)
    if lookout is None:
        raise NotFound(f"no lookout {lookout_id}")
    _update(session, actor, lookout, lookout.kind, LOOKOUT_FIELDS, changes, where)
    return lookout


def retire_lookout(session: Session, actor: Actor, lookout_id: int) -> Lookout:
    """The lookout stops applying (kept, marked inactive): ``lookout.update``."""
    return update_lookout(session, actor, lookout_id, {"active": False})


# --- who may change a row ----------------------------------------------------------------------
def owning_partner(session: Session, row: Rule | Lookout) -> str | None:
    """The partner a rule or lookout belongs to: a lookout's own, a rule's owner's."""
    if isinstance(row, Lookout):
        return row.partner_id
    if row.owner_id is None:
        return RULE_PARTNER
    owner = session.get(User, row.owner_id)
    return owner.partner_id if owner is not None else None


def may_change(actor: Actor, row: Rule | Lookout) -> bool:
    """Any change: the owner or an admin."""
    return actor.is_admin or (row.owner_id is not None and row.owner_id == actor.user_id)


def may_retire(actor: Actor, row: Rule | Lookout, partner: str | None) -> bool:
    """Retiring: also a colleague of the owning ``partner`` in a role that writes such rows
    (rules and lookouts filed from the command line or an FtM import belong to no analyst)."""
    label = "rule" if isinstance(row, Rule) else "lookout"
    colleague = (
        actor.role in RETIRING_ROLES[label]
        and actor.partner_id is not None
        and actor.partner_id == partner
    )
    return may_change(actor, row) or colleague


def _update(
    session: Session,
    actor: Actor,
    row: Rule | Lookout,
    kind: str | None,
    fields: Sequence[str],
    changes: Mapping[str, Any],
    where: Where | None,
) -> None:
    """One edit: owner check, every changed value checked as on creation, then audit."""
    retiring = dict(changes) == {"active": False}
    if retiring and not may_retire(actor, row, owning_partner(session, row)):
        raise NotAllowed("only the owner, an admin or a colleague of its partner may retire this")
    if not retiring and not may_change(actor, row):
        raise NotAllowed("only the owner or an admin may change this")
    unknown = sorted(set(changes) - set(fields))
    if unknown:
        raise DecisionError(f"cannot change {', '.join(unknown)}")
    checked = dict(changes)
    for name, value in changes.items():
        if value is None and name != "valid_to":
            raise DecisionError(f"{name} cannot be empty")
        if name == "criteria":
            checked[name] = check_criteria(kind, value, where)
        elif name == "lane":
            validate_lane(str(value))
        elif name in ("valid_from", "valid_to"):
            checked[name] = _moment(value, name)
        elif name == "active" and not isinstance(value, bool):
            raise DecisionError("active must be true or false")
        elif name in ("name", "reason"):
            _text(value, name, NAME_LENGTH if name == "name" else REASON_LENGTH)
    _window(checked.get("valid_from", row.valid_from), checked.get("valid_to", row.valid_to))
    for name, value in checked.items():
        setattr(row, name, value)
    label = "rule" if isinstance(row, Rule) else "lookout"
    _audit(session, actor, f"{label}.update", row, "retire" if retiring else "edit", changes)


# --- listing ---------------------------------------------------------------------------------
def plan_hits(session: Session) -> dict[str, int]:
    """Parcels each rule and lookout hit in the stored plans (``"rule:3"`` → 12): the day's
    parcels of the plan's port it hit, planned or not, from each plan's ``target.plan`` audit
    entry. A port and day planned again counts once, as its latest plan."""
    details = AuditEntry.details
    query = (
        select(details["port"], details["day"], details["check_hits"])
        .where(AuditEntry.action == "target.plan")
        .order_by(AuditEntry.seq)
    )
    latest: dict[tuple[Any, Any], Mapping[str, Any]] = {}
    for port, day, hits in session.execute(query):
        latest[(port, day)] = hits if isinstance(hits, Mapping) else {}
    totals: dict[str, int] = {}
    for hits in latest.values():
        for key, count in hits.items():
            totals[key] = totals.get(key, 0) + int(count)
    return totals


def rule_rows(
    session: Session, features: duckdb.DuckDBPyConnection | None = None
) -> list[dict[str, Any]]:
    """Every rule with its owner and its hits in stored plans (``plan_hits``); with a feature
    connection also its hits over the warehouse, hits inspected, seizures and hit rate."""
    rules = list(session.scalars(select(Rule).order_by(Rule.id)))
    owners = _usernames(session, {r.owner_id for r in rules if r.owner_id is not None})
    planned = plan_hits(session)
    rows: list[dict[str, Any]] = [
        {
            "id": r.id,
            "name": r.name,
            "owner": owners.get(r.owner_id) if r.owner_id is not None else None,
            "lane": r.lane,
            "active": r.active,
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
            "reason": r.reason,
            "criteria": r.criteria,
            "plan_hits": planned.get(f"rule:{r.id}", 0),
        }
        for r in rules
    ]
    if features is not None and rules:
        checks = [from_rule(r) for r in rules]
        every = {s["key"]: s for s in hit_stats(compute_features(features), checks)}
        labelled = {s["key"]: s for s in hit_stats(labelled_features(features), checks)}
        for row in rows:
            key = f"rule:{row['id']}"
            row["hits"] = every[key]["hits"]
            row["inspected"] = labelled[key]["hits"]
            row["seized"] = labelled[key].get("seized", 0)
            row["hit_rate"] = labelled[key].get("hit_rate")
    return rows


def lookout_rows(session: Session) -> list[dict[str, Any]]:
    """Every lookout with its owner, partner and hits in stored plans (``plan_hits``)."""
    lookouts = list(session.scalars(select(Lookout).order_by(Lookout.id)))
    owners = _usernames(session, {lk.owner_id for lk in lookouts})
    planned = plan_hits(session)
    return [
        {
            "id": lk.id,
            "kind": lk.kind,
            "owner": owners.get(lk.owner_id),
            "partner_id": lk.partner_id,
            "criteria": lk.criteria,
            "lane": lk.lane,
            "reason": lk.reason,
            "active": lk.active,
            "valid_from": lk.valid_from,
            "valid_to": lk.valid_to,
            "plan_hits": planned.get(f"lookout:{lk.id}", 0),
        }
        for lk in lookouts
    ]


def _usernames(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = session.execute(select(User.id, User.username).where(User.id.in_(ids)))
    return {int(uid): str(name) for uid, name in rows}
