"""The warehouse shows committed batches only, and can show the data as of any batch."""

from __future__ import annotations

from redlane.feeds.ingest import ingest_paths
from redlane.feeds.spec import CARRIER, TABLES
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
