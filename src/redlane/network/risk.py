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
            date_diff('day', max(ts) FILTER (WHERE kind = 'seizure'), (SELECT t FROM newest))
                AS seizure_age_days,
            date_diff('day', max(ts) FILTER (WHERE kind = 'takedown'), (SELECT t FROM newest))
                AS takedown_age_days,
            sum(CASE kind WHEN 'seizure' THEN {SEIZURE_WEIGHT} ELSE {TAKEDOWN_WEIGHT} END
                * pow(0.5, date_diff('day', ts, (SELECT t FROM newest)) / {HALF_LIFE_DAYS}))
                AS decayed
        FROM ev GROUP BY actor_id
    """


def _counted(count: str, noun: str) -> str:
    """SQL for ``1 seizure`` / ``2 seizures``."""
    return f"({count} || CASE WHEN {count} = 1 THEN ' {noun}' ELSE ' {noun}s' END)"


def _latest(count: str, age_days: str) -> str:
    """SQL for the age of the latest piece of evidence, in days before the newest evidence in
    the data (what the decay counts from), marked decayed once it is a half-life old: a risk
    near 0 beside "4 marketplace takedowns" is then explained by their age."""
    latest = f"CASE WHEN {count} = 1 THEN ', ' ELSE ', the latest ' END"
    when = (
        f"CASE WHEN {age_days} < 1 THEN 'less than a day ago'"
        f" WHEN {age_days} = 1 THEN '1 day ago' ELSE {age_days} || ' days ago' END"
    )
    decayed = f"CASE WHEN {age_days} >= {HALF_LIFE_DAYS} THEN ' (decayed)' ELSE '' END"
    return f"({latest} || {when} || {decayed})"


def compute_risk(
    con: duckdb.DuckDBPyConnection, edges: str = "actor_edges_t", out: str = "actor_risk"
) -> None:
    """``out(actor_id, risk, seizures, takedowns, risk_reasons)``."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE own_ev AS {own_evidence_sql()}")
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {out} AS
        WITH own AS (
            SELECT actor_id, seizures, takedowns, seizure_age_days, takedown_age_days,
                1 - exp(-decayed) AS own_risk
            FROM own_ev
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
                CASE WHEN o.seizures > 0 THEN {_counted("o.seizures", "seizure")} ELSE '' END ||
                CASE WHEN o.seizures > 0 AND o.takedowns > 0 THEN ', ' ELSE '' END ||
                CASE WHEN o.takedowns > 0 THEN {_counted("o.takedowns", "takedown")} ELSE '' END
                || ')' AS reason
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
                CASE WHEN o.seizures > 0 THEN [
                    {_counted("o.seizures", "seizure")} || ' of its own parcels'
                    || {_latest("o.seizures", "o.seizure_age_days")}
                ] ELSE [] END,
                CASE WHEN o.takedowns > 0 THEN [
                    {_counted("o.takedowns", "marketplace takedown")}
                    || {_latest("o.takedowns", "o.takedown_age_days")}
                ] ELSE [] END,
                coalesce(n.reasons, [])
            ) AS risk_reasons
        FROM own o FULL OUTER JOIN neighbour n USING (actor_id)
        """
    )
