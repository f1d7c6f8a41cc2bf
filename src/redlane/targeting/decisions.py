"""Rules and lookouts as decisions: create, change and list them, every write audited.

The one home of these writes for the service (``redlane.api.actions``, the API and the
console) and the command line (``redlane target rules|lookouts``). Each write checks its
values, writes the ``Rule`` / ``Lookout`` row and appends its audit entry in the caller's
transaction (flushed, never committed here), under one action vocabulary:

- ``rule.create`` / ``lookout.create``: one entry per row, reason the row's reason, details
  ``{name|kind, criteria, lane}``;
- ``rule.update`` / ``lookout.update``: reason ``edit``, details the changed fields (retiring is
  an update to ``active: false``).

Checks, the same whoever calls: name 3–200 characters, reason 3–2000, lane one of ``LANES``,
lookout kind one of ``LOOKOUT_KINDS``, ``valid_to`` after ``valid_from``, criteria a non-empty
object that the engine compiles against the feature table's columns. The screener compiles
every active rule and lookout when it loads, so one malformed criteria would stop it loading
for everyone. Only the owner or an admin may change a row; lookouts are owned by people.

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
from redlane.store import audit, outbox
from redlane.store.models import LOOKOUT_KINDS, Lookout, Rule, User
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


@dataclass(frozen=True)
class Person:
    """An actor outside the service (the command line)."""

    name: str
    user_id: int | None = None
    partner_id: str | None = None
    is_admin: bool = False


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
    if value is not None and not isinstance(value, datetime):
        raise DecisionError(f"{what} must be a date-time")
    return value


def _window(valid_from: datetime, valid_to: datetime | None) -> None:
    if valid_to is not None and _aware(valid_to) <= _aware(valid_from):
        raise DecisionError("valid_to must be after valid_from")


def _values(
    kind: str | None, d: Mapping[str, Any], where: Where | None, *, named: bool
) -> dict[str, Any]:
    """The checked columns of a new rule (``named``) or lookout."""
    values: dict[str, Any] = {
        "criteria": check_criteria(kind, d.get("criteria"), where),
        "lane": validate_lane(str(d.get("lane"))),
        "reason": _text(d.get("reason"), "reason", REASON_LENGTH),
        "valid_from": _moment(d.get("valid_from") or datetime.now(UTC), "valid_from"),
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
    if not actor.is_admin and (row.owner_id is None or row.owner_id != actor.user_id):
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
            _moment(value, name)
        elif name == "active" and not isinstance(value, bool):
            raise DecisionError("active must be true or false")
        elif name in ("name", "reason"):
            _text(value, name, NAME_LENGTH if name == "name" else REASON_LENGTH)
    _window(checked.get("valid_from", row.valid_from), checked.get("valid_to", row.valid_to))
    for name, value in checked.items():
        setattr(row, name, value)
    label = "rule" if isinstance(row, Rule) else "lookout"
    _audit(session, actor, f"{label}.update", row, "edit", changes)


# --- listing ---------------------------------------------------------------------------------
def rule_rows(
    session: Session, features: duckdb.DuckDBPyConnection | None = None
) -> list[dict[str, Any]]:
    """Every rule; with a feature connection also its hits over the warehouse, hits inspected,
    seizures and hit rate."""
    rules = list(session.scalars(select(Rule).order_by(Rule.id)))
    rows: list[dict[str, Any]] = [
        {
            "id": r.id,
            "name": r.name,
            "lane": r.lane,
            "active": r.active,
            "valid_from": r.valid_from,
            "valid_to": r.valid_to,
            "reason": r.reason,
            "criteria": r.criteria,
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
    return [
        {
            "id": lk.id,
            "kind": lk.kind,
            "criteria": lk.criteria,
            "lane": lk.lane,
            "reason": lk.reason,
            "active": lk.active,
            "valid_to": lk.valid_to,
        }
        for lk in session.scalars(select(Lookout).order_by(Lookout.id))
    ]
