"""Detectability audit of a simulated world: how much of the truth its observable features give
away, and what a perfect targeter could reach at the closed loop's capacity.

The world is generated and ingested into a private home, exactly as the closed loop
(:mod:`redlane.lab.targeting_loop`) does. Features are those the targeting model trains on
(``redlane.targeting.features.FEATURES``), computed for every parcel with the simulator's own
historical inspections as labels (what customs knows; history features only count labels
strictly before a parcel). Each feature is scored alone against the truth:

- numeric and boolean columns: ROC AUC of the raw values; a missing value is put at whichever
  end of the ranking gives the higher AUC (a tree can send it either way);
- categorical columns: ROC AUC of an out-of-fold per-category counterfeit rate (5 folds by a
  hash of the hawb), so a category seen once does not score itself.

AUCs are direction-agnostic: ``max(AUC, 1 - AUC)``; a constant column scores 0.5.

Populations (reported in ``populations``): prevalence over every parcel with features; AUCs over
the parcels after the warm-up days (the ones the loop scores); the ceiling and the rules-only
figures over the loop's evaluation days (the second half of the days after the warm-up), so they
compare with ``redlane sim loop`` directly. ``ceiling_after_warmup`` gives the ceiling over every
day after the warm-up as well.
"""

from __future__ import annotations

import math
import shutil
import tempfile
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sklearn.metrics import roc_auc_score

from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import ingest_paths
from redlane.targeting.features import (
    CATEGORICAL_FEATURES,
    LABEL_SCHEMA,
    NUMERIC_FEATURES,
    compute_features,
    open_features_connection,
    set_labels,
)
from redlane.targeting.model import column_floats
from redlane.targeting.plan import select
from redlane.targeting.rules import COUNTERFEIT_PACK, checks_from_definitions, evaluate

Progress = Callable[[str, int, int], None]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

FOLDS: Final = 5
# A single feature at or above this AUC gives the answer away (issue 27's constraint).
GIVEAWAY_AUC: Final = 0.85
# A perfect targeter should reach at least this multiple of the rules-only hit rate.
CEILING_OVER_RULES: Final = 2.0
MISSING: Final = "\x00missing"


# --- pure helpers ----------------------------------------------------------------------------
def single_feature_auc(
    values: Sequence[float] | FloatArray, labels: Sequence[bool] | BoolArray
) -> float:
    """Direction-agnostic ROC AUC of one feature: ``max(AUC, 1 - AUC)``, in [0.5, 1].

    Missing values (NaN) are ranked below every value and then above every value; the higher
    AUC is kept. A constant column, or labels of one class only, give 0.5.
    """
    x = np.asarray(values, dtype=np.float64)
    y = np.asarray(labels, dtype=bool)
    if len(x) != len(y):
        raise ValueError(f"{len(x)} values but {len(y)} labels")
    if len(y) == 0 or y.all() or not y.any():
        return 0.5
    missing = np.isnan(x)
    present = x[~missing]
    if len(present) == 0 or (np.all(present == present[0]) and not missing.any()):
        return 0.5
    if not missing.any():
        return _two_sided(roc_auc_score(y, x))
    low, high = float(present.min()) - 1.0, float(present.max()) + 1.0
    return max(
        _two_sided(roc_auc_score(y, np.where(missing, low, x))),
        _two_sided(roc_auc_score(y, np.where(missing, high, x))),
    )


def _two_sided(auc: float) -> float:
    return float(max(auc, 1.0 - auc))


def fold_of(key: str, folds: int = FOLDS) -> int:
    """A stable fold for a key (CRC-32; Python's ``hash`` is salted per process)."""
    return zlib.crc32(key.encode("utf-8")) % folds


def out_of_fold_rates(
    categories: Sequence[str | None],
    labels: Sequence[bool] | BoolArray,
    keys: Sequence[str],
    folds: int = FOLDS,
) -> FloatArray:
    """Each row's category counterfeit rate, learnt on the other folds (by ``fold_of(key)``).

    A category never seen in the other folds gets those folds' overall rate; a missing category
    is a category of its own.
    """
    y = np.asarray(labels, dtype=bool)
    cats = [MISSING if c is None else str(c) for c in categories]
    fold = np.array([fold_of(k, folds) for k in keys], dtype=np.int64)
    codes: dict[str, int] = {}
    code = np.array([codes.setdefault(c, len(codes)) for c in cats], dtype=np.int64)
    n_codes = max(1, len(codes))
    total_n = np.bincount(code, minlength=n_codes).astype(np.float64)
    total_s = np.bincount(code, weights=y.astype(np.float64), minlength=n_codes)
    out = np.empty(len(y), dtype=np.float64)
    for f in range(folds):
        inside = fold == f
        if not inside.any():
            continue
        n_in = np.bincount(code[inside], minlength=n_codes).astype(np.float64)
        s_in = np.bincount(code[inside], weights=y[inside].astype(np.float64), minlength=n_codes)
        n_out, s_out = total_n - n_in, total_s - s_in
        prior = s_out.sum() / n_out.sum() if n_out.sum() else 0.0
        rate = np.where(n_out > 0, s_out / np.maximum(n_out, 1.0), prior)
        out[inside] = rate[code[inside]]
    return out


def daily_capacity(arrivals: int, inspection_rate: float) -> int:
    """The loop's capacity for a day: ``inspection_rate`` of its arrivals, rounded half up, at
    least one."""
    return max(1, int(math.floor(inspection_rate * arrivals + 0.5)))


@dataclass(frozen=True)
class Ceiling:
    """What a perfect targeter (counterfeits first, every day at capacity) would do."""

    days: int
    inspected: int
    seized: int
    counterfeits: int

    @property
    def hit_rate(self) -> float:
        return self.seized / self.inspected if self.inspected else 0.0

    @property
    def recall(self) -> float:
        return self.seized / self.counterfeits if self.counterfeits else 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {
            "hit_rate": round(self.hit_rate, 4),
            "recall": round(self.recall, 4),
        }


def ceiling(days: Sequence[tuple[int, int]], inspection_rate: float) -> Ceiling:
    """Perfect targeting over ``days`` given as ``(arrivals, counterfeits)`` per day."""
    inspected = seized = fakes = 0
    for arrivals, counterfeits in days:
        if arrivals <= 0:
            continue
        cap = min(arrivals, daily_capacity(arrivals, inspection_rate))
        inspected += cap
        seized += min(cap, counterfeits)
        fakes += counterfeits
    return Ceiling(len(days), inspected, seized, fakes)


def rules_first(
    days: Sequence[tuple[BoolArray, BoolArray]], inspection_rate: float, seed: int
) -> tuple[int, int]:
    """``(inspected, seized)`` of the loop's rules-only plan: rule hits first (more hits than
    capacity: the first ones), the rest of each day's capacity at random (a seeded RNG).
    ``days`` gives, per day, the rule-hit mask and the truth of its parcels."""
    rng = np.random.default_rng(seed)
    inspected = seized = 0
    for mandatory, truth in days:
        n = len(truth)
        if n == 0:
            continue
        sel = select(rng.random(n), mandatory, daily_capacity(n, inspection_rate), 0, rng)
        inspected += len(sel.index)
        seized += int(np.asarray(truth, dtype=bool)[sel.index].sum())
    return inspected, seized


def feature_aucs(table: pa.Table, truth: BoolArray) -> dict[str, float]:
    """Single-feature AUC of every model feature in ``table`` (rows aligned with ``truth``)."""
    out: dict[str, float] = {}
    for name in NUMERIC_FEATURES:
        out[name] = round(single_feature_auc(column_floats(table, name), truth), 4)
    keys = [str(h) for h in table.column("hawb").to_pylist()]
    for name in CATEGORICAL_FEATURES:
        rates = out_of_fold_rates(table.column(name).to_pylist(), truth, keys)
        out[name] = round(single_feature_auc(rates, truth), 4)
    return out


def evaluation_days(
    arrival_days: Sequence[date], warmup_days: int
) -> tuple[list[date], list[date]]:
    """``(days after the warm-up, the loop's evaluation days)``: the latter are the second half
    of the former, as :func:`redlane.lab.targeting_loop.run_loop` splits them."""
    days = sorted(arrival_days)
    if not days:
        return [], []
    plan = [d for d in days if (d - days[0]).days >= warmup_days]
    if not plan:
        return [], []
    half = plan[len(plan) // 2]
    return plan, [d for d in plan if d >= half]


# --- the audit -------------------------------------------------------------------------------
@dataclass
class AuditResult:
    seed: int
    days: int
    parcels: int
    inspection_rate: float
    warmup_days: int
    prevalence: float
    random_hit_rate: float
    features: dict[str, float]
    ceiling_eval: Ceiling
    ceiling_after_warmup: Ceiling
    rules_inspected: int
    rules_seized: int
    rules_flagged: int
    rules_flagged_counterfeit: int
    populations: dict[str, Any]
    seconds: float = 0.0

    @property
    def max_feature(self) -> tuple[str, float]:
        name = max(self.features, key=lambda k: (self.features[k], k))
        return name, self.features[name]

    @property
    def rules_only_hit_rate(self) -> float:
        return self.rules_seized / self.rules_inspected if self.rules_inspected else 0.0

    def summary(self) -> dict[str, Any]:
        name, top = self.max_feature
        ceiling_hit = round(self.ceiling_eval.hit_rate, 4)
        rules_hit = round(self.rules_only_hit_rate, 4)
        return {
            "prevalence": round(self.prevalence, 4),
            "random_hit_rate": round(self.random_hit_rate, 4),
            "features": dict(sorted(self.features.items(), key=lambda kv: (-kv[1], kv[0]))),
            "max_feature_auc": top,
            "max_feature": name,
            "ceiling_hit_rate": ceiling_hit,
            "ceiling_recall": round(self.ceiling_eval.recall, 4),
            "rules_only_hit_rate": rules_hit,
            "inspection_rate": self.inspection_rate,
            "constraints": {
                "no_giveaway": top < GIVEAWAY_AUC,
                "ceiling_at_least_2x_rules": ceiling_hit >= CEILING_OVER_RULES * rules_hit,
            },
            "ceiling": self.ceiling_eval.to_dict(),
            "ceiling_after_warmup": self.ceiling_after_warmup.to_dict(),
            "rules_only": {
                "inspected": self.rules_inspected,
                "seized": self.rules_seized,
                "pack_flagged": self.rules_flagged,
                "pack_flagged_counterfeit": self.rules_flagged_counterfeit,
                "pack_precision": round(self.rules_flagged_counterfeit / self.rules_flagged, 4)
                if self.rules_flagged
                else None,
            },
            "populations": self.populations,
            "seed": self.seed,
            "days": self.days,
            "parcels": self.parcels,
            "warmup_days": self.warmup_days,
            "seconds": round(self.seconds, 1),
        }


def historical_labels(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """The simulator's own inspections as labels, as the loop reads its warm-up labels."""
    rows = con.sql(
        "SELECT hawb, inspected_at, outcome = 'seized' AS seized, seized_value::DOUBLE,"
        " CASE WHEN selection_reason = 'random' THEN 0.02 ELSE 1.0 END::DOUBLE, selection_reason"
        " FROM inspections ORDER BY inspected_at, hawb"
    ).fetchall()
    names = LABEL_SCHEMA.names
    return pa.Table.from_pylist([dict(zip(names, r, strict=True)) for r in rows], LABEL_SCHEMA)


def read_truth(world: Path) -> dict[str, bool]:
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT hawb, is_counterfeit FROM "
            f"read_parquet('{world / 'truth' / 'shipments.parquet'}')"
        ).fetchall()
    finally:
        con.close()
    return {str(h): bool(c) for h, c in rows}


def audit_features(
    feats: pa.Table,
    truth: dict[str, bool],
    *,
    seed: int,
    days: int,
    parcels: int,
    inspection_rate: float,
    warmup_days: int,
    tick: Progress | None = None,
) -> AuditResult:
    """The audit of computed features (``compute_features`` output) against the truth."""
    hawbs = [str(h) for h in feats.column("hawb").to_pylist()]
    y = np.array([truth.get(h, False) for h in hawbs], dtype=bool)
    arrival = np.array(feats.column("arrival_date").to_pylist(), dtype=object)
    plan, evaluation = evaluation_days(sorted(set(arrival.tolist())), warmup_days)
    plan_set, eval_set = set(plan), set(evaluation)
    after = np.array([d in plan_set for d in arrival], dtype=bool)
    in_eval = np.array([d in eval_set for d in arrival], dtype=bool)
    if tick:
        tick("features AUC", 0, 1)
    scored = feats.filter(pa.array(after)) if after.any() else feats
    aucs = feature_aucs(scored, y[after] if after.any() else y)
    if tick:
        tick("features AUC", 1, 1)
    by_day = {d: np.flatnonzero(arrival == d) for d in plan}
    ceiling_eval = ceiling(
        [(len(by_day[d]), int(y[by_day[d]].sum())) for d in evaluation], inspection_rate
    )
    ceiling_all = ceiling(
        [(len(by_day[d]), int(y[by_day[d]].sum())) for d in plan], inspection_rate
    )
    pack = checks_from_definitions(COUNTERFEIT_PACK)
    flagged = np.asarray(evaluate(feats, pack).any(axis=1), dtype=bool)
    inspected, seized = rules_first(
        [(flagged[by_day[d]], y[by_day[d]]) for d in evaluation], inspection_rate, seed
    )
    n_eval = int(in_eval.sum())
    return AuditResult(
        seed=seed,
        days=days,
        parcels=parcels,
        inspection_rate=inspection_rate,
        warmup_days=warmup_days,
        prevalence=float(y.mean()) if len(y) else 0.0,
        random_hit_rate=float(y[in_eval].mean()) if n_eval else 0.0,
        features=aucs,
        ceiling_eval=ceiling_eval,
        ceiling_after_warmup=ceiling_all,
        rules_inspected=inspected,
        rules_seized=seized,
        rules_flagged=int(flagged[in_eval].sum()),
        rules_flagged_counterfeit=int((flagged & y)[in_eval].sum()),
        populations={
            "prevalence": {"parcels": len(y), "counterfeits": int(y.sum()), "days": "all"},
            "features": {
                "parcels": int(after.sum()),
                "counterfeits": int(y[after].sum()),
                "days": _span(plan),
            },
            "ceiling_and_rules": {
                "parcels": n_eval,
                "counterfeits": int(y[in_eval].sum()),
                "days": _span(evaluation),
            },
        },
    )


def _span(days: Sequence[date]) -> list[str]:
    return [str(days[0]), str(days[-1])] if days else []


def run_audit(
    seed: int,
    days: int,
    parcels: int,
    *,
    inspection_rate: float = 0.05,
    warmup_days: int = 7,
    workdir: Path | None = None,
    progress: Progress | None = None,
) -> AuditResult:
    """Generate the default world for ``seed`` in a temporary folder, ingest it and audit it."""
    from redlane.sim import generate_world

    started = time.perf_counter()
    tick: Progress = progress or (lambda stage, done, total: None)
    tmp = Path(tempfile.mkdtemp(prefix="redlane-audit-")) if workdir is None else workdir
    try:
        world, home = tmp / "world", tmp / "home"
        generate_world(world, seed=seed, parcels=parcels, days=days, progress=progress)
        tick("ingest", 0, 1)
        warehouse = Warehouse(home / "warehouse")
        ingest_paths([world], warehouse)
        tick("ingest", 1, 1)
        tick("features", 0, 1)
        con = open_features_connection(home, warehouse.root, warehouse_labels=False)
        try:
            set_labels(con, historical_labels(con), warehouse_labels=False)
            feats = compute_features(con)
        finally:
            con.close()
        tick("features", 1, 1)
        result = audit_features(
            feats,
            read_truth(world),
            seed=seed,
            days=days,
            parcels=parcels,
            inspection_rate=inspection_rate,
            warmup_days=warmup_days,
            tick=tick,
        )
    finally:
        if workdir is None:
            shutil.rmtree(tmp, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    return result
