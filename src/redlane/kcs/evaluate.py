"""Precision and recall at an inspection rate, from one ranking by score.

At rate ``r`` over ``N`` declarations the top ``k = max(1, ceil(r * N))`` by score are inspected
(highest first; equal scores keep file order, so the ranking is deterministic).

- precision@r: frauds among the inspected / k
- recall@r: frauds among the inspected / all frauds
- critical recall@r: critical frauds (``Critical Fraud == 2``) among the inspected / all of them

A recall with nothing to find (no fraud, or no critical fraud, in the file) is ``None``.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

RATES = (0.01, 0.02, 0.05, 0.10)


@dataclass(frozen=True)
class AtRate:
    rate: float
    inspected: int
    precision: float
    recall: float | None
    critical_recall: float | None

    def as_dict(self) -> dict[str, float | int | None]:
        return asdict(self)


def inspected_count(rate: float, total: int) -> int:
    if not 0 < rate <= 1:
        raise ValueError(f"inspection rate must be in (0, 1], got {rate}")
    # round first so that e.g. 0.05 * 100 = 5.000000000000001 inspects 5, not 6
    return max(1, math.ceil(round(rate * total, 9)))


def ranking(scores: npt.ArrayLike) -> npt.NDArray[np.intp]:
    """Row positions from the highest score down; ties keep input order; NaN ranks last."""
    s = np.asarray(scores, dtype=np.float64)
    s = np.where(np.isnan(s), -np.inf, s)
    return np.argsort(-s, kind="stable")


def at_rates(
    scores: npt.ArrayLike,
    fraud: npt.ArrayLike,
    critical: npt.ArrayLike,
    rates: tuple[float, ...] = RATES,
) -> list[AtRate]:
    """Metrics at each rate; ``critical`` is 0/1 (1 = critical fraud)."""
    y = np.asarray(fraud, dtype=np.int64)
    c = np.asarray(critical, dtype=np.int64)
    if not len(y) == len(c) == len(np.asarray(scores)):
        raise ValueError("scores, fraud and critical must have the same length")
    if len(y) == 0:
        raise ValueError("nothing to evaluate: no rows")
    order = ranking(scores)
    hits = np.cumsum(y[order])
    critical_hits = np.cumsum(c[order])
    total, total_critical = int(y.sum()), int(c.sum())
    out = []
    for rate in rates:
        k = inspected_count(rate, len(y))
        found = int(hits[k - 1])
        found_critical = int(critical_hits[k - 1])
        out.append(
            AtRate(
                rate=rate,
                inspected=k,
                precision=found / k,
                recall=found / total if total else None,
                critical_recall=found_critical / total_critical if total_critical else None,
            )
        )
    return out


def summary(metrics: list[AtRate], rate: float) -> AtRate:
    """The entry for ``rate``."""
    for m in metrics:
        if math.isclose(m.rate, rate):
            return m
    raise KeyError(rate)
