"""Party and match tables for clustering tests: the columns the clustering reads."""

from __future__ import annotations

import duckdb

PARTY_COLUMNS = (
    "party_id VARCHAR, source_table VARCHAR, record_key VARCHAR, role VARCHAR, sig_id VARCHAR, "
    "hawb_link VARCHAR, seller_link VARCHAR, registry_id VARCHAR, address VARCHAR"
)


def party_table(con: duckdb.DuckDBPyConnection, name: str, rows: list) -> None:
    con.execute(f"CREATE TABLE {name} ({PARTY_COLUMNS})")
    con.executemany(f"INSERT INTO {name} VALUES ({', '.join('?' * 9)})", rows)


def pair_table(con: duckdb.DuckDBPyConnection, name: str, pairs: list[tuple[str, str]]) -> str:
    """A table of signature matches; returns the SQL that reads it."""
    con.execute(f"CREATE OR REPLACE TABLE {name} (sig_l VARCHAR, sig_r VARCHAR)")
    con.executemany(f"INSERT INTO {name} VALUES (?, ?)", pairs)
    return f"SELECT sig_l, sig_r FROM {name}"
