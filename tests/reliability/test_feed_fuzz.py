"""Fuzzed partner files through the real ingest: no crash, every injected defect quarantined with
file, line (or JSON pointer), field and reason, and every good row loaded, counted by key.

The default profile runs a few dozen files per format; ``slow`` runs hundreds. Set
``REDLANE_FUZZ_TALLY=path.json`` to have the files, records and defects seen written there (the
figures in docs/reliability.md come from it).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from redlane.engine.sql import quote_ident
from redlane.engine.warehouse import Warehouse
from redlane.feeds.ingest import FileResult, ingest_file
from redlane.feeds.parse import MAX_FIELD_BYTES
from redlane.model.spec import FEEDS, RECORDATIONS, FeedSpec
from tests.reliability.strategies import (
    FeedFile,
    Record,
    clean,
    csv_file,
    json_document,
    jsonl_file,
    refused_document,
)
from tests.utils.feed_files import valid_record, write_csv, write_jsonl

CSV_FEEDS = [f for f in FEEDS if f.format == "csv"]
JSONL_FEEDS = [f for f in FEEDS if f.format == "jsonl"]
# No shrinking: one example is a whole ingest, and shrinking a file takes many minutes; the
# failure message shows the file around the record instead.
FAST = settings(
    max_examples=10,
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
THOROUGH = settings(FAST, max_examples=60)
TALLY: Counter[str] = Counter()


@pytest.fixture(scope="module", autouse=True)
def _write_tally() -> Iterator[None]:
    yield
    target = os.environ.get("REDLANE_FUZZ_TALLY")
    if target:
        earlier = json.loads(Path(target).read_text()) if Path(target).exists() else {}
        merged = Counter(earlier) + TALLY
        Path(target).write_text(json.dumps(dict(sorted(merged.items())), indent=1))


def ingest(file: FeedFile, folder: Path) -> tuple[Path, FileResult, Warehouse]:
    path = folder / "in" / file.name
    path.parent.mkdir(parents=True)
    path.write_bytes(file.data)
    warehouse = Warehouse(folder / "warehouse")
    with warehouse.writer_lock():
        result = ingest_file(path, warehouse, file.feed.kind)
    return path, result, warehouse


def rows(source: Warehouse | duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    con = source.connect() if isinstance(source, Warehouse) else source
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]


def check(file: FeedFile) -> None:
    """Ingest ``file`` into a fresh warehouse and hold it to everything the file expects."""
    with tempfile.TemporaryDirectory(prefix="redlane-fuzz-") as tmp:
        path, result, warehouse = ingest(file, Path(tmp))
        TALLY[f"files:{file.feed.format}"] += 1
        if file.refused is not None:
            _check_refused(file, path, result, warehouse)
            return
        assert result.status == "loaded", result.error
        con = warehouse.connect(tables=[*(t.name for t in file.feed.tables), "quarantine"])
        _check_quarantine(file, path, con)
        _check_loaded(file, con)
        expected_loaded = sum(len(k) for k in file.expected_loaded().values())
        assert (result.loaded, result.duplicates, result.quarantined) == (
            expected_loaded,
            file.duplicates(),
            len(file.faults()),
        )
        TALLY[f"records:{file.feed.format}"] += len(file.records)
        TALLY[f"good_rows_loaded:{file.feed.format}"] += expected_loaded
        TALLY[f"duplicates_counted:{file.feed.format}"] += file.duplicates()
        TALLY[f"bad_rows_quarantined:{file.feed.format}"] += len(file.faults())
        for record in file.faults():
            assert record.fault is not None
            TALLY[f"defect:{record.fault.kind}"] += 1


def _check_refused(file: FeedFile, path: Path, result: FileResult, warehouse: Warehouse) -> None:
    assert result.status == "failed"
    assert result.error and str(path) in result.error and file.refused in result.error
    assert warehouse.manifests() == [] and sum(warehouse.table_rows().values()) == 0
    TALLY["files_refused_whole"] += 1


def _check_quarantine(file: FeedFile, path: Path, con: duckdb.DuckDBPyConnection) -> None:
    found = rows(
        con, "SELECT table_name, _source_file, line, location, field, reason FROM quarantine"
    )
    assert {r["_source_file"] for r in found} <= {str(path.resolve())}
    unmatched = list(found)
    for record in file.faults():
        match = _find(record, unmatched)
        assert match is not None, (
            f"{record.fault} at line {record.line} / {record.location} not in {found}\n"
            + file.excerpt(record.line, record.location)
        )
        unmatched.remove(match)
    assert unmatched == [], f"quarantined but not injected: {unmatched}\n" + "\n".join(
        file.excerpt(r["line"], r["location"]) for r in unmatched
    )


def _find(record: Record, candidates: list[dict[str, Any]]) -> dict[str, Any] | None:
    fault = record.fault
    assert fault is not None
    for row in candidates:
        if (row["table_name"], row["line"], row["location"], row["field"]) == (
            fault.table,
            record.line,
            record.location,
            fault.field,
        ) and fault.matches(row["reason"]):
            return row
    return None


def _check_loaded(file: FeedFile, con: duckdb.DuckDBPyConnection) -> None:
    expected = file.expected_loaded()
    good = {(r.table.name, r.line, r.location): r for r in file.records if r.good()}
    for table in file.feed.tables:
        texts = [f for f in table.fields if f.kind in ("str", "id")]  # keys are among them
        typed_keys = [k for k in table.key if k not in {f.name for f in texts}]  # fx_rates'
        columns = ", ".join(
            [quote_ident(f.name) for f in texts]
            + [f"CAST({quote_ident(k)} AS VARCHAR) AS {quote_ident(k)}" for k in typed_keys]
        )
        loaded = rows(con, f"SELECT _line, _location, {columns} FROM {quote_ident(table.name)}")
        keys = {tuple(row[k] or "" for k in table.key) for row in loaded}
        assert keys == expected[table.name], (table.name, keys ^ expected[table.name])
        for row in loaded:
            record = good[(table.name, row["_line"], row["_location"])]
            for f in texts:  # text survives encodings, BOMs, quoting and escapes unchanged
                assert row[f.name] == clean(record.value(f.name)), (table.name, f.name)


@pytest.mark.parametrize("feed", CSV_FEEDS, ids=lambda f: f.kind)
def test_fuzzed_csv_files(feed: FeedSpec) -> None:
    _run(FAST, csv_file(feed))


@pytest.mark.parametrize("feed", JSONL_FEEDS, ids=lambda f: f.kind)
def test_fuzzed_jsonl_files(feed: FeedSpec) -> None:
    _run(FAST, jsonl_file(feed))


def test_fuzzed_json_documents() -> None:
    _run(FAST, json_document(RECORDATIONS))


def test_unreadable_json_documents_are_refused_whole() -> None:
    _run(settings(FAST, max_examples=12), refused_document(RECORDATIONS))


@pytest.mark.parametrize("feed", CSV_FEEDS, ids=lambda f: f.kind)
def test_a_csv_field_over_the_size_limit_refuses_its_row_by_name(
    feed: FeedSpec, tmp_path: Path
) -> None:
    table = feed.tables[0]
    records = [valid_record(table, i) for i in range(3)]
    huge = table.fields[len(table.fields) // 2].name
    records[1][huge] = "x" * (MAX_FIELD_BYTES + 10)
    path = write_csv(tmp_path / "in" / "huge.csv", table, records)
    warehouse = Warehouse(tmp_path / "warehouse")
    with warehouse.writer_lock():
        result = ingest_file(path, warehouse, feed.kind)

    assert (result.status, result.loaded, result.quarantined) == ("loaded", 2, 1)
    [bad] = rows(warehouse, "SELECT line, field, reason, record FROM quarantine")
    assert (bad["line"], bad["field"]) == (3, huge)
    assert bad["reason"] == f"field longer than {MAX_FIELD_BYTES:,} characters"
    assert len(bad["record"]) < 20_000 and "characters in all" in bad["record"]


def test_the_field_limit_holds_after_a_library_changes_the_csv_module(tmp_path: Path) -> None:
    import csv

    # FollowTheMoney lowers the csv module's global limit on import; the service imports it.
    csv.field_size_limit(100)
    try:
        test_a_csv_field_over_the_size_limit_refuses_its_row_by_name(CSV_FEEDS[0], tmp_path)
    finally:
        csv.field_size_limit(MAX_FIELD_BYTES)


def test_a_huge_json_value_refuses_its_record_by_name(tmp_path: Path) -> None:
    social = next(f for f in JSONL_FEEDS if f.kind == "social")
    table = social.tables[0]
    records = [valid_record(table, i) for i in range(3)]
    records[2]["text"] = "y" * 3_000_000
    path = write_jsonl(tmp_path / "in" / "huge.jsonl", social, [(table, r) for r in records])
    warehouse = Warehouse(tmp_path / "warehouse")
    with warehouse.writer_lock():
        result = ingest_file(path, warehouse, "social")

    assert (result.status, result.loaded, result.quarantined) == ("loaded", 2, 1)
    [bad] = rows(warehouse, "SELECT line, field, reason FROM quarantine")
    limit = next(f.max_len for f in table.fields if f.name == "text")
    assert bad == {"line": 3, "field": "text", "reason": f"longer than {limit} characters"}


@pytest.mark.slow
@pytest.mark.parametrize(
    "make",
    [
        *[pytest.param(lambda f=f: csv_file(f), id=f.kind) for f in CSV_FEEDS],
        *[pytest.param(lambda f=f: jsonl_file(f), id=f.kind) for f in JSONL_FEEDS],
        pytest.param(lambda: json_document(RECORDATIONS), id="recordations"),
    ],
)
def test_fuzzed_files_thoroughly(make: Callable[[], st.SearchStrategy[FeedFile]]) -> None:
    _run(THOROUGH, make())


def _run(profile: settings, strategy: st.SearchStrategy[FeedFile]) -> None:
    @profile
    @given(strategy)
    def run(file: FeedFile) -> None:
        check(file)

    run()
