"""Combining the fraud and critical-fraud models: calibration and the precision/critical frontier.

The score of a declaration is its expected cost of *not* inspecting it::

    score = P(fraud) + w * P(critical fraud)

with both probabilities calibrated (Platt scaling on a held-out, later time slice) and ``w`` the
extra cost of missing a critical fraud relative to an ordinary one. ``w = 0`` ranks by fraud
alone (best precision); a larger ``w`` pulls critical frauds up at some cost in precision.
``w`` is chosen on the tuning slice: the largest critical recall at 5 % among the weights whose
precision at 5 % and at 10 % meet floors (by default the targets, 97 % and 92 %, plus half a
point of margin).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

from redlane.kcs.evaluate import at_rates, summary

FloatArray = npt.NDArray[np.float64]
MIN_SLOPE, MAX_SLOPE, MAX_OFFSET = 0.05, 3.0, 10.0
WEIGHTS = (0.0, 0.1, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 5.0, 10.0)


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, 1e-7, 1 - 1e-7)
    result: FloatArray = np.log(q / (1 - q))
    return result


def _sigmoid(z: FloatArray) -> FloatArray:
    result: FloatArray = np.exp(-np.logaddexp(0.0, -z))
    return result


@dataclass(frozen=True)
class Platt:
    """``P = sigmoid(a * logit(p) + b)``: a monotone map, so it never changes a ranking."""

    a: float = 1.0
    b: float = 0.0

    @classmethod
    def fit(cls, p: FloatArray, y: npt.NDArray[np.int64], l2: float = 1e-2) -> Platt:
        """Penalised maximum likelihood (damped Newton); the slope is kept in
        ``[MIN_SLOPE, MAX_SLOPE]`` so a tiny or separable tuning slice cannot saturate scores
        into ties, and a map that would invert the ranking is never used."""
        if len(y) == 0 or y.min() == y.max():
            return cls()
        design = np.column_stack([_logit(p), np.ones(len(p))])
        target = y.astype(np.float64)

        def loss(theta: FloatArray) -> float:
            z = design @ theta
            nll = np.logaddexp(0.0, z) - target * z
            return float(nll.sum() + 0.5 * l2 * (theta @ theta))

        theta = np.array([1.0, 0.0])
        current = loss(theta)
        for _ in range(100):
            q = 1 / (1 + np.exp(-(design @ theta)))
            grad = design.T @ (q - target) + l2 * theta
            hess = (design * (q * (1 - q))[:, None]).T @ design + l2 * np.eye(2)
            step = np.linalg.solve(hess, grad)
            scale = 1.0
            while scale > 1e-6 and loss(theta - scale * step) > current:
                scale /= 2
            theta = theta - scale * step
            previous, current = current, loss(theta)
            if previous - current < 1e-10:
                break
        a = float(np.clip(theta[0], MIN_SLOPE, MAX_SLOPE))
        return cls(a, float(np.clip(theta[1], -MAX_OFFSET, MAX_OFFSET)))

    def __call__(self, p: FloatArray) -> FloatArray:
        return _sigmoid(self.a * _logit(p) + self.b)


@dataclass(frozen=True)
class FrontierPoint:
    weight: float
    precision_5: float
    precision_10: float
    critical_recall_5: float | None
    critical_recall_10: float | None

    def as_dict(self) -> dict[str, float | None]:
        return asdict(self)


def combine(p_fraud: FloatArray, p_critical: FloatArray, weight: float) -> FloatArray:
    result: FloatArray = p_fraud + weight * p_critical
    return result


def frontier(
    p_fraud: FloatArray,
    p_critical: FloatArray,
    fraud: npt.NDArray[np.int64],
    critical: npt.NDArray[np.int64],
    weights: tuple[float, ...] = WEIGHTS,
) -> list[FrontierPoint]:
    points = []
    for w in weights:
        metrics = at_rates(combine(p_fraud, p_critical, w), fraud, critical, (0.05, 0.10))
        five, ten = summary(metrics, 0.05), summary(metrics, 0.10)
        points.append(
            FrontierPoint(
                w, five.precision, ten.precision, five.critical_recall, ten.critical_recall
            )
        )
    return points


def choose_weight(
    points: list[FrontierPoint], min_precision_5: float, min_precision_10: float
) -> float:
    """The operating point: the largest critical recall at 5 % among the weights whose precision
    at 5 % and at 10 % meet the floors (ties go to the smaller weight). When none does, the
    weight with the best precision at 5 %."""
    ordered = sorted(points, key=lambda p: p.weight)
    meeting = [
        p
        for p in ordered
        if p.precision_5 >= min_precision_5 and p.precision_10 >= min_precision_10
    ]
    if not meeting:
        return max(ordered, key=lambda p: (p.precision_5, -p.weight)).weight
    return max(meeting, key=lambda p: (p.critical_recall_5 or 0.0, -p.weight)).weight
