"""Incremental normalisation: spellings resolved before reuse their normalised value."""

from __future__ import annotations

from typing import Any

import duckdb
import pyarrow as pa

from redlane import normalize
from redlane.resolve.parties import PARTY_COLUMNS
from redlane.resolve.prepare import prepare_parties

OLD = {"party_id": "p1", "name": "Acme Trading Ltd", "phone": "+44 20 7946 0958"}
SAME_PHONE = {"party_id": "p2", "name": "ACME TRADING", "phone": "+44 20 7946 0958"}
NEW_PHONE = {"party_id": "p3", "name": "Acme Trading Ltd", "phone": "020 7946 0111"}
ALT_ONLY = {"party_id": "p4", "alt_name": "Acme Trading Ltd", "phone": "020 7946 0111"}


def _raw(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict[str, Any]]) -> None:
    rows = [{"country": "GB", **r} for r in rows]
    columns = {c: [r.get(c) for r in rows] for c in PARTY_COLUMNS if c != "first_seen"}
    data = pa.table({c: pa.array(v, type=pa.string()) for c, v in columns.items()})
    con.register(f"{table}_rows", data)
    con.execute(f"CREATE TABLE {table} AS SELECT *, NULL::TIMESTAMP first_seen FROM {table}_rows")


def _normalised(con: duckdb.DuckDBPyConnection, table: str) -> dict[str, tuple[Any, ...]]:
    rows = con.execute(
        f"SELECT party_id, name_norm, phone_norm, country_norm FROM {table} ORDER BY party_id"
    ).fetchall()
    return {r[0]: r[1:] for r in rows}


def test_known_spellings_are_reused_and_new_ones_normalised():
    con = duckdb.connect()
    _raw(con, "raw_parties", [OLD, SAME_PHONE, NEW_PHONE, ALT_ONLY])
    con.execute("CREATE TABLE raw_old AS SELECT * FROM raw_parties WHERE party_id = 'p1'")
    prepare_parties(con, "raw_old", "prev_parties", "prev_signatures")
    # A value only the previous run could have produced shows that it was reused, not redone.
    con.execute("UPDATE prev_parties SET phone_norm = 'from-previous-run'")
    con.execute("CREATE TABLE raw_new AS SELECT * FROM raw_parties WHERE party_id <> 'p1'")

    known = "raw_parties r JOIN prev_parties p USING (party_id)"
    prepare_parties(con, "raw_new", "parties_new", "signatures_new", known=known)
    prepare_parties(con, "raw_new", "parties_plain", "signatures_plain")

    reused, plain = _normalised(con, "parties_new"), _normalised(con, "parties_plain")
    assert reused["p2"][1] == "from-previous-run"
    assert plain["p2"][1] == normalize.phone("+44 20 7946 0958", "GB")
    assert reused["p3"] == plain["p3"]  # unseen phone: the normaliser's own answer
    assert reused["p3"][1] == normalize.phone("020 7946 0111", "GB")
    assert reused["p4"] == plain["p4"]  # a name known only as a name, used for an alt_name
    assert reused["p3"][0] == plain["p3"][0] == reused["p4"][0] is not None
    assert reused["p2"][0] == plain["p2"][0] and reused["p2"][2] == plain["p2"][2] == "GB"
