"""Clustering rules: flow links, stable ids, investigators' labels, metrics on hand-made cases."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from redlane.resolve.cluster import (
    assign_party_clusters,
    majority_actor_sql,
    stable_actor_ids,
)
from redlane.resolve.evaluate import evaluate_assignments
from redlane.resolve.graph_components import node_components


def _con_with_chain() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE n AS SELECT * FROM (VALUES ('a'), ('b'), ('c'), ('d')) t(node)")
    con.execute("CREATE TABLE e AS SELECT * FROM (VALUES ('a','b'), ('b','c'), ('c','d')) t(l, r)")
    return con


def test_components_and_cannot_link_cut():
    con = _con_with_chain()
    plain = node_components(con, "SELECT node FROM n", "SELECT l, r FROM e").as_dict()
    assert len(set(plain.values())) == 1
    cut = node_components(con, "SELECT node FROM n", "SELECT l, r FROM e", [("a", "d")]).as_dict()
    assert cut["a"] != cut["d"]
    # the minimum cut removes one edge of the chain, not everything
    assert len(set(cut.values())) == 2


def _parties(con: duckdb.DuckDBPyConnection) -> None:
    rows = [
        # party_id, role, sig, hawb_link, seller_link, registry, address
        ("c1", "consignee", "s1", "H1", None, None, "1 main st"),
        ("i1", "importer", "s9", "H1", None, None, None),  # name-only importer of H1
        ("c2", "consignee", "s2", "H2", None, None, "9 other rd"),
        ("i2", "importer", "s9", "H2", None, None, None),  # same name, other person
        ("sh", "shipper", "s3", None, "S-1", None, "x"),
        ("se", "seller", "s4", None, "S-1", None, "y"),
    ]
    con.execute(
        "CREATE TABLE parties_norm (party_id VARCHAR, role VARCHAR, sig_id VARCHAR, "
        "hawb_link VARCHAR, seller_link VARCHAR, registry_id VARCHAR, address VARCHAR)"
    )
    con.executemany("INSERT INTO parties_norm VALUES (?, ?, ?, ?, ?, ?, ?)", rows)


def test_flow_links_attach_without_chaining_namesakes():
    con = duckdb.connect()
    _parties(con)
    no_pairs = "SELECT NULL::VARCHAR sig_l, NULL::VARCHAR sig_r WHERE false"
    assign_party_clusters(con, no_pairs)
    cluster = dict(con.execute("SELECT party_id, cluster FROM party_clusters").fetchall())
    assert cluster["i1"] == cluster["c1"]
    assert cluster["i2"] == cluster["c2"]
    # the two importers share a signature (same name, nothing else) but not an actor
    assert cluster["c1"] != cluster["c2"]
    assert cluster["sh"] == cluster["se"]


def test_labels_join_and_separate():
    con = duckdb.connect()
    _parties(con)
    pairs = "SELECT 's1' AS sig_l, 's3' AS sig_r"
    labels = (
        "SELECT 'c2' party_id_l, 'se' party_id_r, 'match' label "
        "UNION ALL SELECT 'c1', 'sh', 'non_match'"
    )
    assign_party_clusters(con, pairs, labels=labels)
    cluster = dict(con.execute("SELECT party_id, cluster FROM party_clusters").fetchall())
    assert cluster["c2"] == cluster["se"]
    assert cluster["c1"] != cluster["sh"]


def test_stable_ids_follow_the_largest_overlap():
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE party_clusters AS SELECT * FROM (VALUES "
        "('p1', 0), ('p2', 0), ('p3', 0), ('p4', 1), ('p5', 2)) t(party_id, cluster)"
    )
    con.execute(
        "CREATE TABLE prev AS SELECT * FROM (VALUES "
        "('p1', 'AC-0000007'), ('p2', 'AC-0000007'), ('p3', 'AC-0000002'), "
        "('p4', 'AC-0000002')) t(party_id, actor_id)"
    )
    stable_actor_ids(con, previous="prev")
    ids = dict(con.execute("SELECT party_id, actor_id FROM party_actor_ids").fetchall())
    assert ids["p1"] == ids["p2"] == ids["p3"] == "AC-0000007"  # merged: biggest overlap wins
    assert ids["p4"] == "AC-0000002"
    assert ids["p5"] == "AC-0000008"  # new: after the highest id seen


def test_metrics_on_a_hand_made_case(tmp_path: Path):
    truth = tmp_path / "truth"
    truth.mkdir()
    pq.write_table(
        pa.table(
            {
                "table": ["t"] * 4,
                "record_key": ["1", "2", "3", "4"],
                "role": ["r"] * 4,
                "actor_id": ["A", "A", "A", "B"],
            }
        ),
        truth / "party_links.parquet",
    )
    con = duckdb.connect()
    predicted = (
        "SELECT 't' AS source_table, k AS record_key, 'r' AS role, a AS actor_id FROM (VALUES "
        "('1', 'x'), ('2', 'x'), ('3', 'y'), ('4', 'y')) v(k, a)"
    )
    m = evaluate_assignments(con, predicted, truth)
    # predicted pairs: (1,2), (3,4); true pairs: (1,2), (1,3), (2,3)
    assert m.pairwise_precision == 0.5
    assert round(m.pairwise_recall, 6) == round(1 / 3, 6)
    # B-cubed precision: items 1,2 → 1; 3,4 → 1/2 each → 0.75
    assert m.bcubed_precision == 0.75
    assert m.actors == 2 and m.true_actors == 2


def _greedy_names(
    clusters: dict[str, int], previous: dict[str, str], next_number: int
) -> dict[str, str]:
    """The naming rule written out plainly: overlaps by size (then cluster, then id) take ids
    not yet taken; the rest get new numbers in order of their smallest party id."""
    overlap: dict[tuple[int, str], int] = {}
    for party, cluster in clusters.items():
        if party in previous:
            key = (cluster, previous[party])
            overlap[key] = overlap.get(key, 0) + 1
    named: dict[int, str] = {}
    taken: set[str] = set()
    for (cluster, actor), _ in sorted(overlap.items(), key=lambda kv: (-kv[1], *kv[0])):
        if cluster not in named and actor not in taken:
            named[cluster] = actor
            taken.add(actor)
    firsts: dict[int, str] = {}
    for party, cluster in clusters.items():
        firsts[cluster] = min(firsts.get(cluster, party), party)
    for cluster in sorted(firsts, key=firsts.__getitem__):
        if cluster not in named:
            named[cluster] = f"AC-{next_number:07d}"
            next_number += 1
    return {party: named[cluster] for party, cluster in clusters.items()}


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("contested", [False, True])
def test_stable_ids_in_sql_agree_with_the_greedy_rule(seed: int, contested: bool):
    """Without contested ids (each previous actor in one cluster) naming runs in SQL; with
    them, in Python. Both follow the greedy rule."""
    rng = random.Random(seed)
    actors = [f"AC-{n:07d}" for n in rng.sample(range(1, 60), 12)]
    previous: dict[str, str] = {}
    clusters: dict[str, int] = {}
    for i in range(200):
        party = f"P{rng.randrange(10**6):06d}-{i}"
        if rng.random() < 0.6:
            actor = rng.choice(actors)
            previous[party] = actor
            # uncontested: an actor's parties stay together (a cluster per actor, maybe merged)
            cluster = actors.index(actor) // 2 if not contested else rng.randrange(8)
        else:
            cluster = 100 + rng.randrange(30)
        clusters[party] = cluster
    con = duckdb.connect()
    con.execute("CREATE TABLE c(party_id VARCHAR, cluster BIGINT)")
    con.executemany("INSERT INTO c VALUES (?, ?)", list(clusters.items()))
    con.execute("CREATE TABLE p(party_id VARCHAR, actor_id VARCHAR)")
    con.executemany("INSERT INTO p VALUES (?, ?)", list(previous.items()))
    stable_actor_ids(con, clusters="c", previous="p", out="named")
    got = dict(con.execute("SELECT party_id, actor_id FROM named").fetchall())
    highest = max(int(a[3:]) for a in previous.values())
    assert got == _greedy_names(clusters, previous, highest + 1)


@pytest.mark.parametrize("order", [0, 1, 2, 3])
def test_a_signature_split_evenly_between_actors_goes_to_the_smallest_id(order: int):
    """Ties must not fall by chance: whatever order the rows come in, the same actor."""
    rows = [("p1", "s1", "AC-0000002"), ("p2", "s1", "AC-0000002"), ("p3", "s1", "AC-0000001")]
    rows += [("p4", "s1", "AC-0000001"), ("p5", "s2", "AC-0000003")]
    random.Random(order).shuffle(rows)
    con = duckdb.connect()
    con.execute("CREATE TABLE parties (party_id VARCHAR, sig_id VARCHAR)")
    con.execute("CREATE TABLE actors (party_id VARCHAR, actor_id VARCHAR)")
    con.executemany("INSERT INTO parties VALUES (?, ?)", [(p, s) for p, s, _ in rows])
    con.executemany("INSERT INTO actors VALUES (?, ?)", [(p, a) for p, _, a in rows])
    con.execute("INSERT INTO actors VALUES ('p6', 'AC-0000002')")  # no signature: not counted
    majority = dict(con.execute(majority_actor_sql("parties", "actors")).fetchall())
    assert majority == {"s1": "AC-0000001", "s2": "AC-0000003"}
    con.execute("INSERT INTO parties VALUES ('p6', 's1')")  # now AC-0000002 has more
    majority = dict(con.execute(majority_actor_sql("parties", "actors")).fetchall())
    assert majority["s1"] == "AC-0000002"
