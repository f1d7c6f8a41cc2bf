"""A day's features for every port, computed once and read back one port at a time.

A whole day's feature table (about 170 columns a parcel) grows with the day: at millions of
parcels, holding it in memory, with the model's matrix beside it, would outgrow the machine.
DuckDB writes it to Parquet sorted by port (its sort spills to disk under its memory limit),
and each port's slice is read back alone to be scored and planned, so the memory a day needs
follows its largest port rather than the day.

The keys of every shipment kept (names and addresses folded, actors left out) are written to
a file first, and the feature query reads that file wherever it needs the history: held in the
query, those rows grow with the history kept, and under the memory limit they were spilled and
read back from the spill once per window (a 1 M-parcel day with two days of history: three
million rows, read ten times).

A day too large for one query within the connection's memory limit is split into groups of
whole ports, one query and one file each. A shipment's features do not depend on which other
shipments are selected with it, so the rows are the same; each group's working set is a
fraction of the day's, where the whole day's would spill (under a cap, the feature query of a
1 M-parcel day ran 2-4 times slower spilling). What every group shares is computed once for
the whole day first: the label-free windows (:func:`~.sql.windows_sql`), which run over the
day's rows of the targets' keys; the day's and the labelled parcels' actors
(:func:`~.sql.day_pa_sql`), a scan of every party of the history; and the labels with their
parcels' keys (:func:`~.sql.day_events_sql`), the same for every group.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa

from redlane.config import get_settings
from redlane.engine.sql import quote_literal
from redlane.targeting.sql import base_sql, day_events_sql, day_pa_sql, feature_sql, windows_sql

# Rows of a Parquet row group: a port's slice is read as whole groups, and the sort by port
# keeps a group to one port or two.
ROW_GROUP_ROWS = 100_000
# Every shipment's keys, while a day's features are written.
_KEYS_VIEW = "day_shipment_keys"
# Memory the feature query holds per shipment selected, budgeted, when the label-free windows
# are read from the day's file: on a 4,329,111-parcel day with two days of history under the
# 7.4 GiB limit, groups of at most 1.5 M parcels (four groups) wrote the day in 245 s at an
# 8.3 GB peak, one group per port in 350 s at 6.0 GB (each group scans the history again), and
# the whole day as one query took 507 s, spilling.
BYTES_PER_ROW = 6_000
_UNITS = {"bytes": 1, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}


def memory_limit_bytes(con: duckdb.DuckDBPyConnection) -> int | None:
    """The connection's memory limit as DuckDB reports it ("7.4 GiB"); ``None`` if unreadable."""
    [(setting,)] = con.sql("SELECT current_setting('memory_limit')").fetchall()
    found = re.fullmatch(r"\s*([0-9.]+)\s*([A-Za-z]+)\s*", str(setting))
    if found is None or found[2].lower() not in _UNITS:
        return None
    return int(float(found[1]) * _UNITS[found[2].lower()])


def group_rows(con: duckdb.DuckDBPyConnection, configured: int = 0) -> int | None:
    """Most shipments one feature query takes: ``configured`` if set, else what the
    connection's memory limit holds at :data:`BYTES_PER_ROW`; ``None``: no limit known."""
    if configured > 0:
        return configured
    limit = memory_limit_bytes(con)
    return None if limit is None else max(1, limit // BYTES_PER_ROW)


def port_groups(rows: dict[str | None, int], most: int | None) -> list[list[str | None]]:
    """Ports in :func:`ports_in_order`, cut into runs of at most ``most`` shipments (a port
    larger than that alone); one run when ``most`` is ``None``."""
    groups: list[list[str | None]] = []
    size = 0
    for port in ports_in_order(rows):
        if not groups or (most is not None and size + rows[port] > most):
            groups.append([])
            size = 0
        groups[-1].append(port)
        size += rows[port]
    return groups


def _port_condition(ports: list[str | None]) -> str:
    named = ", ".join(quote_literal(p) for p in ports if p is not None)
    parts = [f"k.port IN ({named})"] if named else []
    parts += ["k.port IS NULL"] if None in ports else []
    return " OR ".join(parts)


def write_day_features(
    con: duckdb.DuckDBPyConnection, where: str, path: Path, most_rows: int = 0
) -> dict[str | None, int]:
    """Features of the shipments matching ``where`` (see :func:`~.sql.feature_sql`) written to
    the directory ``path`` (replaced; one file per group of ports), sorted by port, then as the
    query orders them; returns the rows of each port (``None``: shipments without a port).

    ``most_rows``: the most shipments one query takes (default ``REDLANE_FEATURE_GROUP_ROWS``,
    else :func:`group_rows`). On failure nothing is left at ``path``.
    """
    _remove(path)
    path.mkdir(parents=True)
    keys = path.with_name(path.name + ".keys")
    # What the groups share, written once when there is more than one group.
    shared_files = {
        name: path.with_name(f"{path.name}.{name}") for name in ("windows", "pa", "events")
    }
    target = quote_literal(str(path / "*.parquet"))
    try:
        con.execute(f"COPY ({base_sql()}) TO {quote_literal(str(keys))} (FORMAT parquet)")
        con.execute(
            f"CREATE OR REPLACE TEMP VIEW {_KEYS_VIEW} AS"
            f" SELECT * FROM read_parquet({quote_literal(str(keys))})"
        )
        counted = con.sql(
            f"SELECT k.port, count(*) FROM {_KEYS_VIEW} k WHERE {where} GROUP BY ALL"
        ).fetchall()
        most = group_rows(con, most_rows or get_settings().feature_group_rows)
        groups = port_groups({p: int(c) for p, c in counted}, most)
        shared: dict[str, str] = {}
        if len(groups) > 1:
            read = {n: f"read_parquet({quote_literal(str(f))})" for n, f in shared_files.items()}
            queries = {
                "windows": windows_sql(where, _KEYS_VIEW),
                "pa": day_pa_sql(where, _KEYS_VIEW),
                # reads the `pa` file written just before it
                "events": day_events_sql(_KEYS_VIEW, read["pa"]),
            }
            for name, query in queries.items():
                con.execute(
                    f"COPY ({query}) TO {quote_literal(str(shared_files[name]))} (FORMAT parquet)"
                )
            shared = read
        for n, ports in enumerate(groups):
            query = feature_sql(
                where=f"({where}) AND ({_port_condition(ports)})",
                ordered=False,
                keys=_KEYS_VIEW,
                windows=shared.get("windows", ""),
                pa=shared.get("pa", ""),
                events=shared.get("events", ""),
            )
            part = quote_literal(str(path / f"part-{n:03d}.parquet"))
            con.execute(
                f"COPY (SELECT * FROM ({query}) ORDER BY port NULLS LAST, submitted_at, sid)"
                f" TO {part} (FORMAT parquet, ROW_GROUP_SIZE {ROW_GROUP_ROWS})"
            )
        written = (
            con.sql(f"SELECT port, count(*) FROM read_parquet({target}) GROUP BY port").fetchall()
            if counted
            else []
        )
    except BaseException:
        _remove(path)
        raise
    finally:
        con.execute(f"DROP VIEW IF EXISTS {_KEYS_VIEW}")
        keys.unlink(missing_ok=True)
        for file in shared_files.values():
            file.unlink(missing_ok=True)
    return {port: int(n) for port, n in written}


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def port_features(con: duckdb.DuckDBPyConnection, path: Path, port: str | None) -> pa.Table:
    """One port's rows of a directory from :func:`write_day_features`, in the feature query's
    order (the rows ``compute_features`` gives for the day, filtered to the port): the order of
    the one file holding the port, which a scan keeps (``preserve_insertion_order``, on by
    default)."""
    condition = "port IS NULL" if port is None else f"port = {quote_literal(port)}"
    files = quote_literal(str(path / "*.parquet"))
    return con.sql(f"SELECT * FROM read_parquet({files}) WHERE {condition}").to_arrow_table()


def ports_in_order(rows: dict[str | None, int]) -> Iterator[str | None]:
    """Ports by code, shipments without a port last."""
    yield from sorted(p for p in rows if p is not None)
    if None in rows:
        yield None
