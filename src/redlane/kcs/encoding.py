"""Per-key statistics learned from training rows, and how they turn into numbers.

Three kinds, all plain JSON so a model directory never needs pickle:

- ``Vocabulary``: codes for LightGBM's categorical handling (rare values share "unknown").
- ``KeyStats``: per key value, the row count and the label sums (fraud, critical), giving
  frequency encodings and smoothed target encodings ``(sum + alpha * prior) / (n + alpha)``.
- ``GroupMoments``: per key value, the shrunk mean and spread of a numeric column, giving the
  deviation ``(x - mean) / spread`` (e.g. price per kg against the same HS code).

Training rows get their target encodings *time-respecting out of fold*: rows are cut into
chronological blocks and a row only sees the labels of earlier blocks (``expanding_encoding``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.object_]


def _lookup(table: dict[str, int], values: StrArray) -> npt.NDArray[np.int64]:
    """Index of each value in ``table``, -1 when unseen."""
    return np.fromiter((table.get(v, -1) for v in values), dtype=np.int64, count=len(values))


@dataclass(frozen=True)
class Vocabulary:
    """Values seen at least ``min_count`` times, coded 0..n-1; anything else is NaN."""

    values: tuple[str, ...]

    @classmethod
    def fit(cls, values: StrArray, min_count: int) -> Vocabulary:
        uniq, counts = np.unique(values.astype(str), return_counts=True)
        return cls(tuple(str(v) for v in uniq[counts >= min_count]))

    def codes(self, values: StrArray) -> FloatArray:
        index = _lookup({v: i for i, v in enumerate(self.values)}, values).astype(np.float64)
        index[index < 0] = np.nan
        return index

    def to_json(self) -> list[str]:
        return list(self.values)

    @classmethod
    def from_json(cls, data: list[str]) -> Vocabulary:
        return cls(tuple(data))


@dataclass(frozen=True)
class KeyStats:
    """Row count and label sums per key value (label order as in ``targets``)."""

    values: tuple[str, ...]
    counts: FloatArray
    sums: FloatArray  # shape (n values, n targets)

    @classmethod
    def fit(cls, values: StrArray, targets: FloatArray) -> KeyStats:
        uniq, inverse = np.unique(values.astype(str), return_inverse=True)
        counts = np.bincount(inverse, minlength=len(uniq)).astype(np.float64)
        sums = np.zeros((len(uniq), targets.shape[1]), dtype=np.float64)
        for t in range(targets.shape[1]):
            sums[:, t] = np.bincount(inverse, weights=targets[:, t], minlength=len(uniq))
        return cls(tuple(str(v) for v in uniq), counts, sums)

    def _index(self, values: StrArray) -> npt.NDArray[np.int64]:
        return _lookup({v: i for i, v in enumerate(self.values)}, values)

    def frequency(self, values: StrArray) -> FloatArray:
        index = self._index(values)
        return np.where(index >= 0, self.counts[index], 0.0)

    def encoding(self, values: StrArray, priors: FloatArray, alpha: float) -> FloatArray:
        """Smoothed rate of each target, shape (rows, targets); unseen values get the prior."""
        index = self._index(values)
        seen = index >= 0
        n = np.where(seen, self.counts[index], 0.0)[:, None]
        s = np.where(seen[:, None], self.sums[index], 0.0)
        result: FloatArray = (s + alpha * priors[None, :]) / (n + alpha)
        return result

    def to_json(self) -> dict[str, Any]:
        return {
            "values": list(self.values),
            "counts": self.counts.astype(int).tolist(),
            "sums": self.sums.tolist(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeyStats:
        sums = np.asarray(data["sums"], dtype=np.float64)
        return cls(
            tuple(data["values"]),
            np.asarray(data["counts"], dtype=np.float64),
            sums.reshape(len(data["values"]), -1) if sums.size else sums.reshape(0, 2),
        )


def expanding_encoding(
    values: StrArray, targets: FloatArray, block: npt.NDArray[np.int64], alpha: float
) -> FloatArray:
    """Target encoding of training rows that uses only the labels of earlier blocks.

    A row of block ``b`` gets ``(sum + alpha * prior) / (n + alpha)`` over blocks ``< b``, with
    the prior the overall rate of those blocks. The first block has no past: it gets its own
    overall rate for every value, as an unseen value would.
    """
    uniq, inverse = np.unique(values.astype(str), return_inverse=True)
    n_targets = targets.shape[1]
    out = np.empty((len(values), n_targets), dtype=np.float64)
    counts = np.zeros(len(uniq), dtype=np.float64)
    sums = np.zeros((len(uniq), n_targets), dtype=np.float64)
    seen_rows = 0.0
    seen_sums = np.zeros(n_targets, dtype=np.float64)
    first = block == block.min()
    neutral = targets[first].mean(axis=0)
    for b in np.unique(block):
        rows = np.flatnonzero(block == b)
        priors = seen_sums / seen_rows if seen_rows else neutral
        idx = inverse[rows]
        out[rows] = (sums[idx] + alpha * priors[None, :]) / (counts[idx][:, None] + alpha)
        counts += np.bincount(idx, minlength=len(uniq))
        for t in range(n_targets):
            sums[:, t] += np.bincount(idx, weights=targets[rows, t], minlength=len(uniq))
        seen_rows += len(rows)
        seen_sums += targets[rows].sum(axis=0)
    return out


@dataclass(frozen=True)
class GroupMoments:
    """Shrunk mean and standard deviation of one numeric column per key value."""

    values: tuple[str, ...]
    means: FloatArray
    spreads: FloatArray
    overall_mean: float
    overall_spread: float

    @classmethod
    def fit(cls, values: StrArray, x: FloatArray, shrink: float) -> GroupMoments:
        ok = ~np.isnan(x)
        uniq, inverse = np.unique(values[ok].astype(str), return_inverse=True)
        xs = x[ok]
        gm = float(xs.mean()) if len(xs) else 0.0
        gs = float(xs.std()) if len(xs) > 1 else 1.0
        n = np.bincount(inverse, minlength=len(uniq)).astype(np.float64)
        s1 = np.bincount(inverse, weights=xs, minlength=len(uniq))
        s2 = np.bincount(inverse, weights=xs * xs, minlength=len(uniq))
        mean = (s1 + shrink * gm) / (n + shrink)
        var = (s2 + shrink * (gs * gs + gm * gm)) / (n + shrink) - mean * mean
        spread = np.sqrt(np.maximum(var, 1e-6))
        return cls(tuple(str(v) for v in uniq), mean, spread, gm, max(gs, 1e-3))

    def deviation(self, values: StrArray, x: FloatArray) -> FloatArray:
        index = _lookup({v: i for i, v in enumerate(self.values)}, values)
        seen = index >= 0
        mean = np.where(seen, self.means[index], self.overall_mean)
        spread = np.where(seen, self.spreads[index], self.overall_spread)
        result: FloatArray = (x - mean) / spread
        return result

    def to_json(self) -> dict[str, Any]:
        return {
            "values": list(self.values),
            "means": self.means.tolist(),
            "spreads": self.spreads.tolist(),
            "overall": [self.overall_mean, self.overall_spread],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> GroupMoments:
        return cls(
            tuple(data["values"]),
            np.asarray(data["means"], dtype=np.float64),
            np.asarray(data["spreads"], dtype=np.float64),
            float(data["overall"][0]),
            float(data["overall"][1]),
        )
