"""A day's features written once by port and read back a port at a time are the day's features."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from redlane.target.day_features import port_features, ports_in_order, write_day_features
from redlane.target.features import compute_features, open_features_connection
from tests.target.conftest import World


@pytest.fixture(scope="module")
def con(world: World, tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("day-features-home")
    connection = open_features_connection(home, world.warehouse)
    yield connection
    connection.close()


def _same_column(a: pa.ChunkedArray, b: pa.ChunkedArray) -> bool:
    """Equal, floats up to rounding: DuckDB's parallel window sums may add in another order."""
    if pa.types.is_floating(a.type):
        x, y = a.to_numpy(zero_copy_only=False), b.to_numpy(zero_copy_only=False)
        return bool(np.allclose(x, y, rtol=1e-12, atol=1e-12, equal_nan=True))
    return a.equals(b)


def _busiest_day(con) -> str:
    [(day,)] = con.sql(
        "SELECT submitted_at::DATE FROM aed_shipments GROUP BY ALL ORDER BY count(*) DESC LIMIT 1"
    ).fetchall()
    return str(day)


def test_each_port_slice_is_the_days_features_of_that_port_in_order(con, tmp_path):
    where = f"k.t::DATE = DATE '{_busiest_day(con)}'"
    whole = compute_features(con, where)
    path = tmp_path / "day.parquet"
    rows = write_day_features(con, where, path)
    assert sum(rows.values()) == whole.num_rows > 0
    ports = list(ports_in_order(rows))
    assert len(ports) > 1
    for port in ports:
        mask = pc.is_null(whole["port"]) if port is None else pc.equal(whole["port"], port)
        expected = whole.filter(pc.fill_null(mask, False))
        got = port_features(con, path, port)
        assert got.num_rows == rows[port]
        assert got.schema == expected.schema
        assert got.column_names == expected.column_names
        for name in got.column_names:
            assert _same_column(got[name], expected[name]), (port, name)


def test_ports_come_by_code_with_shipments_without_a_port_last():
    assert list(ports_in_order({"LAX": 3, None: 1, "JFK": 2})) == ["JFK", "LAX", None]
    assert list(ports_in_order({"ORD": 1})) == ["ORD"]


def test_a_port_with_a_quote_in_its_code_reads_back(con, tmp_path):
    path = tmp_path / "quoted.parquet"
    con.sql("SELECT 'X''1' AS port, 1 AS submitted_at, 'a' AS sid").write_parquet(str(path))
    assert port_features(con, path, "X'1").to_pylist() == [
        {"port": "X'1", "submitted_at": 1, "sid": "a"}
    ]
    assert port_features(con, path, "X").num_rows == 0
    assert isinstance(port_features(con, path, None), pa.Table)


def test_the_keys_file_written_on_the_way_is_removed(con, tmp_path):
    path = tmp_path / "day.parquet"
    write_day_features(con, f"k.t::DATE = DATE '{_busiest_day(con)}'", path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["day.parquet"]
    assert con.sql(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = 'day_shipment_keys'"
    ).fetchall() == [(0,)]


def test_a_failed_query_leaves_no_keys_file_behind(con, tmp_path):
    path = tmp_path / "day.parquet"
    with pytest.raises(duckdb.Error):
        write_day_features(con, "k.no_such_column = 1", path)
    assert list(tmp_path.iterdir()) == []
