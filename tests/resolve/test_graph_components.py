"""Components of string-named edges: each node named by its component's smallest node, and
numbered as igraph numbers them (the cluster step's actors depend on that order)."""

from __future__ import annotations

from typing import NamedTuple

import duckdb
import igraph as ig
import networkx as nx
import numpy as np
import pyarrow as pa
from hypothesis import example, given, settings
from hypothesis import strategies as st

from redlane.resolve.graph_components import (
    component_labels,
    node_components,
    smallest_node_components,
)
from redlane.resolve.weak import attach_weak

names = st.text(alphabet="abcdef0123456789", min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(names, names), max_size=40))
def test_every_node_is_named_by_the_smallest_node_of_its_component(
    edges: list[tuple[str, str]],
) -> None:
    con = duckdb.connect()
    con.register("edges_arrow", pa.table({"a": [a for a, _ in edges], "b": [b for _, b in edges]}))
    smallest_node_components(con, "SELECT a, b FROM edges_arrow", "named")
    got = dict(con.execute("SELECT node, comp FROM named").fetchall())

    graph = nx.Graph([(a, b) for a, b in edges if a != b])
    expected = {node: min(part) for part in nx.connected_components(graph) for node in part}
    assert got == expected


@settings(max_examples=60, deadline=None)
@given(
    st.integers(0, 30).flatmap(
        lambda n: st.tuples(
            st.just(n),
            st.lists(
                st.tuples(st.integers(0, max(n - 1, 0)), st.integers(0, max(n - 1, 0))),
                max_size=40 if n else 0,
            ),
        )
    )
)
def test_component_numbers_are_igraphs(case: tuple[int, list[tuple[int, int]]]) -> None:
    n_nodes, edges = case
    left = np.array([a for a, _ in edges], dtype=np.int64)
    right = np.array([b for _, b in edges], dtype=np.int64)
    expected = ig.Graph(n=n_nodes, edges=edges).connected_components().membership
    assert component_labels(n_nodes, left, right).tolist() == expected


def test_no_edges_names_nothing() -> None:
    con = duckdb.connect()
    smallest_node_components(con, "SELECT 'a' AS a, 'a' AS b", "named")
    assert con.execute("SELECT count(*) FROM named").fetchall() == [(0,)]


class Case(NamedTuple):
    nodes: list[str]
    edges: list[tuple[str, str]]
    cannot_link: list[tuple[str, str]]
    weak: list[tuple[str, str]] | None
    anchored: set[str]


def _reference_components(case: Case) -> dict[str, int]:
    """The per-edge igraph code the cluster step ran until 2026-12-07 (`05ba8b9`), but for the
    order of the edges a minimum cut is taken over."""
    nodes, edges, cannot_link, weak, anchored = case
    index = {node: i for i, node in enumerate(nodes)}
    kept = [(index[a], index[b]) for a, b in edges if a in index and b in index and a != b]
    graph = ig.Graph(n=len(nodes), edges=kept)
    if weak is not None:
        weak = [(a, b) for a, b in weak if a in index]
        if weak:
            first = graph.connected_components().membership
            on_edge = {v for e in graph.get_edgelist() for v in e}
            membership_1 = {node: first[i] for node, i in index.items() if i in on_edge}
            held = anchored | {w for w, _ in weak if index[w] in on_edge}
            attach, _ = attach_weak(membership_1, held, [(a, b) for a, b in weak if b in index])
            kept += [(index[a], index[b]) for a, b in attach]
    # the one change: a cut is taken over the edges in node order (deterministic)
    graph = ig.Graph(n=len(nodes), edges=sorted(kept))
    for left, right in cannot_link:
        a, b = index.get(left), index.get(right)
        if a is None or b is None or a == b:
            continue
        membership = graph.connected_components().membership
        if membership[a] == membership[b]:
            graph.delete_edges(graph.st_mincut(a, b).cut)
    membership = graph.connected_components().membership
    return {node: int(membership[i]) for node, i in index.items()}


node_names = st.sampled_from([f"n{i}" for i in range(12)])
node_pairs = st.lists(st.tuples(node_names, node_names), max_size=25)


cases = st.builds(
    Case,
    st.lists(node_names, unique=True, min_size=1),
    node_pairs,
    st.lists(st.tuples(node_names, node_names), max_size=3),
    st.none() | node_pairs,
    st.sets(node_names, max_size=3),
)


@settings(max_examples=150, deadline=None)
# a weak node matching both sides of a non-match attaches by its first match, and stays there
@example(
    Case(["n0", "n1", "n2"], [("n0", "n1")], [("n0", "n1")], [("n2", "n0"), ("n2", "n1")], set())
)
@given(cases)
def test_node_components_match_the_per_edge_code(case: Case) -> None:
    con = duckdb.connect()
    con.register("nodes_arrow", pa.table({"node": pa.array(case.nodes, pa.string())}))
    con.register("edges_arrow", _pair_table(case.edges))
    con.register("weak_arrow", _pair_table(case.weak or []))
    got = node_components(
        con,
        "SELECT node FROM nodes_arrow",
        "SELECT a, b FROM edges_arrow",
        case.cannot_link,
        weak_pairs_sql=None if case.weak is None else "SELECT a, b FROM weak_arrow",
        anchored=case.anchored,
    )
    assert got.as_dict() == _reference_components(case)


def _pair_table(pairs: list[tuple[str, str]]) -> pa.Table:
    return pa.table(
        {
            "a": pa.array([a for a, _ in pairs], pa.string()),
            "b": pa.array([b for _, b in pairs], pa.string()),
        }
    )
