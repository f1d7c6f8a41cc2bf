"""The loop's world figures and the multi-seed summary, on hand-made cases."""

from __future__ import annotations

from datetime import date

import pytest

from redlane.lab.loop_figures import ceiling, redetection_days
from redlane.lab.loop_seeds import interval, parse_seeds, summarise_seeds


def test_ceiling_picks_counterfeits_first_each_day():
    days = [
        {"capacity": 10, "counterfeits": 3},  # finds 3 of 3
        {"capacity": 10, "counterfeits": 15},  # finds 10 of 15
    ]
    assert ceiling(days) == (round(13 / 20, 4), round(13 / 18, 4))
    assert ceiling([]) == (None, None)


def test_redetection_counts_days_to_the_next_hit_on_the_same_ring():
    d = date(2025, 6, 1).replace
    reactions = [(1, d(day=5)), (1, d(day=9)), (2, d(day=5)), (3, d(day=1))]
    hits = [(d(day=4), 1), (d(day=7), 1), (d(day=12), 1), (d(day=5), 2), (d(day=2), 9)]
    delays, censored = redetection_days(reactions, hits)
    assert sorted(delays) == [0, 2, 3]  # ring 1: 5->7, 9->12; ring 2: same day
    assert censored == 1  # ring 3 never hit again


@pytest.mark.parametrize(
    ("text", "seeds"),
    [
        ("41-45", [41, 42, 43, 44, 45]),
        ("41,43,47", [41, 43, 47]),
        ("5", [5]),
        ("1-2,2-3", [1, 2, 3]),
    ],
)
def test_parse_seeds(text: str, seeds: list[int]):
    assert parse_seeds(text) == seeds


@pytest.mark.parametrize("text", ["", "a-b", "5-3", "1,,x"])
def test_parse_seeds_refuses_nonsense(text: str):
    with pytest.raises(ValueError):
        parse_seeds(text)


def test_interval_is_students_t_and_absent_for_one_value():
    assert interval([0.5]) == (None, None)
    lo, hi = interval([1.0, 2.0, 3.0])  # mean 2, sd 1, t(0.975, 2) = 4.303
    assert lo == pytest.approx(2 - 4.303 / 3**0.5, abs=1e-3)
    assert hi == pytest.approx(2 + 4.303 / 3**0.5, abs=1e-3)


def test_summary_over_seeds_keeps_the_single_seed_keys():
    one = {
        "seed": 1,
        "hit_rate": 0.2,
        "random_hit_rate": 0.01,
        "rules_only_hit_rate": 0.1,
        "seized_value_share": 0.8,
        "counterfeit_recall": 0.7,
        "lift_vs_random": 20.0,
        "lift_vs_rules_only": 2.0,
        "ceiling_hit_rate": 0.25,
        "share_of_ceiling": 0.8,
        "adaptations": 10,
        "redetect_days_median": 3.0,
        "rings_undetected_share": 0.2,
        "inspection_rate": 0.05,
        "days": 30,
        "parcels": 20000,
    }
    two = {**one, "seed": 2, "hit_rate": 0.4, "redetect_days_median": None}
    out = summarise_seeds([one, two])
    assert out["seeds"] == [1, 2]
    assert out["hit_rate"] == pytest.approx(0.3)
    assert out["redetect_days_median"] == 3.0  # a seed without one does not count
    assert out["per_seed"]["2"]["hit_rate"] == 0.4
    assert set(out["ci95"]) == set(out["mean"])
