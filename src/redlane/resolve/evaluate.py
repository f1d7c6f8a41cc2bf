"""Resolution quality against the simulator's truth: pairwise and B-cubed precision/recall.

Both are computed over party appearances present in the prediction and in the truth (an
appearance quarantined at ingest has no prediction and is left out of both sides).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from redlane.engine.sql import quote_literal


@dataclass(frozen=True)
class ResolutionMetrics:
    pairwise_precision: float
    pairwise_recall: float
    pairwise_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    actors: int
    true_actors: int
    parties: int

    def to_json(self) -> dict[str, float | int]:
        return asdict(self)


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


def evaluate_assignments(
    con: duckdb.DuckDBPyConnection, predicted_sql: str, truth_dir: Path
) -> ResolutionMetrics:
    """``predicted_sql`` yields (source_table, record_key, role, actor_id)."""
    links = quote_literal(str(truth_dir / "party_links.parquet"))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE eval_joined AS
        SELECT p.actor_id AS pred, t.actor_id AS true_actor
        FROM ({predicted_sql}) p
        JOIN read_parquet({links}) t
          ON t."table" = p.source_table AND t.record_key = p.record_key AND t.role = p.role
        """
    )
    row = con.execute(
        """
        WITH cells AS (SELECT pred, true_actor, count(*)::DOUBLE n FROM eval_joined GROUP BY ALL),
        pred_sizes AS (SELECT pred, sum(n) n FROM cells GROUP BY pred),
        true_sizes AS (SELECT true_actor, sum(n) n FROM cells GROUP BY true_actor)
        SELECT
            (SELECT sum(n * (n - 1) / 2) FROM cells) AS tp,
            (SELECT sum(n * (n - 1) / 2) FROM pred_sizes) AS pred_pairs,
            (SELECT sum(n * (n - 1) / 2) FROM true_sizes) AS true_pairs,
            (SELECT sum(c.n * c.n / p.n) FROM cells c JOIN pred_sizes p USING (pred)) AS b_p,
            (SELECT sum(c.n * c.n / t.n) FROM cells c JOIN true_sizes t USING (true_actor)) AS b_r,
            (SELECT sum(n) FROM cells) AS items,
            (SELECT count(*) FROM pred_sizes) AS actors,
            (SELECT count(*) FROM true_sizes) AS true_actors
        """
    ).fetchall()[0]
    tp, pred_pairs, true_pairs, b_p, b_r, items, actors, true_actors = row
    items = items or 0.0
    precision = tp / pred_pairs if pred_pairs else 1.0
    recall = tp / true_pairs if true_pairs else 1.0
    bcubed_precision = b_p / items if items else 0.0
    bcubed_recall = b_r / items if items else 0.0
    return ResolutionMetrics(
        pairwise_precision=round(float(precision), 6),
        pairwise_recall=round(float(recall), 6),
        pairwise_f1=round(_f1(float(precision), float(recall)), 6),
        bcubed_precision=round(float(bcubed_precision), 6),
        bcubed_recall=round(float(bcubed_recall), 6),
        bcubed_f1=round(_f1(float(bcubed_precision), float(bcubed_recall)), 6),
        actors=int(actors or 0),
        true_actors=int(true_actors or 0),
        parties=int(items),
    )
