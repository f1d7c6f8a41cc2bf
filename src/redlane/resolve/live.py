"""Live matching: one new party record → the most likely existing actors, in milliseconds.

No Splink job per request: the current run's signatures are held in memory with exact-value
indexes (phone, email, bank account, device, IP, handle, registry id, address) and a name-token
index; candidates are scored with the trained Splink model's own m and u probabilities, level by
level, so a live score reads like the batch one (term-frequency adjustments are left out).
"""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from rapidfuzz.distance import JaroWinkler, Levenshtein

from redlane import normalize
from redlane.errors import NotReady
from redlane.names import compare
from redlane.resolve.cluster import majority_actor_sql
from redlane.resolve.infrastructure import HeldValue, is_scoped, load_values, scope_record
from redlane.resolve.outputs import current_run_dir, table_paths, table_source
from redlane.resolve.prepare import name_key, registry_key
from redlane.resolve.splink_model import (
    ADDRESS_JW,
    ADDRESS_MAX_EDITS,
    INFRA_LEVEL_LABEL,
    NAME_SCORE_SCHEMA,
    OTHER_GIVEN_LABEL,
    OTHER_NUMBER_LABEL,
    STREET_MAX_EDITS,
    STREET_NUMBER_LABEL,
)
from redlane.resolve.weak import IDENTIFYING_COLUMNS

# Every identifying column but the address, which has its own index (address_core).
EXACT_INDEXED = tuple(c for c in IDENTIFYING_COLUMNS if c != "address_core")
# A name token carried by more signatures than this is too common to find candidates by.
MAX_TOKEN_POSTINGS = 500
MAX_CANDIDATES = 300


@dataclass(frozen=True)
class FieldReason:
    field: str
    level: str
    weight: float


@dataclass(frozen=True)
class Candidate:
    actor_id: str
    probability: float
    match_weight: float
    display_name: str | None
    reasons: list[FieldReason] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "actor_id": self.actor_id,
            "probability": round(self.probability, 6),
            "match_weight": round(self.match_weight, 3),
            "display_name": self.display_name,
            "reasons": [
                {"field": r.field, "level": r.level, "weight": round(r.weight, 3)}
                for r in self.reasons
            ],
        }


def signature_of(record: dict[str, Any]) -> dict[str, str | None]:
    """Normalise a raw party record (keys as in ``parties``) like batch resolution does."""
    country = normalize.country(record.get("country"))
    name = name_key(record.get("name")) or name_key(record.get("alt_name"))
    tokens = sorted(name.split()) if name else []
    address = normalize.address_core(record.get("address"))
    return {
        "name_norm": name,
        "name_sorted": " ".join(tokens) or None,
        "name_joined": name.replace(" ", "") if name else None,
        "address_core": address,
        "address_letters": address_letters(address),
        "address_number": address_number(address),
        "country": country,
        "phone": normalize.phone(record.get("phone"), record.get("country")),
        "email": normalize.email(record.get("email")),
        "bank_account": normalize.bank_account(record.get("bank_account")),
        "device_id": normalize.device_id(record.get("device_id")),
        "ip_address": normalize.ip_address(record.get("ip_address")),
        "handle": normalize.handle(record.get("handle")),
        "registry_id": registry_key(record.get("registry_id")),
    }


def address_letters(address: str | None) -> str | None:
    """prepare.ADDRESS_LETTERS_SQL in Python."""
    if address is None:
        return None
    return " ".join(re.sub(r"[0-9]+", " ", address).split()) or None


def address_number(address: str | None) -> str | None:
    """prepare.ADDRESS_NUMBER_SQL in Python."""
    if address is None:
        return None
    found = re.search(r"[0-9]+", address)
    return found.group(0) if found else None


def _jw(a: str, b: str) -> float:
    return float(JaroWinkler.similarity(a, b))


Predicate = Callable[[dict[str, str | None], dict[str, str | None]], bool]


def _same_street_other_number(q: dict[str, str | None], c: dict[str, str | None]) -> bool:
    """The level of models labelled STREET_NUMBER_LABEL, in Python."""
    ql, cl, qd, cd = (
        q["address_letters"],
        c["address_letters"],
        q["address_number"],
        c["address_number"],
    )
    if ql is None or cl is None or qd is None or cd is None or qd == cd:
        return False
    return bool(Levenshtein.distance(ql, cl) <= STREET_MAX_EDITS)


def _other_number(column: str) -> Predicate:
    """splink_model.other_number_sql in Python."""

    def check(q: dict[str, str | None], c: dict[str, str | None]) -> bool:
        if _same_street_other_number(q, c):
            return True
        qd, cd, qa, ca = q["address_number"], c["address_number"], q.get(column), c.get(column)
        if qd is None or cd is None or qd == cd or qa is None or ca is None:
            return False
        return Levenshtein.distance(qa, ca) <= ADDRESS_MAX_EDITS or _jw(qa, ca) >= ADDRESS_JW

    return check


def _other_word(a: str, b: str) -> bool:
    return len(a) > 1 and len(b) > 1 and 2 * Levenshtein.distance(a, b) > max(len(a), len(b))


def _other_given(a: str, b: str) -> bool:
    """splink_model.other_given_sql in Python (names normalised: one space between words)."""
    left, right = a.split(" "), b.split(" ")
    if len(left) != len(right):
        return False
    places = list(zip(left, right, strict=True))
    return any(x == y for x, y in places) and any(_other_word(x, y) for x, y in places)


_EXACT = re.compile(r"^Exact match on (\w+)$")
_JW = re.compile(r"^Jaro-Winkler distance of (\w+) >= ([0-9.]+)$")
_LEV = re.compile(r"^Levenshtein distance of (\w+) <= ([0-9]+)$")
_NAME_SCORE = re.compile(r"^Name score of (\w+) >= ([0-9.]+)$")  # splink_model.name_score_label


def _both(column: str, test: Callable[[str, str], bool]) -> Predicate:
    def check(q: dict[str, str | None], c: dict[str, str | None]) -> bool:
        a, b = q.get(column), c.get(column)
        return a is not None and b is not None and test(a, b)

    return check


def level_predicate(label: str, column: str) -> Predicate:
    """The Splink level with this chart label, as a test on two signatures, so the live matcher
    follows the levels of whichever model the run was trained with (models differ by version).
    An unknown label never matches, so the pair falls to a later level."""
    if label == "All other comparisons":
        return lambda q, c: True
    if label == OTHER_NUMBER_LABEL:
        return _other_number(column)
    if label == STREET_NUMBER_LABEL:
        return _same_street_other_number
    if label == OTHER_GIVEN_LABEL:
        return _both(column, _other_given)
    if label == INFRA_LEVEL_LABEL:
        return lambda q, c: is_scoped(q.get(column)) or is_scoped(c.get(column))
    if label == "same mailbox name, other domain":
        return _both(column, lambda a, b: a.split("@", 1)[0] == b.split("@", 1)[0])
    parts = [p.strip("() ") for p in label.split(") OR (")]
    if len(parts) > 1:
        tests = [level_predicate(part, column) for part in parts]
        return lambda q, c: any(t(q, c) for t in tests)
    if found := _EXACT.match(label):
        return _both(found.group(1), lambda a, b: a == b)
    if found := _JW.match(label):
        threshold = float(found.group(2))
        return _both(found.group(1), lambda a, b: _jw(a, b) >= threshold)
    if found := _NAME_SCORE.match(label):
        cut = float(found.group(2))
        return _both(found.group(1), lambda a, b: compare(a, b, NAME_SCORE_SCHEMA).score >= cut)
    if found := _LEV.match(label):
        edits = int(found.group(2))
        return _both(found.group(1), lambda a, b: Levenshtein.distance(a, b) <= edits)
    return lambda q, c: False


class LiveMatcher:
    def __init__(
        self,
        signatures: list[dict[str, str | None]],
        sig_actor: dict[str, str],
        actor_names: dict[str, str | None],
        model: dict[str, Any],
        infrastructure: dict[tuple[str, str], HeldValue] | None = None,
    ) -> None:
        self.infrastructure = infrastructure or {}
        self.signatures = {s["unique_id"]: s for s in signatures if s["unique_id"] is not None}
        self.sig_actor = sig_actor
        self.actor_names = actor_names
        # Per comparison: its column and its non-null levels in order (weight, label, test).
        self.comparisons: list[tuple[str, list[tuple[float, str, Predicate]]]] = []
        for comparison in model["comparisons"]:
            column = comparison["output_column_name"]
            levels = []
            for level in comparison["comparison_levels"]:
                if level.get("is_null_level"):
                    continue
                m, u = level.get("m_probability"), level.get("u_probability")
                weight = math.log2(m / u) if m and u else 0.0
                label = str(level.get("label_for_charts", ""))
                levels.append((weight, label, level_predicate(label, column)))
            self.comparisons.append((column, levels))
        prior = float(model["probability_two_random_records_match"])
        self.prior_weight = math.log2(prior / (1 - prior))
        self.exact: dict[str, dict[str, list[str]]] = {k: defaultdict(list) for k in EXACT_INDEXED}
        self.exact["address_core"] = defaultdict(list)
        self.tokens: dict[str, list[str]] = defaultdict(list)
        for sig_id, sig in self.signatures.items():
            for column in self.exact:
                value = sig.get(column)
                if value is not None:
                    self.exact[column][value].append(sig_id)
            for token in set((sig.get("name_norm") or "").split()):
                self.tokens[token].append(sig_id)

    @classmethod
    def load(cls, home: Path) -> LiveMatcher:
        run_dir = current_run_dir(home)
        if run_dir is None or not (run_dir / "model.json").exists():
            raise NotReady("no resolution run yet: run `redlane resolve` first")
        con = duckdb.connect()
        cols = ["unique_id", "name_norm", "name_sorted", "name_joined", "address_core", "country"]
        cols += list(EXACT_INDEXED)
        signatures_source = table_source(run_dir, "signatures")
        present = {
            r[0] for r in con.execute(f"DESCRIBE SELECT * FROM {signatures_source}").fetchall()
        }
        # runs published before the house-number level have no such columns: NULL, never used
        selected = cols + [
            c if c in present else f"NULL AS {c}" for c in ("address_letters", "address_number")
        ]
        cols += ["address_letters", "address_number"]
        cursor = con.execute(f"SELECT {', '.join(selected)} FROM {signatures_source}")
        signatures = [dict(zip(cols, row, strict=True)) for row in cursor.fetchall()]
        parties = table_source(run_dir, "parties")
        actors = table_source(run_dir, "party_actors")
        sig_actor = dict(con.execute(majority_actor_sql(parties, actors)).fetchall())
        actor_source = table_source(run_dir, "actors")
        names = dict(con.execute(f"SELECT actor_id, display_name FROM {actor_source}").fetchall())
        infrastructure = {}
        if table_paths(run_dir, "infrastructure"):
            infrastructure = load_values(con, table_source(run_dir, "infrastructure"))
        con.close()
        model = json.loads((run_dir / "model.json").read_text("utf-8"))
        return cls(signatures, sig_actor, names, model, infrastructure)

    def _candidates(self, q: dict[str, str | None]) -> set[str]:
        found: set[str] = set()
        for column, index in self.exact.items():
            value = q.get(column)
            if value is not None:
                found.update(index.get(value, ())[:MAX_CANDIDATES])
        counts: dict[str, int] = defaultdict(int)
        for token in set((q.get("name_norm") or "").split()):
            postings = self.tokens.get(token, [])
            if len(postings) <= MAX_TOKEN_POSTINGS:
                for sig_id in postings:
                    counts[sig_id] += 1
        ranked = sorted(counts, key=lambda s: -counts[s])[:MAX_CANDIDATES]
        found.update(ranked)
        return found

    def score(
        self, q: dict[str, str | None], sig: dict[str, str | None]
    ) -> tuple[float, list[FieldReason]]:
        total = self.prior_weight
        reasons = []
        for column, levels in self.comparisons:
            if q.get(column) is None or sig.get(column) is None:
                continue  # the null level: no evidence either way
            for weight, label, test in levels:
                if test(q, sig):
                    total += weight
                    reasons.append(FieldReason(column, label, weight))
                    break
        reasons.sort(key=lambda r: -abs(r.weight))
        return total, reasons

    def match(self, record: dict[str, Any], top: int = 5) -> list[Candidate]:
        q = scope_record(signature_of(record), self.infrastructure)
        best: dict[str, tuple[float, list[FieldReason]]] = {}
        for sig_id in self._candidates(q):
            actor_id = self.sig_actor.get(sig_id)
            if actor_id is None:
                continue
            weight, reasons = self.score(q, self.signatures[sig_id])
            if actor_id not in best or weight > best[actor_id][0]:
                best[actor_id] = (weight, reasons)
        ranked = sorted(best.items(), key=lambda item: -item[1][0])[:top]
        return [
            Candidate(
                actor_id=actor_id,
                probability=1 / (1 + 2 ** (-weight)),
                match_weight=weight,
                display_name=self.actor_names.get(actor_id),
                reasons=reasons,
            )
            for actor_id, (weight, reasons) in ranked
        ]
