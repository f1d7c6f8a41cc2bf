"""The published ``actors`` table: one row per actor, its names and dates from its parties, its
ring, risk and role from this run's network.

An incremental run moves few actors: the new parties' and those a merge grew. Every other actor
has the same parties as in the previous run, so its names and dates are the previous run's row;
only the moved actors' parties are grouped (grouping the whole population took seconds a day,
and grew with the history).
"""

from __future__ import annotations

from typing import Final

from redlane.resolve.infrastructure import INFRA_ACTORS

# Per actor: display name, party and source counts, first and last seen.
_NAMED_COLUMNS: Final = "actor_id, display_name, n_parties, n_sources, first_seen, last_seen"


def named_sql(party_actors: str, parties: str) -> str:
    """The name columns of each actor of ``party_actors`` from its parties."""
    return f"""
        -- One pass over the parties, grouped by actor and name, then by actor (a second join
        -- of the population for the display name took seconds a day).
        WITH named AS (
            SELECT pa.actor_id, coalesce(p.name, p.alt_name, p.handle) AS name,
                count(*) AS n, min(p.first_seen) AS first_seen, max(p.first_seen) AS last_seen,
                list(DISTINCT p.source_table) AS sources
            FROM {party_actors} pa JOIN {parties} p USING (party_id)
            GROUP BY ALL
        )
        SELECT actor_id,
            -- the actor's most frequent name, the first in order among equals (not mode(),
            -- whose ties fall arbitrarily: two runs on the same data named actors differently)
            arg_min(name, (-n, name)) FILTER (WHERE name IS NOT NULL) AS display_name,
            sum(n)::BIGINT AS n_parties,
            len(list_distinct(flatten(list(sources))))::BIGINT AS n_sources,
            min(first_seen) AS first_seen,
            max(last_seen) AS last_seen
        FROM named GROUP BY actor_id
    """


def incremental_named_sql(
    previous_actors: str,
    earlier: str = "prev_parties",
    new_actors: str = "inc_new_actors",
    merged: str = "inc_merged",
    party_actors: str = "party_actors_all",
    parties: str = "parties_all",
) -> str:
    """The name columns of an incremental run's actors (the tables of
    :func:`redlane.resolve.increment.assign_incremental_actors`): the previous row of each
    actor whose parties did not change, recomputed for the others.

    Also recomputed: actors with an earlier party named only by its handle. A full run names
    them by the raw handle, every later run by the published (normalised) one, so the first
    incremental run after a full one renames them; recomputing them keeps that.
    """
    return f"""
        WITH handle_named AS (
            SELECT party_id FROM {earlier}
            WHERE name IS NULL AND alt_name IS NULL AND handle IS NOT NULL
        ),
        moved AS (
            SELECT actor_id FROM {new_actors} UNION SELECT new_id FROM {merged}
            UNION SELECT actor_id FROM {party_actors} SEMI JOIN handle_named USING (party_id)
        ),
        gone AS (SELECT old_id AS actor_id FROM {merged}),
        moved_party_actors AS (
            SELECT * FROM {party_actors} SEMI JOIN moved USING (actor_id)
        ),
        moved_rows AS (
            SELECT * FROM {parties} SEMI JOIN moved_party_actors USING (party_id)
        )
        SELECT {_NAMED_COLUMNS} FROM {previous_actors}
        ANTI JOIN moved USING (actor_id) ANTI JOIN gone USING (actor_id)
        UNION ALL
        SELECT * FROM ({named_sql("moved_party_actors", "moved_rows")})
    """


def actors_sql(named: str | None = None) -> str:
    """The ``actors`` rows from ``named`` (SQL of the name columns; by default computed from
    ``party_actors_all`` and ``parties_all``) and this run's ``actor_ring``, ``actor_risk`` and
    infrastructure actors."""
    return f"""
        SELECT nm.actor_id, nm.display_name, nm.n_parties, nm.n_sources, nm.first_seen,
            nm.last_seen,
            r.ring_id,
            coalesce(k.risk, 0.0) AS risk,
            coalesce(k.risk_reasons, []::VARCHAR[]) AS risk_reasons,
            coalesce(k.seizures, 0) AS seizures,
            coalesce(k.takedowns, 0) AS takedowns,
            ia.actor_id IS NOT NULL AS infrastructure
        FROM ({named or named_sql("party_actors_all", "parties_all")}) nm
        LEFT JOIN actor_ring r USING (actor_id)
        LEFT JOIN actor_risk k USING (actor_id)
        LEFT JOIN {INFRA_ACTORS} ia USING (actor_id)
    """
