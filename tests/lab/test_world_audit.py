"""The detectability audit: its AUC and ceiling helpers by hand, and the CLI on a tiny world."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from redlane.cli import app
from redlane.lab.world_audit import (
    ceiling,
    daily_capacity,
    evaluation_days,
    out_of_fold_rates,
    rules_first,
    single_feature_auc,
)

runner = CliRunner()


# --- single_feature_auc ----------------------------------------------------------------------
def test_auc_of_a_perfectly_separating_feature_is_one_either_way():
    labels = [False, False, True, True]
    assert single_feature_auc([1.0, 2.0, 3.0, 4.0], labels) == 1.0
    assert single_feature_auc([4.0, 3.0, 2.0, 1.0], labels) == 1.0  # reversed: direction-agnostic


def test_auc_of_a_constant_or_uninformative_feature_is_one_half():
    assert single_feature_auc([7.0, 7.0, 7.0, 7.0], [False, True, False, True]) == 0.5
    assert single_feature_auc([1.0, 2.0, 3.0], [True, True, True]) == 0.5  # one class only
    assert single_feature_auc([math.nan] * 4, [False, True, False, True]) == 0.5


def test_auc_by_hand():
    # positives at 2 and 4, negatives at 1 and 3: pairs (pos > neg): 2>1, 4>1, 4>3 — 3 of 4
    assert single_feature_auc([1.0, 2.0, 3.0, 4.0], [False, True, False, True]) == 0.75
    # the same ranking reversed still reads 0.75
    assert single_feature_auc([4.0, 3.0, 2.0, 1.0], [False, True, False, True]) == 0.75
    # a tie between a positive and a negative counts one half: (1 + 0.5) / 2
    assert single_feature_auc([1.0, 2.0, 2.0], [False, False, True]) == 0.75


def test_a_missing_value_goes_to_whichever_end_separates_best():
    # missing only on the positives: missingness alone separates perfectly
    assert single_feature_auc([1.0, 1.0, math.nan, math.nan], [False, False, True, True]) == 1.0
    # missing on the highest-looking positive: ranked high it gives 1.0
    assert single_feature_auc([1.0, 2.0, 3.0, math.nan], [False, False, True, True]) == 1.0


def test_auc_rejects_misaligned_inputs():
    with pytest.raises(ValueError):
        single_feature_auc([1.0, 2.0], [True])


# --- out-of-fold category rates ----------------------------------------------------------------
def test_out_of_fold_rates_never_use_the_row_itself():
    keys = [f"H{i}" for i in range(200)]
    # every row its own category: in-sample the rate would equal the label (AUC 1.0);
    # out of fold every category is unseen, so all rows get their other folds' prior
    labels = [i % 10 == 0 for i in range(200)]
    rates = out_of_fold_rates(keys, labels, keys)
    assert single_feature_auc(rates, labels) < 0.8
    # a category that truly carries the label keeps its signal out of fold
    cats = ["bad" if lab else "good" for lab in labels]
    rates = out_of_fold_rates(cats, labels, keys)
    assert single_feature_auc(rates, labels) == 1.0
    # missing is a category of its own
    cats_missing = [None if lab else "good" for lab in labels]
    assert single_feature_auc(out_of_fold_rates(cats_missing, labels, keys), labels) == 1.0


# --- ceiling and rules-first -------------------------------------------------------------------
def test_daily_capacity_rounds_half_up_and_is_at_least_one():
    assert daily_capacity(100, 0.05) == 5
    assert daily_capacity(30, 0.05) == 2  # 1.5 -> 2
    assert daily_capacity(10, 0.05) == 1  # 0.5 -> 1
    assert daily_capacity(3, 0.05) == 1  # 0.15 -> 0, at least one


def test_ceiling_by_hand():
    # (arrivals, counterfeits): capacities 5, 10, 1
    days = [(100, 2), (200, 30), (10, 0)]
    result = ceiling(days, 0.05)
    # seized: min(5, 2) + min(10, 30) + min(1, 0)
    assert (result.inspected, result.seized, result.counterfeits) == (16, 12, 32)
    assert result.hit_rate == pytest.approx(12 / 16)
    assert result.recall == pytest.approx(12 / 32)
    assert ceiling([], 0.05).hit_rate == 0.0


def test_rules_first_picks_rule_hits_before_random_ones():
    truth = np.zeros(100, dtype=bool)
    truth[:5] = True
    flagged = np.zeros(100, dtype=bool)
    flagged[:3] = True  # three rule hits, all counterfeit; capacity 5
    inspected, seized = rules_first([(flagged, truth)], 0.05, seed=1)
    assert inspected == 5
    assert 3 <= seized <= 5
    assert rules_first([(flagged, truth)], 0.05, seed=1) == (inspected, seized)  # seeded


def test_evaluation_days_are_the_second_half_after_the_warm_up():
    from datetime import date, timedelta

    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(10)]
    plan, evaluation = evaluation_days(days, 4)
    assert plan == days[4:]
    assert evaluation == days[7:]


# --- the command -------------------------------------------------------------------------------
REQUIRED = (
    "prevalence",
    "max_feature_auc",
    "ceiling_hit_rate",
    "ceiling_recall",
    "rules_only_hit_rate",
    "inspection_rate",
)


def _audit(seed: int) -> dict[str, object]:
    args = ["sim", "audit", "--seed", str(seed), "--scale", "3000", "--days", "10"]
    result = runner.invoke(app, [*args, "--warmup-days", "3", "--json"])
    assert result.exit_code == 0, result.output
    figures: dict[str, object] = json.loads(result.stdout)
    return figures


def test_sim_audit_prints_every_figure_and_is_reproducible(home: Path):
    first = _audit(3)
    for key in REQUIRED:
        value = first[key]
        assert isinstance(value, float | int) and 0.0 <= value <= 1.0, (key, value)
    features = first["features"]
    assert isinstance(features, dict)
    assert {"origin", "hs2", "declared_value", "genuine_gap"} <= set(features)
    assert all(0.5 <= v <= 1.0 for v in features.values())
    assert first["max_feature_auc"] == max(features.values())
    assert first["max_feature"] in features
    assert first["inspection_rate"] == 0.05
    constraints = first["constraints"]
    assert isinstance(constraints, dict)
    assert set(constraints) == {"no_giveaway", "ceiling_at_least_2x_rules"}
    assert first["ceiling_hit_rate"] >= first["rules_only_hit_rate"]  # type: ignore[operator]
    second = _audit(3)
    first.pop("seconds")
    second.pop("seconds")
    assert first == second


@pytest.mark.slow
def test_sim_audit_table(home: Path):
    args = ["sim", "audit", "--seed", "2", "--scale", "3000", "--days", "10", "--warmup-days", "3"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "single-feature AUC" in result.stdout
    assert "no_giveaway" in result.stdout
