"""Known-good supply chains and cloned codes applied to scores (pure, one row and batches)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pyarrow as pa
import pytest

from redlane.brands.known_good import (
    CLONED_ODDS,
    KNOWN_GOOD_ODDS,
    Authorisation,
    KnownGoodIndex,
)

INDEX = KnownGoodIndex(
    by_actor={"AC-1": [Authorisation("B-017", "Auralis", "exporter", frozenset({"851830"}))]},
    cloned={"AC-9": ("Nyxisana", 3)},
)


def row(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "shipper_actor_id": "AC-1",
        "genuine_brand": "Auralis",
        "brand_in_description": 1.0,
        "hs6": "851830",
        "genuine_gap": 0.2,
        "identifier_seized_60d": 0.0,
        "sactor_seized": 0.0,
        "ring_id": None,
        "ring_seized": 0.0,
    }
    return {**base, **changes}


def odds(p: float) -> float:
    return p / (1 - p)


def test_an_authorised_exporter_of_the_brand_carried_lowers_the_risk() -> None:
    p, reasons = INDEX.adjust_one(row(), 0.4)
    assert odds(p) == pytest.approx(odds(0.4) * KNOWN_GOOD_ODDS)
    assert reasons == ["shipper is an authorised exporter of Auralis (known-good supply chain)"]


def test_with_no_brand_named_the_hs_code_must_be_one_of_the_brands_lines() -> None:
    unnamed = row(brand_in_description=0.0, genuine_brand="Cheapest Brand")
    assert INDEX.adjust_one(unnamed, 0.4)[0] < 0.4
    assert INDEX.adjust_one({**unnamed, "hs6": "640411"}, 0.4) == (0.4, [])


@pytest.mark.parametrize(
    ("changes", "mandatory", "why"),
    [
        ({"genuine_brand": "Other"}, False, None),
        ({"shipper_actor_id": "AC-2"}, False, None),
        ({}, True, "a rule or lookout hit"),
        ({"identifier_seized_60d": 2.0}, False, "2 seizures of its identifiers in 60 days"),
        ({"sactor_seized": 1.0}, False, "1 earlier seizures of the shipper"),
        ({"ring_id": "RG-1", "ring_seized": 3.0}, False, "ring RG-1 with seizures"),
        ({"genuine_gap": 0.8}, False, "declared 80% below the genuine price"),
    ],
)
def test_other_evidence_outweighs_it(
    changes: dict[str, Any], mandatory: bool, why: str | None
) -> None:
    p, reasons = INDEX.adjust_one(row(**changes), 0.4, mandatory)
    assert p == 0.4
    if why is None:
        assert reasons == []
    else:
        assert reasons == [
            "shipper is an authorised exporter of Auralis (known-good supply chain), "
            f"outweighed by: {why}"
        ]


def test_cloned_codes_raise_the_risk_and_say_so() -> None:
    p, reasons = INDEX.adjust_one(row(shipper_actor_id="AC-9"), 0.1)
    assert odds(p) == pytest.approx(odds(0.1) * CLONED_ODDS)
    assert reasons == [
        "shipper's earlier parcels carried cloned Nyxisana authentication codes (3 parcels)"
    ]


def test_batches_agree_with_single_rows() -> None:
    rows = [row(), row(genuine_gap=0.9), row(shipper_actor_id="AC-9"), row(shipper_actor_id=None)]
    table = pa.Table.from_pylist(rows)
    p = np.array([0.4, 0.4, 0.1, 0.3])
    est = np.array([100.0, 100.0, 50.0, 10.0])
    mandatory = np.array([False, False, False, False])
    out, ev, reasons = INDEX.adjust_batch(table, p, est, mandatory)
    for i, r in enumerate(rows):
        one, why = INDEX.adjust_one(r, float(p[i]))
        assert out[i] == pytest.approx(one) and reasons[i] == why
    assert ev == pytest.approx(out * est)
    assert INDEX.known_good_mask(table, mandatory) == [True, False, False, False]
    assert not KnownGoodIndex()
