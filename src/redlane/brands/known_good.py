"""Known-good supply chains and cloned codes, applied to targeting scores after the model.

**Known-good.** A parcel whose shipper resolves to an authorised party of the brand it carries
(the brand named in its description, or, with no brand named, a brand whose product lines use
its HS code) ships through a supply chain the rights holder vouches for: its odds of being seized
are multiplied by :data:`KNOWN_GOOD_ODDS` and the officer reads *"shipper is an authorised
exporter of Brand X (known-good supply chain)"*. Other evidence outweighs it, and then the score
is left as the model gave it (the sentence says what outweighed it): a rule or lookout hit,
seizures of the shipper's identifiers, actor or ring, a declared value under half the lowest
genuine price, or cloned codes on the shipper's earlier parcels.

**Cloned codes.** A shipper whose earlier parcels carried cloned authentication codes of a
brand gets its odds multiplied by :data:`CLONED_ODDS` and the sentence *"shipper's earlier
parcels carried cloned Brand X authentication codes (N parcels)"*.

The adjustment is one pure function of a feature row (:meth:`KnownGoodIndex.adjust_one`), used
by the warm screener and, vectorised over a day's feature table, by plans
(:meth:`KnownGoodIndex.adjust_batch`). The index is loaded from the brand registry in the
operational store (authorised parties with their resolved ``actor_id``) and the code scans.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from redlane.brands.codes import cloned_refs
from redlane.store.brand_models import Brand, BrandCodeScan, BrandParty, BrandProductLine

# Odds multipliers; policy values, stated in docs/brands.md, not fitted to any evaluation.
KNOWN_GOOD_ODDS: Final = 0.1
CLONED_ODDS: Final = 10.0
# Declared below this share of the lowest genuine price: genuine goods from an authorised
# exporter are not sold at that, whoever ships them.
GENUINE_GAP_LIMIT: Final = 0.5
COLUMNS: Final = (
    "shipper_actor_id",
    "genuine_brand",
    "brand_in_description",
    "hs6",
    "genuine_gap",
    "identifier_seized_60d",
    "sactor_seized",
    "ring_id",
    "ring_seized",
)

Row = Mapping[str, Any]
FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Authorisation:
    brand_ref: str
    brand: str
    role: str
    hs6: frozenset[str]

    def sentence(self) -> str:
        return f"shipper is an authorised {self.role} of {self.brand} (known-good supply chain)"


def _num(row: Row, name: str) -> float:
    value = row.get(name)
    try:
        return math.nan if value is None else float(value)
    except (TypeError, ValueError):
        return math.nan


def outweighing(row: Row, mandatory: bool) -> list[str]:
    """What in a parcel's row outweighs a known-good supply chain."""
    found = []
    if mandatory:
        found.append("a rule or lookout hit")
    if _num(row, "identifier_seized_60d") > 0:
        found.append(
            f"{int(_num(row, 'identifier_seized_60d'))} seizures of its identifiers in 60 days"
        )
    if _num(row, "sactor_seized") > 0:
        found.append(f"{int(_num(row, 'sactor_seized'))} earlier seizures of the shipper")
    if row.get("ring_id") and _num(row, "ring_seized") > 0:
        found.append(f"ring {row.get('ring_id')} with seizures")
    if _num(row, "genuine_gap") > GENUINE_GAP_LIMIT:
        found.append(f"declared {_num(row, 'genuine_gap'):.0%} below the genuine price")
    return found


def _shift(p: float, odds: float) -> float:
    if not 0 < p < 1:
        return p
    o = p / (1 - p) * odds
    return o / (1 + o)


@dataclass
class KnownGoodIndex:
    """Authorised parties by actor, and actors whose parcels carried cloned codes."""

    by_actor: dict[str, list[Authorisation]] = field(default_factory=dict)
    cloned: dict[str, tuple[str, int]] = field(default_factory=dict)  # actor → (brand, parcels)

    @classmethod
    def load(cls, session: Session, con: duckdb.DuckDBPyConnection | None = None) -> KnownGoodIndex:
        """From the store's brand registry; ``con`` (resolution views, ``mp_listings``) maps
        the refs that carried cloned codes to their shipper and seller actors."""
        lines: dict[int, set[str]] = {}
        for brand_id, hs6 in session.execute(
            select(BrandProductLine.brand_id, BrandProductLine.hs6)
        ).all():
            lines.setdefault(int(brand_id), set()).add(str(hs6))
        index = cls()
        for party, brand in session.execute(
            select(BrandParty, Brand)
            .join(Brand, Brand.id == BrandParty.brand_id)
            .where(BrandParty.actor_id.is_not(None))
            .order_by(BrandParty.actor_id, Brand.brand_ref, BrandParty.role)
        ).all():
            auth = Authorisation(
                brand.brand_ref, brand.name, party.role, frozenset(lines.get(brand.id, ()))
            )
            index.by_actor.setdefault(str(party.actor_id), []).append(auth)
        if con is not None:
            index.cloned = _cloned_actors(session, con)
        return index

    def __bool__(self) -> bool:
        return bool(self.by_actor or self.cloned)

    def authorisation(self, row: Row) -> Authorisation | None:
        """The authorisation that makes this parcel's supply chain known-good, if any."""
        auths = self.by_actor.get(str(row.get("shipper_actor_id") or ""))
        if not auths:
            return None
        named = row.get("genuine_brand") if _num(row, "brand_in_description") > 0 else None
        for auth in auths:
            if named is not None:
                if str(named).lower() == auth.brand.lower():
                    return auth
            elif row.get("hs6") in auth.hs6:
                return auth
        return None

    def adjust_one(self, row: Row, p: float, mandatory: bool = False) -> tuple[float, list[str]]:
        """The adjusted probability and the sentences to add to the parcel's reasons."""
        reasons: list[str] = []
        cloned = self.cloned.get(str(row.get("shipper_actor_id") or ""))
        if cloned is not None:
            p = _shift(p, CLONED_ODDS)
            reasons.append(
                f"shipper's earlier parcels carried cloned {cloned[0]} authentication codes"
                f" ({cloned[1]} parcels)"
            )
        auth = self.authorisation(row)
        if auth is None:
            return p, reasons
        against = outweighing(row, mandatory) + (["cloned codes"] if cloned else [])
        if against:
            reasons.append(f"{auth.sentence()}, outweighed by: {'; '.join(against)}")
            return p, reasons
        return _shift(p, KNOWN_GOOD_ODDS), [*reasons, auth.sentence()]

    def adjust_batch(
        self,
        feats: pa.Table,
        p: FloatArray,
        est_value: FloatArray,
        mandatory: npt.NDArray[np.bool_],
    ) -> tuple[FloatArray, FloatArray, list[list[str]]]:
        """``(probability, expected value, sentences)`` for every row of a feature table."""
        n = feats.num_rows
        reasons: list[list[str]] = [[] for _ in range(n)]
        if not self or n == 0:
            return p, p * est_value, reasons
        present = [c for c in COLUMNS if c in feats.column_names]
        data = feats.select(present).to_pydict()
        out = np.array(p, dtype=np.float64, copy=True)
        actors = data.get("shipper_actor_id", [None] * n)
        for i in range(n):
            if actors[i] is None or (
                actors[i] not in self.by_actor and actors[i] not in self.cloned
            ):
                continue
            row = {c: data[c][i] for c in present}
            out[i], reasons[i] = self.adjust_one(row, float(p[i]), bool(mandatory[i]))
        return out, out * est_value, reasons

    def known_good_mask(self, feats: pa.Table, mandatory: npt.NDArray[np.bool_]) -> list[bool]:
        """Which rows the discount applies to (authorised and not outweighed)."""
        present = [c for c in COLUMNS if c in feats.column_names]
        data = feats.select(present).to_pydict()
        mask = []
        for i in range(feats.num_rows):
            row = {c: data[c][i] for c in present}
            auth = self.authorisation(row)
            cloned = str(row.get("shipper_actor_id") or "") in self.cloned
            mask.append(auth is not None and not cloned and not outweighing(row, mandatory[i]))
        return mask


def _cloned_actors(session: Session, con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, int]]:
    """Actors (shippers of parcels, sellers of listings) whose goods carried cloned codes."""
    brand_of_hash = dict(
        session.execute(
            select(BrandCodeScan.code_hash, Brand.name)
            .join(Brand, Brand.id == BrandCodeScan.brand_id)
            .where(BrandCodeScan.verdict == "cloned")
        ).all()
    )
    brand_of_key: dict[str, str] = {}
    hawbs: set[str] = set()
    listings: set[str] = set()
    for digest, refs in cloned_refs(session).items():
        for ref in refs:
            kind, _, key = ref.partition(":")
            key = key.partition("/")[2] or key if kind == "shipment" else key
            (hawbs if kind == "shipment" else listings).add(key)
            brand_of_key.setdefault(key, str(brand_of_hash.get(digest, "brand")))
    if not hawbs and not listings:
        return {}
    found: dict[str, set[str]] = {}
    try:
        for actor, key in (
            con.execute(
                "SELECT actor_id, record_key FROM party_actors WHERE source_table = 'aed_shipments'"
                " AND role = 'shipper' AND list_contains(?, record_key)",
                [sorted(hawbs)],
            ).fetchall()
            + con.execute(
                "SELECT pa.actor_id, l.listing_id FROM mp_listings l JOIN party_actors pa"
                " ON pa.source_table = 'mp_sellers' AND pa.record_key = l.seller_id"
                " WHERE list_contains(?, l.listing_id)",
                [sorted(listings)],
            ).fetchall()
        ):
            found.setdefault(str(actor), set()).add(str(key))
    except duckdb.Error:
        return {}  # no resolution run or marketplace feed yet
    return {actor: (brand_of_key[sorted(keys)[0]], len(keys)) for actor, keys in found.items()}
