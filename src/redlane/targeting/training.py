"""Training from the warehouse and the store, champion/challenger, and the drift report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa

from redlane.errors import NotReady
from redlane.targeting.features import (
    NUMERIC_FEATURES,
    compute_features,
    labelled_features,
    open_features_connection,
    reference_features,
)
from redlane.targeting.model import (
    TargetModel,
    Weighting,
    bin_shares,
    champion_version,
    column_floats,
    load_champion,
    promote,
    save_model,
    time_values,
    train,
    training_weights,
)

MIN_WINDOW: Final = 10


def connect(home: Path, warehouse_path: Path, memory_limit: str = "") -> duckdb.DuckDBPyConnection:
    """Feature connection with labels = warehouse inspections + outcomes recorded in the store."""
    from redlane.store.db import session_scope
    from redlane.store.migrate import ensure_schema
    from redlane.targeting.outcomes import outcome_labels

    ensure_schema()
    with session_scope(readonly=True) as session:
        outcomes = outcome_labels(session)
    return open_features_connection(home, warehouse_path, outcomes, memory_limit=memory_limit)


def train_and_promote(
    home: Path, con: duckdb.DuckDBPyConnection, weighting: Weighting = "ipw", seed: int = 7
) -> TargetModel:
    """Train on every label to date and make it the champion (``redlane target train``)."""
    model = train(
        labelled_features(con), weighting=weighting, seed=seed, reference=reference_features(con)
    )
    save_model(home, model)
    promote(home, model)
    return model


@dataclass
class Comparison:
    window_from: str
    window_rows: int
    window_seizures: int
    challenger: dict[str, float | None]
    champion: dict[str, float | None] | None
    champion_version: str | None
    challenger_version: str
    promoted: bool
    why: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def window_metrics(model: TargetModel, table: pa.Table) -> dict[str, float | None]:
    """Inverse-propensity-weighted AUC and log loss of ``model`` on labelled rows."""
    from sklearn.metrics import log_loss, roc_auc_score

    if table.num_rows == 0:
        return {"auc": None, "log_loss": None}
    y = column_floats(table, "label")
    _, w = training_weights(table, "ipw")
    p = np.clip(model.predict(table), 1e-6, 1 - 1e-6)
    auc = float(roc_auc_score(y, p, sample_weight=w)) if 0 < y.sum() < len(y) else None
    loss = float(log_loss(y, p, sample_weight=w, labels=[0, 1]))
    return {"auc": auc, "log_loss": loss}


def better(challenger: dict[str, float | None], champion: dict[str, float | None]) -> bool:
    """Higher AUC wins; ties keep the champion. A window without both seizures and clearances
    cannot rank models, so nothing is promoted on it."""
    a, b = challenger.get("auc"), champion.get("auc")
    return a is not None and b is not None and a > b


def not_enough_to_compare(found: int, after: datetime | None) -> str:
    """What ``retrain`` needs and how to give it: outcomes inspected after the champion's last
    training label (a fresh champion has seen every label there is)."""
    since = f"after {after.isoformat()} (the champion's last training label)" if after else ""
    return (
        f"only {found} inspections to compare on {since or 'in the window'}: retraining needs at"
        f" least {MIN_WINDOW} newer outcomes to compare the champion with a challenger on"
        " (seizures and clearances among them, or nothing can be promoted). Record what"
        " officers found with `redlane target outcomes import FILE`"
        " (CSV carrier,hawb,port_code,outcome[,inspected_at,...];"
        " docs/targeting.md) or POST /v1/outcomes, then run `redlane target retrain` again"
    )


def split_window(
    table: pa.Table, window_days: int, after: datetime | None = None
) -> tuple[pa.Table, pa.Table, str]:
    """Labelled rows before and within the comparison window: the latest ``window_days`` days
    of inspections, and only inspections later than ``after`` (the champion's last label, so
    the champion is never judged on what it was trained on)."""
    if table.num_rows == 0:
        raise NotReady("no labelled shipments: import outcomes or ingest inspections first")
    times = time_values(table, "inspected_at")
    cutoff = int(times.max()) - window_days * 86_400_000_000
    if after is not None:
        after_us = int((after - datetime(1970, 1, 1)).total_seconds() * 1_000_000)
        cutoff = max(cutoff, after_us + 1)
    early = np.flatnonzero(times < cutoff)
    late = np.flatnonzero(times >= cutoff)
    if len(late) < MIN_WINDOW:
        raise NotReady(not_enough_to_compare(len(late), after))
    start = table.column("inspected_at")[int(late[0])].as_py()
    return (
        table.take(pa.array(early, type=pa.int64())),
        table.take(pa.array(late, type=pa.int64())),
        str(start),
    )


def challenge(
    home: Path, challenger: TargetModel, window: pa.Table, window_from: str = ""
) -> Comparison:
    """Compare ``challenger`` with the champion on ``window``; promote it only if better."""
    ours = window_metrics(challenger, window)
    version = champion_version(home)
    seizures = int(column_floats(window, "label").sum()) if window.num_rows else 0
    if version is None:
        promoted, why, theirs = True, "no champion yet", None
    else:
        theirs = window_metrics(load_champion(home), window)
        promoted = better(ours, theirs)
        if ours.get("auc") is None:
            why = "the later window has no seizures (or no clearances) to compare on"
        else:
            why = "better on the later window" if promoted else "not better on the later window"
    save_model(home, challenger)
    if promoted:
        promote(home, challenger)
    return Comparison(
        window_from=window_from,
        window_rows=window.num_rows,
        window_seizures=seizures,
        challenger=ours,
        champion=theirs,
        champion_version=version,
        challenger_version=challenger.version,
        promoted=promoted,
        why=why,
    )


def retrain(
    home: Path,
    con: duckdb.DuckDBPyConnection,
    window_days: int = 7,
    weighting: Weighting = "ipw",
    seed: int = 7,
) -> Comparison:
    """Train a challenger on labels before the latest ``window_days`` and compare there."""
    table = labelled_features(con)
    after = None
    if champion_version(home) is not None:
        labels_to = load_champion(home).meta.get("labels_to")
        after = datetime.fromisoformat(str(labels_to)) if labels_to else None
    early, late, start = split_window(table, window_days, after)
    where = f"k.t < TIMESTAMP '{start[:19]}'"
    challenger = train(
        early, weighting=weighting, seed=seed, reference=reference_features(con, where)
    )
    return challenge(home, challenger, late, start)


# --- drift ------------------------------------------------------------------------------------
@dataclass
class DriftReport:
    model_version: str
    recent_from: str
    recent_rows: int
    psi: list[dict[str, Any]] = field(default_factory=list)
    weekly: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def psi(expected: npt.NDArray[np.float64], actual: npt.NDArray[np.float64]) -> float:
    """Population stability index between two share vectors (0.1 watch, 0.25 act)."""
    e = np.clip(expected, 1e-4, None)
    a = np.clip(actual, 1e-4, None)
    return float(np.sum((a - e) * np.log(a / e)))


def drift(home: Path, con: duckdb.DuckDBPyConnection, days: int = 7) -> DriftReport:
    """PSI per feature (recent ``days`` of arrivals vs the champion's training reference) and
    the hit rate by week of inspection."""
    model = load_champion(home)
    last = con.execute("SELECT max(expected_arrival)::DATE FROM aed_shipments").fetchall()[0]
    if last is None or last[0] is None:
        raise NotReady("no shipments in the warehouse")
    start = last[0] - timedelta(days=days - 1)
    recent = compute_features(con, f"k.arrival_date >= DATE '{start}'")
    report = DriftReport(model.version, str(start), recent.num_rows)
    reference = model.meta.get("drift_reference", {})
    for name in NUMERIC_FEATURES:
        ref = reference.get(name)
        if ref is None or recent.num_rows == 0:
            continue
        edges = np.asarray(ref["edges"], dtype=np.float64)
        value = psi(np.asarray(ref["shares"]), bin_shares(column_floats(recent, name), edges))
        report.psi.append({"feature": name, "psi": round(value, 4)})
    report.psi.sort(key=lambda r: -float(r["psi"]))
    rows = con.sql(
        "SELECT date_trunc('week', inspected_at)::DATE wk, count(*), sum(seized::INT),"
        " sum(CASE WHEN propensity < 1 THEN 1 ELSE 0 END),"
        " sum(CASE WHEN propensity < 1 AND seized THEN 1 ELSE 0 END)"
        " FROM target_labels GROUP BY 1 ORDER BY 1"
    ).fetchall()
    for week, n, seized, n_random, seized_random in rows:
        report.weekly.append(
            {
                "week": str(week),
                "inspected": int(n),
                "seized": int(seized or 0),
                "hit_rate": round(float(seized or 0) / n, 4) if n else None,
                "random_inspected": int(n_random or 0),
                "random_hit_rate": round(float(seized_random or 0) / n_random, 4)
                if n_random
                else None,
            }
        )
    return report
