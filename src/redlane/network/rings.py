"""Rings: communities of actors over identifier edges (igraph's Leiden)."""

from __future__ import annotations

import random

import duckdb
import igraph as ig
import pyarrow as pa

from redlane.network.edges import NOT_RING_SQL

MIN_RING_SIZE = 2


def detect_rings(
    con: duckdb.DuckDBPyConnection, edges: str = "actor_edges_t", out: str = "actor_ring"
) -> None:
    """``out(actor_id, ring_id)`` for actors in a community of at least two; flows excluded
    (a shipper and its customers are not a ring)."""
    # In order: Leiden's result depends on the order edges are given in as well as on its seed,
    # and a grouped query's rows come in any order (rings differed between runs on one world).
    rows = con.execute(
        f"SELECT src_actor_id, dst_actor_id, sum(weight) FROM {edges} "
        f"WHERE {NOT_RING_SQL} GROUP BY ALL ORDER BY 1, 2"
    ).fetchall()
    names = sorted({r[0] for r in rows} | {r[1] for r in rows})
    index = {name: i for i, name in enumerate(names)}
    graph = ig.Graph(n=len(names), edges=[(index[a], index[b]) for a, b, _ in rows])
    graph.es["weight"] = [float(w) for _, _, w in rows]
    actor_ids: list[str] = []
    ring_ids: list[str] = []
    if names:
        # Leiden is randomised: a fixed seed makes re-runs on the same data give the same rings.
        ig.set_random_number_generator(random.Random(0))
        partition = graph.community_leiden(
            objective_function="modularity", weights="weight", n_iterations=10
        )
        for members in partition:
            if len(members) < MIN_RING_SIZE:
                continue
            member_names = sorted(names[m] for m in members)
            # Named after its smallest actor id: stable while that actor stays in the ring.
            ring_id = "RG-" + member_names[0].split("-", 1)[-1]
            actor_ids.extend(member_names)
            ring_ids.extend([ring_id] * len(member_names))
    table = pa.table(
        {"actor_id": pa.array(actor_ids, pa.string()), "ring_id": pa.array(ring_ids, pa.string())}
    )
    con.register("actor_ring_arrow", table)
    con.execute(f"CREATE OR REPLACE TABLE {out} AS SELECT * FROM actor_ring_arrow")
    con.unregister("actor_ring_arrow")
