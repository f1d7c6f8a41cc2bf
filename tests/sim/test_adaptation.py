"""Rings react only to what touched them, after their lag, and every reaction is in the truth."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest

from redlane.sim import generate_world
from redlane.sim.adapt import KINDS
from redlane.sim.daily import Touch


def _adaptations(out: Path) -> list[tuple[str, str, object, object, str]]:
    return duckdb.sql(
        "SELECT ring_id, trigger, trigger_date, effective_date, kind FROM "
        f"read_parquet('{out / 'truth' / 'adaptations.parquet'}') ORDER BY ALL"
    ).fetchall()


def test_no_trigger_no_reaction(tmp_path: Path):
    # From day 0 only the caller's touches count, and the caller touches nothing.
    generate_world(
        tmp_path / "w", seed=3, parcels=4000, days=12, on_day=lambda d, p, h: [], react_from_day=0
    )
    assert _adaptations(tmp_path / "w") == []


def test_a_seizure_reported_by_the_caller_makes_its_ring_react_after_the_lag(tmp_path: Path):
    seized: list[tuple[int, str]] = []

    def on_day(day: int, p, hawbs: list[str]) -> list[Touch]:
        if day != 3:
            return []
        fakes = np.flatnonzero(p.kind == 2).tolist()  # FAKE
        seized.extend((int(p.ring[i]), hawbs[i]) for i in fakes[:3])
        return [Touch(hawbs[i], "seizure") for i in fakes[:3]]

    out = tmp_path / "w"
    generate_world(out, seed=3, parcels=4000, days=12, on_day=on_day, react_from_day=0)
    rows = _adaptations(out)
    assert seized, "the world should have counterfeits on day 3"
    assert rows, "a seizure must make its ring react"
    rings = {r[0] for r in rows}
    truth = duckdb.sql(
        "SELECT DISTINCT ring_id FROM "
        f"read_parquet('{out / 'truth' / 'shipments.parquet'}') WHERE hawb IN "
        f"({', '.join(repr(h) for _, h in seized)})"
    ).fetchall()
    assert rings <= {r[0] for r in truth}  # only the touched rings react
    for _, trigger, trigger_date, effective, kind in rows:
        assert trigger == "seizure"
        assert str(trigger_date) == "2025-06-04"  # day 3
        assert effective > trigger_date  # never before the trigger: the lag is at least a day
        assert kind in KINDS


def test_a_touch_on_a_parcel_of_no_ring_changes_nothing(tmp_path: Path):
    def on_day(day: int, p, hawbs: list[str]) -> list[Touch]:
        clean = np.flatnonzero(p.ring < 0).tolist()[:5]
        return [Touch(hawbs[i], "hold") for i in clean]

    generate_world(tmp_path / "w", seed=3, parcels=4000, days=10, on_day=on_day, react_from_day=0)
    assert _adaptations(tmp_path / "w") == []


def test_customs_own_seizures_trigger_reactions_in_a_plain_world(tmp_path: Path):
    generate_world(tmp_path / "w", seed=3, parcels=8000, days=20)
    rows = _adaptations(tmp_path / "w")
    assert rows and {r[1] for r in rows} == {"seizure"}
    assert all(r[3] > r[2] for r in rows)


def test_the_documented_kinds_and_an_unknown_touch():
    assert set(KINDS) == {"identity", "port", "stealth", "split", "dormant"}
    with pytest.raises(ValueError, match="seizure, hold"):
        Touch("EX1", "takedown")
