"""The warehouse shows committed batches only, and can show the data as of any batch."""

from __future__ import annotations

import os
import tempfile

from redlane.feeds.ingest import ingest_paths
from redlane.model.spec import CARRIER, TABLES
from tests.utils.feed_files import valid_record, write_csv

AED = CARRIER.tables[0]


def count(con, table: str) -> int:
    [(n,)] = con.execute(f"SELECT count(*) FROM {table}").fetchall()
    return int(n)


def test_empty_warehouse_has_typed_empty_views(warehouse):
    con = warehouse.connect()
    for name in [*TABLES, "quarantine"]:
        assert count(con, name) == 0
    [(kind,)] = con.execute(
        "SELECT data_type FROM information_schema.columns "
        "WHERE table_name = 'aed_shipments' AND column_name = 'declared_value'"
    ).fetchall()
    assert kind.startswith("DECIMAL")


def test_as_of_shows_history(warehouse, tmp_path):
    for day in range(3):
        rows = [valid_record(AED, day * 10 + i) for i in range(4)]
        ingest_paths([write_csv(tmp_path / f"d{day}.csv", AED, rows)], warehouse)
    assert [count(warehouse.connect(as_of_seq=s), "aed_shipments") for s in (1, 2, 3)] == [
        4,
        8,
        12,
    ]


def test_uncommitted_files_are_invisible_and_recovered(warehouse, tmp_path):
    ingest_paths([write_csv(tmp_path / "a.csv", AED, [valid_record(AED, 1)])], warehouse)
    committed = next((warehouse.root / "aed_shipments").glob("*.parquet"))
    orphan = committed.with_name("deadbeef.parquet")
    orphan.write_bytes(committed.read_bytes())
    assert count(warehouse.connect(), "aed_shipments") == 1
    assert warehouse.recover() == [orphan]
    assert not orphan.exists() and committed.exists()


def test_connections_take_the_configured_memory_limit_and_spill_beyond_it(
    warehouse, monkeypatch, tmp_path
):
    from redlane.config import get_settings
    from redlane.engine.warehouse import spill_directory

    monkeypatch.setenv("REDLANE_DUCKDB_MEMORY_LIMIT", "64MB")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    get_settings.cache_clear()
    try:
        con = warehouse.connect()
        [(limit, temp)] = con.sql(
            "SELECT current_setting('memory_limit'), current_setting('temp_directory')"
        ).fetchall()
        assert limit == "61.0 MiB"  # 64 MB, as DuckDB prints it
        assert temp == str(spill_directory()) and spill_directory().parent == tmp_path
        # A sort of about 400 MB of strings only fits by spilling.
        [(rows, first)] = con.sql(
            "SELECT count(*), min(s) FROM (SELECT md5(i::VARCHAR) || md5(i::VARCHAR) AS s"
            " FROM range(3000000) r(i) ORDER BY s)"
        ).fetchall()
        assert rows == 3_000_000 and len(first) == 64
        assert spill_directory().exists()  # it did spill
        con.close()
        assert not spill_directory().exists()  # DuckDB removes what it created
    finally:
        get_settings.cache_clear()


def test_without_a_setting_a_connection_may_take_a_third_of_memory(warehouse, monkeypatch):
    from redlane.config import get_settings
    from redlane.engine.warehouse import default_memory_limit

    monkeypatch.delenv("REDLANE_DUCKDB_MEMORY_LIMIT", raising=False)
    get_settings.cache_clear()
    try:
        total_mb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20
        limit = default_memory_limit()
        assert limit.endswith("MB") and 0.32 < int(limit[:-2]) / total_mb < 0.34
        # An explicit limit wins over the default.
        assert warehouse.connect(memory_limit="1GB").sql(
            "SELECT current_setting('memory_limit')"
        ).fetchall() == [("953.6 MiB",)]
    finally:
        get_settings.cache_clear()


def test_spill_directories_of_processes_gone_are_swept(monkeypatch, tmp_path):
    import subprocess
    import sys

    from redlane.engine.warehouse import SPILL_PREFIX, spill_directory, sweep_stale_spill

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    stale = tmp_path / f"{SPILL_PREFIX}{int(gone.stdout)}"
    (stale / "x.tmp").parent.mkdir()
    (stale / "x.tmp").write_bytes(b"spilled")
    own = spill_directory()
    own.mkdir()
    unrelated = tmp_path / f"{SPILL_PREFIX}notapid"
    unrelated.mkdir()
    assert sweep_stale_spill() == [stale]
    assert not stale.exists() and own.exists() and unrelated.exists()
