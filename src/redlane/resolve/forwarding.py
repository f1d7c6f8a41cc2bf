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
import igraph as ig
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from redlane.resolve import outputs
from redlane.resolve.cluster import strong_pairs_sql
from redlane.resolve.infrastructure import BLOCKED_FLOW, MIN_CLIENTS, care_of_sql

MATCH_COMPONENTS: Final = "match_components"
FORWARDER_COMPONENTS: Final = "forwarder_components"


def _components_of(con: duckdb.DuckDBPyConnection, edges_sql: str) -> pa.Table:
    """``(node, comp)`` for every node on an edge of ``edges_sql`` (a, b); ``comp`` is the
    component's smallest node. Columnar throughout: a full run has millions of matches."""
    edges = con.sql(f"SELECT a, b FROM ({edges_sql}) WHERE a <> b").to_arrow_table()
    left, right = (edges.column(c).combine_chunks().cast(pa.string()) for c in ("a", "b"))
    nodes = pc.unique(pa.concat_arrays([left, right]))
    nodes = nodes.take(pc.sort_indices(nodes))
    pairs = np.column_stack(
        [pc.index_in(side, value_set=nodes).to_numpy() for side in (left, right)]
    )
    graph = ig.Graph(n=len(nodes), edges=pairs.tolist())
    membership = np.asarray(graph.connected_components().membership, dtype=np.int64)
    # nodes are sorted, so a component's smallest node is its member of lowest index
    first = np.full(int(membership.max(initial=-1)) + 1, len(nodes), dtype=np.int64)
    np.minimum.at(first, membership, np.arange(len(nodes), dtype=np.int64))
    return pa.table({"node": nodes, "comp": nodes.take(pa.array(first[membership]))})


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
    con.register(
        "match_components_arrow",
        _components_of(con, f"SELECT sig_l AS a, sig_r AS b FROM ({evidence_pairs_sql})"),
    )
    _drop(con, MATCH_COMPONENTS)
    con.execute(
        f"CREATE TEMP TABLE {MATCH_COMPONENTS} AS "
        "SELECT node AS sig_id, comp FROM match_components_arrow"
    )
    con.unregister("match_components_arrow")


def update_match_components(
    con: duckdb.DuckDBPyConnection, previous: str, fresh_strong_pairs_sql: str
) -> None:
    """``match_components`` after this run's strong matches, from ``previous`` (the last run's
    ``match_components``): the components the matches touch are joined under their smallest
    name, every other row is carried over (a view over the last run's file)."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE match_comp_edges AS
        SELECT DISTINCT coalesce(ml.comp, p.sig_l) AS a, coalesce(mr.comp, p.sig_r) AS b
        FROM ({fresh_strong_pairs_sql}) p
        LEFT JOIN {previous} ml ON ml.sig_id = p.sig_l
        LEFT JOIN {previous} mr ON mr.sig_id = p.sig_r
        """
    )
    con.register("match_comp_map_arrow", _components_of(con, "SELECT a, b FROM match_comp_edges"))
    # node: an earlier component's name, or a signature on no earlier match
    con.execute("CREATE OR REPLACE TEMP TABLE match_comp_map AS SELECT * FROM match_comp_map_arrow")
    con.unregister("match_comp_map_arrow")
    _drop(con, MATCH_COMPONENTS)
    con.execute(
        f"""
        CREATE TEMP VIEW {MATCH_COMPONENTS} AS
        SELECT m.sig_id, coalesce(c.comp, m.comp) AS comp
        FROM {previous} m LEFT JOIN match_comp_map c ON c.node = m.comp
        UNION ALL
        SELECT c.node, c.comp FROM match_comp_map c
        -- an earlier component's name is one of its own signatures, so a node not kept as a
        -- signature is a signature on no earlier match: its row is new
        ANTI JOIN {previous} e ON e.sig_id = c.node
        """
    )


def block_forwarder_shippers(
    con: duckdb.DuckDBPyConnection, shippers: str, parties: str, owners: str | None = None
) -> None:
    """Add to ``infra_blocked_flow`` each of ``shippers`` (party rows: party_id, sig_id, role,
    seller_link) whose match component's own waybills, among ``parties``, name ``MIN_CLIENTS``
    seller accounts or more, or that holds a party of ``owners`` (party_id: those owning a phone
    other names write "c/o" them with, :data:`~redlane.resolve.infrastructure.CARE_OF_OWNERS`);
    ``forwarder_components(comp, n_clients)`` lists those components.
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
        SELECT s.party_id, coalesce(m.comp, s.sig_id) AS comp
        FROM {shippers} s LEFT JOIN {MATCH_COMPONENTS} m USING (sig_id)
        WHERE s.role = 'shipper' AND s.seller_link IS NOT NULL
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE {FORWARDER_COMPONENTS} AS
        WITH wanted AS (SELECT DISTINCT comp FROM fwd_shipper_comp),
        member_sigs AS (
            SELECT m.sig_id, m.comp FROM {MATCH_COMPONENTS} m SEMI JOIN wanted USING (comp)
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
) -> None:
    """A full run: the match components of ``parties`` from its matches (``sig_l, sig_r``),
    and their forwarders' shippers blocked."""
    find_match_components(con, strong_pairs_sql(pairs_sql, signatures))
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
) -> None:
    """An incremental run: the components this run's matches (``fresh_pairs_sql``) touch are
    joined, and forwarders are decided only for ``shippers``, those its flow links can read
    (:data:`redlane.resolve.infra_update.FLOW_SHIPPERS`)."""
    previous = read_previous_components(
        con, previous_dir, strong_pairs_sql(earlier_pairs_sql, signatures)
    )
    update_match_components(con, previous, strong_pairs_sql(fresh_pairs_sql, signatures))
    block_forwarder_shippers(con, shippers, everyone, owners)


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
