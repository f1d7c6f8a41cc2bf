"""A day's features for every port, computed once and read back one port at a time.

A whole day's feature table (about 170 columns a parcel) grows with the day: at millions of
parcels, holding it in memory, with the model's matrix beside it, would outgrow the machine.
DuckDB writes it to one Parquet file sorted by port (its sort spills to disk under its memory
limit), and each port's slice is read back alone to be scored and planned, so the memory a day
needs follows its largest port rather than the day.

The keys of every shipment kept (names and addresses folded, actors left out) are written to
a file first, and the feature query reads that file wherever it needs the history: held in the
query, those rows grow with the history kept, and under the memory limit they were spilled and
read back from the spill once per window (a 1 M-parcel day with two days of history: three
million rows, read ten times).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from redlane.feeds.validate import quote_literal
from redlane.target.sql import base_sql, feature_sql

# Rows of a Parquet row group: a port's slice is read as whole groups, and the sort by port
# keeps a group to one port or two.
ROW_GROUP_ROWS = 100_000
# Every shipment's keys, while a day's features are written.
_KEYS_VIEW = "day_shipment_keys"


def write_day_features(
    con: duckdb.DuckDBPyConnection, where: str, path: Path
) -> dict[str | None, int]:
    """Features of the shipments matching ``where`` (see :func:`~.sql.feature_sql`) written to
    ``path``, sorted by port, then as the query orders them; returns the rows of each port
    (``None``: shipments without a port)."""
    target = quote_literal(str(path))
    keys = path.with_name(path.name + ".keys")
    try:
        con.execute(f"COPY ({base_sql()}) TO {quote_literal(str(keys))} (FORMAT parquet)")
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {_KEYS_VIEW} AS"
            f" SELECT * FROM read_parquet({quote_literal(str(keys))})"
        )
        query = feature_sql(where=where, ordered=False, keys=_KEYS_VIEW)
        con.execute(
            f"COPY (SELECT * FROM ({query}) ORDER BY port NULLS LAST, submitted_at, sid)"
            f" TO {target} (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
        )
    finally:
        con.execute(f"DROP VIEW IF EXISTS {_KEYS_VIEW}")
        keys.unlink(missing_ok=True)
    rows = con.sql(f"SELECT port, count(*) FROM read_parquet({target}) GROUP BY port").fetchall()
    return {port: int(n) for port, n in rows}


def port_features(con: duckdb.DuckDBPyConnection, path: Path, port: str | None) -> pa.Table:
    """One port's rows of a file from :func:`write_day_features`, in the feature query's order
    (the rows ``compute_features`` gives for the day, filtered to the port): the file's order,
    which a scan keeps (``preserve_insertion_order``, on by default)."""
    condition = "port IS NULL" if port is None else f"port = {quote_literal(port)}"
    return con.sql(
        f"SELECT * FROM read_parquet({quote_literal(str(path))}) WHERE {condition}"
    ).to_arrow_table()


def ports_in_order(rows: dict[str | None, int]) -> Iterator[str | None]:
    """Ports by code, shipments without a port last."""
    yield from sorted(p for p in rows if p is not None)
    if None in rows:
        yield None
