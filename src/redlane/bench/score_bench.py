"""Scoring a day: features (SQL over the warehouse and resolution outputs) and the champion model.

Starts from a standing world with the day ingested and resolved (setup, untimed). Timed in a
child: the day's features, the model's probabilities and, as the baseline in the same process,
the counterfeit rule pack alone (what a rules-only selectivity system computes). Both are then
scored against the simulator's truth (ROC AUC; the rule pack's hit/no-hit is its score).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa

from redlane.bench.child import Laps
from redlane.bench.standing import day_child_figures, on_standing_day

_SCORE_CHILD = """
import json, sys
from pathlib import Path
from redlane.bench.score_bench import timed_score
print(json.dumps(timed_score(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3]))))
"""


def counterfeit_flags(truth: Path, hawbs: pa.Array | pa.ChunkedArray) -> npt.NDArray[np.bool_]:
    """The simulator's truth for each of ``hawbs`` (False for a parcel it does not know)."""
    import duckdb

    con = duckdb.connect()
    con.register("wanted", pa.table({"hawb": hawbs, "i": np.arange(len(hawbs))}))
    rows = con.execute(
        "SELECT w.i FROM wanted w JOIN read_parquet($truth) t USING (hawb) WHERE t.is_counterfeit",
        {"truth": str(truth)},
    ).fetchall()
    con.close()
    flags = np.zeros(len(hawbs), dtype=bool)
    flags[[int(r[0]) for r in rows]] = True
    return flags


def day_features(home: Path, day: str) -> pa.Table:
    from redlane.targeting.features import compute_features
    from redlane.targeting.training import connect

    con = connect(home, home / "warehouse")
    feats = compute_features(con, f"k.t::DATE = DATE '{day}'")
    con.close()
    return feats


def rule_pack_hits(feats: pa.Table) -> npt.NDArray[np.bool_]:
    """Parcels the counterfeit rule pack flags red (the rules-only baseline)."""
    from redlane.targeting.rules import COUNTERFEIT_PACK, checks_from_definitions, evaluate

    checks = [c for c in checks_from_definitions(COUNTERFEIT_PACK) if c.lane == "red"]
    return np.asarray(evaluate(feats, checks).any(axis=1), dtype=bool)


def _auc(flags: npt.NDArray[np.bool_], score: npt.NDArray[Any]) -> float | None:
    from sklearn.metrics import roc_auc_score

    if flags.all() or not flags.any():
        return None
    return round(float(roc_auc_score(flags, score)), 4)


def timed_score(home: Path, day: str, truth: Path) -> dict[str, Any]:
    """The timed part (runs in the child)."""
    from redlane.targeting.model import load_champion

    laps = Laps()
    feats = day_features(home, day)
    laps.lap("features")
    probabilities = load_champion(home).predict(feats)
    laps.lap("score")
    hits = rule_pack_hits(feats)
    laps.lap("baseline_rules_only")
    flags = counterfeit_flags(truth, feats.column("hawb"))
    return {
        "scored": int(feats.num_rows),
        "stages_s": laps.seconds,
        "stages_cpu_s": laps.cpu_s,
        "stages_peak_rss_mb": laps.peak_rss_mb,
        "counterfeits": int(flags.sum()),
        "auc": _auc(flags, probabilities),
        "baseline_rules_only_auc": _auc(flags, hits.astype(np.float64)),
        "baseline_rules_only_flagged": int(hits.sum()),
    }


def run(shipments: int, seed: int = 17, history_days: int = 2) -> dict[str, Any]:
    return on_standing_day(run_from, shipments, seed, history_days)


def run_from(home: Path, day: str, truth: Path) -> dict[str, Any]:
    """Score a day of a standing world that already has it ingested and resolved."""
    return day_child_figures("score", _SCORE_CHILD, home, day, truth, ("features", "score"))
