"""``compare(name1, name2, schema)``: a calibrated probability that two names are the same name."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from redlane.names.align import Alignment, align, features, reasons
from redlane.names.model import load_model
from redlane.names.prepare import Family, Prepared, prepare

__all__ = [
    "SCHEMAS",
    "NameScore",
    "compare",
    "family_of",
    "feature_vector",
    "probability",
    "stated_logit",
]

#: Entity schemata (FollowTheMoney names) and the name family each is compared as.
SCHEMAS: dict[str, Family] = {
    "Person": "person",
    "Company": "org",
    "Organization": "org",
    "LegalEntity": "entity",
    "Vessel": "vessel",
}
MATCH_THRESHOLD = 0.5
# Names that normalise to the same tokens and legal form are the same name, whatever the model.
_IDENTICAL_FLOOR = 0.97
_LETTER_ODDS = math.log(26)  # one letter of an acronym, as log-odds: 26 letters it could be


@dataclass(frozen=True, slots=True)
class NameScore:
    score: float
    match: bool
    reasons: list[str] = field(default_factory=list)


def family_of(schema: str) -> Family:
    try:
        return SCHEMAS[schema]
    except KeyError:
        raise ValueError(f"unknown schema {schema!r}; expected one of {sorted(SCHEMAS)}") from None


def stated_logit(al: Alignment) -> float:
    """Evidence added to the model's log-odds as stated, not fitted: a two-letter acronym with
    nothing distinctive matched besides it (``align._weigh_short_acronyms``) counts 1/26 as
    much as the acronyms the model was fitted on: one letter fewer, and each letter of an
    acronym is one chance in 26 that another name's initials spell it."""
    return -_LETTER_ODDS * al.kinds.get("weak_acronym", 0)


def feature_vector(a: Prepared, b: Prepared) -> tuple[list[float], Alignment]:
    """The model's input for two non-empty prepared names (in canonical order: symmetric)."""
    if (a.key, a.raw) > (b.key, b.raw):
        a, b = b, a
    al = align(a, b)
    return features(al), al


def probability(a: Prepared, b: Prepared, family: Family) -> tuple[float, Alignment | None]:
    """The score of two prepared names and the alignment behind it (None if either is empty).

    The reasons are left to the caller: a batch scorer only wants the number.
    """
    if a.empty or b.empty:
        return (1.0 if bool(a.raw) and a.raw == b.raw else 0.0), None
    x, al = feature_vector(a, b)
    p = load_model().probability(family, x, stated_logit(al))
    if a.key == b.key and a.forms == b.forms:
        p = max(p, _IDENTICAL_FLOOR)
    return min(1.0, max(0.0, p)), al


def _score(a: Prepared, b: Prepared, family: Family) -> NameScore:
    p, al = probability(a, b, family)
    if al is None:
        same = p == 1.0
        return NameScore(p, same, ["exact match" if same else "empty name"])
    return NameScore(p, p >= MATCH_THRESHOLD, reasons(al))


def compare(name1: str, name2: str, schema: str = "LegalEntity") -> NameScore:
    """Score two names of one schema (``Person``, ``Company``, ``Organization``,
    ``LegalEntity``, ``Vessel``).

    Never raises on any text; raises ``ValueError`` for an unknown schema.
    """
    family = family_of(schema)
    try:
        a = prepare(name1 if isinstance(name1, str) else "", family)
        b = prepare(name2 if isinstance(name2, str) else "", family)
    except Exception:  # noqa: BLE001 - a name rigour cannot read is no evidence of a match
        return NameScore(0.0, False, ["unreadable name"])
    return _score(a, b, family)
