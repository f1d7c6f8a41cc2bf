"""Connected components of millions of string-named edges, without a Python object per edge.

DuckDB matches the edges to node numbers (in parallel) and SciPy labels the components of the
numbered graph in C. A Python list of edge tuples for igraph cost 3.9 s of 4.8 s at 3 M edges,
and Arrow's single-threaded unique, sort and lookup another 6.3 s (measured on this machine,
2026-12-07). SciPy numbers components as igraph does: in the order of their smallest node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb
import igraph as ig
import numpy as np
import pyarrow as pa
from scipy.sparse import coo_matrix  # type: ignore[import-untyped]
from scipy.sparse.csgraph import connected_components  # type: ignore[import-untyped]

from redlane.resolve.weak import attach_weak


def component_labels(n_nodes: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """The component number of each of ``n_nodes`` nodes joined by edges ``left[i]–right[i]``:
    components numbered by their smallest node, as ``igraph.Graph.connected_components``."""
    if n_nodes == 0:
        return np.zeros(0, dtype=np.int64)
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n_nodes, n_nodes))
    _, labels = connected_components(graph, directed=False)
    return np.asarray(labels, dtype=np.int64)


@dataclass(frozen=True)
class Membership:
    """Each node (in the order the nodes query gave them) and its component number."""

    nodes: pa.Array
    component: np.ndarray

    def as_dict(self) -> dict[str, int]:
        return dict(zip(self.nodes.to_pylist(), self.component.tolist(), strict=True))

    def table(self, column: str) -> pa.Table:
        return pa.table({"node": self.nodes, column: pa.array(self.component, pa.int64())})


_INDEX = "comp_node_index_arrow"


def _indexed_pairs(con: duckdb.DuckDBPyConnection, pairs_sql: str) -> tuple[np.ndarray, np.ndarray]:
    """Node numbers of the pairs of ``pairs_sql`` whose two ends are nodes, and not one node."""
    ends = con.execute(
        f"""
        SELECT l.i AS l, r.i AS r FROM ({pairs_sql}) e(a, b)
        JOIN {_INDEX} l ON l.node = e.a JOIN {_INDEX} r ON r.node = e.b
        WHERE e.a <> e.b
        """
    ).fetchnumpy()
    return (np.asarray(ends["l"], dtype=np.int64), np.asarray(ends["r"], dtype=np.int64))


def node_components(
    con: duckdb.DuckDBPyConnection,
    nodes_sql: str,
    edges_sql: str,
    cannot_link: Sequence[tuple[str, str]] = (),
    weak_pairs_sql: str | None = None,
    anchored: set[str] | None = None,
) -> Membership:
    """Connected components of the nodes of ``nodes_sql`` over the edges of ``edges_sql``.

    ``weak_pairs_sql`` (weak node, matched node): matches of signatures without identifying
    evidence, which join a component of ``edges_sql`` only when they point to exactly one
    (:func:`redlane.resolve.weak.attach_weak`; ``anchored`` as there). For each cannot-link
    pair (an investigator's non-match) that ends up in one component, the minimum set of edges
    separating the two is removed first. Components are numbered by their first node.
    """
    nodes = con.sql(nodes_sql).to_arrow_table().column(0).combine_chunks().cast(pa.string())
    n_nodes = len(nodes)
    con.register(_INDEX, pa.table({"node": nodes, "i": np.arange(n_nodes, dtype=np.int64)}))
    try:
        left, right = _indexed_pairs(con, edges_sql)
        if weak_pairs_sql is not None:
            attached = _attached_weak(con, n_nodes, left, right, weak_pairs_sql, anchored or set())
            left = np.concatenate([left, attached[0]])
            right = np.concatenate([right, attached[1]])
        cut_pairs = _cut_pairs(con, cannot_link)
    finally:
        con.unregister(_INDEX)
    labels = component_labels(n_nodes, left, right)
    if any(labels[a] == labels[b] for a, b in cut_pairs):
        labels = _cut(n_nodes, left, right, cut_pairs)
    return Membership(nodes, labels)


def _attached_weak(
    con: duckdb.DuckDBPyConnection,
    n_nodes: int,
    left: np.ndarray,
    right: np.ndarray,
    weak_pairs_sql: str,
    anchored: set[str],
) -> tuple[np.ndarray, np.ndarray]:
    """The edges by which weak nodes join the components of the evidence edges."""
    # In the query's order: a weak node attaches by its first match, and where a non-match is
    # cut later, which edge that is decides the side the weak node ends on.
    pairs = con.sql(weak_pairs_sql).to_arrow_table()
    con.register(
        "weak_pairs_arrow",
        pa.table(
            {
                "k": np.arange(pairs.num_rows, dtype=np.int64),
                "a": pairs.column(0).cast(pa.string()),
                "b": pairs.column(1).cast(pa.string()),
            }
        ),
    )
    try:
        weak = con.execute(
            f"""
            SELECT w.a, w.b, wa.i AS ia, wb.i AS ib FROM weak_pairs_arrow w
            JOIN {_INDEX} wa ON wa.node = w.a LEFT JOIN {_INDEX} wb ON wb.node = w.b
            ORDER BY w.k
            """
        ).fetchall()
    finally:
        con.unregister("weak_pairs_arrow")
    if not weak:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    first = component_labels(n_nodes, left, right)
    on_edge = np.zeros(n_nodes, dtype=bool)
    on_edge[left] = True
    on_edge[right] = True
    # phase 1 membership of the nodes the weak pairs name; any other node is its own
    membership_1 = {
        node: int(first[i])
        for a, b, ia, ib in weak
        for node, i in ((a, ia), (b, ib))
        if i is not None and on_edge[i]
    }
    # a weak node on an evidence edge (its flow link) is anchored there
    held = anchored | {a for a, _, ia, _ in weak if on_edge[ia]}
    attach, _ = attach_weak(membership_1, held, [(a, b) for a, b, _, ib in weak if ib is not None])
    index = {a: ia for a, _, ia, _ in weak} | {b: ib for _, b, _, ib in weak if ib is not None}
    return (
        np.array([index[a] for a, _ in attach], dtype=np.int64),
        np.array([index[b] for _, b in attach], dtype=np.int64),
    )


def _cut_pairs(
    con: duckdb.DuckDBPyConnection, cannot_link: Sequence[tuple[str, str]]
) -> list[tuple[int, int]]:
    """Node numbers of the cannot-link pairs whose two ends are distinct nodes, in order."""
    if not cannot_link:
        return []
    con.register(
        "cut_pairs_arrow",
        pa.table(
            {
                "k": np.arange(len(cannot_link)),
                "a": [a for a, _ in cannot_link],
                "b": [b for _, b in cannot_link],
            }
        ),
    )
    try:
        rows = con.execute(
            f"""
            SELECT l.i, r.i FROM cut_pairs_arrow c
            JOIN {_INDEX} l ON l.node = c.a JOIN {_INDEX} r ON r.node = c.b
            WHERE l.i <> r.i ORDER BY c.k
            """
        ).fetchall()
    finally:
        con.unregister("cut_pairs_arrow")
    return [(int(a), int(b)) for a, b in rows]


def _cut(
    n_nodes: int, left: np.ndarray, right: np.ndarray, cut_pairs: list[tuple[int, int]]
) -> np.ndarray:
    """Components after removing, for each pair still in one component, a minimum cut.

    Edges go to igraph in node order: where several cuts are minimal, the one removed no longer
    depends on the order threads returned the edges in."""
    order = np.lexsort((right, left))
    graph = ig.Graph(n=n_nodes, edges=np.column_stack([left[order], right[order]]))
    for a, b in cut_pairs:
        membership = graph.connected_components().membership
        if membership[a] == membership[b]:
            graph.delete_edges(graph.st_mincut(a, b).cut)
    return np.asarray(graph.connected_components().membership, dtype=np.int64)


def smallest_node_components(con: duckdb.DuckDBPyConnection, edges_sql: str, out: str) -> None:
    """Create ``out(node, comp)`` for every node on an edge of ``edges_sql`` (a, b): ``comp`` is
    the smallest node (in byte order) of the node's component."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE cc_edges AS SELECT a, b FROM ({edges_sql}) WHERE a <> b"
    )
    membership = node_components(
        con,
        "SELECT a FROM cc_edges UNION SELECT b FROM cc_edges ORDER BY 1",
        "SELECT a, b FROM cc_edges",
    )
    con.execute("DROP TABLE cc_edges")
    # nodes come in order, so a component's first node is its smallest
    _, first, inverse = np.unique(membership.component, return_index=True, return_inverse=True)
    con.register(
        "cc_named_arrow",
        pa.table({"node": membership.nodes, "comp": membership.nodes.take(first[inverse])}),
    )
    con.execute(f"CREATE OR REPLACE TEMP TABLE {out} AS SELECT * FROM cc_named_arrow")
    con.unregister("cc_named_arrow")
