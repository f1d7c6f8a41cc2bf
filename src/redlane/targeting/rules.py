"""Rules and lookouts: criteria on shipment fields, compiled to SQL (batches) or checked in
Python (one record), with lanes, validity windows and hit statistics.

Criteria are JSON, stored in the ``criteria`` column of ``Rule`` / ``Lookout``::

    {"all": [{"field": "origin", "op": "in", "value": ["CN", "HK"]},
             {"any": [{"field": "description", "op": "contains_any", "value": ["mask"]},
                      {"field": "hs6", "op": "eq", "value": "630790"}]},
             {"field": "unit_value", "op": "gt", "value": 60}]}

``field`` is a column of the feature table (``features.compute_features``): advance-data fields
(``description``, ``hs6``, ``origin``, ``port``, ``carrier``, ``shipper_name`` …) and derived ones
(``unit_value``, ``genuine_gap``, ``brand_in_description``, ``ring_id``, ``shipper_actor_id`` …).
Lookouts: ``{"actor_id": "A-1"}`` (kind actor: shipper or consignee actor), ``{"identifier":
"phone"|"email"|"name"|"address", "value": "…"}`` (kind identifier, compared after the same
folding the features use), or rule criteria (kind pattern).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.engine.sql import NotALiteral, sql_value
from redlane.errors import RedlaneError
from redlane.store.models import LANES, Lookout, Rule

OPS: Final = (
    "eq",
    "ne",
    "in",
    "not_in",
    "lt",
    "le",
    "gt",
    "ge",
    "contains_any",
    "startswith",
    "is_null",
    "not_null",
)
_SQL_CMP: Final = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "=", "ne": "<>"}
IDENTIFIER_COLUMNS: Final = {
    "phone": "k_sphone",
    "email": "k_semail",
    "name": "k_sname",
    "address": "k_saddr",
    "consignee_name": "k_cname",
    "consignee_address": "k_caddr",
}


class CriteriaError(RedlaneError):
    STATUS = 422


@dataclass(frozen=True)
class Check:
    """A rule or lookout ready to evaluate."""

    key: str  # "rule:<id>" / "lookout:<id>" (or a name for rules not stored)
    name: str
    criteria: dict[str, Any]
    lane: str
    reason: str
    kind: str = "rule"  # rule | actor | identifier | pattern
    valid_from: datetime | None = None
    valid_to: datetime | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def is_lookout(self) -> bool:
        return self.kind != "rule"

    @property
    def label(self) -> str:
        """How a sentence names it: ``rule 'name'``; a stored lookout's name says what it is
        already (``identifier lookout 3``)."""
        if not self.is_lookout:
            return f"rule '{self.name}'"
        return self.name if "lookout" in self.name else f"lookout '{self.name}'"

    def sentence(self) -> str:
        return f"{self.label} ({self.lane} lane): {self.reason}"


# --- normalising identifiers (must match sql.KEY_EXPRESSIONS) ---------------------------------
_FOLD_RE = re.compile(r"[\s\.,\-\(\)/&#]+")


def fold(value: str | None) -> str | None:
    return None if value is None else _FOLD_RE.sub("", value.lower())


def phone_key(value: str | None) -> str | None:
    digits = re.sub(r"[^0-9]", "", value or "")[-8:]
    return digits or None


def identifier_key(kind: str, value: str) -> str | None:
    if kind == "phone":
        return phone_key(value)
    if kind == "email":
        return value.lower()
    return fold(value)


def lookout_criteria(kind: str, criteria: Mapping[str, Any]) -> dict[str, Any]:
    """A lookout's criteria as rule criteria on the feature table's columns."""
    if kind == "actor":
        actor = str(criteria.get("actor_id") or "")
        if not actor:
            raise CriteriaError("an actor lookout needs criteria {'actor_id': ...}")
        return {
            "any": [
                {"field": "shipper_actor_id", "op": "eq", "value": actor},
                {"field": "consignee_actor_id", "op": "eq", "value": actor},
            ]
        }
    if kind == "identifier":
        if "identifier" not in criteria and (
            RESOLVED in criteria
            or any(criteria.get(k) for k in (*LISTED_IDENTIFIERS, RESOLVED_ACTORS))
        ):
            return _listed_identifiers(criteria)
        ident = str(criteria.get("identifier") or "")
        column = IDENTIFIER_COLUMNS.get(ident)
        if column is None or not criteria.get("value"):
            raise CriteriaError(
                "an identifier lookout needs {'identifier': one of "
                f"{sorted(IDENTIFIER_COLUMNS)}, 'value': ...}} or lists of "
                f"{', '.join(LISTED_IDENTIFIERS)}"
            )
        return {"field": column, "op": "eq", "value": identifier_key(ident, str(criteria["value"]))}
    return dict(criteria)


# An entity's lists of identifiers (a FollowTheMoney import): list -> (identifier kind, columns).
# Names and addresses are looked for on both sides of the waybill: a listed person may ship or
# receive.
LISTED_IDENTIFIERS: Final = {
    "names": ("name", ("k_sname", "k_cname")),
    "phones": ("phone", ("k_sphone",)),
    "emails": ("email", ("k_semail",)),
    "addresses": ("address", ("k_saddr", "k_caddr")),
}


# An entity resolved to actors at import (``case ftm-import --resolve``): matched by them alone.
RESOLVED_ACTORS: Final = "actor_ids"
# Present on every entity imported with --resolve, whatever it resolved to.
RESOLVED: Final = "resolved"


def _listed_identifiers(criteria: Mapping[str, Any]) -> dict[str, Any]:
    """The actors an entity resolved to, else any of its names, phones, e-mails or addresses,
    folded as the features are."""
    actors = criteria.get(RESOLVED_ACTORS)
    if actors:
        if not isinstance(actors, list) or not all(isinstance(a, str) for a in actors):
            raise CriteriaError(f"{RESOLVED_ACTORS} must be a list of strings")
        return {
            "any": [
                {"field": "shipper_actor_id", "op": "in", "value": sorted(actors)},
                {"field": "consignee_actor_id", "op": "in", "value": sorted(actors)},
            ]
        }
    parts = []
    for key, (ident, columns) in LISTED_IDENTIFIERS.items():
        values = criteria.get(key) or []
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise CriteriaError(f"{key} must be a list of strings")
        folded = sorted({k for v in values if (k := identifier_key(ident, v))})
        parts += [{"field": c, "op": "in", "value": folded} for c in columns if folded]
    if not parts:
        if RESOLVED in criteria:
            # Imported with --resolve, every value was left out (shared infrastructure, a name
            # other actors bear): the lookout stays, for the reader, and matches nothing.
            return {"any": []}
        raise CriteriaError("an identifier lookout's lists hold no usable identifier")
    return {"any": parts}


# --- SQL ----------------------------------------------------------------------------------
def _lit(value: Any) -> str:
    try:
        return sql_value(value)
    except NotALiteral as e:
        raise CriteriaError(str(e)) from None


def to_sql(criteria: Mapping[str, Any], columns: Sequence[str]) -> str:
    """A SQL predicate for ``criteria`` over a relation with ``columns`` (fields are checked)."""
    if "all" in criteria or "any" in criteria:
        key = "all" if "all" in criteria else "any"
        parts = [to_sql(c, columns) for c in criteria[key]]
        if not parts:
            return "TRUE" if key == "all" else "FALSE"
        return "(" + (" AND " if key == "all" else " OR ").join(parts) + ")"
    name, op, value = criteria.get("field"), criteria.get("op", "eq"), criteria.get("value")
    if name not in columns:
        raise CriteriaError(f"unknown field {name!r} in criteria")
    if op not in OPS:
        raise CriteriaError(f"unknown op {op!r}; use one of {', '.join(OPS)}")
    col = f'"{name}"'
    if op in _SQL_CMP:
        return f"coalesce({col} {_SQL_CMP[op]} {_lit(value)}, FALSE)"
    if op in ("in", "not_in"):
        values = value if isinstance(value, list) else [value]
        listed = ", ".join(_lit(v) for v in values) or "NULL"
        neg = "NOT " if op == "not_in" else ""
        return f"coalesce({col} {neg}IN ({listed}), FALSE)"
    if op == "contains_any":
        words = value if isinstance(value, list) else [value]
        tests = [f"contains(lower({col}), {_lit(str(w).lower())})" for w in words] or ["FALSE"]
        return "coalesce(" + " OR ".join(tests) + ", FALSE)"
    if op == "startswith":
        return f"coalesce(starts_with({col}, {_lit(str(value))}), FALSE)"
    return f"({col} IS {'NOT ' if op == 'not_null' else ''}NULL)"


def check_sql(check: Check, columns: Sequence[str]) -> str:
    predicate = to_sql(check.criteria, columns)
    window = []
    if check.valid_from is not None:
        window.append(f"expected_arrival >= TIMESTAMP '{check.valid_from:%Y-%m-%d %H:%M:%S}'")
    if check.valid_to is not None:
        window.append(f"expected_arrival < TIMESTAMP '{check.valid_to:%Y-%m-%d %H:%M:%S}'")
    return " AND ".join([predicate, *window])


def evaluate(table: pa.Table, checks: Sequence[Check]) -> npt.NDArray[np.bool_]:
    """Rows × checks: whether each check hits each shipment (one vectorised DuckDB pass)."""
    hits = np.zeros((table.num_rows, len(checks)), dtype=bool)
    if not checks or table.num_rows == 0:
        return hits
    con = duckdb.connect()
    con.register("feats", table)
    columns = table.column_names
    exprs = ", ".join(f"({check_sql(c, columns)}) AS c{i}" for i, c in enumerate(checks))
    result = con.sql(f"SELECT {exprs} FROM feats").fetchnumpy()
    for i in range(len(checks)):
        hits[:, i] = np.asarray(result[f"c{i}"], dtype=bool)
    con.close()
    return hits


# --- Python (one record) -------------------------------------------------------------------
def matches(criteria: Mapping[str, Any], row: Mapping[str, Any]) -> bool:
    """The same semantics as :func:`to_sql`, for one row (missing values never match)."""
    if "all" in criteria:
        return all(matches(c, row) for c in criteria["all"])
    if "any" in criteria:
        return any(matches(c, row) for c in criteria["any"])
    op, value = criteria.get("op", "eq"), criteria.get("value")
    got = row.get(str(criteria.get("field")))
    if op == "is_null":
        return got is None
    if op == "not_null":
        return got is not None
    if got is None or (isinstance(got, float) and math.isnan(got)):
        return False
    try:
        if op == "eq":
            return bool(got == value)
        if op == "ne":
            return bool(got != value)
        if op == "in":
            return got in (value if isinstance(value, list) else [value])
        if op == "not_in":
            return got not in (value if isinstance(value, list) else [value])
        if op == "lt":
            return bool(got < value)
        if op == "le":
            return bool(got <= value)
        if op == "gt":
            return bool(got > value)
        if op == "ge":
            return bool(got >= value)
        if op == "contains_any":
            words = value if isinstance(value, list) else [value]
            return any(str(w).lower() in str(got).lower() for w in words)
        if op == "startswith":
            return str(got).startswith(str(value))
    except TypeError:
        return False
    raise CriteriaError(f"unknown op {op!r}")


def check_matches(check: Check, row: Mapping[str, Any]) -> bool:
    arrival = row.get("expected_arrival")
    if isinstance(arrival, datetime):
        naive = arrival.replace(tzinfo=None)
        if check.valid_from is not None and naive < check.valid_from.replace(tzinfo=None):
            return False
        if check.valid_to is not None and naive >= check.valid_to.replace(tzinfo=None):
            return False
    return matches(check.criteria, row)


# --- the store -------------------------------------------------------------------------------
def validate_lane(lane: str) -> str:
    if lane not in LANES:
        raise CriteriaError(f"lane must be one of {', '.join(LANES)}, not {lane!r}")
    return lane


def from_rule(rule: Rule) -> Check:
    return Check(
        key=f"rule:{rule.id}",
        name=rule.name,
        criteria=dict(rule.criteria),
        lane=rule.lane,
        reason=rule.reason,
        kind="rule",
        valid_from=rule.valid_from,
        valid_to=rule.valid_to,
    )


def from_lookout(lookout: Lookout) -> Check:
    return Check(
        key=f"lookout:{lookout.id}",
        name=f"{lookout.kind} lookout {lookout.id}",
        criteria=lookout_criteria(lookout.kind, lookout.criteria),
        lane=lookout.lane,
        reason=lookout.reason,
        kind=lookout.kind,
        valid_from=lookout.valid_from,
        valid_to=lookout.valid_to,
        meta={"criteria": dict(lookout.criteria)},
    )


def active_checks(session: Session, at: datetime | None = None) -> list[Check]:
    """Active rules and lookouts (validity windows are applied per shipment arrival)."""
    rules = session.scalars(select(Rule).where(Rule.active.is_(True)).order_by(Rule.id)).all()
    lookouts = session.scalars(
        select(Lookout).where(Lookout.active.is_(True)).order_by(Lookout.id)
    ).all()
    checks = [from_rule(r) for r in rules] + [from_lookout(lk) for lk in lookouts]
    # Naive UTC windows: the feature table's timestamps are naive UTC.
    checks = [
        replace(
            c,
            valid_from=c.valid_from.astimezone(UTC).replace(tzinfo=None) if c.valid_from else None,
            valid_to=c.valid_to.astimezone(UTC).replace(tzinfo=None) if c.valid_to else None,
        )
        for c in checks
    ]
    if at is not None:
        checks = [c for c in checks if c.valid_to is None or c.valid_to.replace(tzinfo=None) > at]
    return checks


def hit_stats(table: pa.Table, checks: Sequence[Check]) -> list[dict[str, Any]]:
    """Per check over labelled features (``labelled_features``): hits, inspected hits, seizures,
    hit rate (seized / inspected hits). ``table`` without ``label`` counts hits only."""
    hits = evaluate(table, checks)
    labels = (
        np.asarray(table.column("label").to_numpy(zero_copy_only=False), dtype=np.float64)
        if "label" in table.column_names
        else None
    )
    stats = []
    for i, check in enumerate(checks):
        row: dict[str, Any] = {"key": check.key, "name": check.name, "lane": check.lane}
        row["hits"] = int(hits[:, i].sum())
        if labels is not None:
            seized = int(labels[hits[:, i]].sum())
            row["seized"] = seized
            row["hit_rate"] = seized / row["hits"] if row["hits"] else None
        stats.append(row)
    return stats


# --- rule packs (data) ---------------------------------------------------------------------
# Essential goods of a declared emergency, with their normal retail price per piece (USD).
GOUGING_PACK: Final[dict[str, Any]] = {
    "name": "price gouging: essential goods",
    "lane": "notify",
    "multiplier": 3.0,
    "goods": [
        {"name": "face masks", "hs6": "630790", "words": ["mask"], "normal_max": 20},
        {
            "name": "hand sanitiser",
            "hs6": "380894",
            "words": ["sanitiz", "sanitis", "alcohol gel"],
            "normal_max": 10,
        },
        {"name": "test kits", "hs6": "382219", "words": ["test kit"], "normal_max": 25},
        {"name": "thermometers", "hs6": "902519", "words": ["thermometer"], "normal_max": 40},
        {
            "name": "gloves",
            "hs6": "401519",
            "words": ["nitrile glove", "medical glove"],
            "normal_max": 15,
        },
    ],
}

# Counterfeit selectivity rules of the kind customs publishes (no tuning on any data).
COUNTERFEIT_PACK: Final[list[dict[str, Any]]] = [
    {
        "name": "branded goods far below genuine price",
        "lane": "red",
        "reason": "a protected brand named in the description at under half its genuine price",
        "criteria": {
            "all": [
                {"field": "brand_in_description", "op": "gt", "value": 0},
                {"field": "genuine_gap", "op": "gt", "value": 0.5},
            ]
        },
    },
    {
        "name": "vague description from a high-seizure origin",
        "lane": "red",
        "reason": "generic description ('gift', 'accessories'…) from CN/HK, the origins of most "
        "IPR seizures in published customs statistics",
        "criteria": {
            "all": [
                {"field": "vague_description", "op": "gt", "value": 0},
                {"field": "origin", "op": "in", "value": ["CN", "HK"]},
            ]
        },
    },
]


def gouging_rules(
    valid_from: datetime, valid_to: datetime, pack: Mapping[str, Any] = GOUGING_PACK
) -> list[dict[str, Any]]:
    """The gouging pack as rule definitions for an emergency window."""
    rules = []
    for goods in pack["goods"]:
        limit = float(goods["normal_max"]) * float(pack["multiplier"])
        rules.append(
            {
                "name": f"{pack['name']}: {goods['name']}",
                "lane": pack["lane"],
                "reason": f"{goods['name']} at over {pack['multiplier']:g}× the normal price "
                f"({limit:.0f} USD a piece) during the declared emergency",
                "criteria": {
                    "all": [
                        {
                            "any": [
                                {"field": "hs6", "op": "eq", "value": goods["hs6"]},
                                {
                                    "field": "description",
                                    "op": "contains_any",
                                    "value": goods["words"],
                                },
                            ]
                        },
                        {"field": "unit_value", "op": "gt", "value": limit},
                    ]
                },
                "valid_from": valid_from,
                "valid_to": valid_to,
            }
        )
    return rules


def checks_from_definitions(definitions: Sequence[Mapping[str, Any]]) -> list[Check]:
    return [
        Check(
            key=f"pack:{d['name']}",
            name=str(d["name"]),
            criteria=dict(d["criteria"]),
            lane=validate_lane(str(d["lane"])),
            reason=str(d["reason"]),
            valid_from=d.get("valid_from"),
            valid_to=d.get("valid_to"),
        )
        for d in definitions
    ]
