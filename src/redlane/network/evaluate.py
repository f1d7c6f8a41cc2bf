"""Rings against the simulator's truth: purity (a predicted ring is one true ring) and recall
(a true ring's members are found together)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb

from redlane.engine.sql import quote_literal


@dataclass(frozen=True)
class RingMetrics:
    predicted_rings: int
    true_rings: int
    ring_purity: float
    ring_recall: float

    def to_json(self) -> dict[str, float | int]:
        return asdict(self)


def evaluate_rings(con: duckdb.DuckDBPyConnection, truth_dir: Path) -> RingMetrics:
    """Needs views ``party_actors`` and ``actors`` (resolution outputs) on ``con``."""
    links = quote_literal(str(truth_dir / "party_links.parquet"))
    truth_actors = quote_literal(str(truth_dir / "actors.parquet"))
    row = con.execute(
        f"""
        WITH mapped AS (
            -- each predicted actor stands for the true actor most of its parties belong to
            SELECT pa.actor_id, mode(t.actor_id) AS true_actor
            FROM party_actors pa JOIN read_parquet({links}) t
              ON t."table" = pa.source_table AND t.record_key = pa.record_key AND t.role = pa.role
            GROUP BY pa.actor_id
        ),
        members AS (
            SELECT a.ring_id AS pred_ring, ta.ring_id AS true_ring, m.true_actor
            FROM actors a JOIN mapped m USING (actor_id)
            JOIN read_parquet({truth_actors}) ta ON ta.actor_id = m.true_actor
        ),
        pred_sizes AS (SELECT pred_ring, count(*) n FROM members WHERE pred_ring IS NOT NULL
                       GROUP BY pred_ring),
        true_cover AS (
            SELECT true_ring, count(DISTINCT true_actor) AS n,
                max(c) AS best FROM (
                    SELECT true_ring, pred_ring, true_actor,
                        count(DISTINCT true_actor) OVER (PARTITION BY true_ring, pred_ring) AS c
                    FROM members WHERE true_ring IS NOT NULL
                ) GROUP BY true_ring
        )
        SELECT
            (SELECT count(*) FROM pred_sizes),
            (SELECT count(*) FROM true_cover),
            (SELECT sum(p.top) / sum(s.n) FROM (SELECT pred_ring, max(c) top FROM (
                SELECT pred_ring, true_ring, count(*) c FROM members WHERE pred_ring IS NOT NULL
                GROUP BY ALL) GROUP BY pred_ring) p JOIN pred_sizes s USING (pred_ring)),
            (SELECT sum(best) / sum(n) FROM true_cover WHERE n >= 2)
        """
    ).fetchall()[0]
    return RingMetrics(
        predicted_rings=int(row[0] or 0),
        true_rings=int(row[1] or 0),
        ring_purity=round(float(row[2] or 0.0), 6),
        ring_recall=round(float(row[3] or 0.0), 6),
    )
