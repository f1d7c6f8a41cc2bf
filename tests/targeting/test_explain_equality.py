"""The model's sentences asked of whole columns (``redlane.targeting.evidence``) are the
sentences the per-row questions gave, word for word: on random tables that hold what real
ones hold (nulls, NaN, fractional and negative counts, empty ids, missing columns, numbers
stored as text) and on mappings (the live screener's one record)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from redlane.targeting.features import FEATURES
from redlane.targeting.reasons import TableRows, explain
from tests.targeting.reference_explain import reference_explain

COUNTS = (
    "port_seized_60d",
    "port_seized",
    "hs6_origin_seized",
    "hs6_origin_inspected",
    "origin_seized",
    "origin_inspected",
    "ring_seized",
    "ring_seized_60d",
    "sactor_seized",
    "sactor_inspected",
    "sname_seized",
    "sphone_seized",
    "semail_seized",
    "saddr_seized",
    "seller_seized",
    "cname_seized",
    "caddr_seized",
    "consignee_volume_30d",
    "seller_takedowns",
    "seller_hype_posts",
    "identifier_seized_60d",
    "sname_inspected",
)
NUMBERS = (
    "declared_value",
    "declared_amount",
    "genuine_min",
    "genuine_max",
    "value_per_kg_vs_descr",
    "origin_ne_shipper_country",
    "listing_price_ratio",
    "weight_kg",
    "seller_age_days",
)
IDS = ("shipper_actor_id", "ring_id", "seller_ref", "genuine_line_brand", "genuine_line")


def _random_table(rng: np.random.Generator, n: int) -> pa.Table:
    def maybe_null(values: list[Any]) -> list[Any]:
        return [None if rng.random() < 0.15 else v for v in values]

    columns: dict[str, pa.Array] = {
        "carrier": pa.array(["EXPR"] * n),
        "hawb": pa.array([f"H{i}" for i in range(n)]),
        "port": pa.array(["JFK"] * n),
        "origin": pa.array(maybe_null([str(rng.choice(["CN", "TR", ""])) for _ in range(n)])),
        "hs6": pa.array(maybe_null([str(rng.choice(["610910", ""])) for _ in range(n)])),
        "description": pa.array(maybe_null(["sneakers"] * n)),
    }
    for name in COUNTS:
        values = rng.choice([0.0, 0.0, 0.4, 1.0, 2.9, 7.0, -0.7, -2.0, np.nan], size=n).tolist()
        if rng.random() < 0.3:  # an integer column
            values = [None if np.isnan(v) else int(v) for v in values]
            columns[name] = pa.array(values, type=pa.int64())
        else:
            columns[name] = pa.array(maybe_null(values), type=pa.float64())
    for name in NUMBERS:
        values = (rng.normal(size=n) * rng.choice([1.0, 50.0])).tolist()
        values = [np.nan if rng.random() < 0.1 else v for v in values]
        columns[name] = pa.array(maybe_null(values), type=pa.float64())
    pieces = rng.integers(-2, 6, size=n).tolist()
    if rng.random() < 0.3:  # numbers as text, some not numbers: read as float() reads them
        columns["pieces"] = pa.array(maybe_null([str(p) if p != 5 else "five" for p in pieces]))
    else:
        columns["pieces"] = pa.array(maybe_null(pieces), type=pa.int32())
    columns["genuine_line_matched"] = pa.array(
        maybe_null([bool(b) for b in rng.random(n) < 0.5]), type=pa.bool_()
    )
    for name in IDS:
        columns[name] = pa.array(maybe_null([str(rng.choice(["", "A-1", "R9"])) for _ in range(n)]))
    # Real tables lack some columns (an older feature table, a screened record).
    kept = {k: v for k, v in columns.items() if k in ("carrier", "hawb") or rng.random() > 0.1}
    return pa.table(kept)


def _contributions(rng: np.random.Generator, n: int) -> np.ndarray:
    values = rng.normal(scale=0.3, size=(n, len(FEATURES) + 1))
    # Ties between topics, and values at the thresholds, as a coarse model gives.
    return np.where(rng.random(values.shape) < 0.5, np.round(values, 1), values)


@pytest.mark.parametrize("seed", range(30))
def test_column_questions_give_the_per_row_sentences(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 300))
    table = _random_table(rng, n)
    contributions = _contributions(rng, n)
    expected = reference_explain(table.to_pylist(), contributions)
    assert explain(TableRows(table), contributions) == expected
    assert explain(table.to_pylist(), contributions) == expected


def test_one_record_as_the_screener_passes_it() -> None:
    rng = np.random.default_rng(5)
    table = _random_table(rng, 40)
    contributions = _contributions(rng, 40)
    for i, row in enumerate(table.to_pylist()):
        assert explain([row], contributions[i : i + 1]) == reference_explain(
            [row], contributions[i : i + 1]
        )
