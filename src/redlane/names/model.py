"""The logistic model: coefficients live in ``coefficients.json`` (written by ``train``)."""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from typing import Any

from redlane.names.align import FEATURES

__all__ = ["COEFFICIENTS_FILE", "Model", "load_model"]

COEFFICIENTS_FILE = "coefficients.json"


class Model:
    """One logistic regression per name family, calibrated, standardisation folded in."""

    def __init__(self, data: dict[str, Any]) -> None:
        if tuple(data["features"]) != FEATURES:
            raise ValueError("coefficients.json was trained on other features: retrain")
        self.data = data
        self.weights: dict[str, tuple[list[float], float]] = {
            family: ([float(c) for c in spec["coef"]], float(spec["intercept"]))
            for family, spec in data["families"].items()
        }

    def logit(self, family: str, x: list[float], offset: float = 0.0) -> float:
        """The log-odds; ``offset`` adds stated (not fitted) evidence, in log-odds."""
        coef, intercept = self.weights[family]
        return intercept + offset + sum(c * v for c, v in zip(coef, x, strict=True))

    def probability(self, family: str, x: list[float], offset: float = 0.0) -> float:
        z = self.logit(family, x, offset)
        if z >= 0:
            return 1.0 / (1.0 + math.exp(-z))
        e = math.exp(z)
        return e / (1.0 + e)


@cache
def load_model() -> Model:
    text = resources.files("redlane.names").joinpath(COEFFICIENTS_FILE).read_text("utf-8")
    return Model(json.loads(text))
