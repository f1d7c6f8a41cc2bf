"""The labelled-pair generator, the training script and the shipped coefficients."""

from __future__ import annotations

import json
from pathlib import Path

from redlane.names.align import FEATURES
from redlane.names.model import load_model
from redlane.names.training import train
from redlane.names.training.pairs import generate, split_of


def test_generator_is_deterministic_and_labelled() -> None:
    first = generate("person", 200, seed=5)
    assert first == generate("person", 200, seed=5)
    assert {p.label for p in first} == {0, 1}
    for family in ("org", "entity", "vessel"):
        pairs = generate(family, 100, seed=5)
        assert pairs and all(p.name1 and p.name2 for p in pairs)


def test_split_is_by_group() -> None:
    splits = {split_of(f"group{i}") for i in range(200)}
    assert splits == {"train", "dev", "test"}
    assert split_of("smith") == split_of("smith")


def test_training_script_runs(tmp_path: Path) -> None:
    out = tmp_path / "coefficients.json"
    train.main(["--pairs", "600", "--seed", "3", "--out", str(out)])
    data = json.loads(out.read_text())
    assert data["features"] == list(FEATURES)
    for family in ("person", "org", "entity", "vessel"):
        spec = data["families"][family]
        assert len(spec["coef"]) == len(FEATURES)
        assert data["training"]["report"][family]["dev"]["f1"] > 0.6


def test_shipped_coefficients_match_the_features() -> None:
    model = load_model()
    assert set(model.weights) == {"person", "org", "entity", "vessel"}
    assert all(len(coef) == len(FEATURES) for coef, _ in model.weights.values())
