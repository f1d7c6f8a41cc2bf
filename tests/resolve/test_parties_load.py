"""Every party once: a key seen twice in a source table keeps the row first seen."""

from __future__ import annotations

import random

import duckdb
import pytest

from redlane.engine.sql import empty_table_sql
from redlane.model.spec import TABLES
from redlane.resolve.parties import PARTY_SOURCES, load_raw_parties


def _schema_with_shipments(rows: list[tuple[str, str, int]]) -> duckdb.DuckDBPyConnection:
    """Every party source as an empty table of the feed's columns, in schema ``src``; then
    ``aed_shipments`` rows of (hawb, shipper name, day of submission)."""
    con = duckdb.connect()
    con.execute("CREATE SCHEMA src")
    for source in {s[0] for s in PARTY_SOURCES}:
        con.execute(f"CREATE TABLE src.{source} AS {empty_table_sql(TABLES[source])}")
    for hawb, name, day in rows:
        con.execute(
            "INSERT INTO src.aed_shipments (hawb, shipper_name, consignee_name, submitted_at)"
            " VALUES (?, ?, ?, TIMESTAMP '2025-01-01' + to_days(?))",
            [hawb, name, f"consignee of {name}", day],
        )
    return con


@pytest.mark.parametrize("seed", range(5))
def test_a_repeated_key_keeps_its_first_row_and_every_other_party_is_kept(seed):
    rng = random.Random(seed)
    rows = [(f"H{rng.randrange(40)}", f"name {i}", rng.randrange(30)) for i in range(120)]
    con = _schema_with_shipments(rows)
    n = load_raw_parties(con, "raw", schema="src")
    found = con.sql(
        "SELECT record_key, role, name, first_seen::DATE - DATE '2025-01-01' FROM raw"
        " ORDER BY party_id"
    ).fetchall()
    first: dict[str, tuple[str, int]] = {}
    for hawb, name, day in rows:
        if hawb not in first or day < first[hawb][1]:
            first[hawb] = (name, day)
    assert n == len(found) == 2 * len(first)  # a shipper and a consignee per parcel
    ties = {h for h, (_, d) in first.items() if sum(r[0] == h and r[2] == d for r in rows) > 1}
    for hawb, role, name, day in found:
        want_name, want_day = first[hawb]
        assert day == want_day
        if hawb not in ties and role == "shipper":
            assert name == want_name
    ids = con.sql("SELECT party_id FROM raw").fetchall()
    assert ids == sorted(ids)  # in party order
