"""Precision and recall at inspection rates, on rankings small enough to check by hand."""

from __future__ import annotations

import pytest

from redlane.kcs.evaluate import at_rates, inspected_count, ranking, summary


def test_exact_values_on_a_hand_made_ranking():
    # 20 rows, scores 20..1; frauds at ranks 1, 2, 4, 7, 15; critical at ranks 4 and 15
    scores = [20 - i for i in range(20)]
    fraud = [0] * 20
    critical = [0] * 20
    for rank in (1, 2, 4, 7, 15):
        fraud[rank - 1] = 1
    for rank in (4, 15):
        critical[rank - 1] = 1
    metrics = at_rates(scores, fraud, critical, rates=(0.05, 0.10, 0.20, 0.50))
    assert [m.inspected for m in metrics] == [1, 2, 4, 10]
    assert [m.precision for m in metrics] == [1.0, 1.0, 0.75, 0.4]
    assert [m.recall for m in metrics] == [0.2, 0.4, 0.6, 0.8]
    assert [m.critical_recall for m in metrics] == [0.0, 0.0, 0.5, 0.5]
    assert summary(metrics, 0.2).precision == 0.75


def test_default_rates_round_up_and_order_does_not_matter():
    # 50 rows in shuffled order: inspection of 1 %, 2 %, 5 %, 10 % = 1, 1, 3, 5 rows
    scores = [(i * 37) % 50 for i in range(50)]
    fraud = [1 if s >= 47 else 0 for s in scores]  # the top 3 scores are fraud
    critical = [1 if s == 45 else 0 for s in scores]  # rank 5
    metrics = at_rates(scores, fraud, critical)
    assert [m.inspected for m in metrics] == [1, 1, 3, 5]
    assert [m.precision for m in metrics] == [1.0, 1.0, 1.0, 0.6]
    assert [m.recall for m in metrics] == [pytest.approx(1 / 3), pytest.approx(1 / 3), 1.0, 1.0]
    assert [m.critical_recall for m in metrics] == [0.0, 0.0, 0.0, 1.0]


def test_ties_keep_file_order_and_nan_ranks_last():
    assert ranking([1.0, 3.0, 3.0, float("nan"), 2.0]).tolist() == [1, 2, 4, 0, 3]
    metrics = at_rates([0.5, 0.5, 0.5, 0.5], [0, 1, 1, 1], [0, 0, 0, 1], rates=(0.5,))
    assert metrics[0].precision == 0.5  # rows 0 and 1 are inspected


def test_nothing_to_find_gives_none_and_bad_input_is_refused():
    metrics = at_rates([0.1, 0.2], [0, 0], [0, 0], rates=(0.5,))
    assert metrics[0].precision == 0.0
    assert metrics[0].recall is None and metrics[0].critical_recall is None
    assert inspected_count(0.05, 100) == 5 and inspected_count(0.01, 10) == 1
    with pytest.raises(ValueError):
        inspected_count(0.0, 10)
    with pytest.raises(ValueError):
        at_rates([1.0], [1, 0], [0, 0])
