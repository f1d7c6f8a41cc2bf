"""Actor edges from shared identifiers and flows, and risk passed along them, on hand-made
populations."""

from __future__ import annotations

import random

import duckdb
import pytest

from redlane.network.edges import MAX_SHARERS, build_actor_edges
from redlane.network.risk import compute_risk


def _population(con: duckdb.DuckDBPyConnection, rows: list[tuple[object, ...]]) -> None:
    """``rows``: party_id, actor_id, source_table, record_key, role, bank, phone."""
    con.execute(
        "CREATE TABLE parties_all (party_id VARCHAR, source_table VARCHAR, record_key VARCHAR, "
        "role VARCHAR, bank_norm VARCHAR, device_norm VARCHAR, phone_norm VARCHAR, "
        "email_norm VARCHAR, ip_norm VARCHAR, handle_norm VARCHAR, address_core VARCHAR)"
    )
    con.execute("CREATE TABLE party_actors_all (party_id VARCHAR, actor_id VARCHAR)")
    for party, actor, table, key, role, bank, phone in rows:
        con.execute(
            "INSERT INTO parties_all (party_id, source_table, record_key, role, bank_norm, "
            "phone_norm) VALUES (?, ?, ?, ?, ?, ?)",
            [party, table, key, role, bank, phone],
        )
        con.execute("INSERT INTO party_actors_all VALUES (?, ?)", [party, actor])


def test_shared_values_and_flows_make_edges_and_crowded_values_do_not():
    con = duckdb.connect()
    rows: list[tuple[object, ...]] = [
        ("p1", "A", "aed_shipments", "H1", "shipper", "IBAN-1", None),
        ("p2", "B", "aed_shipments", "H1", "consignee", "IBAN-1", "+1"),
        ("p3", "B", "aed_shipments", "H2", "consignee", None, None),
        ("p4", "A", "aed_shipments", "H2", "shipper", None, None),
        ("p5", "C", "mp_sellers", "S1", "seller", None, "+1"),
        ("p6", "A", "mp_sellers", "S2", "seller", None, None),  # no identifier: no edge
    ]
    # one phone shared by more actors than a link allows: a forwarder's, not a ring's
    rows += [
        (f"q{n}", f"X{n:02d}", "mp_sellers", f"T{n}", "seller", None, "+999")
        for n in range(MAX_SHARERS + 1)
    ]
    _population(con, rows)
    build_actor_edges(con)
    edges = con.execute(
        "SELECT src_actor_id, dst_actor_id, kind, detail FROM actor_edges_t ORDER BY ALL"
    ).fetchall()
    assert edges == [
        ("A", "B", "bank_account", "shares bank account IBAN-1"),
        ("A", "B", "ships_to", "2 parcels"),
        ("B", "C", "phone", "shares phone +1"),
    ]


@pytest.mark.parametrize("seed", range(4))
def test_equal_contributions_are_listed_in_the_same_order_whatever_the_load_order(seed: int):
    """An actor sharing a bank account with five actors seized once each: five equal
    contributions, of which the reasons show three, the same three on every run."""
    rows: list[tuple[object, ...]] = [("p0", "A", "mp_sellers", "S0", "seller", "IBAN-9", None)]
    rows += [
        (f"p{n}", f"N{n}", "aed_shipments", f"H{n}", "shipper", "IBAN-9", None) for n in range(1, 6)
    ]
    random.Random(seed).shuffle(rows)
    con = duckdb.connect()
    _population(con, rows)
    con.execute("CREATE TABLE inspections (hawb VARCHAR, outcome VARCHAR, inspected_at TIMESTAMP)")
    con.execute("CREATE TABLE mp_takedowns (seller_id VARCHAR, taken_down_at TIMESTAMP)")
    seized = [f"H{n}" for n in range(1, 6)]
    random.Random(seed + 100).shuffle(seized)
    for hawb in seized:
        con.execute("INSERT INTO inspections VALUES (?, 'seized', TIMESTAMP '2025-06-01')", [hawb])
    build_actor_edges(con)
    compute_risk(con)
    [(reasons,)] = con.execute(
        "SELECT risk_reasons FROM actor_risk WHERE actor_id = 'A'"
    ).fetchall()
    assert reasons == [f"shares bank account IBAN-9 with N{n} (1 seizure)" for n in (1, 2, 3)]
