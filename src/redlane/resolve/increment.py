"""An incremental run's actors, in work proportional to the day, not to the population.

The rule is the one :mod:`redlane.resolve.cluster` applies to a whole population (a party
resolved before keeps its actor, a new party joins the actor its signature or flow link points
to, a new party that bridges two actors merges them, and a merged actor keeps the id of its
larger part), but only what the day touches is read: the new parties, the earlier parties that
share a signature or a flow identifier with one of them, and the actors those belong to. The
population's assignments are then carried over with a small map of merged ids.

The one difference from clustering the whole population again: a flow link between two earlier
parties is not read. Both sit in one actor already, unless an investigator's non-match separated
them, and re-reading the link would only have cut them apart again.
"""

from __future__ import annotations

import duckdb

from redlane.resolve.cluster import (
    ACTOR_PREFIX,
    NO_LABELS,
    evidence_pairs_sql,
    flow_edges_sql,
    label_pairs_sql,
    majority_actor_sql,
    weak_importer_sql,
    weak_match_sql,
)
from redlane.resolve.graph_components import node_components
from redlane.resolve.weak import (
    WEAK_PARTY_PREFIX,
    WEAK_SIGS,
    weak_party_sql,
    weak_signatures_sql,
)

NO_PAIRS = "SELECT NULL::VARCHAR sig_l, NULL::VARCHAR sig_r WHERE false"


def assign_incremental_actors(
    con: duckdb.DuckDBPyConnection,
    fresh_pairs_sql: str,
    *,
    new: str = "parties_new",
    earlier: str = "prev_parties",
    previous: str = "prev_party_actors",
    labels: str | None = None,
    out: str = "party_actors_all",
    blocked_flow: str | None = None,
    signatures: str | None = None,
    earlier_pairs_sql: str | None = None,
    evidence: str | None = None,
) -> None:
    """Create ``out(party_id, source_table, record_key, role, actor_id)`` for every party.

    ``fresh_pairs_sql`` yields this run's signature matches (``sig_l, sig_r``), each with at
    least one signature never seen before; ``previous`` is the last run's party actors and
    ``earlier`` its parties; ``labels`` as for
    :func:`~redlane.resolve.cluster.assign_party_clusters`; ``blocked_flow`` as for
    :func:`~redlane.resolve.cluster.flow_edges_sql`. With ``signatures`` (every signature) and
    ``earlier_pairs_sql`` (the earlier runs' matches), a weak signature joins an actor only when
    all its matches, earlier ones included, point to one (:mod:`redlane.resolve.weak`).
    ``evidence`` as for :func:`~redlane.resolve.cluster.assign_party_clusters`.
    """
    labels_sql = labels or NO_LABELS
    weak = signatures is not None
    if signatures is not None:
        _weak_sources(con, signatures, fresh_pairs_sql, earlier_pairs_sql or NO_PAIRS)
    _day_nodes(con, fresh_pairs_sql, new, earlier, previous, weak)
    day_pairs = evidence_pairs_sql(fresh_pairs_sql, signatures, evidence)
    _day_edges(con, day_pairs, new, earlier, previous, labels_sql, blocked_flow)
    anchored: set[str] = set()
    weak_sql = None
    if weak:
        _day_weak_pairs(con)
        anchored = _anchored_actors(con, earlier, previous)
        weak_sql = "SELECT a, b FROM inc_weak"
    cannot = con.execute(label_pairs_sql(labels_sql, "inc_label_node", "non_match")).fetchall()
    touched = "SELECT a AS node FROM inc_edges UNION SELECT b FROM inc_edges"
    if weak:
        touched += " UNION SELECT a FROM inc_weak UNION SELECT b FROM inc_weak"
    membership = node_components(
        con,
        touched + " ORDER BY 1",
        "SELECT a, b FROM inc_edges",
        [(a, b) for a, b in cannot],
        weak_pairs_sql=weak_sql,
        anchored=anchored,
    )
    con.register("inc_touched_arrow", membership.table("comp"))
    con.execute("CREATE OR REPLACE TEMP TABLE inc_touched AS SELECT * FROM inc_touched_arrow")
    con.unregister("inc_touched_arrow")
    _name_actors(con, new, previous, out)


def _weak_sources(
    con: duckdb.DuckDBPyConnection, signatures: str, fresh_pairs_sql: str, earlier_pairs_sql: str
) -> None:
    """``weak_sig``, and ``inc_weak_src(sig_l, sig_r)``: the day's matches with one weak side,
    plus every earlier match of the weak signatures among them (a weak signature refused
    before, because it matched two actors, stays refused when a third comes)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {WEAK_SIGS} AS {weak_signatures_sql(signatures)}")
    one_weak = f"""
        SELECT p.sig_l, p.sig_r FROM ({{pairs}}) p
        LEFT JOIN {WEAK_SIGS} l ON l.sig_id = p.sig_l
        LEFT JOIN {WEAK_SIGS} r ON r.sig_id = p.sig_r
        WHERE (l.sig_id IS NULL) <> (r.sig_id IS NULL)
    """
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE inc_weak_day AS {one_weak.format(pairs=fresh_pairs_sql)}"
    )
    if not con.execute("SELECT count(*) FROM inc_weak_day").fetchall()[0][0]:
        # no weak match today: the earlier matches (the population's) need no reading
        con.execute("CREATE OR REPLACE TEMP TABLE inc_weak_src AS SELECT * FROM inc_weak_day")
        return
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE inc_weak_src AS
        WITH wk AS (
            SELECT sig_l AS sig_id FROM inc_weak_day UNION SELECT sig_r FROM inc_weak_day
        ),
        before AS (
            SELECT e.sig_l, e.sig_r FROM ({earlier_pairs_sql}) e
            WHERE e.sig_l IN (SELECT sig_id FROM wk SEMI JOIN {WEAK_SIGS} USING (sig_id))
               OR e.sig_r IN (SELECT sig_id FROM wk SEMI JOIN {WEAK_SIGS} USING (sig_id))
        )
        SELECT * FROM inc_weak_day
        UNION SELECT * FROM ({one_weak.format(pairs="SELECT * FROM before")})
        """
    )


def _day_weak_pairs(con: duckdb.DuckDBPyConnection) -> None:
    """``inc_weak(a, b)``: weak node, matched node, for nodes present in this run's graph."""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE inc_weak AS
        WITH known AS (SELECT DISTINCT node FROM inc_party_node),
        pairs AS ({
            weak_match_sql(
                "SELECT * FROM inc_weak_src", "parties_day_weak", "inc_sig_node", "inc_party_node"
            )
        })
        SELECT DISTINCT a, b FROM pairs
        WHERE a <> b
          AND (a LIKE 'a:%' OR a IN (SELECT node FROM known))
          AND (b LIKE 'a:%' OR b IN (SELECT node FROM known))
        ORDER BY a, b
        """
    )


def _anchored_actors(con: duckdb.DuckDBPyConnection, earlier: str, previous: str) -> set[str]:
    """Earlier actors standing as a weak node today that hold more than weak signatures without
    a flow link: their own actor counts among the weak signature's candidates."""
    if not con.execute("SELECT count(*) FROM inc_weak WHERE a LIKE 'a:%'").fetchall()[0][0]:
        return set()
    rows = con.execute(
        f"""
        WITH wanted AS (SELECT DISTINCT substr(a, 3) AS actor_id FROM inc_weak
                        WHERE a LIKE 'a:%')
        SELECT DISTINCT 'a:' || pa.actor_id
        FROM {previous} pa SEMI JOIN wanted USING (actor_id)
        JOIN {earlier} e USING (party_id)
        WHERE e.sig_id NOT IN (SELECT sig_id FROM {WEAK_SIGS})
           OR e.hawb_link IS NOT NULL OR e.seller_link IS NOT NULL
        """
    ).fetchall()
    return {r[0] for r in rows}


def _day_nodes(
    con: duckdb.DuckDBPyConnection,
    fresh_pairs_sql: str,
    new: str,
    earlier: str,
    previous: str,
    weak: bool = False,
) -> None:
    """``inc_sig_node(sig_id, node)`` for the day's signatures and those its pairs name, and
    ``inc_party_node(party_id, node)`` for the new parties (nodes as in the cluster module)."""
    extra = (
        "UNION SELECT sig_l FROM inc_weak_src UNION SELECT sig_r FROM inc_weak_src" if weak else ""
    )
    weak_case = (
        f"WHEN {weak_party_sql('p')} THEN '{WEAK_PARTY_PREFIX}' || p.party_id" if weak else ""
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE inc_earlier_sig AS
        WITH wanted AS (
            SELECT sig_id FROM {new}
            UNION SELECT sig_l FROM ({fresh_pairs_sql}) UNION SELECT sig_r FROM ({fresh_pairs_sql})
            {extra}
        )
        SELECT e.party_id, e.sig_id FROM {earlier} e SEMI JOIN wanted w USING (sig_id)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE inc_sig_node AS
        WITH prev_sig AS ({majority_actor_sql("inc_earlier_sig", previous)}),
        present AS (SELECT sig_id FROM {new} UNION SELECT sig_id FROM inc_earlier_sig)
        SELECT s.sig_id,
            CASE WHEN ps.actor_id IS NULL THEN 's:' || s.sig_id ELSE 'a:' || ps.actor_id END AS node
        FROM present s LEFT JOIN prev_sig ps USING (sig_id)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE inc_party_node AS
        SELECT p.party_id,
            CASE WHEN {weak_importer_sql("p")} THEN 'p:' || p.party_id
                {weak_case}
                ELSE sn.node END AS node
        FROM {new} p LEFT JOIN inc_sig_node sn USING (sig_id)
        """
    )
    # the new parties' signatures, for their weak party nodes (weak_match_sql)
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW parties_day_weak AS SELECT party_id, sig_id FROM {new}"
    )


def _day_edges(
    con: duckdb.DuckDBPyConnection,
    fresh_pairs_sql: str,
    new: str,
    earlier: str,
    previous: str,
    labels_sql: str,
    blocked_flow: str | None = None,
) -> None:
    """``inc_edges(a, b)``: this run's signature matches, the flow links with a new party on one
    side, and investigators' matches, as node pairs; sorted, so a cut falls the same way on
    every run."""
    # The earlier parties a new party's flow identifier reaches, and every labelled one.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE inc_linked AS
        SELECT e.party_id, e.role, e.hawb_link, e.seller_link FROM {earlier} e
        WHERE (e.role IN ('importer', 'consignee') AND e.hawb_link IN (
                SELECT hawb_link FROM {new} WHERE role IN ('importer', 'consignee')))
           OR (e.role IN ('shipper', 'seller') AND e.seller_link IN (
                SELECT seller_link FROM {new} WHERE role IN ('shipper', 'seller')))
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE inc_label_node AS
        WITH labelled AS (
            SELECT party_id_l AS party_id FROM ({labels_sql})
            UNION SELECT party_id_r FROM ({labels_sql})
        ),
        wanted AS (SELECT party_id FROM inc_linked UNION SELECT party_id FROM labelled)
        SELECT party_id, 'a:' || actor_id AS node FROM {previous} SEMI JOIN wanted USING (party_id)
        UNION ALL
        SELECT party_id, node FROM inc_party_node
        """
    )
    flow_parties = (
        f"(SELECT party_id, role, hawb_link, seller_link FROM {new} "
        "UNION ALL SELECT * FROM inc_linked)"
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE inc_edges AS
        WITH known AS (SELECT DISTINCT node FROM inc_party_node),
        edges AS (
            SELECT nl.node AS a, nr.node AS b FROM ({fresh_pairs_sql}) pr
            JOIN inc_sig_node nl ON nl.sig_id = pr.sig_l
            JOIN inc_sig_node nr ON nr.sig_id = pr.sig_r
            UNION ALL
            {flow_edges_sql(flow_parties, "inc_label_node", new, blocked_flow)}
            UNION ALL
            {label_pairs_sql(labels_sql, "inc_label_node", "match")}
        )
        -- a signature node stands only where a party stands on it (one whose parties are all
        -- weak importers would otherwise chain them); an actor node always has parties
        SELECT DISTINCT a, b FROM edges
        WHERE a <> b
          AND (a LIKE 'a:%' OR a IN (SELECT node FROM known))
          AND (b LIKE 'a:%' OR b IN (SELECT node FROM known))
        ORDER BY a, b
        """
    )


def _name_actors(con: duckdb.DuckDBPyConnection, new: str, previous: str, out: str) -> None:
    """Name each touched component after its largest earlier actor (the smallest id among
    equals), each new party's component of its own likewise, and the rest with new numbers in
    order of their smallest party id; then carry the population over through the merges."""
    highest = con.execute(
        f"SELECT max(TRY_CAST(substr(actor_id, {len(ACTOR_PREFIX) + 1}) AS BIGINT)) FROM {previous}"
    ).fetchall()[0][0]
    next_number = int(highest or 0) + 1
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE inc_winner AS
        WITH touched_actor AS (
            SELECT comp, substr(node, 3) AS actor_id FROM inc_touched WHERE node LIKE 'a:%'
        ),
        size AS (
            SELECT actor_id, count(*) AS n FROM {previous}
            SEMI JOIN touched_actor USING (actor_id) GROUP BY actor_id
        )
        SELECT t.comp, arg_min(t.actor_id, (-s.n, t.actor_id)) AS actor_id
        FROM touched_actor t JOIN size s USING (actor_id) GROUP BY t.comp
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE inc_merged AS
        SELECT substr(t.node, 3) AS old_id, w.actor_id AS new_id
        FROM inc_touched t JOIN inc_winner w USING (comp)
        WHERE t.node LIKE 'a:%' AND substr(t.node, 3) <> w.actor_id
        """
    )
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE inc_party_comp AS
        SELECT pn.party_id, coalesce('c' || t.comp, pn.node) AS comp_key,
            CASE WHEN t.comp IS NOT NULL THEN w.actor_id
                 WHEN pn.node LIKE 'a:%' THEN substr(pn.node, 3) END AS actor_id
        FROM inc_party_node pn
        LEFT JOIN inc_touched t USING (node)
        LEFT JOIN inc_winner w USING (comp)
        """
    )
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE inc_new_actors AS
        WITH fresh AS (
            SELECT comp_key, printf('{ACTOR_PREFIX}%07d',
                {next_number} - 1 + row_number() OVER (ORDER BY min(party_id))) AS actor_id
            FROM inc_party_comp WHERE actor_id IS NULL GROUP BY comp_key
        )
        SELECT p.party_id, p.source_table, p.record_key, p.role,
            coalesce(c.actor_id, f.actor_id) AS actor_id
        FROM {new} p JOIN inc_party_comp c USING (party_id) LEFT JOIN fresh f USING (comp_key)
        """
    )
    # A view: the population's rows are read from the previous run's file where they are used,
    # never held in memory (they are most of a run's rows, and a merge moves few of them).
    con.execute(
        f"""
        CREATE OR REPLACE VIEW {out} AS
        SELECT pa.party_id, pa.source_table, pa.record_key, pa.role,
            coalesce(m.new_id, pa.actor_id) AS actor_id
        FROM {previous} pa LEFT JOIN inc_merged m ON m.old_id = pa.actor_id
        UNION ALL
        SELECT * FROM inc_new_actors
        """
    )
