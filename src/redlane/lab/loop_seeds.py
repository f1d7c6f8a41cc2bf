"""Several seeds of the closed loop: the per-seed figures, their mean and a 95 % interval.

One seed's figures move with the world it drew; a change is only visible when it moves the mean
by more than the seeds disagree. The interval is Student's t over the seeds (none for one seed).
"""

from __future__ import annotations

import math
import statistics
from typing import Any, Final

from scipy import stats  # type: ignore[import-untyped]

# The figures averaged over seeds (each a number, or None where a seed has none).
FIGURES: Final = (
    "hit_rate",
    "random_hit_rate",
    "rules_only_hit_rate",
    "seized_value_share",
    "counterfeit_recall",
    "lift_vs_random",
    "lift_vs_rules_only",
    "ceiling_hit_rate",
    "share_of_ceiling",
    "adaptations",
    "redetect_days_median",
    "rings_undetected_share",
)


def parse_seeds(text: str) -> list[int]:
    """'41-45' or '41,43,47' (or a mix: '41-43,50') -> seeds, in order, without repeats."""
    seeds: list[int] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        lo, sep, hi = part.partition("-")
        try:
            first, last = int(lo), int(hi) if sep else int(lo)
        except ValueError:
            raise ValueError(f"not a seed or a range of seeds: {part!r}") from None
        if last < first:
            raise ValueError(f"empty range of seeds: {part!r}")
        seeds += [s for s in range(first, last + 1) if s not in seeds]
    if not seeds:
        raise ValueError("no seeds given")
    return seeds


def interval(values: list[float]) -> tuple[float | None, float | None]:
    """Student's t 95 % interval of the mean (None where fewer than two values)."""
    if len(values) < 2:
        return None, None
    mean = statistics.fmean(values)
    half = float(stats.t.ppf(0.975, len(values) - 1)) * statistics.stdev(values)
    half /= math.sqrt(len(values))
    return round(mean - half, 4), round(mean + half, 4)


def summarise_seeds(summaries: list[dict[str, Any]]) -> dict[str, Any]:
    """The figures' mean and interval at the top level (same keys as one seed), per seed below."""
    out: dict[str, Any] = {"seeds": [s["seed"] for s in summaries]}
    mean: dict[str, float | None] = {}
    ci: dict[str, tuple[float | None, float | None]] = {}
    for key in FIGURES:
        values = [float(s[key]) for s in summaries if s.get(key) is not None]
        mean[key] = round(statistics.fmean(values), 4) if values else None
        ci[key] = interval(values)
    out.update(mean)
    out["mean"] = mean
    out["ci95"] = ci
    out["per_seed"] = {str(s["seed"]): {k: s.get(k) for k in FIGURES} for s in summaries}
    out["inspection_rate"] = summaries[0]["inspection_rate"]
    out["days"] = summaries[0]["days"]
    out["parcels"] = summaries[0]["parcels"]
    return out
