"""The KCS targeting model: train (time-respecting tuning, then refit), save, load, score.

A model directory holds::

    manifest.json      format, versions, feature list, weight, calibration, training report
    encoder.json       the statistics the features need (vocabularies, encodings, moments)
    fraud.<i>.txt      LightGBM text models: P(fraud), one per seed of the bag (averaged)
    critical.<i>.txt   LightGBM text models: P(critical fraud)  (none if training had none)

No pickle. A directory whose feature list differs from this code's is refused.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np
import numpy.typing as npt

from redlane import __version__
from redlane.errors import RedlaneError
from redlane.kcs.data import Declarations
from redlane.kcs.features import (
    CATEGORICAL_FEATURES,
    FEATURE_NAMES,
    FEATURE_VERSION,
    FeatureEncoder,
)
from redlane.kcs.frontier import (
    FrontierPoint,
    Platt,
    choose_weight,
    combine,
    frontier,
)
from redlane.kcs.settings import TrainSettings

FloatArray = npt.NDArray[np.float64]
FORMAT = "redlane-kcs-model"
FORMAT_VERSION = 1
MANIFEST, ENCODER = "manifest.json", "encoder.json"
KINDS = ("fraud", "critical")
MIN_TUNING_ROWS = 40


class ModelError(RedlaneError):
    """A model directory that cannot be used with this code."""

    STATUS = 422


@dataclass
class KcsModel:
    encoder: FeatureEncoder
    fraud: list[lgb.Booster]
    critical: list[lgb.Booster]  # empty: no critical fraud to learn from
    fraud_calibration: Platt = field(default_factory=Platt)
    critical_calibration: Platt = field(default_factory=Platt)
    weight: float = 0.0
    report: dict[str, Any] = field(default_factory=dict)

    def probabilities(self, decl: Declarations) -> tuple[FloatArray, FloatArray]:
        """Calibrated ``(P(fraud), P(critical fraud))`` per row."""
        x = self.encoder.transform(decl)
        return self._probabilities(x)

    def _probabilities(self, x: FloatArray) -> tuple[FloatArray, FloatArray]:
        p_fraud = self.fraud_calibration(_mean_prediction(self.fraud, x))
        if not self.critical:
            return p_fraud, np.zeros(len(x))
        return p_fraud, self.critical_calibration(_mean_prediction(self.critical, x))

    def score(self, decl: Declarations) -> FloatArray:
        """Expected cost of not inspecting: ``P(fraud) + weight * P(critical)``."""
        return combine(*self.probabilities(decl), self.weight)

    def save(self, directory: Path | str) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        for kind in KINDS:
            for stale in directory.glob(f"{kind}.*.txt"):
                stale.unlink()
        files: dict[str, list[str]] = {}
        for kind, boosters in (("fraud", self.fraud), ("critical", self.critical)):
            files[kind] = [f"{kind}.{i}.txt" for i in range(len(boosters))]
            for name, booster in zip(files[kind], boosters, strict=True):
                booster.save_model(str(directory / name))
        (directory / ENCODER).write_text(json.dumps(self.encoder.to_json()), encoding="utf-8")
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "feature_version": FEATURE_VERSION,
            "redlane_version": __version__,
            "features": list(FEATURE_NAMES),
            "categorical_features": list(CATEGORICAL_FEATURES),
            "weight": self.weight,
            "calibration": {
                "fraud": [self.fraud_calibration.a, self.fraud_calibration.b],
                "critical": [self.critical_calibration.a, self.critical_calibration.b],
            },
            "models": files,
            "report": self.report,
        }
        (directory / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: Path | str) -> KcsModel:
        directory = Path(directory)
        manifest = _read_manifest(directory)
        _check_features(directory, manifest)
        try:
            encoder = FeatureEncoder.from_json(
                json.loads((directory / ENCODER).read_text(encoding="utf-8"))
            )
            boosters = {
                kind: [lgb.Booster(model_file=str(directory / n)) for n in manifest["models"][kind]]
                for kind in KINDS
            }
        except (OSError, ValueError, KeyError, TypeError, lgb.basic.LightGBMError) as exc:
            raise ModelError(f"{directory}: incomplete or damaged model ({exc})") from exc
        if not boosters["fraud"]:
            raise ModelError(f"{directory}: no fraud model listed in {MANIFEST}")
        for kind, models in boosters.items():
            for booster in models:
                if booster.num_feature() != len(FEATURE_NAMES):
                    raise ModelError(
                        f"{directory}: a {kind} model has {booster.num_feature()} features, "
                        f"this code builds {len(FEATURE_NAMES)}: retrain it"
                    )
        fraud, critical = boosters["fraud"], boosters["critical"]
        cal = manifest["calibration"]
        return cls(
            encoder=encoder,
            fraud=fraud,
            critical=critical,
            fraud_calibration=Platt(*map(float, cal["fraud"])),
            critical_calibration=Platt(*map(float, cal["critical"])),
            weight=float(manifest["weight"]),
            report=dict(manifest.get("report", {})),
        )


def _mean_prediction(boosters: list[lgb.Booster], x: FloatArray) -> FloatArray:
    total = np.zeros(len(x), dtype=np.float64)
    for booster in boosters:
        total += np.asarray(booster.predict(x), dtype=np.float64)
    result: FloatArray = total / len(boosters)
    return result


def _read_manifest(directory: Path) -> dict[str, Any]:
    path = directory / MANIFEST
    if not path.is_file():
        raise ModelError(f"{directory}: not a KCS model directory (no {MANIFEST})")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: unreadable manifest ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelError(f"{path}: not a {FORMAT} manifest")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise ModelError(
            f"{path}: format version {manifest.get('format_version')}, this code reads "
            f"{FORMAT_VERSION}: retrain the model"
        )
    return manifest


def _check_features(directory: Path, manifest: dict[str, Any]) -> None:
    saved = manifest.get("features")
    if saved == list(FEATURE_NAMES) and manifest.get("feature_version") == FEATURE_VERSION:
        return
    saved_list = [str(f) for f in saved] if isinstance(saved, list) else []
    missing = [f for f in FEATURE_NAMES if f not in saved_list]
    extra = [f for f in saved_list if f not in FEATURE_NAMES]
    detail = []
    if missing:
        detail.append(f"missing {', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    if extra:
        detail.append(f"unknown {', '.join(extra[:5])}{' ...' if len(extra) > 5 else ''}")
    if not detail:
        detail.append("same features in another order or version")
    raise ModelError(
        f"{directory}: the model's feature list differs from this code's "
        f"({'; '.join(detail)}): retrain it"
    )


def _fit(decl: Declarations, settings: TrainSettings) -> KcsModel:
    """Encoder and both boosters on ``decl`` (no calibration, weight 0)."""
    fraud_y, critical_y = decl.labels()
    if fraud_y.min() == fraud_y.max():
        raise ModelError(
            f"{decl.path}: training needs both fraudulent and clean declarations, "
            f"all {len(decl)} rows have Fraud = {fraud_y[0]}"
        )
    encoder = FeatureEncoder.fit(decl)
    x = encoder.transform_training(decl)

    def bag(y: npt.NDArray[np.int64], params: dict[str, Any], rounds: int) -> list[lgb.Booster]:
        data = lgb.Dataset(
            x,
            label=y,
            feature_name=list(FEATURE_NAMES),
            categorical_feature=list(CATEGORICAL_FEATURES),
            params={"verbose": -1},
            free_raw_data=False,
        )
        return [
            lgb.train(params | {"seed": settings.seed + i}, data, num_boost_round=rounds)
            for i in range(settings.bags)
        ]

    fraud = bag(fraud_y, settings.fraud_params(), settings.fraud_rounds)
    critical = []
    if critical_y.sum() >= 2:
        critical = bag(critical_y, settings.critical_params(), settings.critical_rounds)
    return KcsModel(encoder=encoder, fraud=fraud, critical=critical)


def time_split(decl: Declarations, tune_fraction: float) -> tuple[Declarations, Declarations]:
    """``(fit, tune)``: the tune slice is the latest ``tune_fraction`` of rows by date (whole days
    when the dates allow it, so no day is in both)."""
    order = np.argsort(decl.dates, kind="stable")
    cut = int(round(len(decl) * (1 - tune_fraction)))
    cutoff = decl.dates[order[cut]]
    tune = decl.dates >= cutoff
    if tune.all() or not tune.any():  # one day only: cut by position in date order
        tune = np.zeros(len(decl), dtype=bool)
        tune[order[cut:]] = True
    return decl.take(~tune), decl.take(tune)


def _points_json(points: list[FrontierPoint]) -> list[dict[str, float | None]]:
    return [p.as_dict() for p in points]


def train(decl: Declarations, settings: TrainSettings | None = None) -> KcsModel:
    """Tune calibration and weight on the latest slice of ``decl``, then refit on all of it."""
    settings = settings or TrainSettings()
    fit, tune = time_split(decl, settings.tune_fraction)
    report: dict[str, Any] = {
        "train_file": decl.path,
        "train_rows": len(decl),
        "train_dates": [str(decl.dates.min()), str(decl.dates.max())],
        "fit_rows": len(fit),
        "tune_rows": len(tune),
        "tune_dates": [str(tune.dates.min()), str(tune.dates.max())] if len(tune) else [],
        "settings": {
            "fraud": settings.fraud_params() | {"rounds": settings.fraud_rounds},
            "critical": settings.critical_params() | {"rounds": settings.critical_rounds},
            "bags": settings.bags,
            "tune_fraction": settings.tune_fraction,
            "min_precision_5": settings.min_precision_5,
            "min_precision_10": settings.min_precision_10,
        },
    }
    calibration = (Platt(), Platt())
    weight = settings.weight if settings.weight is not None else 0.0
    if len(tune) >= MIN_TUNING_ROWS and fit.labels()[0].min() != fit.labels()[0].max():
        first = _fit(fit, settings)
        x = first.encoder.transform(tune)
        raw_fraud, raw_critical = first._probabilities(x)
        fraud_y, critical_y = tune.labels()
        calibration = (Platt.fit(raw_fraud, fraud_y), Platt.fit(raw_critical, critical_y))
        if not first.critical:
            calibration = (calibration[0], Platt())
        points = frontier(
            calibration[0](raw_fraud),
            calibration[1](raw_critical),
            fraud_y,
            critical_y,
            settings.weights,
        )
        if settings.weight is None:
            weight = choose_weight(points, settings.min_precision_5, settings.min_precision_10)
        report["tuning_frontier"] = _points_json(points)
    else:
        report["tuning_frontier"] = []
        report["note"] = "too few rows to tune: weight and calibration left at defaults"
    final = _fit(decl, settings)
    final.fraud_calibration, final.critical_calibration = calibration
    final.weight = weight if final.critical else 0.0
    report["weight"] = final.weight
    final.report = report
    return final
