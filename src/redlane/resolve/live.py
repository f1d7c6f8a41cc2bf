"""Live matching: one new party record → the most likely existing actors, in milliseconds.

No Splink job per request: the current run's signatures are held in memory with exact-value
indexes (phone, email, bank account, device, IP, handle, registry id, address) and a name-token
index; candidates are scored with the trained Splink model's own m and u probabilities, level by
level, so a live score reads like the batch one (term-frequency adjustments are left out).
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
from rapidfuzz.distance import JaroWinkler, Levenshtein

from redlane import normalize
from redlane.errors import NotReady
from redlane.resolve.cluster import majority_actor_sql
from redlane.resolve.outputs import current_run_dir, table_source
from redlane.resolve.prepare import name_key, registry_key
from redlane.resolve.splink_model import (
    ADDRESS_JW,
    ADDRESS_MAX_EDITS,
    NAME_JW_STRONG,
    NAME_JW_WEAK,
    NAME_SORTED_JW,
    load_settings,
)

EXACT_INDEXED = (
    "phone",
    "email",
    "bank_account",
    "device_id",
    "ip_address",
    "handle",
    "registry_id",
)
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
    return {
        "name_norm": name,
        "name_sorted": " ".join(tokens) or None,
        "name_joined": name.replace(" ", "") if name else None,
        "address_core": normalize.address_core(record.get("address")),
        "country": country,
        "phone": normalize.phone(record.get("phone"), record.get("country")),
        "email": normalize.email(record.get("email")),
        "bank_account": normalize.bank_account(record.get("bank_account")),
        "device_id": normalize.device_id(record.get("device_id")),
        "ip_address": normalize.ip_address(record.get("ip_address")),
        "handle": normalize.handle(record.get("handle")),
        "registry_id": registry_key(record.get("registry_id")),
    }


def _jw(a: str, b: str) -> float:
    return float(JaroWinkler.similarity(a, b))


def _level(kind: str, column: str, q: dict[str, str | None], c: dict[str, str | None]) -> int:
    """Index of the Splink comparison level the pair falls in (same order as splink_model)."""
    a, b = q.get(column), c.get(column)
    if a is None or b is None:
        return 0
    if a == b:
        return 1
    if kind == "name":
        qs, cs, qj, cj = q["name_sorted"], c["name_sorted"], q["name_joined"], c["name_joined"]
        if (qs is not None and qs == cs) or (qj is not None and qj == cj):
            return 2
        if _jw(a, b) >= NAME_JW_STRONG:
            return 3
        if qs is not None and cs is not None and _jw(qs, cs) >= NAME_SORTED_JW:
            return 4
        if _jw(a, b) >= NAME_JW_WEAK:
            return 5
        return 6
    if kind == "address":
        if Levenshtein.distance(a, b) <= ADDRESS_MAX_EDITS:
            return 2
        if _jw(a, b) >= ADDRESS_JW:
            return 3
        return 4
    if kind == "email":
        return 2 if a.split("@", 1)[0] == b.split("@", 1)[0] else 3
    return 2


class LiveMatcher:
    def __init__(
        self,
        signatures: list[dict[str, str | None]],
        sig_actor: dict[str, str],
        actor_names: dict[str, str | None],
        model: dict[str, Any],
    ) -> None:
        self.signatures = {s["unique_id"]: s for s in signatures if s["unique_id"] is not None}
        self.sig_actor = sig_actor
        self.actor_names = actor_names
        kinds = {spec["column"]: spec["kind"] for spec in load_settings()["comparisons"]}
        self.comparisons: list[tuple[str, str, list[tuple[float, str]]]] = []
        for comparison in model["comparisons"]:
            column = comparison["output_column_name"]
            levels = []
            for level in comparison["comparison_levels"]:
                m, u = level.get("m_probability"), level.get("u_probability")
                weight = math.log2(m / u) if m and u else 0.0
                levels.append((weight, str(level.get("label_for_charts", ""))))
            self.comparisons.append((column, kinds.get(column, "exact"), levels))
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
        cursor = con.execute(f"SELECT {', '.join(cols)} FROM {signatures_source}")
        signatures = [dict(zip(cols, row, strict=True)) for row in cursor.fetchall()]
        parties = table_source(run_dir, "parties")
        actors = table_source(run_dir, "party_actors")
        sig_actor = dict(con.execute(majority_actor_sql(parties, actors)).fetchall())
        actor_source = table_source(run_dir, "actors")
        names = dict(con.execute(f"SELECT actor_id, display_name FROM {actor_source}").fetchall())
        con.close()
        model = json.loads((run_dir / "model.json").read_text("utf-8"))
        return cls(signatures, sig_actor, names, model)

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
        for column, kind, levels in self.comparisons:
            index = _level(kind, column, q, sig)
            if index >= len(levels):
                index = len(levels) - 1
            weight, label = levels[index]
            total += weight
            if index != 0:
                reasons.append(FieldReason(column, label, weight))
        reasons.sort(key=lambda r: -abs(r.weight))
        return total, reasons

    def match(self, record: dict[str, Any], top: int = 5) -> list[Candidate]:
        q = signature_of(record)
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
