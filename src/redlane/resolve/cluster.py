"""Parties → actors: connected components over match edges, with actor ids stable across runs.

Edges come from Splink (signature pairs at or above the threshold) and from flow links that
identify a party outright (a customs entry's importer is the consignee of the waybill it clears;
a seller-fulfilled parcel's shipper is the seller account it names).
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pyarrow as pa

from redlane.resolve.graph_components import node_components
from redlane.resolve.weak import (
    WEAK_PARTY_PREFIX,
    WEAK_SIGS,
    shares_evidence_sql,
    weak_party_sql,
    weak_signatures_sql,
)

ACTOR_PREFIX = "AC-"
NO_LABELS = (
    "SELECT NULL::VARCHAR party_id_l, NULL::VARCHAR party_id_r, NULL::VARCHAR label WHERE false"
)


def majority_actor_sql(parties: str, actors: str) -> str:
    """``(sig_id, actor_id)``: the actor most of a signature's parties belong to, the smallest
    actor id among equals (``mode`` breaks ties arbitrarily, and runs on the same data must
    agree)."""
    return f"""
        SELECT sig_id, arg_min(actor_id, (-n, actor_id)) AS actor_id
        FROM (
            SELECT p.sig_id, a.actor_id, count(*) AS n
            FROM {parties} p JOIN {actors} a USING (party_id) GROUP BY ALL
        ) GROUP BY sig_id
    """


def _node_tables(
    con: duckdb.DuckDBPyConnection, parties: str, previous: str | None, weak: bool = False
) -> None:
    """``party_node(party_id, node)`` and ``sig_node(sig_id, node)``.

    Nodes are signatures (``s:``), weak importer parties (``p:``; identified only through their
    waybill, so two people who share a name and nothing else are never chained) and, in an
    incremental run, existing actors (``a:``): a party resolved before stays with its actor, and a
    signature seen before stands for the actor most of its parties belong to. With ``weak``
    (table ``weak_sig`` exists), a party on a weak signature that carries a flow identifier is
    a node of its own (``w:``, :mod:`redlane.resolve.weak`).
    """
    weak_case = (
        f"WHEN {weak_party_sql('p')} THEN '{WEAK_PARTY_PREFIX}' || p.party_id" if weak else ""
    )
    prev = previous or "(SELECT NULL::VARCHAR party_id, NULL::VARCHAR actor_id WHERE false)"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE sig_node AS
        WITH prev_sig AS ({majority_actor_sql(parties, prev)})
        SELECT DISTINCT p.sig_id,
            CASE WHEN ps.actor_id IS NULL THEN 's:' || p.sig_id ELSE 'a:' || ps.actor_id END AS node
        FROM {parties} p LEFT JOIN prev_sig ps USING (sig_id)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE party_node AS
        SELECT p.party_id,
            CASE
                WHEN a.actor_id IS NOT NULL THEN 'a:' || a.actor_id
                WHEN {weak_importer_sql("p")} THEN 'p:' || p.party_id
                {weak_case}
                ELSE sn.node
            END AS node
        FROM {parties} p
        LEFT JOIN {prev} a USING (party_id)
        LEFT JOIN sig_node sn USING (sig_id)
        """
    )


def weak_importer_sql(alias: str) -> str:
    """True for an importer known only through its waybill (no registry id, no address): its
    own node, so two people who share a name and nothing else are never chained."""
    return (
        f"({alias}.role = 'importer' AND {alias}.hawb_link IS NOT NULL "
        f"AND {alias}.registry_id IS NULL AND {alias}.address IS NULL)"
    )


def flow_edges_sql(
    parties: str,
    nodes: str = "party_node",
    touching: str | None = None,
    blocked: str | None = None,
) -> str:
    """Party pairs joined by a flow identifier, as node pairs (``nodes``: party_id, node);
    with ``touching`` (a table with party_id), only pairs with a party of it on one side.

    ``blocked`` (party_id): shippers whose waybills name other people's seller accounts (a
    forwarder's, :mod:`redlane.resolve.infrastructure`): their seller link is not identity."""
    keep = ""
    if touching is not None:
        within = f"IN (SELECT party_id FROM {touching})"
        keep = "WHERE ({l}.party_id " + within + " OR {r}.party_id " + within + ")"
    unblocked = ""
    if blocked is not None:
        unblocked = (
            "AND" if keep else "WHERE"
        ) + f" p.party_id NOT IN (SELECT party_id FROM {blocked})"
    return f"""
        SELECT ni.node AS node_l, nc.node AS node_r
        FROM {parties} i JOIN {parties} c
          ON i.role = 'importer' AND c.role = 'consignee' AND i.hawb_link = c.hawb_link
        JOIN {nodes} ni ON ni.party_id = i.party_id
        JOIN {nodes} nc ON nc.party_id = c.party_id
        {keep.format(l="i", r="c")}
        UNION ALL
        SELECT np.node, ns.node
        FROM {parties} p JOIN {parties} s
          ON p.role = 'shipper' AND s.role = 'seller' AND p.seller_link = s.seller_link
        JOIN {nodes} np ON np.party_id = p.party_id
        JOIN {nodes} ns ON ns.party_id = s.party_id
        {keep.format(l="p", r="s")} {unblocked}
    """


def label_pairs_sql(labels_sql: str, nodes: str, label: str) -> str:
    """Investigators' verdicts of one kind (``match`` or ``non_match``) as node pairs, through
    ``nodes`` (party_id, node)."""
    return f"""
        SELECT nl.node, nr.node FROM ({labels_sql}) lb
        JOIN {nodes} nl ON nl.party_id = lb.party_id_l
        JOIN {nodes} nr ON nr.party_id = lb.party_id_r
        WHERE lb.label = '{label}'
    """


def _node_clusters(
    con: duckdb.DuckDBPyConnection,
    edges_sql: str,
    cannot_link: Sequence[tuple[str, str]],
    weak_pairs_sql: str | None = None,
) -> None:
    """``node_cluster(node, cluster)`` for every node of ``party_node``.

    Only nodes on an edge go through the graph in Python; every other node is a component of
    its own, numbered in SQL (a cannot-link pair with such a node is never in one component, so
    needs no cut). A day's incremental run touches few of the population's nodes, so this keeps
    its Python work proportional to the day. ``weak_pairs_sql`` as for :func:`components`.
    """
    known = "SELECT DISTINCT node FROM party_node"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cluster_edges AS
        WITH known AS ({known})
        SELECT e.a, e.b FROM ({edges_sql}) e(a, b)
        SEMI JOIN known ka ON ka.node = e.a SEMI JOIN known kb ON kb.node = e.b
        WHERE e.a <> e.b
        """
    )
    weak = weak_pairs_sql or "SELECT NULL::VARCHAR a, NULL::VARCHAR b WHERE false"
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cluster_weak AS
        WITH known AS ({known})
        SELECT DISTINCT e.a, e.b FROM ({weak}) e(a, b)
        SEMI JOIN known ka ON ka.node = e.a SEMI JOIN known kb ON kb.node = e.b
        WHERE e.a <> e.b ORDER BY e.a, e.b
        """
    )
    touched_sql = (
        "SELECT a AS node FROM cluster_edges UNION SELECT b FROM cluster_edges "
        "UNION SELECT a FROM cluster_weak UNION SELECT b FROM cluster_weak ORDER BY 1"
    )
    membership = node_components(
        con,
        touched_sql,
        "SELECT a, b FROM cluster_edges",
        cannot_link,
        weak_pairs_sql="SELECT a, b FROM cluster_weak",
    )
    offset = int(membership.component.max(initial=-1)) + 1
    con.register("touched_cluster_arrow", membership.table("cluster"))
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE node_cluster AS
        SELECT node, cluster FROM touched_cluster_arrow
        UNION ALL
        SELECT node, {offset} + row_number() OVER (ORDER BY node) - 1 AS cluster
        FROM (SELECT DISTINCT node FROM party_node) n
        ANTI JOIN touched_cluster_arrow t USING (node)
        """
    )
    con.unregister("touched_cluster_arrow")


def weak_match_sql(sig_pairs_sql: str, parties: str, sig_nodes: str, party_nodes: str) -> str:
    """(weak node, matched node) for each signature match with exactly one weak side: the weak
    side as its signature's node and as each of its ``w:`` party nodes (``party_nodes``)."""
    return f"""
        WITH pr AS (
            SELECT CASE WHEN l.sig_id IS NOT NULL THEN sig_l ELSE sig_r END AS weak_sig,
                CASE WHEN l.sig_id IS NOT NULL THEN sig_r ELSE sig_l END AS other_sig
            FROM ({sig_pairs_sql}) p
            LEFT JOIN {WEAK_SIGS} l ON l.sig_id = p.sig_l
            LEFT JOIN {WEAK_SIGS} r ON r.sig_id = p.sig_r
            WHERE (l.sig_id IS NULL) <> (r.sig_id IS NULL)
        ),
        weak_nodes AS (
            SELECT sig_id, node FROM {sig_nodes} SEMI JOIN {WEAK_SIGS} USING (sig_id)
            UNION
            SELECT p.sig_id, pn.node FROM {parties} p JOIN {party_nodes} pn USING (party_id)
            WHERE pn.node LIKE '{WEAK_PARTY_PREFIX}%'
        )
        SELECT w.node AS a, o.node AS b
        FROM pr JOIN weak_nodes w ON w.sig_id = pr.weak_sig
        JOIN {sig_nodes} o ON o.sig_id = pr.other_sig
    """


def strong_pairs_sql(sig_pairs_sql: str, signatures: str) -> str:
    """The signature matches whose two sides hold some identifying field both (so neither is
    weak): the evidence edges. A match of two signatures that share none rests on the name
    alone and joins nothing (:func:`redlane.resolve.weak.shares_evidence_sql`)."""
    return f"""
        SELECT p.sig_l, p.sig_r FROM ({sig_pairs_sql}) p
        JOIN {signatures} l ON l.unique_id = p.sig_l
        JOIN {signatures} r ON r.unique_id = p.sig_r
        WHERE {shares_evidence_sql("l", "r")}
    """


def evidence_pairs_sql(sig_pairs_sql: str, signatures: str | None, evidence: str | None) -> str:
    """The pairs of ``sig_pairs_sql`` that are evidence: ``evidence`` (a table of them) when the
    caller holds one, else :func:`strong_pairs_sql` with ``signatures``, else all of them."""
    if evidence is not None:
        return f"SELECT sig_l, sig_r FROM {evidence}"
    if signatures is not None:
        return strong_pairs_sql(sig_pairs_sql, signatures)
    return sig_pairs_sql


def assign_party_clusters(
    con: duckdb.DuckDBPyConnection,
    sig_pairs_sql: str,
    parties: str = "parties_norm",
    previous: str | None = None,
    out: str = "party_clusters",
    labels: str | None = None,
    blocked_flow: str | None = None,
    signatures: str | None = None,
    evidence: str | None = None,
) -> None:
    """Create ``out(party_id, cluster)`` from signature match pairs (``sig_l, sig_r``) and flow
    links; with ``previous`` (party_id, actor_id), parties resolved before keep their actor.

    ``labels`` (party_id_l, party_id_r, label) are investigators' verdicts: a match joins the two
    parties' actors, a non-match separates them (minimum cut) wherever the data allows it.
    With ``signatures`` (the signatures table), a signature without identifying evidence joins
    an actor only when its matches point to exactly one (:mod:`redlane.resolve.weak`);
    ``evidence`` names a table of those pairs' :func:`strong_pairs_sql` when the caller holds it.
    """
    weak = signatures is not None
    if signatures is not None:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {WEAK_SIGS} AS {weak_signatures_sql(signatures)}"
        )
    _node_tables(con, parties, previous, weak)
    labels_sql = labels or NO_LABELS
    evidence_pairs = evidence_pairs_sql(sig_pairs_sql, signatures, evidence)
    edges_sql = f"""
        SELECT nl.node, nr.node FROM ({evidence_pairs}) pr
        JOIN sig_node nl ON nl.sig_id = pr.sig_l JOIN sig_node nr ON nr.sig_id = pr.sig_r
        UNION ALL
        {flow_edges_sql(parties, blocked=blocked_flow)}
        UNION ALL
        {label_pairs_sql(labels_sql, "party_node", "match")}
    """
    weak_sql = weak_match_sql(sig_pairs_sql, parties, "sig_node", "party_node") if weak else None
    cannot = con.execute(label_pairs_sql(labels_sql, "party_node", "non_match")).fetchall()
    _node_clusters(con, edges_sql, [(a, b) for a, b in cannot], weak_sql)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {out} AS
        SELECT pn.party_id, nc.cluster
        FROM party_node pn JOIN node_cluster nc USING (node)
        """
    )


def stable_actor_ids(
    con: duckdb.DuckDBPyConnection,
    clusters: str = "party_clusters",
    previous: str | None = None,
    out: str = "party_actor_ids",
) -> None:
    """Name each cluster: the previous actor id it overlaps most (each id used once), else new.

    ``previous`` is a table (party_id, actor_id) from the last run, or None on the first.
    """
    if previous is None:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE prev_actor AS "
            "SELECT NULL::VARCHAR party_id, NULL::VARCHAR actor_id WHERE false"
        )
    else:
        con.execute(f"CREATE OR REPLACE TEMP TABLE prev_actor AS SELECT * FROM {previous}")
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE cluster_overlap AS
        SELECT c.cluster, p.actor_id, count(*) AS n
        FROM {clusters} c JOIN prev_actor p USING (party_id) GROUP BY ALL
        """
    )
    highest = con.execute(
        f"SELECT max(TRY_CAST(substr(actor_id, {len(ACTOR_PREFIX) + 1}) AS BIGINT)) FROM prev_actor"
    ).fetchall()[0][0]
    next_number = int(highest or 0) + 1
    contested = con.execute(
        "SELECT count(*) FROM (SELECT actor_id FROM cluster_overlap GROUP BY actor_id "
        "HAVING count(*) > 1)"
    ).fetchall()[0][0]
    if not contested:
        _name_uncontested(con, clusters, out, next_number)
        return
    overlaps = con.execute(
        """
        SELECT cluster, actor_id, n FROM cluster_overlap ORDER BY n DESC, cluster, actor_id
        """
    ).fetchall()
    taken_ids: set[str] = set()
    named: dict[int, str] = {}
    for cluster, actor_id, _ in overlaps:
        if cluster not in named and actor_id not in taken_ids:
            named[cluster] = actor_id
            taken_ids.add(actor_id)
    # New clusters in a deterministic order (by their smallest party id) so re-runs agree.
    unnamed = con.execute(
        f"SELECT cluster, min(party_id) AS first FROM {clusters} GROUP BY cluster ORDER BY first"
    ).fetchall()
    for cluster, _ in unnamed:
        if cluster not in named:
            named[cluster] = f"{ACTOR_PREFIX}{next_number:07d}"
            next_number += 1
    table = pa.table(
        {
            "cluster": pa.array(list(named.keys()), pa.int64()),
            "actor_id": pa.array(list(named.values()), pa.string()),
        }
    )
    con.register("cluster_names_arrow", table)
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {out} AS
        SELECT c.party_id, n.actor_id FROM {clusters} c JOIN cluster_names_arrow n USING (cluster)
        """
    )
    con.unregister("cluster_names_arrow")


def _name_uncontested(
    con: duckdb.DuckDBPyConnection, clusters: str, out: str, next_number: int
) -> None:
    """:func:`stable_actor_ids` when no previous actor overlaps two clusters (always so in an
    incremental run, where each previous actor is one node), in SQL.

    The greedy naming then reduces to: each cluster takes its most overlapped previous id (the
    smallest id among equals); the others get new numbers in order of their smallest party id.
    """
    con.execute(
        f"""
        CREATE OR REPLACE TABLE {out} AS
        WITH kept AS (
            SELECT cluster, first(actor_id ORDER BY n DESC, actor_id) AS actor_id
            FROM cluster_overlap GROUP BY cluster
        ),
        fresh AS (
            SELECT cluster, printf('{ACTOR_PREFIX}%07d',
                {next_number} - 1 + row_number() OVER (ORDER BY min(party_id))) AS actor_id
            FROM {clusters} ANTI JOIN kept USING (cluster) GROUP BY cluster
        ),
        named AS (SELECT * FROM kept UNION ALL SELECT * FROM fresh)
        SELECT c.party_id, n.actor_id FROM {clusters} c JOIN named n USING (cluster)
        """
    )
