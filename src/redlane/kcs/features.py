"""Features of a declaration: what the models see, in a fixed, versioned order.

- HS code at 2/4/6/10 digits and crossed with origin, tax type, office, importer, declarant.
- Low-cardinality codes (office, transport, origin, HS chapter, ...) as LightGBM categoricals.
- High-cardinality keys (parties, HS10, HS x origin, ...): frequency in the training rows and
  smoothed target encodings of fraud and critical fraud (time-respecting out of fold for the
  training rows themselves, see ``encoding.expanding_encoding``).
- Price, mass, price per kg (logs), tax rate, date parts, and how far price / mass / price per
  kg sit from the usual for the same HS10, HS6 and HS10 x origin.

``FEATURE_NAMES`` is the contract with a saved model: a model trained on another list is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from redlane.kcs.data import Declarations
from redlane.kcs.encoding import GroupMoments, KeyStats, Vocabulary, expanding_encoding

FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.object_]

FEATURE_VERSION = 1
NATIVE = (
    "Office ID",
    "Process Type",
    "Import Type",
    "Import Use",
    "Payment Type",
    "Mode of Transport",
    "Country of Departure",
    "Country of Origin",
    "Tax Type",
    "Country of Origin Indicator",
    "hs2",
    "hs4",
)
ENCODED = (
    "Declarant ID",
    "Importer ID",
    "Seller ID",
    "Courier ID",
    "HS10 Code",
    "hs6",
    "hs4 x origin",
    "hs6 x origin",
    "hs10 x origin",
    "importer x hs4",
    "declarant x hs4",
    "hs10 x tax type",
    "office x hs4",
)
TARGETS = ("fraud", "critical")
BASE_NUMERIC = (
    "tax rate",
    "net mass",
    "item price",
    "log price",
    "log price per kg",
    "month",
    "weekday",
    "day of month",
    "departure != origin",
)
DEVIATION_GROUPS = ("HS10 Code", "hs6", "hs10 x origin")
DEVIATION_OF = ("log price", "log mass", "log price per kg")


def _slug(name: str) -> str:
    return name.lower().replace(" x ", "_x_").replace(" ", "_").replace("!=", "ne")


FEATURE_NAMES: tuple[str, ...] = (
    *(f"cat_{_slug(k)}" for k in NATIVE),
    *(f"freq_{_slug(k)}" for k in ENCODED),
    *(f"te_{t}_{_slug(k)}" for t in TARGETS for k in ENCODED),
    *(_slug(n) for n in BASE_NUMERIC),
    *(f"dev_{_slug(v)}_{_slug(g)}" for g in DEVIATION_GROUPS for v in DEVIATION_OF),
)
CATEGORICAL_FEATURES: tuple[int, ...] = tuple(range(len(NATIVE)))


def keys(decl: Declarations) -> dict[str, StrArray]:
    """Every categorical key, raw and derived, as string arrays."""
    cat = decl.categorical
    hs = cat["HS10 Code"]
    out = dict(cat)
    for digits in (2, 4, 6):
        out[f"hs{digits}"] = np.asarray([h[:digits] for h in hs], dtype=object)
    origin = cat["Country of Origin"]

    def cross(a: StrArray, b: StrArray) -> StrArray:
        return np.asarray([f"{x}|{y}" for x, y in zip(a, b, strict=True)], dtype=object)

    out["hs4 x origin"] = cross(out["hs4"], origin)
    out["hs6 x origin"] = cross(out["hs6"], origin)
    out["hs10 x origin"] = cross(hs, origin)
    out["importer x hs4"] = cross(cat["Importer ID"], out["hs4"])
    out["declarant x hs4"] = cross(cat["Declarant ID"], out["hs4"])
    out["hs10 x tax type"] = cross(hs, cat["Tax Type"])
    out["office x hs4"] = cross(cat["Office ID"], out["hs4"])
    return out


def numeric(decl: Declarations) -> dict[str, FloatArray]:
    """Numeric features that need no training statistics."""
    num = decl.numeric
    price = num["Item Price"]
    mass = num["Net Mass"]
    days = decl.dates.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    return {
        "tax rate": num["Tax Rate"],
        "net mass": mass,
        "item price": price,
        "log price": np.log1p(price),
        "log mass": np.log1p(mass),
        "log price per kg": np.log1p(price) - np.log1p(mass),
        "month": (months.astype(np.int64) % 12 + 1).astype(np.float64),
        "weekday": ((days.astype(np.int64) + 3) % 7).astype(np.float64),
        "day of month": (days - months.astype("datetime64[D]")).astype(np.int64) + 1.0,
        "departure != origin": (
            decl.categorical["Country of Departure"] != decl.categorical["Country of Origin"]
        ).astype(np.float64),
    }


def chronological_blocks(decl: Declarations, n_blocks: int) -> npt.NDArray[np.int64]:
    """Block number 0..n_blocks-1 of each row, by date (file order breaks ties)."""
    order = np.argsort(decl.dates, kind="stable")
    block = np.empty(len(decl), dtype=np.int64)
    block[order] = np.arange(len(decl)) * n_blocks // max(len(decl), 1)
    return block


@dataclass(frozen=True)
class FeatureEncoder:
    """Statistics learned from the training rows; turns declarations into the feature matrix."""

    vocabularies: dict[str, Vocabulary]
    stats: dict[str, KeyStats]
    moments: dict[str, GroupMoments]
    priors: FloatArray
    alpha: float

    @classmethod
    def fit(
        cls, decl: Declarations, *, alpha: float = 10.0, min_count: int = 5, shrink: float = 5.0
    ) -> FeatureEncoder:
        fraud, critical = decl.labels()
        targets = np.stack([fraud, critical], axis=1).astype(np.float64)
        k = keys(decl)
        num = numeric(decl)
        return cls(
            vocabularies={n: Vocabulary.fit(k[n], min_count) for n in NATIVE},
            stats={n: KeyStats.fit(k[n], targets) for n in ENCODED},
            moments={
                f"{v}|{g}": GroupMoments.fit(k[g], num[v], shrink)
                for g in DEVIATION_GROUPS
                for v in DEVIATION_OF
            },
            priors=targets.mean(axis=0),
            alpha=alpha,
        )

    def transform(self, decl: Declarations) -> FloatArray:
        """Features of new rows: encodings from all training rows."""
        k = keys(decl)
        encoded = {n: self.stats[n].encoding(k[n], self.priors, self.alpha) for n in ENCODED}
        frequency = {n: self.stats[n].frequency(k[n]) for n in ENCODED}
        return self._assemble(decl, k, frequency, encoded)

    def transform_training(self, decl: Declarations, n_blocks: int = 12) -> FloatArray:
        """Features of the training rows themselves: target encodings only from earlier blocks,
        frequencies without the row itself (so both look as they will for a new row)."""
        fraud, critical = decl.labels()
        targets = np.stack([fraud, critical], axis=1).astype(np.float64)
        block = chronological_blocks(decl, n_blocks)
        k = keys(decl)
        encoded = {n: expanding_encoding(k[n], targets, block, self.alpha) for n in ENCODED}
        frequency = {n: self.stats[n].frequency(k[n]) - 1.0 for n in ENCODED}
        return self._assemble(decl, k, frequency, encoded)

    def _assemble(
        self,
        decl: Declarations,
        k: dict[str, StrArray],
        frequency: dict[str, FloatArray],
        encoded: dict[str, FloatArray],
    ) -> FloatArray:
        num = numeric(decl)
        columns: list[FloatArray] = [self.vocabularies[n].codes(k[n]) for n in NATIVE]
        columns += [frequency[n] for n in ENCODED]
        columns += [encoded[n][:, t] for t in range(len(TARGETS)) for n in ENCODED]
        columns += [num[n] for n in BASE_NUMERIC]
        columns += [
            self.moments[f"{v}|{g}"].deviation(k[g], num[v])
            for g in DEVIATION_GROUPS
            for v in DEVIATION_OF
        ]
        matrix = np.column_stack(columns).astype(np.float64)
        assert matrix.shape[1] == len(FEATURE_NAMES)
        return matrix

    def to_json(self) -> dict[str, Any]:
        return {
            "vocabularies": {n: v.to_json() for n, v in self.vocabularies.items()},
            "stats": {n: s.to_json() for n, s in self.stats.items()},
            "moments": {n: m.to_json() for n, m in self.moments.items()},
            "priors": self.priors.tolist(),
            "alpha": self.alpha,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FeatureEncoder:
        return cls(
            vocabularies={n: Vocabulary.from_json(v) for n, v in data["vocabularies"].items()},
            stats={n: KeyStats.from_json(s) for n, s in data["stats"].items()},
            moments={n: GroupMoments.from_json(m) for n, m in data["moments"].items()},
            priors=np.asarray(data["priors"], dtype=np.float64),
            alpha=float(data["alpha"]),
        )
