"""Deliberately broken rows, derived from the feed spec so every break is one the validator knows.

Real partner files carry a few bad rows: a blank required field, "UK" for a country, a negative
value, a date that does not exist, a five-digit HS code, a status nobody defined, "12,50" for a
number. For each table the applicable breaks are read off ``redlane.model.spec``; natural-key
fields are never broken, so every injected error can be traced back to its record.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from redlane.model.spec import FieldSpec, TableSpec

KINDS = (
    "missing_required",
    "invalid_country",
    "negative_value",
    "bad_date",
    "bad_hs_code",
    "wrong_enum",
    "unparseable_number",
)
BAD_COUNTRIES = ("XX", "UK", "CHN", "China", "ZZ")
BAD_DATETIMES = ("2025-13-45T10:00:00Z", "31/06/2025 10:00", "2025-02-30T08:00:00Z", "yesterday")
BAD_DATES = ("2025-13-01", "03/06/2025", "2025-02-30", "20250631")
BAD_ENUMS = ("unknown", "n/a", "TBD", "pending_review", "99")
BAD_NUMBERS = ("12,50", "N/A", "abc", "1.2.3", "ten")


@dataclass(frozen=True)
class Injected:
    file: str
    line: int
    table: str
    record_key: str
    field: str
    kind: str
    original: str
    value: str


def _applicable(f: FieldSpec) -> list[str]:
    kinds = []
    if f.required and f.kind != "list":
        kinds.append("missing_required")
    if f.kind == "country":
        kinds.append("invalid_country")
    if f.kind in ("int", "decimal") and f.min is not None and f.min >= 0:
        kinds.append("negative_value")
    if f.kind in ("date", "datetime"):
        kinds.append("bad_date")
    if f.kind in ("hs6", "hts10"):
        kinds.append("bad_hs_code")
    if f.kind == "enum":
        kinds.append("wrong_enum")
    if f.kind in ("int", "decimal"):
        kinds.append("unparseable_number")
    return kinds


def breakable(table: TableSpec) -> dict[str, list[FieldSpec]]:
    """Kind of break -> fields of ``table`` it can be applied to (keys excluded)."""
    out: dict[str, list[FieldSpec]] = {}
    for f in table.fields:
        if f.name in table.key:
            continue
        for kind in _applicable(f):
            out.setdefault(kind, []).append(f)
    return {k: out[k] for k in KINDS if k in out}


def bad_value(f: FieldSpec, kind: str, value: str, rng: random.Random) -> str:
    """The broken text for ``value``; ``""`` means the field is left empty (or out, in JSON)."""
    match kind:
        case "missing_required":
            return ""
        case "invalid_country":
            return rng.choice(BAD_COUNTRIES)
        case "negative_value":
            try:
                number = abs(float(value))
            except ValueError:
                number = 0.0
            return f"-{number if number > 0 else 1:g}"
        case "bad_date":
            return rng.choice(BAD_DATETIMES if f.kind == "datetime" else BAD_DATES)
        case "bad_hs_code":
            digits = "".join(ch for ch in value if ch.isdigit()) or "851830"
            width = 6 if f.kind == "hs6" else 10
            return rng.choice((digits[: width - 1], digits[:width] + "9", "ABC" + digits[3:width]))
        case "wrong_enum":
            return rng.choice([v for v in BAD_ENUMS if v.lower() not in f.choices])
        case "unparseable_number":
            return rng.choice(BAD_NUMBERS)
    raise ValueError(f"unknown break {kind!r}")


def plan(
    n: int, rate: float, rng: random.Random, exclude: frozenset[int] = frozenset()
) -> list[int]:
    """Which of ``n`` rows to break: ``rate`` of them, rounded at random, never ``exclude``."""
    if rate <= 0 or n == 0:
        return []
    expected = rate * n
    k = int(expected) + int(rng.random() < expected - int(expected))
    candidates = [i for i in range(n) if i not in exclude] if exclude else range(n)
    return sorted(rng.sample(candidates, min(k, len(candidates))))


def choose(table: TableSpec, rng: random.Random) -> tuple[FieldSpec, str]:
    options = breakable(table)
    kind = rng.choice(list(options))
    return rng.choice(options[kind]), kind
