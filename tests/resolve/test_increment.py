"""An incremental run's actors, worked out from the day alone, against clustering the whole
population again (the rule both follow) on random populations."""

from __future__ import annotations

import random

import duckdb
import pytest

from redlane.resolve.cluster import assign_party_clusters, stable_actor_ids
from redlane.resolve.increment import assign_incremental_actors
from tests.resolve.party_tables import pair_table, party_table

ROLES = ("importer", "consignee", "shipper", "seller", "seller_account")


def _party(rng: random.Random, party_id: str, sigs: list[str]) -> tuple[str | None, ...]:
    role = rng.choice(ROLES)
    flow = role in ("importer", "consignee")
    return (
        party_id,
        "t",
        party_id,
        role,
        rng.choice(sigs),
        f"H{rng.randrange(60)}" if flow else None,
        f"S{rng.randrange(30)}" if role in ("shipper", "seller") else None,
        "R" if rng.random() < 0.3 else None,
        None if role == "importer" and rng.random() < 0.6 else "addr",
    )


def _population(seed: int) -> tuple[duckdb.DuckDBPyConnection, str, str]:
    """Earlier parties resolved in full (``prev``), a day of new ones and its fresh pairs and
    investigators' matches; returns the connection, the fresh pairs' SQL and the labels'."""
    rng = random.Random(seed)
    con = duckdb.connect()
    old_sigs = [f"o{n}" for n in range(80)]
    new_sigs = [f"n{n}" for n in range(40)]
    party_table(con, "old", [_party(rng, f"P{n:03d}", old_sigs) for n in range(120)])
    old_pairs = [tuple(rng.sample(old_sigs, 2)) for _ in range(15)]
    assign_party_clusters(con, pair_table(con, "old_pairs", old_pairs), parties="old")  # type: ignore[arg-type]
    stable_actor_ids(con)
    con.execute(
        "CREATE TABLE prev AS SELECT o.party_id, o.source_table, o.record_key, o.role, a.actor_id "
        "FROM old o JOIN party_actor_ids a USING (party_id)"
    )
    day_sigs = old_sigs[:10] + new_sigs
    party_table(con, "day", [_party(rng, f"Q{n:03d}", day_sigs) for n in range(60)])
    fresh = [(rng.choice(new_sigs), rng.choice(old_sigs + new_sigs)) for _ in range(20)]
    parties = [f"P{n:03d}" for n in range(120)] + [f"Q{n:03d}" for n in range(60)]
    con.execute("CREATE TABLE labels (party_id_l VARCHAR, party_id_r VARCHAR, label VARCHAR)")
    for _ in range(3):
        left, right = rng.sample(parties, 2)
        con.execute("INSERT INTO labels VALUES (?, ?, 'match')", [left, right])
    return con, pair_table(con, "fresh", fresh), "SELECT * FROM labels"


def _clustering_everything(con: duckdb.DuckDBPyConnection, fresh: str, labels: str) -> dict:
    con.execute("CREATE VIEW everyone AS SELECT * FROM old UNION ALL SELECT * FROM day")
    assign_party_clusters(con, fresh, parties="everyone", previous="prev", labels=labels)
    stable_actor_ids(con, previous="prev")
    return dict(con.execute("SELECT party_id, actor_id FROM party_actor_ids").fetchall())


def _from_the_day(con: duckdb.DuckDBPyConnection, fresh: str, labels: str) -> dict:
    assign_incremental_actors(
        con, fresh, new="day", earlier="old", previous="prev", labels=labels, out="got"
    )
    rows = con.execute("SELECT party_id, source_table, record_key, role, actor_id FROM got")
    got = rows.fetchall()
    assert len(got) == len({row[0] for row in got}) == 180  # every party once
    return {row[0]: row[4] for row in got}


@pytest.mark.parametrize("seed", range(12))
def test_the_day_alone_gives_the_actors_the_whole_population_gives(seed: int):
    con, fresh, labels = _population(seed)
    expected = _clustering_everything(con, fresh, labels)
    got = _from_the_day(con, fresh, labels)
    assert got == expected
    # the day did something worth checking: new actors, and earlier actors merged
    before = dict(con.execute("SELECT party_id, actor_id FROM prev").fetchall())
    assert set(got.values()) - set(before.values())
    assert any(got[party] != actor for party, actor in before.items())


def test_a_non_match_separates_new_parties_and_leaves_the_rest_alone():
    con = duckdb.connect()
    party_table(con, "old", [("P1", "t", "P1", "seller", "o1", None, None, "R", "a")])
    con.execute(
        "CREATE TABLE prev AS SELECT 'P1' party_id, 't' source_table, 'P1' record_key, "
        "'seller' role, 'AC-0000004' actor_id"
    )
    day = [(f"Q{n}", "t", f"Q{n}", "seller", f"n{n}", None, None, "R", "a") for n in range(4)]
    party_table(con, "day", day)
    # a chain n0 - n1 - n2 - n3, and n3 also matches the earlier party's signature
    fresh = pair_table(con, "fresh", [("n0", "n1"), ("n1", "n2"), ("n2", "n3"), ("n3", "o1")])
    con.execute("CREATE TABLE labels AS SELECT 'Q0' party_id_l, 'Q3' party_id_r, 'non_match' label")
    assign_incremental_actors(
        con,
        fresh,
        new="day",
        earlier="old",
        previous="prev",
        labels="SELECT * FROM labels",
        out="got",
    )
    got = dict(con.execute("SELECT party_id, actor_id FROM got").fetchall())
    assert got["P1"] == got["Q3"] == "AC-0000004"  # the earlier actor keeps its id
    assert got["Q0"] != got["Q3"]
    assert got["Q0"] == "AC-0000005"  # new ids follow the highest seen
