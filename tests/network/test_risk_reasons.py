"""An actor's risk sentences say how old its evidence is, so a risk near 0 beside "4
marketplace takedowns" reads as what it is: old evidence, decayed (issue 28 §2)."""

from __future__ import annotations

import duckdb

from redlane.network.edges import build_actor_edges
from redlane.network.risk import compute_risk


def _world() -> duckdb.DuckDBPyConnection:
    """Seller S-OLD (actor OLD) taken down four times long ago, the last 210 days before the
    newest evidence; parcel H-NEW of actor NEW seized on that newest day, and H-ONE of actor
    ONE once, 10 days earlier."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE parties_all (party_id VARCHAR, source_table VARCHAR, record_key VARCHAR, "
        "role VARCHAR, bank_norm VARCHAR, device_norm VARCHAR, phone_norm VARCHAR, "
        "email_norm VARCHAR, ip_norm VARCHAR, handle_norm VARCHAR, address_core VARCHAR)"
    )
    con.execute("CREATE TABLE party_actors_all (party_id VARCHAR, actor_id VARCHAR)")
    for party, actor, table, key, role in [
        ("p1", "OLD", "mp_sellers", "S-OLD", "seller"),
        ("p2", "NEW", "aed_shipments", "H-NEW", "shipper"),
        ("p3", "NEW", "aed_shipments", "H-NEW2", "shipper"),
        ("p4", "ONE", "aed_shipments", "H-ONE", "shipper"),
    ]:
        con.execute(
            "INSERT INTO parties_all (party_id, source_table, record_key, role) "
            "VALUES (?, ?, ?, ?)",
            [party, table, key, role],
        )
        con.execute("INSERT INTO party_actors_all VALUES (?, ?)", [party, actor])
    con.execute("CREATE TABLE inspections (hawb VARCHAR, outcome VARCHAR, inspected_at TIMESTAMP)")
    con.execute(
        "INSERT INTO inspections VALUES ('H-NEW', 'seized', TIMESTAMP '2025-06-30 10:00'),"
        " ('H-NEW2', 'seized', TIMESTAMP '2025-06-20'), ('H-ONE', 'seized', TIMESTAMP '2025-06-20')"
    )
    con.execute("CREATE TABLE mp_takedowns (seller_id VARCHAR, taken_down_at TIMESTAMP)")
    for day in ("2024-09-01", "2024-10-01", "2024-11-01", "2024-12-02"):
        con.execute("INSERT INTO mp_takedowns VALUES ('S-OLD', ?)", [day])
    build_actor_edges(con)
    compute_risk(con)
    return con


def test_old_takedowns_say_their_age_and_that_they_decayed() -> None:
    con = _world()
    rows = dict(con.execute("SELECT actor_id, risk_reasons FROM actor_risk").fetchall())
    risk = dict(con.execute("SELECT actor_id, risk FROM actor_risk").fetchall())
    assert rows["OLD"] == ["4 marketplace takedowns, the latest 210 days ago (decayed)"]
    assert risk["OLD"] < 0.1  # near 0 on the actor page: the sentence says why
    assert rows["NEW"] == ["2 seizures of its own parcels, the latest less than a day ago"]
    assert rows["ONE"] == ["1 seizure of its own parcels, 10 days ago"]
