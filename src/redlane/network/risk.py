"""Actor risk: own seizures and takedowns, propagated to neighbours with decay and edge weight.

Explained in words: every contribution keeps a sentence ("shares bank account … with AC-… seized
2 times in 30 days").
"""

from __future__ import annotations

import duckdb

from redlane.network.edges import NOT_RING_SQL

HALF_LIFE_DAYS = 60.0
SEIZURE_WEIGHT = 0.6
TAKEDOWN_WEIGHT = 0.25
PROPAGATION = 0.7  # share of a neighbour's own risk passed along an edge of weight 1


def own_evidence_sql(parties: str = "parties_all", party_actors: str = "party_actors_all") -> str:
    """Per actor: seizures (as shipper or consignee of a seized parcel) and takedowns, decayed
    by age relative to the newest evidence in the warehouse."""
    return f"""
        WITH seized AS (
            SELECT a.actor_id, i.inspected_at AS ts
            FROM inspections i
            JOIN {parties} p ON p.source_table = 'aed_shipments' AND p.record_key = i.hawb
                 AND p.role = 'shipper'
            JOIN {party_actors} a USING (party_id)
            WHERE i.outcome = 'seized'
        ),
        taken AS (
            SELECT a.actor_id, t.taken_down_at AS ts
            FROM mp_takedowns t
            JOIN {parties} p ON p.source_table = 'mp_sellers' AND p.record_key = t.seller_id
            JOIN {party_actors} a USING (party_id)
        ),
        ev AS (
            SELECT actor_id, ts, 'seizure' AS kind FROM seized
            UNION ALL SELECT actor_id, ts, 'takedown' FROM taken
        ),
        newest AS (SELECT max(ts) AS t FROM ev)
        SELECT actor_id,
            count(*) FILTER (WHERE kind = 'seizure') AS seizures,
            count(*) FILTER (WHERE kind = 'takedown') AS takedowns,
            sum(CASE kind WHEN 'seizure' THEN {SEIZURE_WEIGHT} ELSE {TAKEDOWN_WEIGHT} END
                * pow(0.5, date_diff('day', ts, (SELECT t FROM newest)) / {HALF_LIFE_DAYS}))
                AS decayed
        FROM ev GROUP BY actor_id
    """


def compute_risk(
    con: duckdb.DuckDBPyConnection, edges: str = "actor_edges_t", out: str = "actor_risk"
) -> None:
    """``out(actor_id, risk, seizures, takedowns, risk_reasons)``."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE own_ev AS {own_evidence_sql()}")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {out} AS
        WITH own AS (
            SELECT actor_id, seizures, takedowns, 1 - exp(-decayed) AS own_risk FROM own_ev
        ),
        undirected AS (
            SELECT src_actor_id AS a, dst_actor_id AS b, kind, weight, detail FROM {edges}
            WHERE {NOT_RING_SQL}
            UNION ALL
            SELECT dst_actor_id, src_actor_id, kind, weight, detail FROM {edges}
            WHERE {NOT_RING_SQL}
        ),
        passed AS (
            SELECT u.a AS actor_id, o.own_risk * u.weight * {PROPAGATION} AS r,
                u.detail || ' with ' || u.b || ' (' ||
                CASE WHEN o.seizures > 0 THEN o.seizures || ' seizure(s)' ELSE '' END ||
                CASE WHEN o.seizures > 0 AND o.takedowns > 0 THEN ', ' ELSE '' END ||
                CASE WHEN o.takedowns > 0 THEN o.takedowns || ' takedown(s)' ELSE '' END || ')'
                AS reason
            FROM undirected u JOIN own o ON o.actor_id = u.b
        ),
        neighbour AS (
            -- equal contributions in the order of their sentence: by r alone, which three of
            -- them an actor showed changed between runs on the same data
            SELECT actor_id, max(r) AS r, list(reason ORDER BY r DESC, reason)[1:3] AS reasons
            FROM passed GROUP BY actor_id
        )
        SELECT coalesce(o.actor_id, n.actor_id) AS actor_id,
            1 - (1 - coalesce(o.own_risk, 0)) * (1 - coalesce(n.r, 0)) AS risk,
            coalesce(o.seizures, 0) AS seizures,
            coalesce(o.takedowns, 0) AS takedowns,
            list_concat(
                CASE WHEN o.seizures > 0 THEN [o.seizures || ' seizure(s) of its own parcels']
                     ELSE [] END,
                CASE WHEN o.takedowns > 0 THEN [o.takedowns || ' marketplace takedown(s)']
                     ELSE [] END,
                coalesce(n.reasons, [])
            ) AS risk_reasons
        FROM own o FULL OUTER JOIN neighbour n USING (actor_id)
        """
    )
