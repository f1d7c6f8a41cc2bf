"""A day's features for every port, computed once and read back one port at a time.

A whole day's feature table (about 170 columns a parcel) grows with the day: at millions of
parcels, holding it in memory, with the model's matrix beside it, would outgrow the machine.
DuckDB writes it to one Parquet file sorted by port (its sort spills to disk under its memory
limit), and each port's slice is read back alone to be scored and planned, so the memory a day
needs follows its largest port rather than the day.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from redlane.feeds.validate import quote_literal
from redlane.target.sql import feature_sql

# Rows of a Parquet row group: a port's slice is read as whole groups, and the sort by port
# keeps a group to one port or two.
ROW_GROUP_ROWS = 100_000


def write_day_features(
    con: duckdb.DuckDBPyConnection, where: str, path: Path
) -> dict[str | None, int]:
    """Features of the shipments matching ``where`` (see :func:`~.sql.feature_sql`) written to
    ``path``, sorted by port, then as the query orders them; returns the rows of each port
    (``None``: shipments without a port)."""
    target = quote_literal(str(path))
    con.execute(
        f"COPY (SELECT * FROM ({feature_sql(where=where, ordered=False)}) ORDER BY port NULLS LAST,"
        f" submitted_at, sid) TO {target} (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
    )
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
