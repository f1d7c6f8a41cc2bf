"""Figures of the closed loop that need the world's truth: the ceiling, adaptations, re-detection.

- ``ceiling_hit_rate`` / ``ceiling_recall``: a perfect targeter at the loop's capacity (each day,
  counterfeits first), over the evaluated days: the most any strategy could find.
- ``adaptations``: ring reactions that took effect in the evaluated days (truth ``adaptations``,
  one per ring, day and kind of change).
- ``redetect_days_median``: for each ring reaction during the planned days (one per ring and
  day, whatever it changed), the days until the model strategy's next seizure from that ring;
  reactions never followed by a hit are counted in ``redetect_censored`` instead.
- ``rings_undetected_share``: rings that shipped counterfeits in the evaluated days and were
  never hit by the model strategy in them.
"""

from __future__ import annotations

import statistics
from datetime import date
from pathlib import Path
from typing import Any

import duckdb


def ceiling(days: list[dict[str, Any]]) -> tuple[float | None, float | None]:
    """(hit rate, recall) of picking counterfeits first, from per-day capacity and counts."""
    capacity = sum(d["capacity"] for d in days)
    fakes = sum(d["counterfeits"] for d in days)
    found = sum(min(d["capacity"], d["counterfeits"]) for d in days)
    return (
        round(found / capacity, 4) if capacity else None,
        round(found / fakes, 4) if fakes else None,
    )


def redetection_days(
    reactions: list[tuple[int, date]], hits: list[tuple[date, int]]
) -> tuple[list[int], int]:
    """Days from each (ring, effective day) reaction to the next hit on that ring at or after
    it, and how many reactions had none."""
    by_ring: dict[int, list[date]] = {}
    for day, ring in hits:
        by_ring.setdefault(ring, []).append(day)
    delays, censored = [], 0
    for ring, effective in reactions:
        later = [d for d in by_ring.get(ring, []) if d >= effective]
        if later:
            delays.append((min(later) - effective).days)
        else:
            censored += 1
    return delays, censored


def world_figures(
    truth: Path,
    plan_days: list[date],
    half: date,
    daily_ceiling: list[dict[str, Any]],
    model_hits: list[tuple[date, int]],
    rings_shipping: set[int],
) -> dict[str, Any]:
    """``model_hits`` and ``rings_shipping`` name rings by their index in the simulator's ring
    list (the order of ``truth/rings.parquet``)."""
    evaluated = [d for d in daily_ceiling if date.fromisoformat(d["day"]) >= half]
    hit_rate, recall = ceiling(evaluated)
    con = duckdb.connect()
    ring_index = {
        r: i
        for i, (r,) in enumerate(
            con.execute(f"SELECT ring_id FROM read_parquet('{truth / 'rings.parquet'}')").fetchall()
        )
    }
    rows = con.execute(
        f"SELECT ring_id, effective_date, kind FROM read_parquet('{truth / 'adaptations.parquet'}')"
    ).fetchall()
    con.close()
    first = plan_days[0] if plan_days else half
    end = plan_days[-1] if plan_days else half
    in_eval = [r for r in rows if half <= r[1] <= end]
    reactions = sorted({(ring_index[r[0]], r[1]) for r in rows if first <= r[1] <= end})
    delays, censored = redetection_days(reactions, model_hits)
    shipping = {r for r in rings_shipping if r >= 0}
    hit_in_eval = {ring for day, ring in model_hits if day >= half}
    undetected = len(shipping - hit_in_eval)
    kinds: dict[str, int] = {}
    for r in in_eval:
        kinds[r[2]] = kinds.get(r[2], 0) + 1
    return {
        "ceiling_hit_rate": hit_rate,
        "ceiling_recall": recall,
        "adaptations": len(in_eval),
        "adaptations_by_kind": dict(sorted(kinds.items())),
        "reactions_planned_days": len(reactions),
        "redetect_days_median": float(statistics.median(delays)) if delays else None,
        "redetected": len(delays),
        "redetect_censored": censored,
        "rings_shipping": len(shipping),
        "rings_undetected_share": round(undetected / len(shipping), 4) if shipping else None,
    }
