"""A day's features written once by port and read back a port at a time are the day's features."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from redlane.targeting.day_features import (
    BYTES_PER_ROW,
    group_rows,
    memory_limit_bytes,
    port_features,
    port_groups,
    ports_in_order,
    write_day_features,
)
from redlane.targeting.features import compute_features, open_features_connection
from tests.targeting.conftest import World


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


@pytest.mark.parametrize("most_rows", [0, 1, 80])
def test_each_port_slice_is_the_days_features_of_that_port_in_order(con, tmp_path, most_rows):
    """In one query (the memory limit holds the day) or in groups of ports (one port a group,
    or a few ports a group), each port's rows are the same."""
    where = f"k.t::DATE = DATE '{_busiest_day(con)}'"
    whole = compute_features(con, where)
    path = tmp_path / "day.parquet"
    rows = write_day_features(con, where, path, most_rows=most_rows)
    assert sum(rows.values()) == whole.num_rows > 0
    ports = list(ports_in_order(rows))
    assert len(ports) > 1
    expected_files = len(port_groups(rows, most_rows or None))
    assert len(list(path.glob("*.parquet"))) == expected_files
    # what the groups shared (windows, actors, labels with their keys) is not left behind
    assert [p.name for p in tmp_path.iterdir()] == ["day.parquet"]
    if most_rows == 0:
        assert expected_files == 1
    if most_rows == 1:
        assert expected_files == len(ports)
    if most_rows == 80:  # some groups of two ports
        assert 1 < expected_files < len(ports)
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
    path.mkdir()
    con.sql("SELECT 'X''1' AS port, 1 AS submitted_at, 'a' AS sid").write_parquet(
        str(path / "part-000.parquet")
    )
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


def test_ports_are_cut_into_groups_of_whole_ports_within_the_limit():
    rows = {"SFO": 5, "ANC": 4, "JFK": 9, "LAX": 3, None: 2}
    assert port_groups(rows, None) == [["ANC", "JFK", "LAX", "SFO", None]]
    assert port_groups(rows, 8) == [["ANC"], ["JFK"], ["LAX", "SFO"], [None]]
    assert port_groups(rows, 12) == [["ANC"], ["JFK", "LAX"], ["SFO", None]]
    assert port_groups({}, 8) == []
    for most in (1, 4, 9, 100):
        groups = port_groups(rows, most)
        assert [p for g in groups for p in g] == list(ports_in_order(rows))
        assert all(len(g) == 1 or sum(rows[p] for p in g) <= most for g in groups)


def test_the_group_size_follows_the_connections_memory_limit():
    connection = duckdb.connect()
    connection.execute("SET memory_limit = '1200MB'")
    limit = memory_limit_bytes(connection)
    assert limit is not None
    # DuckDB reports the limit to a tenth of its unit ("1.1 GiB")
    assert abs(limit - 1200 * 10**6) < 0.05 * limit
    assert group_rows(connection) == limit // BYTES_PER_ROW
    assert group_rows(connection, configured=7) == 7
    connection.execute("SET memory_limit = '2GiB'")
    assert memory_limit_bytes(connection) == 2 << 30


def test_a_second_run_replaces_the_first_runs_files(con, tmp_path):
    where = f"k.t::DATE = DATE '{_busiest_day(con)}'"
    path = tmp_path / "day.parquet"
    first = write_day_features(con, where, path, most_rows=1)
    assert len(list(path.glob("*.parquet"))) == len(first) > 1
    second = write_day_features(con, where, path)
    assert second == first
    assert [p.name for p in path.glob("*.parquet")] == ["part-000.parquet"]
