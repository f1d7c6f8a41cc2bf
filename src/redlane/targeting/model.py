"""The targeting model: LightGBM on the features, Platt-calibrated on a later time slice.

Only inspected parcels have labels, and they were not picked at random. ``weighting`` says how
training corrects for that:

- ``ipw``: every labelled parcel, weighted by 1 / propensity (the chance its plan gave it);
- ``exploration``: only the parcels picked at random (exploration quota, random inspections);
- ``none``: every labelled parcel, unweighted.

A model directory ``HOME/models/target/<version>/`` holds ``model.txt`` (LightGBM text) and
``meta.json`` (features, vocabularies, calibration, training report, drift reference). No pickle.
``HOME/models/target/champion.json`` names the version in use.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final, Literal

import lightgbm as lgb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

from redlane.engine.warehouse import write_atomic
from redlane.errors import NotReady, RedlaneError
from redlane.targeting.features import CATEGORICAL_FEATURES, FEATURES, NUMERIC_FEATURES

FloatArray = npt.NDArray[np.float64]
Weighting = Literal["ipw", "exploration", "none"]
WEIGHTINGS: Final = ("ipw", "exploration", "none")

FORMAT: Final = "redlane-target-model/1"
MIN_PROPENSITY: Final = 0.02  # caps an inverse-propensity weight at 50
CALIBRATION_SHARE: Final = 0.25
PARAMS: Final[dict[str, Any]] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 5,
    "min_sum_hessian_in_leaf": 1e-3,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.9,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "num_threads": 1,
    "deterministic": True,
    "verbose": -1,
}
ROUNDS: Final = 150


def models_root(home: Path) -> Path:
    return home / "models" / "target"


@dataclass
class TargetModel:
    booster: lgb.Booster
    vocab: dict[str, list[str]]
    platt: tuple[float, float] = (1.0, 0.0)
    version: str = ""
    meta: dict[str, Any] = field(default_factory=dict)

    # --- inputs -------------------------------------------------------------------------
    def matrix(self, table: pa.Table) -> FloatArray:
        return feature_matrix(table, self.vocab)

    # --- predictions --------------------------------------------------------------------
    def raw(self, x: FloatArray) -> FloatArray:
        return np.asarray(self.booster.predict(x, raw_score=True), dtype=np.float64)

    def calibrate(self, raw: FloatArray) -> FloatArray:
        a, b = self.platt
        return 1.0 / (1.0 + np.exp(-(a * raw + b)))

    def predict_matrix(self, x: FloatArray) -> FloatArray:
        return self.calibrate(self.raw(x))

    def predict(self, table: pa.Table) -> FloatArray:
        """Calibrated probability that each shipment is seized if inspected."""
        if table.num_rows == 0:
            return np.zeros(0)
        return self.predict_matrix(self.matrix(table))

    def contributions(self, x: FloatArray) -> FloatArray:
        """Per-feature contributions to the raw score (last column: the bias)."""
        return np.asarray(self.booster.predict(x, pred_contrib=True), dtype=np.float64)

    def predict_one(self, x: FloatArray) -> tuple[float, FloatArray]:
        """Calibrated probability and contributions of one row, in one single-threaded pass.

        The contributions sum to the raw score, so one ``pred_contrib`` call gives both; one
        thread because a request thread's OpenMP team only adds hand-offs for one row.
        """
        contrib = np.asarray(
            self.booster.predict(x, pred_contrib=True, num_threads=1), dtype=np.float64
        )
        return float(self.calibrate(contrib.sum(axis=1))[0]), contrib

    def meta_summary(self) -> dict[str, Any]:
        keys = ("weighting", "rows", "seizures", "labels_from", "labels_to", "created_at")
        return {k: self.meta.get(k) for k in keys} | {"platt": list(self.platt)}

    # --- files --------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.booster.save_model(str(directory / "model.txt"))
        meta = self.meta | {
            "format": FORMAT,
            "version": self.version,
            "features": list(FEATURES),
            "vocab": self.vocab,
            "platt": list(self.platt),
        }
        write_atomic(directory / "meta.json", json.dumps(meta, indent=1, default=str))

    @classmethod
    def load(cls, directory: Path) -> TargetModel:
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            booster = lgb.Booster(model_file=str(directory / "model.txt"))
        except (OSError, ValueError, lgb.basic.LightGBMError) as exc:
            raise RedlaneError(f"cannot read the targeting model in {directory}: {exc}") from exc
        if meta.get("format") != FORMAT or meta.get("features") != list(FEATURES):
            raise RedlaneError(
                f"{directory} was trained with other features; retrain: redlane target train"
            )
        a, b = meta["platt"]
        return cls(booster, meta["vocab"], (float(a), float(b)), meta["version"], meta)


def column_floats(table: pa.Table, name: str) -> FloatArray:
    col = table.column(name)
    if col.null_count:
        col = pc.fill_null(col.cast(pa.float64()), math.nan)
    return np.asarray(col.to_numpy(), dtype=np.float64)


def time_values(table: pa.Table, name: str) -> npt.NDArray[np.int64]:
    """A timestamp column as integers (microseconds), for ordering and cut-offs."""
    col = pc.cast(table.column(name), pa.timestamp("us")).cast(pa.int64())
    return np.asarray(col.to_numpy(), dtype=np.int64)


def feature_matrix(table: pa.Table, vocab: dict[str, list[str]]) -> FloatArray:
    """Rows × ``FEATURES``: numbers as given (missing = NaN), categories as vocabulary codes."""
    x = np.empty((table.num_rows, len(FEATURES)), dtype=np.float64)
    for j, name in enumerate(NUMERIC_FEATURES):
        x[:, j] = column_floats(table, name)
    for j, name in enumerate(CATEGORICAL_FEATURES, start=len(NUMERIC_FEATURES)):
        codes = {v: float(i) for i, v in enumerate(vocab.get(name, []))}
        values = table.column(name).to_pylist()
        x[:, j] = [codes.get(v, math.nan) if v is not None else math.nan for v in values]
    return x


def build_vocab(table: pa.Table, min_count: int = 3) -> dict[str, list[str]]:
    vocab: dict[str, list[str]] = {}
    for name in CATEGORICAL_FEATURES:
        counts = pc.value_counts(table.column(name).drop_null()).to_pylist()
        vocab[name] = sorted(str(c["values"]) for c in counts if c["counts"] >= min_count)
    return vocab


def training_weights(table: pa.Table, weighting: Weighting) -> tuple[FloatArray, FloatArray]:
    """``(keep mask as 0/1, weight)`` per labelled row for a bias correction."""
    propensity = np.nan_to_num(column_floats(table, "propensity"), nan=1.0)
    propensity = np.clip(propensity, MIN_PROPENSITY, 1.0)
    if weighting == "ipw":
        return np.ones(len(propensity)), 1.0 / propensity
    if weighting == "exploration":
        return (propensity < 1.0).astype(np.float64), np.ones(len(propensity))
    return np.ones(len(propensity)), np.ones(len(propensity))


def fit_platt(raw: FloatArray, y: FloatArray, w: FloatArray) -> tuple[float, float]:
    """Logistic fit of the label on the raw score (identity when it cannot be fitted)."""
    if len(y) < 20 or y.sum() < 2 or y.sum() == len(y):
        return (1.0, 0.0)
    from sklearn.linear_model import LogisticRegression

    fit = LogisticRegression(C=100.0).fit(raw.reshape(-1, 1), y, sample_weight=w)
    a = float(fit.coef_[0][0])
    if a <= 0:  # a calibration must not reverse the ranking
        return (1.0, 0.0)
    return (a, float(fit.intercept_[0]))


def _booster(x: FloatArray, y: FloatArray, w: FloatArray, seed: int) -> lgb.Booster:
    n_cat = len(CATEGORICAL_FEATURES)
    cats = list(range(len(FEATURES) - n_cat, len(FEATURES)))
    data = lgb.Dataset(
        x,
        label=y,
        weight=w,
        feature_name=list(FEATURES),
        categorical_feature=cats,
        params={"verbose": -1},
        free_raw_data=True,
    )
    return lgb.train(PARAMS | {"seed": seed}, data, num_boost_round=ROUNDS)


def train(
    labelled: pa.Table,
    *,
    weighting: Weighting = "ipw",
    seed: int = 7,
    reference: pa.Table | None = None,
    version: str | None = None,
) -> TargetModel:
    """Train on labelled features (``labelled_features``), time-ordered by ``inspected_at``.

    The latest 25 % of the rows calibrate a model fitted on the rest; the booster is then
    refitted on all rows with the same settings and that calibration. ``reference`` (features of
    all shipments of the training period) gives the drift reference bins.
    """
    keep, weights = training_weights(labelled, weighting)
    order = np.argsort(time_values(labelled, "inspected_at"), kind="stable")
    idx = order[keep[order] > 0]
    table = labelled.take(pa.array(idx, type=pa.int64()))
    w = weights[idx]
    y = column_floats(table, "label")
    if len(y) < 10 or y.sum() < 1:
        raise NotReady(
            f"not enough labelled shipments to train ({len(y)} rows, {int(y.sum())} seizures"
            f" with weighting {weighting!r}); record more outcomes first"
        )
    vocab = build_vocab(reference if reference is not None else table)
    x = feature_matrix(table, vocab)
    cut = int(len(y) * (1 - CALIBRATION_SHARE))
    platt = (1.0, 0.0)
    if cut >= 10 and y[:cut].sum() >= 1 and len(y) - cut >= 20:
        early = _booster(x[:cut], y[:cut], w[:cut], seed)
        raw_late = np.asarray(early.predict(x[cut:], raw_score=True), dtype=np.float64)
        platt = fit_platt(raw_late, y[cut:], w[cut:])
    booster = _booster(x, y, w, seed)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    inspected = table.column("inspected_at")
    meta: dict[str, Any] = {
        "created_at": datetime.now(UTC).isoformat(),
        "weighting": weighting,
        "seed": seed,
        "rows": len(y),
        "seizures": int(y.sum()),
        "labels_from": str(pc.min(inspected).as_py()),
        "labels_to": str(pc.max(inspected).as_py()),
        "params": PARAMS | {"rounds": ROUNDS},
        "drift_reference": drift_reference(reference if reference is not None else table),
    }
    return TargetModel(booster, vocab, platt, version or f"m{stamp}", meta)


# --- drift reference ------------------------------------------------------------------------
def drift_reference(table: pa.Table, bins: int = 10) -> dict[str, dict[str, list[float]]]:
    """Per numeric feature: decile edges and the share of rows in each bin (plus missing)."""
    ref: dict[str, dict[str, list[float]]] = {}
    for name in NUMERIC_FEATURES:
        values = column_floats(table, name)
        present = values[~np.isnan(values)]
        if len(present) == 0:
            continue
        edges = np.unique(np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1]))
        ref[name] = {"edges": edges.tolist(), "shares": bin_shares(values, edges).tolist()}
    return ref


def bin_shares(values: FloatArray, edges: FloatArray) -> FloatArray:
    """Share of values per bin (``len(edges) + 1`` bins) and, last, the share missing."""
    missing = np.isnan(values)
    counts = np.bincount(
        np.searchsorted(edges, values[~missing], side="right"), minlength=len(edges) + 1
    ).astype(np.float64)
    counts = np.append(counts, missing.sum())
    return counts / max(1.0, float(len(values)))


# --- champion ----------------------------------------------------------------------------
def champion_version(home: Path) -> str | None:
    pointer = models_root(home) / "champion.json"
    if not pointer.exists():
        return None
    version: str = json.loads(pointer.read_text(encoding="utf-8"))["version"]
    return version


def load_champion(home: Path) -> TargetModel:
    version = champion_version(home)
    if version is None:
        raise NotReady("no targeting model yet: run `redlane target train`")
    return TargetModel.load(models_root(home) / version)


def save_model(home: Path, model: TargetModel) -> Path:
    directory = models_root(home) / model.version
    model.save(directory)
    return directory


def promote(home: Path, model: TargetModel) -> None:
    """Make a saved model the champion (atomic pointer update)."""
    root = models_root(home)
    if not (root / model.version / "model.txt").exists():
        save_model(home, model)
    write_atomic(
        root / "champion.json",
        json.dumps({"version": model.version, "promoted_at": datetime.now(UTC).isoformat()}),
    )
