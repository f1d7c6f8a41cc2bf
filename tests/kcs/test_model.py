"""Model directory contract, feature-list check, and the pieces training relies on."""

from __future__ import annotations

import json

import numpy as np
import pytest

from redlane.kcs.data import read_declarations
from redlane.kcs.encoding import KeyStats, expanding_encoding
from redlane.kcs.features import FEATURE_NAMES
from redlane.kcs.frontier import MAX_SLOPE, FrontierPoint, Platt, choose_weight
from redlane.kcs.model import KcsModel, ModelError, time_split
from tests.kcs.conftest import copy_model


def test_model_dir_holds_text_models_and_manifest(kcs_model):
    names = {p.name for p in kcs_model.iterdir()}
    models = {"fraud.0.txt", "fraud.1.txt", "critical.0.txt", "critical.1.txt"}
    assert names == {"manifest.json", "encoder.json", *models}
    manifest = json.loads((kcs_model / "manifest.json").read_text())
    assert manifest["features"] == list(FEATURE_NAMES)
    assert manifest["format"] == "redlane-kcs-model" and "redlane_version" in manifest
    assert manifest["models"]["fraud"] == ["fraud.0.txt", "fraud.1.txt"]
    assert (kcs_model / "fraud.1.txt").read_text().startswith("tree")


def test_model_with_another_feature_list_is_refused(kcs_model, tmp_path):
    copy = copy_model(kcs_model, tmp_path / "m")
    manifest = json.loads((copy / "manifest.json").read_text())
    manifest["features"] = [*manifest["features"][:-1], "price_per_litre"]
    (copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="feature list differs.*price_per_litre.*retrain"):
        KcsModel.load(copy)


def test_damaged_or_foreign_model_dirs_are_refused(kcs_model, tmp_path):
    with pytest.raises(ModelError, match="no manifest.json"):
        KcsModel.load(tmp_path)
    copy = copy_model(kcs_model, tmp_path / "m")
    (copy / "fraud.1.txt").write_text("not a model")
    with pytest.raises(ModelError, match="damaged"):
        KcsModel.load(copy)
    manifest = json.loads((copy / "manifest.json").read_text())
    (copy / "manifest.json").write_text(json.dumps(manifest | {"format_version": 99}))
    with pytest.raises(ModelError, match="format version 99"):
        KcsModel.load(copy)


def test_loaded_model_scores_like_the_saved_one(kcs_files, kcs_model):
    model = KcsModel.load(kcs_model)
    later = read_declarations(kcs_files["unlabelled"])
    p_fraud, p_critical = model.probabilities(later)
    assert np.allclose(model.score(later), p_fraud + model.weight * p_critical)
    assert ((0 < p_fraud) & (p_fraud < 1)).all()


def test_time_split_puts_whole_later_days_in_the_tuning_slice(kcs_files):
    data = read_declarations(kcs_files["train"])
    fit, tune = time_split(data, 0.25)
    assert len(fit) + len(tune) == len(data)
    assert fit.dates.max() < tune.dates.min()
    assert 0.2 < len(tune) / len(data) < 0.3


def test_expanding_encoding_only_sees_earlier_blocks():
    values = np.array(["a", "a", "b", "a", "b", "a"], dtype=object)
    targets = np.array([[1, 0], [1, 1], [0, 0], [0, 0], [1, 0], [1, 0]], dtype=np.float64)
    block = np.array([0, 0, 1, 1, 2, 2])
    out = expanding_encoding(values, targets, block, alpha=1.0)
    # block 0: no past, its own rates (1.0 fraud, 0.5 critical)
    assert out[0].tolist() == [1.0, 0.5]
    # block 1, "a": past a = 2 rows (2 fraud, 1 critical), prior of blocks 0 = (2/2, 1/2)
    assert out[3].tolist() == pytest.approx([(2 + 1.0) / 3, (1 + 0.5) / 3])
    # block 2, "b": past b = 1 row (0, 0), prior of blocks 0-1 = (2/4, 1/4)
    assert out[4].tolist() == pytest.approx([(0 + 0.5) / 2, (0 + 0.25) / 2])
    stats = KeyStats.fit(values, targets)
    assert stats.frequency(np.array(["a", "z"], dtype=object)).tolist() == [4.0, 0.0]


def test_platt_is_monotone_bounded_and_survives_separable_data():
    p = np.linspace(0.01, 0.99, 200)
    y = (p > 0.5).astype(np.int64)  # perfectly separable
    platt = Platt.fit(p, y)
    assert 0 < platt.a <= MAX_SLOPE
    calibrated = platt(p)
    assert (np.diff(calibrated) > 0).all()  # no ties, ranking kept
    assert Platt.fit(p, np.zeros(200, dtype=np.int64)) == Platt()


def test_weight_is_the_best_critical_recall_meeting_the_precision_floors():
    points = [
        FrontierPoint(0.0, 0.98, 0.93, 0.10, 0.30),
        FrontierPoint(0.5, 0.975, 0.925, 0.40, 0.50),
        FrontierPoint(1.0, 0.96, 0.92, 0.50, 0.55),
    ]
    assert choose_weight(points, 0.97, 0.92) == 0.5
    assert choose_weight(points, 0.95, 0.92) == 1.0
    assert choose_weight(points, 0.98, 0.93) == 0.0
    assert choose_weight(points, 0.99, 0.99) == 0.0  # none meets: best precision@5 %
