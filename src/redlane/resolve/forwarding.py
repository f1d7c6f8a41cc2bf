"""Forwarders found by what their records match, not by one spelling of their name.

A forwarder's own waybills carry its clients' seller accounts. Counting the accounts per exact
shipper name (:func:`~redlane.resolve.infrastructure.forwarder_names_sql`) misses the spellings
that each name only one or two of them ("Bo Xiang Supply Chain Management", "… Company
Limited"), and one such waybill was enough to merge the forwarder with its busiest client
(seed 74: 158,384 false pairs in one actor).

Splink's matches already hold those spellings together. So the count is made per *match
component*: signatures joined by matches on an identifying field both sides hold
(:func:`~redlane.resolve.cluster.strong_pairs_sql`), before any flow link. A component whose own
waybills (not "c/o" someone) name ``MIN_CLIENTS`` seller accounts or more ships for others, and
the seller link of each of its shippers is not identity (it joins ``infra_blocked_flow``).

Components only grow as matches are added, and so does their count of accounts, so the verdict
never goes back. A run keeps every signature's component (``match_components``: signatures on
at least one match; a signature on none is its own component, named by itself), and the next
run joins only the components its new matches touch. A component is named by its smallest
signature id, so a full run and a chain of incremental runs name it alike
(``tests/resolve/test_forwarding.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import duckdb

from redlane.resolve import outputs
from redlane.resolve.cluster import evidence_pairs_sql, strong_pairs_sql
from redlane.resolve.graph_components import smallest_node_components
from redlane.resolve.infrastructure import BLOCKED_FLOW, MIN_CLIENTS, care_of_sql

MATCH_COMPONENTS: Final = "match_components"
COMPONENT_MAP: Final = "match_comp_map"
NEW_MEMBERS: Final = "match_comp_new"
FORWARDER_COMPONENTS: Final = "forwarder_components"


def _drop(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop ``name`` whether a table or a view: a temporary table would hide a view of its name."""
    for kind, catalog in (("TABLE", "duckdb_tables()"), ("VIEW", "duckdb_views()")):
        found = con.execute(
            f"SELECT count(*) FROM {catalog} WHERE {kind.lower()}_name = ? AND NOT internal", [name]
        ).fetchall()[0][0]
        if found:
            con.execute(f"DROP {kind} {name}")


def find_match_components(con: duckdb.DuckDBPyConnection, evidence_pairs_sql: str) -> None:
    """``match_components(sig_id, comp)`` of the whole population from its evidence matches."""
    smallest_node_components(
        con, f"SELECT sig_l AS a, sig_r AS b FROM ({evidence_pairs_sql})", "match_comp_nodes"
    )
    _drop(con, MATCH_COMPONENTS)
    con.execute(
        f"ALTER TABLE match_comp_nodes RENAME TO {MATCH_COMPONENTS}; "
        f"ALTER TABLE {MATCH_COMPONENTS} RENAME COLUMN node TO sig_id"
    )
    # nothing was kept before, so nothing is renamed (the incremental run's map)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {COMPONENT_MAP} (node VARCHAR, comp VARCHAR)")


def update_match_components(
    con: duckdb.DuckDBPyConnection, previous: str, fresh_strong_pairs_sql: str
) -> None:
    """``match_components`` after this run's strong matches, from ``previous`` (the last run's
    ``match_components``): the components the matches touch are joined under their smallest
    name (``match_comp_map``: earlier name or new signature → name), every other row is
    carried over (a view over the last run's file, read once when written)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE match_comp_sides AS
        SELECT p.sig_l, p.sig_r, ml.comp AS comp_l, mr.comp AS comp_r
        FROM ({fresh_strong_pairs_sql}) p
        LEFT JOIN {previous} ml ON ml.sig_id = p.sig_l
        LEFT JOIN {previous} mr ON mr.sig_id = p.sig_r
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {NEW_MEMBERS} AS
        SELECT sig_l AS sig_id FROM match_comp_sides WHERE comp_l IS NULL
        UNION SELECT sig_r FROM match_comp_sides WHERE comp_r IS NULL
        """
    )
    smallest_node_components(
        con,
        "SELECT coalesce(comp_l, sig_l) AS a, coalesce(comp_r, sig_r) AS b FROM match_comp_sides",
        COMPONENT_MAP,
    )
    con.execute("DROP TABLE match_comp_sides")
    _drop(con, MATCH_COMPONENTS)
    con.execute(
        f"""
        CREATE TEMP VIEW {MATCH_COMPONENTS} AS
        SELECT m.sig_id, coalesce(c.comp, m.comp) AS comp
        FROM {previous} m LEFT JOIN {COMPONENT_MAP} c ON c.node = m.comp
        UNION ALL
        SELECT c.node, c.comp FROM {COMPONENT_MAP} c SEMI JOIN {NEW_MEMBERS} n ON n.sig_id = c.node
        """
    )


def block_forwarder_shippers(
    con: duckdb.DuckDBPyConnection,
    shippers: str,
    parties: str,
    owners: str | None = None,
    kept: str = MATCH_COMPONENTS,
) -> None:
    """Add to ``infra_blocked_flow`` each of ``shippers`` (party rows: party_id, sig_id, role,
    seller_link) whose match component's own waybills, among ``parties``, name ``MIN_CLIENTS``
    seller accounts or more, or that holds a party of ``owners`` (party_id: those owning a phone
    other names write "c/o" them with, :data:`~redlane.resolve.infrastructure.CARE_OF_OWNERS`);
    ``forwarder_components(comp, n_clients)`` lists those components.

    Components are read as ``kept`` (sig_id, comp) renamed by ``match_comp_map``, each read
    once: the whole ``match_components`` view would read the last run's file twice.
    """
    care_of = (
        f"""
        UNION ALL
        SELECT ms.comp, 0 FROM {parties} p JOIN member_sigs ms USING (sig_id)
        SEMI JOIN {owners} USING (party_id)
        """
        if owners is not None
        else ""
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE fwd_shipper_comp AS
        -- a signature not kept is renamed as a node of the map, else is its own component
        SELECT s.party_id, coalesce(c.comp, m.comp, s.sig_id) AS comp
        FROM {shippers} s LEFT JOIN {kept} m USING (sig_id)
        LEFT JOIN {COMPONENT_MAP} c ON c.node = coalesce(m.comp, s.sig_id)
        WHERE s.role = 'shipper' AND s.seller_link IS NOT NULL
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {FORWARDER_COMPONENTS} AS
        WITH wanted AS (SELECT DISTINCT comp FROM fwd_shipper_comp),
        kept_names AS (
            SELECT c.node AS comp FROM {COMPONENT_MAP} c SEMI JOIN wanted USING (comp)
            UNION SELECT comp FROM wanted
        ),
        member_sigs AS (
            SELECT m.sig_id, coalesce(c.comp, m.comp) AS comp
            FROM {kept} m SEMI JOIN kept_names USING (comp)
            LEFT JOIN {COMPONENT_MAP} c ON c.node = m.comp
            -- the map's nodes: earlier names (kept above too) and signatures new to a match
            UNION SELECT c.node, c.comp FROM {COMPONENT_MAP} c SEMI JOIN wanted USING (comp)
            -- a component on no match is its one signature
            UNION SELECT comp, comp FROM wanted
        )
        SELECT comp, max(n_clients) AS n_clients FROM (
            SELECT ms.comp, count(DISTINCT p.seller_link) AS n_clients
            FROM {parties} p JOIN member_sigs ms USING (sig_id)
            WHERE p.role = 'shipper' AND p.seller_link IS NOT NULL
              AND NOT {care_of_sql("p.address")}
            GROUP BY ms.comp HAVING count(DISTINCT p.seller_link) >= {MIN_CLIENTS}
            {care_of}
        ) GROUP BY comp
        """
    )
    con.execute(
        f"""
        INSERT INTO {BLOCKED_FLOW}
        SELECT DISTINCT s.party_id FROM fwd_shipper_comp s
        SEMI JOIN {FORWARDER_COMPONENTS} f USING (comp)
        ANTI JOIN {BLOCKED_FLOW} b USING (party_id)
        """
    )


def block_forwarders(
    con: duckdb.DuckDBPyConnection,
    pairs_sql: str,
    signatures: str,
    parties: str,
    owners: str | None = None,
    evidence: str | None = None,
) -> None:
    """A full run: the match components of ``parties`` from its matches (``sig_l, sig_r``),
    and their forwarders' shippers blocked; ``evidence`` as for
    :func:`~redlane.resolve.cluster.assign_party_clusters`."""
    find_match_components(con, evidence_pairs_sql(pairs_sql, signatures, evidence))
    block_forwarder_shippers(con, parties, parties, owners)


def block_forwarders_incrementally(
    con: duckdb.DuckDBPyConnection,
    previous_dir: Path,
    *,
    fresh_pairs_sql: str,
    earlier_pairs_sql: str,
    signatures: str,
    shippers: str,
    everyone: str,
    owners: str | None = None,
    fresh_evidence: str | None = None,
) -> None:
    """An incremental run: the components this run's matches (``fresh_pairs_sql``) touch are
    joined, and forwarders are decided only for ``shippers``, those its flow links can read
    (:data:`redlane.resolve.infra_update.FLOW_SHIPPERS`); ``fresh_evidence`` names a table of
    the fresh pairs' :func:`~redlane.resolve.cluster.strong_pairs_sql` when the caller holds it."""
    previous = read_previous_components(
        con, previous_dir, strong_pairs_sql(earlier_pairs_sql, signatures)
    )
    update_match_components(
        con, previous, evidence_pairs_sql(fresh_pairs_sql, signatures, fresh_evidence)
    )
    block_forwarder_shippers(con, shippers, everyone, owners, kept=previous)


def read_previous_components(
    con: duckdb.DuckDBPyConnection, previous_dir: Path, earlier_strong_pairs_sql: str
) -> str:
    """The last run's ``match_components`` as a relation; a run written before they were kept
    gets them from its matches, once."""
    if outputs.table_paths(previous_dir, MATCH_COMPONENTS):
        source = outputs.table_source(previous_dir, MATCH_COMPONENTS)
        con.execute(f"CREATE OR REPLACE VIEW prev_{MATCH_COMPONENTS} AS SELECT * FROM {source}")
    else:
        find_match_components(con, earlier_strong_pairs_sql)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE prev_{MATCH_COMPONENTS} AS "
            f"SELECT * FROM {MATCH_COMPONENTS}"
        )
    return f"prev_{MATCH_COMPONENTS}"


def write_match_components(con: duckdb.DuckDBPyConnection, run_dir: Path) -> None:
    outputs.write_table(con, f"SELECT * FROM {MATCH_COMPONENTS}", run_dir, MATCH_COMPONENTS)
