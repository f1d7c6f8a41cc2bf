"""Shared cloned codes link the actors whose parcels or listings carried them."""

from __future__ import annotations

import duckdb

from redlane.network.edges import CLONED_REFS, cloned_code_edges_sql


def test_shared_cloned_codes_make_edges_between_actors() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE parties_all AS SELECT * FROM (VALUES"
        " ('p1', 'aed_shipments', 'H1', 'shipper'), ('p2', 'aed_shipments', 'H2', 'shipper'),"
        " ('p3', 'mp_sellers', 'S-1', 'seller'), ('p4', 'aed_shipments', 'H4', 'shipper'))"
        " t(party_id, source_table, record_key, role)"
    )
    con.execute(
        "CREATE TABLE party_actors_all AS SELECT * FROM (VALUES"
        " ('p1', 'A'), ('p2', 'B'), ('p3', 'C'), ('p4', 'D')) t(party_id, actor_id)"
    )
    con.execute("CREATE TABLE mp_listings AS SELECT 'L-1' AS listing_id, 'S-1' AS seller_id")
    con.execute(
        f"CREATE TABLE {CLONED_REFS} AS SELECT * FROM (VALUES"
        " ('h1', 'shipment', 'H1'), ('h1', 'shipment', 'H2'), ('h1', 'listing', 'L-1'),"
        " ('h2', 'shipment', 'H4')) t(code_hash, kind, ref_key)"
    )
    edges = con.execute(
        f"SELECT src_actor_id, dst_actor_id, kind FROM ({cloned_code_edges_sql()}) ORDER BY 1, 2"
    ).fetchall()
    assert edges == [
        ("A", "B", "shared_cloned_code"),
        ("A", "C", "shared_cloned_code"),
        ("B", "C", "shared_cloned_code"),
    ]
